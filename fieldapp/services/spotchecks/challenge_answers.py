"""Answering location challenges, on read rather than on the ingest path: `answer_open`
settles the open challenges it is given when they are read or listed, and `flask challenges
settle` settles all of them.

A challenge is answered by the cadre's first fix, from any client, received between its
issue and its deadline, recorded no earlier than its issue less the clock skew the ingest
allows (an old fix uploaded late shows nothing about now), and not flagged as a mock
location. A fix may name the challenge (`challenge_id`); one that does not answers it just
the same. Uncertain fixes (coarse near the edge) and fixes with no post judge nothing: the
first inside or outside fix answers (`answered_inside`, or `answered_outside` raising
`challenge_outside`). Once the deadline is `SETTLE_GRACE` past (a fix received just before
it may still be being stored), a challenge with only uncertain fixes is
`answered_uncertain` and raises nothing, one with none is `missed` and raises
`challenge_missed`. Findings are chained like every other (services/findings/audit_chain.py),
their evidence naming the challenge, its deadline and the answering fix (`ping_ids`, so the
dossier's map draws it, with any mock fixes). A settled challenge never changes again, so
settling twice changes nothing; two settling at once never settle one twice (its row is
locked, and skipped by the other).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select

from ...config import Settings
from ...domain.dates import local_date
from ...domain.findings import SEVERITY
from ...extensions import db
from ...models import Challenge, Finding, FindingEvent, Ping
from ...models.types import utcnow
from ..findings import audit_chain
from ..people.names import usernames

SETTLE_GRACE = timedelta(seconds=60)
DECISIVE = ("inside", "outside")
STATUS_OF = {"inside": "answered_inside", "outside": "answered_outside"}
RAISED = {"answered_outside": "challenge_outside", "missed": "challenge_missed"}
RAISED_NOTE = "raised by a location challenge"  # i18n.SYSTEM_NOTES has it in the reader's words


def answer_open(settings: Settings, where: Iterable[ColumnElement] = (),
                now: datetime | None = None) -> dict[str, int]:
    """Settle the open challenges meeting the conditions `where` that an answering fix or
    the deadline has decided; how many became each status."""
    now = now or utcnow()
    waiting = list(db.session.scalars(select(Challenge).where(
        Challenge.status == "open", Challenge.issued_at <= now, *where)
        .order_by(Challenge.id).with_for_update(skip_locked=True, of=Challenge)))
    if not waiting:
        db.session.commit()
        return {}
    fixes = _fixes_for(settings, waiting)
    settled, raised = {}, []
    for challenge in waiting:
        mine = [fix for fix in fixes.get(challenge.cadre_id, ()) if _fits(settings, challenge,
                                                                          fix)]
        decisive = next((fix for fix in mine if not fix.mock and fix.fence in DECISIVE), None)
        if decisive is not None:
            status, answer = STATUS_OF[decisive.fence], decisive
        elif now >= challenge.deadline + SETTLE_GRACE:
            answer = next((fix for fix in mine if not fix.mock), None)
            status = "missed" if answer is None else "answered_uncertain"
        else:
            continue
        challenge.status, challenge.settled_at = status, now
        challenge.answer_ping_id = answer.id if answer is not None else None
        settled[status] = settled.get(status, 0) + 1
        kind = RAISED.get(status)
        if kind is not None:
            raised.append((challenge, _finding(settings, challenge, kind, answer, mine, now)))
    db.session.flush()
    for challenge, finding in raised:
        challenge.finding_id = finding.id
    audit_chain.append([FindingEvent(flag_id=finding.id, actor_id=None, action="raise",
                                     from_status=None, to_status="open", note=RAISED_NOTE)
                        for _, finding in raised])
    db.session.commit()
    return settled


def _fixes_for(settings: Settings, challenges: list[Challenge]) -> dict[int, list[Ping]]:
    """The challenged cadres' fixes that may answer one of `challenges`, each cadre's in the
    order they were received."""
    skew = settings.ingest.max_clock_skew
    first = min(c.issued_at for c in challenges)
    last = max(c.deadline for c in challenges)
    fixes: dict[int, list[Ping]] = {}
    for fix in db.session.scalars(select(Ping).where(
            Ping.cadre_id.in_({c.cadre_id for c in challenges}),
            Ping.recorded_at >= first - skew, Ping.recorded_at <= last + skew,
            Ping.received_at >= first, Ping.received_at <= last)
            .order_by(Ping.received_at, Ping.id)):
        fixes.setdefault(fix.cadre_id, []).append(fix)
    return fixes


def _fits(settings: Settings, challenge: Challenge, fix: Ping) -> bool:
    return (challenge.issued_at <= fix.received_at <= challenge.deadline
            and fix.recorded_at >= challenge.issued_at - settings.ingest.max_clock_skew)


def _finding(settings: Settings, challenge: Challenge, kind: str, answer: Ping | None,
             fixes: list[Ping], now: datetime) -> Finding:
    day = local_date(challenge.issued_at, settings.zone)
    mocks = [fix.id for fix in fixes if fix.mock]
    batch = challenge.batch
    evidence = {"challenge_id": challenge.id, "batch_id": batch.id,
                "issued_at": challenge.issued_at.isoformat(),
                "deadline": challenge.deadline.isoformat(),
                "deadline_minutes": batch.deadline_minutes, "issued_by": batch.issued_by,
                "issuer": usernames([batch.issued_by]).get(batch.issued_by),
                "village_code": challenge.village_code,
                "fix": None if answer is None else {**fix_row(answer, challenge), **{
                    name: getattr(answer, name).isoformat()
                    for name in ("recorded_at", "received_at")}},
                "mock_ping_ids": mocks,
                "ping_ids": ([answer.id] if answer is not None else []) + mocks}
    summary = ("outside the post when a location challenge asked" if kind == "challenge_outside"
               else "no location by a location challenge's deadline")
    finding = Finding(key=f"{kind}:challenge:{challenge.id}", cadre_id=challenge.cadre_id,
                      region_code=challenge.village_code, kind=kind, severity=SEVERITY[kind],
                      status="open", period_start=day, period_end=day, summary=summary,
                      evidence=evidence, created_at=now, updated_at=now)
    db.session.add(finding)
    return finding


def fix_row(fix: Ping, challenge: Challenge) -> dict:
    """The answering fix as a challenge shows it."""
    return {"ping_id": fix.id, "recorded_at": fix.recorded_at,
            "received_at": fix.received_at, "lat": fix.lat, "lon": fix.lon,
            "accuracy": fix.accuracy, "fence": fix.fence, "distance_m": fix.distance_m,
            "village_code": fix.village_code, "provider": fix.provider,
            "named_challenge": fix.challenge_id == str(challenge.id)}
