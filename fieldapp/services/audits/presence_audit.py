"""A presence audit: every post under a region (or of one cadre) over a finished range of
dates, counted from the day records, with its findings, and totals per township and for
the whole.

Counting. Over the dates of the range that the post covers, `present_*`, `no_data_*` and
`excused_*` count the day records' day and night statuses; `unevaluated_days` counts the
posted dates with no day record (an evaluation has not covered them: no verdict, for or
against). `required_*` comes from each policy period that overlaps the range, prorated to
the posted dates inside the range as the evaluation prorates a period a posting cuts short
(docs/presence-rules.md): max(0, ⌈min × posted days / period length⌉ − excused days). For a
range that is exactly a period, the numbers are the stored period summary's. `leave_days`
counts the posted dates covered by approved leave. `findings` counts the findings the
reader may see about the cadre at this post whose period meets the range, by kind and
status.

A cadre posted twice under the region during the range (moved between villages) has a row
per post.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta

from sqlalchemy import func, or_, select

from ...config import Settings
from ...domain.dates import OUT_OF_RANGE, supported
from ...domain.policies import periods_overlapping, required
from ...errors import Forbidden, NotFound, Unprocessable
from ...extensions import db
from ...models import Assignment, Cadre, Finding, Leave, PresenceDay, Region
from ...models.people import CADRE_ROLES
from ...models.types import utcnow
from ..access.access_log import log_reads
from ..access.scope import Scope
from ..people.names import TOWNSHIP_DIGITS, region_names
from ..presence.evaluation import last_finished_day

DAY_NUMBERS = ("required_days", "present_days", "no_data_days", "excused_days")
NIGHT_NUMBERS = ("required_nights", "present_nights", "no_data_nights", "excused_nights")
NUMBERS = (*DAY_NUMBERS, *NIGHT_NUMBERS, "leave_days", "posted_days", "unevaluated_days")

Progress = Callable[[Iterable[str]], Iterable[str]]


def check_range(settings: Settings, first: date, last: date) -> None:
    """422 unless [first, last] is a range of finished dates no longer than an evaluation's."""
    if not (supported(first) and supported(last)):
        raise Unprocessable(f"dates {OUT_OF_RANGE}", {"from": [OUT_OF_RANGE]})
    if last < first:
        raise Unprocessable("to is before from", {"to": ["before from"]})
    limit = settings.evaluation.max_days
    if (last - first).days + 1 > limit:
        raise Unprocessable(f"at most {limit} days per audit", {"to": ["range too long"]})
    finished = last_finished_day(settings.evaluation.windows.night[1], settings.zone)
    if last > finished:
        raise Unprocessable(f"the range must be finished: its last date may be {finished} "
                            "at the latest (that night's window has ended)",
                            {"to": ["not finished yet"]})


def check_subject(settings: Settings, scope: Scope, first: date, last: date,
                  region: str | None = None, cadre_id: int | None = None) -> Region | None:
    """Refuse an audit the scope may not read (403/404) or a range it cannot cover (422),
    before any of it is read; the region audited, if one is."""
    if scope.user.role == "cadre" and cadre_id != scope.user.cadre_id:
        # a cadre's own record (the report in their finding's package), nobody else's
        raise Forbidden("audits are for the discipline office, inspectors and admins")
    if (region is None) == (cadre_id is None):
        raise Unprocessable("give exactly one of region and cadre_id",
                            {"region": ["one of region, cadre_id"]})
    check_range(settings, first, last)
    if region is None:
        scope.require_dates(cadre_id, first, last, "the range")
        return None
    place = db.session.get(Region, region)
    if place is None or not scope.region_visible(region):
        raise NotFound(f"region {region} not found")
    return place


def read_audit(settings: Settings, scope: Scope, first: date, last: date,
               region: str | None = None, cadre_id: int | None = None,
               shown_as: str = "json",
               progress: Progress = lambda townships: townships) -> dict:
    """`presence_audit`, recorded in the access log as one read per cadre in it by the
    scope's user, with the range and how it is shown (json, csv, xlsx, pdf, package)."""
    audit = presence_audit(settings, scope, first, last, region, cadre_id, progress)
    log_reads(scope.user, "audit_presence",
              [(row["cadre_id"], row["assignment_id"]) for row in audit["rows"]],
              {"region": region, "cadre_id": cadre_id, "from": first, "to": last,
               "format": shown_as}, cadre_id)
    return audit


def presence_audit(settings: Settings, scope: Scope, first: date, last: date,
                   region: str | None = None, cadre_id: int | None = None,
                   progress: Progress = lambda townships: townships) -> dict:
    """{"region", "region_name", "cadre_id", "from", "to", "generated_at", "rows",
    "townships": [{"township_code", "township_name", "totals"}], "totals"}; rows ordered by
    township, village, role and name. Exactly one of `region` and `cadre_id`."""
    place = check_subject(settings, scope, first, last, region, cadre_id)
    if region is not None:
        posts = _posts(scope, first, last, Assignment.region_code.like(region + "%"))
        region_name = place.name
    else:
        posts = _posts(scope, first, last, Assignment.cadre_id == cadre_id)
        region_name = None
    rows = []
    by_township: dict[str, list] = {}
    for assignment, cadre in posts:
        by_township.setdefault(assignment.region_code[:TOWNSHIP_DIGITS], []).append(
            (assignment, cadre))
    for township in progress(sorted(by_township)):
        rows.extend(_rows(settings, scope, by_township[township], first, last))
    _name_places(rows)
    townships = [{"township_code": code, "township_name": rows_of[0]["township_name"],
                  "totals": totals_of(rows_of)}
                 for code, rows_of in _grouped(rows)]
    return {"region": region, "region_name": region_name, "cadre_id": cadre_id,
            "from": first, "to": last, "generated_at": utcnow(), "rows": rows,
            "townships": townships, "totals": totals_of(rows)}


def _posts(scope: Scope, first: date, last: date, which) -> list[tuple[Assignment, Cadre]]:
    """Posts meeting [first, last] in the scope's regions, ordered as the audit lists them."""
    posts = db.session.execute(select(Assignment, Cadre).join(Cadre).where(
        which, scope.region_clause(Assignment.region_code), Assignment.starts_on <= last,
        or_(Assignment.ends_on.is_(None), Assignment.ends_on >= first))).all()
    return sorted(((a, c) for a, c in posts), key=lambda p: (
        p[0].region_code, CADRE_ROLES.index(p[1].role), p[1].name, p[0].id))


def _rows(settings: Settings, scope: Scope, posts: list[tuple[Assignment, Cadre]],
          first: date, last: date) -> list[dict]:
    ids = [a.id for a, _ in posts]
    records: dict[int, dict[date, tuple[str, str]]] = {i: {} for i in ids}
    for assignment_id, day, day_status, night_status in db.session.execute(select(
            PresenceDay.assignment_id, PresenceDay.day, PresenceDay.day_status,
            PresenceDay.night_status).where(
            PresenceDay.assignment_id.in_(ids), PresenceDay.day.between(first, last))):
        records[assignment_id][day] = (day_status, night_status)
    cadre_ids = {c.id for _, c in posts}
    leave_dates = _leave_dates(cadre_ids, first, last)
    findings = _finding_counts(scope, cadre_ids, first, last)
    rows = []
    for assignment, cadre in posts:
        posted = _posted_dates(assignment, first, last)
        row = {"cadre_id": cadre.id, "cadre_name": cadre.name, "role": cadre.role,
               "unit": cadre.unit, "assignment_id": assignment.id,
               "village_code": assignment.region_code, "policy": assignment.policy,
               "posted_from": posted[0], "posted_to": posted[-1],
               **_counted(settings, assignment, posted, records[assignment.id]),
               "leave_days": len(leave_dates.get(cadre.id, set()).intersection(posted)),
               "findings": findings.get((cadre.id, assignment.region_code), {})}
        rows.append(row)
    return rows


def _posted_dates(assignment: Assignment, first: date, last: date) -> list[date]:
    lo = max(first, assignment.starts_on)
    hi = min(last, assignment.ends_on or last)
    return [lo + timedelta(days=i) for i in range((hi - lo).days + 1)]


def _counted(settings: Settings, assignment: Assignment, posted: list[date],
             records: dict[date, tuple[str, str]]) -> dict:
    counts = {name: 0 for name in NUMBERS if name != "leave_days"}
    counts["posted_days"] = len(posted)
    for day in posted:
        statuses = records.get(day)
        if statuses is None:
            counts["unevaluated_days"] += 1
            continue
        for status, unit in zip(statuses, ("days", "nights"), strict=True):
            if status in ("present", "no_data", "excused"):
                counts[f"{status}_{unit}"] += 1
    policy = settings.evaluation.policies[assignment.policy]
    for start, end in periods_overlapping(policy, posted[0], posted[-1]):
        inside = [d for d in posted if start <= d <= end]
        excused = sum(1 for d in inside if records.get(d, ("",))[0] == "excused")
        length = (end - start).days + 1
        counts["required_days"] += required(policy.min_days, length, len(inside), excused)
        counts["required_nights"] += required(policy.min_nights, length, len(inside), excused)
    return counts


def _leave_dates(cadre_ids: set[int], first: date, last: date) -> dict[int, set[date]]:
    dates: dict[int, set[date]] = {}
    for cadre_id, starts_on, ends_on in db.session.execute(select(
            Leave.cadre_id, Leave.starts_on, Leave.ends_on).where(
            Leave.cadre_id.in_(cadre_ids), Leave.status == "approved",
            Leave.starts_on <= last, Leave.ends_on >= first)):
        lo, hi = max(first, starts_on), min(last, ends_on)
        dates.setdefault(cadre_id, set()).update(
            lo + timedelta(days=i) for i in range((hi - lo).days + 1))
    return dates


def _finding_counts(scope: Scope, cadre_ids: set[int], first: date,
                    last: date) -> dict[tuple[int, str], dict[str, dict[str, int]]]:
    counts: dict[tuple[int, str], dict[str, dict[str, int]]] = {}
    for cadre_id, region_code, kind, status, number in db.session.execute(select(
            Finding.cadre_id, Finding.region_code, Finding.kind, Finding.status, func.count())
            .where(Finding.cadre_id.in_(cadre_ids), scope.findings_clause(),
                   Finding.period_start <= last, Finding.period_end >= first)
            .group_by(Finding.cadre_id, Finding.region_code, Finding.kind, Finding.status)):
        counts.setdefault((cadre_id, region_code), {}).setdefault(kind, {})[status] = number
    return counts


def _name_places(rows: list[dict]) -> None:
    names = region_names(row["village_code"] for row in rows)
    for row in rows:
        code = row["village_code"]
        row["township_code"] = code[:TOWNSHIP_DIGITS]
        row["township_name"] = names.get(row["township_code"])
        row["village_name"] = names.get(code) if len(code) > TOWNSHIP_DIGITS else None


def _grouped(rows: list[dict]):
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row["township_code"], []).append(row)
    return sorted(groups.items())


def totals_of(rows: list[dict]) -> dict:
    """The numbers of `rows` added up, how many cadres and posts they hold, and their
    findings merged by kind and status."""
    totals = {name: sum(row[name] for row in rows) for name in NUMBERS}
    findings: dict[str, dict[str, int]] = {}
    for row in rows:
        for kind, statuses in row["findings"].items():
            for status, number in statuses.items():
                kinds = findings.setdefault(kind, {})
                kinds[status] = kinds.get(status, 0) + number
    return {"cadres": len({row["cadre_id"] for row in rows}), "posts": len(rows), **totals,
            "findings": findings}
