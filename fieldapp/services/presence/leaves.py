"""Leave and official business (请销假): request, decide, cancel, and the return (销假)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select, update

from ...config import Settings
from ...domain.dates import end_of, local_date
from ...domain.notes import NOTE_MAX_CHARS, too_long
from ...errors import Conflict, Forbidden, Unprocessable
from ...extensions import db
from ...models import Leave, Ping, User
from ...models.types import utcnow
from ..access.scope import Scope
from ..rows import get_or_404, where_equal

LIVE = ("pending", "approved")


def request_leave(settings: Settings, cadre_id: int, starts_on: date, ends_on: date, kind: str,
                  reason: str) -> Leave:
    """A cadre asks for leave; a start in the past makes it retroactive (补假)."""
    if ends_on < starts_on:
        raise Unprocessable("ends_on is before starts_on", {"ends_on": ["before starts_on"]})
    today = local_date(utcnow(), settings.zone)
    if (ends_on - starts_on).days + 1 > settings.leave_max_days:
        raise Unprocessable(f"a leave may last at most {settings.leave_max_days} days",
                            {"ends_on": ["too long"]})
    if starts_on < today - timedelta(days=settings.leave_max_retro_days):
        raise Unprocessable(f"leave can be entered after the fact for at most "
                            f"{settings.leave_max_retro_days} days back",
                            {"starts_on": ["too far in the past"]})
    clash = db.session.scalar(select(Leave.id).where(
        Leave.cadre_id == cadre_id, Leave.status.in_(LIVE),
        Leave.starts_on <= ends_on, Leave.ends_on >= starts_on).limit(1))
    if clash is not None:
        raise Conflict(f"overlaps leave {clash}; cancel or change that one first",
                       {"starts_on": [f"overlaps leave {clash}"]})
    leave = Leave(cadre_id=cadre_id, starts_on=starts_on, ends_on=ends_on,
                  ends_at=end_of(ends_on, settings.zone), kind=kind, reason=reason,
                  status="pending", retroactive=starts_on < today)
    db.session.add(leave)
    db.session.commit()
    return leave


def visible_leave(scope: Scope, leave_id: int) -> Leave:
    """A leave some day of which the cadre was posted in the scope."""
    leave = get_or_404(Leave, leave_id)
    scope.require_dates(leave.cadre_id, leave.starts_on, leave.ends_on, f"leave {leave.id}")
    return leave


def decide(scope: Scope, leave_id: int, decision: str, note: str | None) -> Leave:
    """Approve or reject a pending leave: the cadre must be posted in the decider's scope
    on every day of it (approving excuses each of those days)."""
    leave = visible_leave(scope, leave_id)
    scope.require_posted(leave.cadre_id, leave.starts_on, leave.ends_on, f"leave {leave.id}")
    if leave.status != "pending":
        raise Conflict(f"leave {leave.id} is already {leave.status}")
    if decision == "reject" and not (note or "").strip():
        raise Unprocessable("a rejection needs a note", {"note": ["required to reject"]})
    if too_long(note):
        raise Unprocessable(f"a note is at most {NOTE_MAX_CHARS} characters",
                            {"note": ["too long"]})
    leave.status = "approved" if decision == "approve" else "rejected"
    leave.decided_by, leave.decided_at, leave.decision_note = scope.user.id, utcnow(), note
    db.session.commit()
    return leave


def cancel(settings: Settings, user: User, leave_id: int) -> Leave:
    """The cadre withdraws their own leave before it starts."""
    leave = get_or_404(Leave, leave_id)
    if leave.cadre_id != user.cadre_id:
        raise Forbidden("only the cadre who asked for a leave can cancel it")
    if leave.status not in LIVE:
        raise Conflict(f"leave {leave.id} is {leave.status}")
    if leave.starts_on <= local_date(utcnow(), settings.zone):
        raise Conflict("a leave can only be cancelled before it starts")
    leave.status = "cancelled"
    db.session.commit()
    return leave


def leaves_query(scope: Scope, filters: dict):
    query = where_equal(select(Leave).where(
        scope.cadre_clause(Leave.cadre_id),
        scope.dates_clause(Leave.cadre_id, Leave.starts_on, Leave.ends_on)), filters,
                        {"cadre_id": Leave.cadre_id, "status": Leave.status})
    if "from" in filters:
        query = query.where(Leave.ends_on >= filters["from"])
    if "to" in filters:
        query = query.where(Leave.starts_on <= filters["to"])
    return query.order_by(Leave.starts_on.desc(), Leave.id.desc())


def excused_days(cadre_ids: list[int], first: date, last: date) -> set[tuple[int, date]]:
    """(cadre, date) pairs covered by approved leave within [first, last]."""
    rows = db.session.execute(select(Leave.cadre_id, Leave.starts_on, Leave.ends_on).where(
        Leave.cadre_id.in_(cadre_ids), Leave.status == "approved",
        Leave.starts_on <= last, Leave.ends_on >= first)).all()
    covered = set()
    for cadre_id, starts_on, ends_on in rows:
        day = max(starts_on, first)
        while day <= min(ends_on, last):
            covered.add((cadre_id, day))
            day += timedelta(days=1)
    return covered


def record_returns() -> int:
    """Mark each ended, approved leave returned (销假) at the cadre's first inside ping after
    it. One statement for all of them; returns how many were marked."""
    first_inside = (select(func.min(Ping.recorded_at)).where(
        Ping.cadre_id == Leave.cadre_id, Ping.fence == "inside",
        Ping.recorded_at >= Leave.ends_at).scalar_subquery())
    result = db.session.execute(update(Leave).where(
        Leave.status == "approved", Leave.returned_at.is_(None), Leave.ends_at <= utcnow(),
        first_inside.is_not(None)).values(returned_at=first_inside)
        .execution_options(synchronize_session=False))
    return result.rowcount
