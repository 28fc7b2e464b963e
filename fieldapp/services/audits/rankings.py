"""Red and black lists of townships or dispatching units, only where a county switched
rankings on (FIELDAPP_RANKINGS; off by default, since 国办函〔2026〕12号 forbids in-app
points rankings): 404 while off.

What is ranked is a work result and nothing else: the share of an entry's cadres (posted
there, in the reader's scope, during the range) with a confirmed `absent` or
`not_resident` finding whose period meets the range — confirmed meaning a status of
confirmed, escalated, disposed or appeal_rejected, among the findings the reader may see
(`Scope.findings_clause`). Never pings, photos or online time.

A township's cadres are those posted in it or its villages; a unit's, the cadres it
dispatched (`Cadre.unit`) posted anywhere in the scope (under `region`, if given); cadres
with no unit are counted apart. The red list holds the lowest shares (best), the black
list the highest; each is `ranking_list_length` long, or half the entries ranked when
there are fewer than twice that. The black list is drawn from the entries not on the red
list, and holds none without a confirmed finding (so it may be shorter). Equal shares are
ordered by township code or unit name and marked tied, with the same rank (1, 2, 2, 4).
"""
from __future__ import annotations

from datetime import date
from fractions import Fraction

from sqlalchemy import func, select

from ...config import AuditSettings, Settings
from ...errors import NotFound, Unprocessable
from ...extensions import db
from ...models import Assignment, Cadre, Finding, Region
from ..access.scope import Scope
from ..people.names import TOWNSHIP_DIGITS
from ..presence.region_summary import ATTENDANCE_KINDS
from .presence_audit import check_range
from .summaries import findings_about_posts, posts_under, share

LEVELS = ("township", "unit")
CONFIRMED = ("confirmed", "escalated", "disposed", "appeal_rejected")
FORMULA = "cadres with a confirmed absent or not_resident finding ÷ cadres posted"
SWITCHED_OFF = ("rankings are switched off (FIELDAPP_RANKINGS): a county turns them on "
                "itself, since in-app points rankings are forbidden (国办函〔2026〕12号)")


def require_switched_on(settings: AuditSettings) -> None:
    """404 while rankings are off."""
    if not settings.rankings:
        raise NotFound(SWITCHED_OFF)


def rankings(settings: Settings, scope: Scope, level: str, first: date, last: date,
             region: str | None = None) -> dict:
    """{"level", "region", "from", "to", "formula", "confirmed_statuses", "list_length",
    "ranked", "cadres_without_unit", "red_list", "black_list"}; each list entry has code
    (None for a unit), name, cadres, cadres_with_confirmed_findings, share, rank and tied.
    `region` (a county or township code) narrows the posts counted."""
    require_switched_on(settings.audits)
    if level not in LEVELS:
        raise Unprocessable(f"level is one of {', '.join(LEVELS)}", {"level": ["invalid"]})
    check_range(settings, first, last)
    if region is not None and (not scope.region_visible(region) or db.session.scalar(
            select(Region.code).where(Region.code == region)) is None):
        raise NotFound(f"region {region} not found")
    if level == "township":
        posted = _cadres_by(select(func.substr(Assignment.region_code, 1, TOWNSHIP_DIGITS),
                                     Assignment.cadre_id).where(
            *posts_under(scope, region, first, last),
            func.length(Assignment.region_code) >= TOWNSHIP_DIGITS))
        confirmed = _cadres_by(select(func.substr(Finding.region_code, 1, TOWNSHIP_DIGITS),
                                        Finding.cadre_id).where(
            *_confirmed(scope, region, first, last),
            func.length(Finding.region_code) >= TOWNSHIP_DIGITS))
        names = dict(db.session.execute(select(Region.code, Region.name).where(
            Region.code.in_(list(posted)))).all())
        entries = [(code, names.get(code), cadres) for code, cadres in posted.items()]
        without_unit = 0
    else:
        posted = _cadres_by(select(Cadre.unit, Assignment.cadre_id).select_from(Assignment)
                            .join(Cadre).where(*posts_under(scope, region, first, last)))
        confirmed = _cadres_by(select(Cadre.unit, Finding.cadre_id).select_from(Finding)
                               .join(Cadre, Cadre.id == Finding.cadre_id)
                               .where(*_confirmed(scope, region, first, last)))
        without_unit = len(posted.pop(None, set()) | posted.pop("", set()))
        entries = [(None, unit, cadres) for unit, cadres in posted.items()]
    counted = [{"code": code, "name": name, "cadres": len(cadres),
                "cadres_with_confirmed_findings": len(confirmed.get(code or name, set())
                                                      & cadres)}
               for code, name, cadres in entries]
    length = min(settings.audits.ranking_list_length, len(counted) // 2)
    red = _listed(counted, counted, length, best_first=True)
    on_red = {(e["code"], e["name"]) for e in red}
    black = _listed([e for e in counted if e["cadres_with_confirmed_findings"]
                     and (e["code"], e["name"]) not in on_red], counted, length,
                    best_first=False)
    return {"level": level, "region": region, "from": first, "to": last, "formula": FORMULA,
            "confirmed_statuses": list(CONFIRMED), "list_length": length,
            "ranked": len(counted), "cadres_without_unit": without_unit,
            "red_list": red, "black_list": black}


def _confirmed(scope: Scope, region: str | None, first: date, last: date) -> list:
    return [*findings_about_posts(scope, region, first, last),
            Finding.kind.in_(ATTENDANCE_KINDS), Finding.status.in_(CONFIRMED)]


def _cadres_by(query) -> dict:
    """key → cadre ids, from a query of (key, cadre id) pairs (a township code or a unit)."""
    found: dict = {}
    for key, cadre_id in db.session.execute(query.distinct()):
        found.setdefault(key, set()).add(cadre_id)
    return found


def _fraction(entry: dict) -> Fraction:
    return Fraction(entry["cadres_with_confirmed_findings"], entry["cadres"])


def _listed(candidates: list[dict], ranked: list[dict], length: int,
            best_first: bool) -> list[dict]:
    """The first `length` of `candidates` by share (lowest first if `best_first`), then by
    code or name; rank and ties are counted among every entry `ranked`."""
    shares = [_fraction(e) for e in ranked]
    sign = 1 if best_first else -1
    ordered = sorted(candidates, key=lambda e: (sign * _fraction(e), e["code"] or "",
                                                e["name"] or ""))
    listed = []
    for entry in ordered[:length]:
        mine = _fraction(entry)
        better = sum(1 for s in shares if sign * s < sign * mine)
        listed.append({**entry, "share": share(entry["cadres_with_confirmed_findings"],
                                               entry["cadres"]),
                       "rank": better + 1, "tied": shares.count(mine) > 1})
    return listed
