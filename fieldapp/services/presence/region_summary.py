"""A township over a week or a month: each village's cadres with the period summaries an
evaluation stored for their posts, their findings, and a state per cadre and village.

Which stored periods a range [first, last] counts: those that start in it, and those that
cover all of it. A week of a weekly policy is its own period; a month over weekly policies
sums the weeks that start in the month (each week counts in one month only, and a week
cut short by a posting's start or end is prorated as the evaluation stored it); a week
over a monthly policy shows the month's period holding it.

States: "short" — a period where present + no-data days or nights fell below what was
required, or a live not_resident/absent finding; "unclear" — below what was required only
for lack of data; "met" — every period met; "none" — nothing evaluated. A village is
"short" if any cadre is, "met" if every cadre is, "none" if no cadre has data, "vacant"
with nobody posted, "unclear" otherwise.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import case, func, or_, select

from ...errors import NotFound
from ...extensions import db
from ...models import Assignment, Cadre, Finding, PresencePeriod, Region
from ...models.people import CADRE_ROLES
from ..access.scope import Scope

NUMBERS = ("required_days", "present_days", "no_data_days",
           "required_nights", "present_nights", "no_data_nights")
ATTENDANCE_KINDS = ("not_resident", "absent")
NOT_LIVE = ("dismissed", "withdrawn", "appeal_upheld")  # no longer says the cadre was away


def township_summary(scope: Scope, code: str, first: date, last: date) -> dict:
    """{"township": Region, "villages": [{"region", "state", "cadres": [...]}],
    "totals": {...}}; each cadre row has its assignment, cadre, summed numbers, the
    periods counted, findings by kind and a state. 404 for a code that is not a township
    or lies outside the scope."""
    township = db.session.get(Region, code)
    if township is None or township.level != "township" or not scope.region_visible(code):
        raise NotFound(f"township {code} not found")
    villages = list(db.session.scalars(select(Region).where(
        Region.level == "village", Region.code.like(code + "%"),
        scope.region_clause(Region.code)).order_by(Region.code)))
    rows = _cadre_rows(scope, code, first, last)
    by_village: dict[str, list[dict]] = {}
    for row in rows:
        by_village.setdefault(row["assignment"].region_code, []).append(row)
    places = ([township] if code in by_village else []) + villages
    return {"township": township,
            "villages": [{"region": place, "cadres": by_village.get(place.code, []),
                          "state": village_state(by_village.get(place.code, []))}
                         for place in places],
            "totals": {n: sum(r[n] for r in rows) for n in NUMBERS}}


def _cadre_rows(scope: Scope, code: str, first: date, last: date) -> list[dict]:
    posts = db.session.execute(select(Assignment, Cadre).join(Cadre).where(
        Assignment.region_code.like(code + "%"), scope.region_clause(Assignment.region_code),
        scope.cadre_clause(Assignment.cadre_id), Assignment.starts_on <= last,
        or_(Assignment.ends_on.is_(None), Assignment.ends_on >= first))).all()
    if not posts:
        return []
    periods = _periods(scope, [a.id for a, _ in posts], first, last)
    findings = _finding_counts(scope, code, {c.id for _, c in posts}, first, last)
    rows = []
    for assignment, cadre in posts:
        counted = periods.get(assignment.id, [])
        kinds = findings.get((cadre.id, assignment.region_code), {})
        rows.append({"assignment": assignment, "cadre": cadre, "periods": counted,
                     "findings": {k: n for k, (n, _) in kinds.items()},
                     "state": cadre_state(counted, kinds),
                     **{n: sum(getattr(p, n) for p in counted) for n in NUMBERS}})
    rows.sort(key=lambda r: (r["assignment"].region_code, CADRE_ROLES.index(r["cadre"].role),
                             r["cadre"].name, r["assignment"].id))
    return rows


def _periods(scope: Scope, assignment_ids: list[int], first: date,
             last: date) -> dict[int, list[PresencePeriod]]:
    """The stored periods each assignment counts over [first, last] (module docstring)."""
    found = db.session.scalars(select(PresencePeriod).where(
        PresencePeriod.assignment_id.in_(assignment_ids),
        PresencePeriod.period_start <= last, PresencePeriod.period_end >= first,
        or_(PresencePeriod.period_start >= first, PresencePeriod.period_end >= last),
        scope.dates_clause(PresencePeriod.cadre_id, PresencePeriod.period_start,
                           PresencePeriod.period_end))
        .order_by(PresencePeriod.period_start))
    periods: dict[int, list[PresencePeriod]] = {}
    for period in found:
        periods.setdefault(period.assignment_id, []).append(period)
    return periods


def _finding_counts(scope: Scope, code: str, cadre_ids: set[int], first: date,
                    last: date) -> dict[tuple[int, str], dict[str, tuple[int, int]]]:
    """(cadre, post) → kind → (visible findings whose period meets [first, last], how
    many of them are live)."""
    live = func.sum(case((Finding.status.notin_(NOT_LIVE), 1), else_=0))
    rows = db.session.execute(select(
        Finding.cadre_id, Finding.region_code, Finding.kind, func.count(), live).where(
        Finding.cadre_id.in_(cadre_ids), Finding.region_code.like(code + "%"),
        scope.findings_clause(), Finding.period_start <= last, Finding.period_end >= first)
        .group_by(Finding.cadre_id, Finding.region_code, Finding.kind))
    counts: dict[tuple[int, str], dict[str, tuple[int, int]]] = {}
    for cadre_id, region_code, kind, total, live_count in rows:
        counts.setdefault((cadre_id, region_code), {})[kind] = (total, int(live_count or 0))
    return counts


def cadre_state(periods: list[PresencePeriod], kinds: dict[str, tuple[int, int]]) -> str:
    if any(kinds.get(k, (0, 0))[1] for k in ATTENDANCE_KINDS):
        return "short"
    if not periods:
        return "none"
    states = {_period_state(p) for p in periods}
    return "short" if "short" in states else "unclear" if "unclear" in states else "met"


def _period_state(p: PresencePeriod) -> str:
    if (p.present_days + p.no_data_days < p.required_days
            or p.present_nights + p.no_data_nights < p.required_nights):
        return "short"
    if p.present_days < p.required_days or p.present_nights < p.required_nights:
        return "unclear"
    return "met"


def village_state(cadres: list[dict]) -> str:
    states = {row["state"] for row in cadres}
    if not states:
        return "vacant"
    if "short" in states:
        return "short"
    if states == {"met"}:
        return "met"
    return "none" if states == {"none"} else "unclear"
