"""Region summaries over a finished range: under a county one entry per township, under a
township one per village, a village alone; each with its cadres, the share of them without
a live attendance finding, its findings by kind and status and a week-by-week trend, and
the same for the whole region. Entries are ordered by code: a summary, not a ranking.

Cadres: those with a post inside the entry (and the reader's scope) that meets the range.
Findings: those the reader may see (`Scope.findings_clause`) about such a post (the
finding's region is the post's) whose period meets the range.

Attendance findings are `absent` and `not_resident`. One is live unless it is dismissed,
withdrawn or appeal_upheld (`region_summary.NOT_LIVE`), so open, in_review, confirmed,
escalated, appealed, appeal_rejected and disposed ones count. A cadre is without
attendance findings in an entry when no live one about their post there meets the range.

The weekly trend lists every ISO week (Monday to Sunday) meeting the range: the cadres with
a live attendance finding whose period meets the week, and the findings (any kind and
status) whose period meets the week, both within the range; a finding over a month counts
in each of its weeks.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement

from ...config import Settings
from ...errors import NotFound
from ...extensions import db
from ...models import Assignment, Finding, Region
from ..access.scope import Scope
from ..presence.region_summary import ATTENDANCE_KINDS, NOT_LIVE
from .presence_audit import check_range

CHILD_LEVEL = {"county": "township", "township": "village", "village": "village"}
CODE_DIGITS = {"county": 6, "township": 9, "village": 12}


def meets(starts_on, ends_on, first: date, last: date) -> ColumnElement:
    """SQL condition: the dates [starts_on, ends_on] (ends_on NULL: open) meet [first, last]."""
    return (starts_on <= last) & or_(ends_on.is_(None), ends_on >= first)


def posts_under(scope: Scope, code: str | None, first: date, last: date) -> list:
    """Conditions on Assignment: a post under `code` (anywhere if None), inside the scope,
    meeting [first, last]."""
    where = [scope.region_clause(Assignment.region_code),
             meets(Assignment.starts_on, Assignment.ends_on, first, last)]
    if code is not None:
        where.append(Assignment.region_code.like(code + "%"))
    return where


def findings_about_posts(scope: Scope, code: str | None, first: date, last: date) -> list:
    """Conditions on Finding: visible to the scope, about a post that `posts_under` holds,
    its period meeting [first, last]."""
    post = aliased(Assignment)
    where = [scope.findings_clause(), Finding.period_start <= last, Finding.period_end >= first,
             exists().where(post.cadre_id == Finding.cadre_id,
                            post.region_code == Finding.region_code,
                            scope.region_clause(post.region_code),
                            meets(post.starts_on, post.ends_on, first, last))]
    if code is not None:
        where.append(Finding.region_code.like(code + "%"))
    return where


def iso_weeks(first: date, last: date) -> list[tuple[str, date, date]]:
    """(label like 2026-W47, Monday, Sunday) of every ISO week meeting [first, last]."""
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        year, week, _ = monday.isocalendar()
        weeks.append((f"{year}-W{week:02d}", monday, monday + timedelta(days=6)))
        monday += timedelta(days=7)
    return weeks


def share(part: int, whole: int) -> float | None:
    """part ÷ whole to four decimals; None for no whole."""
    return round(part / whole, 4) if whole else None


def summarise_region(settings: Settings, scope: Scope, code: str, first: date,
                     last: date) -> dict:
    """{"region", "region_name", "level", "entry_level", "from", "to", "entries",
    "totals"}; 404 for a region that is not there or lies outside the scope, 422 for a
    range that is not a finished one of at most the evaluation's length."""
    check_range(settings, first, last)
    place = db.session.execute(select(Region.code, Region.name, Region.level).where(
        Region.code == code)).one_or_none()
    if place is None or not scope.region_visible(code):
        raise NotFound(f"region {code} not found")
    digits = CODE_DIGITS[CHILD_LEVEL[place.level]]
    cadres = _cadres(scope, code, digits, first, last)
    counts, periods = _findings(scope, code, digits, first, last)
    live = _live_attendance(scope, code, digits, first, last)
    weeks = iso_weeks(first, last)
    entries = [{"code": entry, "name": name,
                **_numbers(weeks, first, last, cadres.get(entry, set()), counts.get(entry, {}),
                           periods.get(entry, []), live.get(entry, []))}
               for entry, name in _entries(scope, place, cadres)]
    totals = _numbers(weeks, first, last, set().union(*cadres.values()),
                      _merged(counts.values()), [p for ps in periods.values() for p in ps],
                      [f for fs in live.values() for f in fs])
    return {"region": code, "region_name": place.name, "level": place.level,
            "entry_level": CHILD_LEVEL[place.level], "from": first, "to": last,
            "entries": entries, "totals": totals}


def _entries(scope: Scope, place, cadres: dict[str, set[int]]) -> list[tuple[str, str]]:
    """(code, name) of the entries, by code: the region's parts in the scope, and the
    region itself first when posts lie on it directly (a county leader's on a township)."""
    if place.level == "village":
        return [(place.code, place.name)]
    parts = [(c, n) for c, n in db.session.execute(
        select(Region.code, Region.name).where(
            Region.level == CHILD_LEVEL[place.level], Region.code.like(place.code + "%"))
        .order_by(Region.code)) if scope.region_visible(c)]
    return ([(place.code, place.name)] if place.code in cadres else []) + parts


def _cadres(scope: Scope, code: str, digits: int, first: date,
            last: date) -> dict[str, set[int]]:
    entry = func.substr(Assignment.region_code, 1, digits).label("entry")
    found: dict[str, set[int]] = {}
    for key, cadre_id in db.session.execute(select(entry, Assignment.cadre_id).distinct()
                                            .where(*posts_under(scope, code, first, last))):
        found.setdefault(key, set()).add(cadre_id)
    return found


def _findings(scope: Scope, code: str, digits: int, first: date, last: date):
    """entry → kind → status → count, and entry → [(period start, end, count)]."""
    entry = func.substr(Finding.region_code, 1, digits).label("entry")
    counts: dict[str, dict[str, dict[str, int]]] = {}
    periods: dict[str, list[tuple[date, date, int]]] = {}
    for key, kind, status, start, end, number in db.session.execute(
            select(entry, Finding.kind, Finding.status, Finding.period_start,
                   Finding.period_end, func.count())
            .where(*findings_about_posts(scope, code, first, last))
            .group_by(entry, Finding.kind, Finding.status, Finding.period_start,
                      Finding.period_end)):
        statuses = counts.setdefault(key, {}).setdefault(kind, {})
        statuses[status] = statuses.get(status, 0) + number
        periods.setdefault(key, []).append((start, end, number))
    return counts, periods


def _live_attendance(scope: Scope, code: str, digits: int, first: date,
                     last: date) -> dict[str, list[tuple[int, date, date]]]:
    """entry → [(cadre, period start, end)] of live attendance findings."""
    entry = func.substr(Finding.region_code, 1, digits).label("entry")
    found: dict[str, list[tuple[int, date, date]]] = {}
    for key, cadre_id, start, end in db.session.execute(
            select(entry, Finding.cadre_id, Finding.period_start, Finding.period_end)
            .distinct().where(*findings_about_posts(scope, code, first, last),
                              Finding.kind.in_(ATTENDANCE_KINDS),
                              Finding.status.notin_(NOT_LIVE))):
        found.setdefault(key, []).append((cadre_id, start, end))
    return found


def _numbers(weeks: list[tuple[str, date, date]], first: date, last: date, cadres: set[int],
             findings: dict, periods: list[tuple[date, date, int]],
             live: list[tuple[int, date, date]]) -> dict:
    with_findings = {cadre for cadre, _, _ in live} & cadres
    without = len(cadres) - len(with_findings)

    def within(start: date, end: date, monday: date, sunday: date) -> bool:
        return max(start, first, monday) <= min(end, last, sunday)

    weekly = [{"week": label, "from": monday, "to": sunday,
               "cadres_with_attendance_findings": len(
                   {c for c, s, e in live if c in cadres and within(s, e, monday, sunday)}),
               "findings": sum(n for s, e, n in periods if within(s, e, monday, sunday))}
              for label, monday, sunday in weeks]
    return {"cadres": len(cadres), "cadres_without_attendance_findings": without,
            "share_without_attendance_findings": share(without, len(cadres)),
            "findings": findings, "weekly": weekly}


def _merged(counts: Iterable[dict[str, dict[str, int]]]) -> dict[str, dict[str, int]]:
    merged: dict[str, dict[str, int]] = {}
    for kinds in counts:
        for kind, statuses in kinds.items():
            into = merged.setdefault(kind, {})
            for status, number in statuses.items():
                into[status] = into.get(status, 0) + number
    return merged
