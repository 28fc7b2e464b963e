"""Location challenges (电话和微信定位): an inspector asks cadres where they are now.

Inspectors and admins issue them (the discipline office is answered 403, a cadre 404), to
cadres they name or to a sample drawn from a region they cover, each cadre posted in the
issuer's regions today. A drawn sample is RFC 3797's draw (domain/draw.py) over the pool of
cadres posted in the region now who may still be challenged this week, ascending by id,
keyed by one source of six numbers drawn at random when it is issued; the batch records the
pool and the source, so `flask spotcheck derive` re-derives the sample. Challenges are
rationed: at most `settings.challenges.per_week` per cadre in an ISO week (local dates),
and issued only while a check-in or night window is open (local time). A batch is all or
nothing: one cadre refused refuses it, each refused cadre with its reason.

Once stored, a batch is delivered (`challenge_delivery`); reads settle what a fix or the
deadline has decided (`challenge_answers`). A challenge is seen by whoever's regions hold
the post it was sent at; the cadre's own clients list their open ones (`open_for`).
"""
from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta

from sqlalchemy import ColumnElement, func, or_, select

from ...config import Settings
from ...domain.dates import end_of, local_date, start_of, week_of
from ...domain.draw import permutation
from ...domain.notes import NOTE_MAX_CHARS, too_long
from ...domain.presence import Windows
from ...errors import Forbidden, NotFound, ServiceError, Unprocessable
from ...extensions import db
from ...models import Assignment, Cadre, Challenge, ChallengeBatch, Ping, Region
from ...models.types import utcnow
from ..access.scope import Scope
from ..people.names import posts_on, region_names, usernames
from ..rows import where_equal
from .access import covers
from .challenge_answers import answer_open, fix_row
from .challenge_delivery import deliver

ISSUERS = ("inspector", "admin")
DEADLINE_MINUTES = (5, 240)
CADRES_MAX = 50  # cadres named in one batch, or drawn into one sample
SOURCE_NUMBERS, SOURCE_RANGE = 6, 1_000_000  # the random source of a drawn sample


class Refused(ServiceError):
    """A batch refused, nothing sent: `reason` (window, ration, not_posted, few_posted,
    ration_pool), `cadres` (refused cadre id → challenges spent this week, or None) and
    the `numbers` the message gives, so a page can say it in the reader's words."""

    def __init__(self, status: int, reason: str, message: str, errors: dict,
                 cadres: dict[int, int | None] | None = None, **numbers):
        super().__init__(message, errors)
        self.status, self.reason, self.cadres, self.numbers = (
            status, reason, cadres or {}, numbers)


def require_issuer(scope: Scope) -> None:
    """Cadres are answered as if nothing were there; the discipline office is told no."""
    if scope.user.role == "cadre":
        raise NotFound("not found")
    if scope.user.role not in ISSUERS:
        raise Forbidden("only inspectors and admins issue and read location challenges")


def window_open(windows: Windows, moment: time) -> bool:
    """`moment` (local wall time) lies in a check-in window or the night window."""
    start, end = windows.night
    return moment >= start or moment < end or any(
        first <= moment < last for first, last in windows.day)


def issue(settings: Settings, scope: Scope, *, cadre_ids: list[int] | None = None,
          region: str | None = None, sample: int | None = None, deadline_minutes: int = 30,
          note: str | None = None, now: datetime | None = None) -> ChallengeBatch:
    """Store a batch of challenges to `cadre_ids`, or to `sample` cadres drawn from
    `region`, due `deadline_minutes` after `now`; then deliver them."""
    require_issuer(scope)
    now = now or utcnow()
    _check_request(cadre_ids, region, sample, deadline_minutes, note)
    _check_window(settings, now)
    today = local_date(now, settings.zone)
    batch = ChallengeBatch(issued_by=scope.user.id, issued_at=now,
                           deadline=now + timedelta(minutes=deadline_minutes),
                           deadline_minutes=deadline_minutes, note=note)
    if cadre_ids is not None:
        posts = _posted_in_scope(scope, cadre_ids, today)
        _lock(cadre_ids)
        spent = _spent_this_week(settings, cadre_ids, now)
        refused = {c: spent[c] for c in cadre_ids
                   if spent.get(c, 0) >= settings.challenges.per_week}
        if refused:
            per_week = settings.challenges.per_week
            raise Refused(409, "ration", f"{len(refused)} of the cadres may not be "
                          "challenged again this week; nothing was sent", {"cadre_ids": {
                              str(c): [f"challenged {n} times this week already; at most "
                                       f"{per_week}"] for c, n in refused.items()}},
                          refused, per_week=per_week)
        chosen = [(cadre, posts[cadre], None) for cadre in cadre_ids]
    else:
        chosen = _drawn(settings, scope, batch, region, sample, now, today)
    db.session.add(batch)
    db.session.flush()
    db.session.add_all(Challenge(batch_id=batch.id, cadre_id=cadre, village_code=village,
                                 issued_at=batch.issued_at, deadline=batch.deadline, rank=rank,
                                 status="open") for cadre, village, rank in chosen)
    db.session.commit()
    deliver(settings, batch.challenges)
    return batch


def _check_request(cadre_ids, region, sample, deadline_minutes, note) -> None:
    if (cadre_ids is None) == (region is None):
        raise Unprocessable("name either the cadres (cadre_ids) or a region and a sample "
                            "size", {"cadre_ids": ["cadre_ids or region"]})
    if (region is None) != (sample is None):
        raise Unprocessable("a region needs a sample size, and a sample a region",
                            {"sample": ["region and sample go together"]})
    wanted = cadre_ids if cadre_ids is not None else range(sample)
    if not 1 <= len(wanted) <= CADRES_MAX:
        raise Unprocessable(f"a batch challenges 1 to {CADRES_MAX} cadres",
                            {"cadre_ids" if cadre_ids is not None else "sample":
                             [f"1 to {CADRES_MAX}"]})
    if cadre_ids is not None and len(set(cadre_ids)) != len(cadre_ids):
        raise Unprocessable("each cadre is named once", {"cadre_ids": ["repeated"]})
    low, high = DEADLINE_MINUTES
    if isinstance(deadline_minutes, bool) or not isinstance(deadline_minutes, int) or not (
            low <= deadline_minutes <= high):
        raise Unprocessable(f"deadline_minutes is {low} to {high}",
                            {"deadline_minutes": [f"{low} to {high}"]})
    if too_long(note):
        raise Unprocessable(f"a note is at most {NOTE_MAX_CHARS} characters",
                            {"note": ["too long"]})


def _check_window(settings: Settings, now: datetime) -> None:
    windows = settings.evaluation.windows
    local = now.astimezone(settings.zone)
    if not window_open(windows, local.time()):
        spans = ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in (*windows.day, windows.night))
        raise Refused(409, "window", f"no check-in or night window is open at {local:%H:%M} "
                      f"local time ({spans}): challenges are sent only inside them",
                      {"now": ["outside the check-in and night windows"]}, windows=spans)


def _posted_in_scope(scope: Scope, cadre_ids: list[int], today) -> dict[int, str]:
    """Each cadre's post today, which must lie in the scope: 403 for a cadre the scope
    never held (404 for one an admin names that does not exist), 422 for one not posted in
    it today."""
    known = set(db.session.scalars(select(Cadre.id).where(Cadre.id.in_(cadre_ids))))
    scope.load_periods(known)
    unseen = [c for c in cadre_ids if c not in known or not scope.cadre_visible(c)]
    if unseen and scope.everything:
        raise NotFound(f"cadre {unseen[0]} not found")
    if unseen:
        raise Forbidden(f"cadre {unseen[0]} is outside your scope")
    posts = posts_on((cadre, today) for cadre in cadre_ids)
    elsewhere = [c for c in cadre_ids
                 if (c, today) not in posts or not covers(scope, posts[(c, today)])]
    if elsewhere:
        raise Refused(422, "not_posted", f"{len(elsewhere)} of the cadres are not posted in "
                      "your regions today: a challenge asks a cadre where they are at their "
                      "post", {"cadre_ids": {str(c): ["not posted in your regions today"]
                                             for c in elsewhere}},
                      dict.fromkeys(elsewhere))
    return {cadre: posts[(cadre, today)] for cadre in cadre_ids}


def _drawn(settings: Settings, scope: Scope, batch: ChallengeBatch, region: str,
           sample: int, now: datetime, today) -> list[tuple[int, str, int]]:
    """The sample drawn from the cadres posted under `region` today with a challenge left
    this week; the pool and the source are recorded on `batch`."""
    if not covers(scope, region):
        raise Forbidden(f"region {region} is not all inside your regions")
    if db.session.get(Region, region) is None:
        raise NotFound(f"region {region} not found")
    posted = dict(db.session.execute(select(Assignment.cadre_id, Assignment.region_code).where(
        Assignment.region_code.like(region + "%"), Assignment.starts_on <= today,
        or_(Assignment.ends_on.is_(None), Assignment.ends_on >= today))
        .order_by(Assignment.starts_on, Assignment.id)).all())
    if len(posted) < sample:
        raise Refused(422, "few_posted", f"region {region} has {len(posted)} cadres posted "
                      f"today: a sample of {sample} cannot be drawn", {"sample": ["too large"]},
                      posted=len(posted))
    _lock(list(posted))
    spent = _spent_this_week(settings, list(posted), now)
    pool = sorted(c for c in posted if spent.get(c, 0) < settings.challenges.per_week)
    if len(pool) < sample:
        raise Refused(409, "ration_pool", f"of the {len(posted)} cadres posted in region "
                      f"{region} today, {len(pool)} may still be challenged this week (at "
                      f"most {settings.challenges.per_week} each): a sample of {sample} "
                      "cannot be drawn", {"sample": [f"{len(pool)} may be challenged"]},
                      posted=len(posted), left=len(pool))
    source = [secrets.randbelow(SOURCE_RANGE) for _ in range(SOURCE_NUMBERS)]
    batch.region_code, batch.sample_size, batch.pool, batch.draw_source = (
        region, sample, pool, source)
    order = permutation(len(pool), [source])[:sample]
    return [(pool[index], posted[pool[index]], rank) for rank, index in enumerate(order, 1)]


def _lock(cadre_ids: list[int]) -> None:
    """Hold the cadres' rows until the batch commits, so two batches at once cannot both
    spend a cadre's last challenge (SQLite's writers are serialised already)."""
    db.session.execute(select(Cadre.id).where(Cadre.id.in_(cadre_ids)).order_by(Cadre.id)
                       .with_for_update())


def _spent_this_week(settings: Settings, cadre_ids: list[int], now: datetime
                     ) -> dict[int, int]:
    monday, sunday = week_of(local_date(now, settings.zone))
    return dict(db.session.execute(select(Challenge.cadre_id, func.count()).where(
        Challenge.cadre_id.in_(cadre_ids),
        Challenge.issued_at >= start_of(monday, settings.zone),
        Challenge.issued_at < end_of(sunday, settings.zone)).group_by(Challenge.cadre_id)).all())


def challenges_query(scope: Scope, filters: dict):
    """The challenges of cadres at posts in the reader's regions, latest first; filters
    cadre_id, status, batch_id."""
    require_issuer(scope)
    query = where_equal(select(Challenge).where(visible_clause(scope)), filters, {
        "cadre_id": Challenge.cadre_id, "status": Challenge.status,
        "batch_id": Challenge.batch_id})
    return query.order_by(Challenge.issued_at.desc(), Challenge.id.desc())


def visible_clause(scope: Scope) -> ColumnElement:
    """A challenge is seen by whoever's regions hold the post it was sent at (the cadre was
    posted there that day)."""
    return scope.region_clause(Challenge.village_code)


def answer_visible(settings: Settings, scope: Scope) -> dict[str, int]:
    """Settle the open challenges the reader may see (`answer_open`)."""
    require_issuer(scope)
    return answer_open(settings, [visible_clause(scope)])


def read_challenge(settings: Settings, scope: Scope, challenge_id: int) -> Challenge:
    """The challenge, settled if a fix or its deadline has decided it; 404 if the reader
    may not see it."""
    require_issuer(scope)
    visible = [Challenge.id == challenge_id, visible_clause(scope)]
    if db.session.scalar(select(Challenge.id).where(*visible)) is None:
        raise NotFound(f"challenge {challenge_id} not found")
    answer_open(settings, visible)
    return db.session.scalars(select(Challenge).where(*visible)).one()


def open_for(settings: Settings, cadre_id: int, now: datetime | None = None
             ) -> list[dict]:
    """The cadre's open challenges (after settling them), soonest deadline first, each
    with its deadline and the seconds left until it."""
    now = now or utcnow()
    answer_open(settings, [Challenge.cadre_id == cadre_id], now)
    waiting = db.session.scalars(select(Challenge).where(
        Challenge.cadre_id == cadre_id, Challenge.status == "open",
        Challenge.issued_at <= now, Challenge.deadline > now)
        .order_by(Challenge.deadline, Challenge.id))
    return [{"id": c.id, "challenge_id": str(c.id), "issued_at": c.issued_at,
             "deadline": c.deadline,
             "seconds_left": int((c.deadline - now).total_seconds())} for c in waiting]


def challenge_rows(challenges: list[Challenge], now: datetime | None = None) -> list[dict]:
    """The challenges as answers, with the names beside their ids and the answering fix;
    one query per kind of name."""
    now = now or utcnow()
    answers = {fix.id: fix for fix in db.session.scalars(select(Ping).where(
        Ping.cadre_id.in_({c.cadre_id for c in challenges if c.answer_ping_id is not None}),
        Ping.id.in_({c.answer_ping_id for c in challenges if c.answer_ping_id is not None})))}
    cadres = dict(db.session.execute(select(Cadre.id, Cadre.name).where(
        Cadre.id.in_({c.cadre_id for c in challenges}))).all())
    places = region_names(c.village_code for c in challenges)
    issuers = usernames(c.batch.issued_by for c in challenges)
    rows = []
    for c in challenges:
        answer = answers.get(c.answer_ping_id)
        township = c.village_code[:9]
        rows.append({
            "id": c.id, "batch_id": c.batch_id, "cadre_id": c.cadre_id,
            "cadre_name": cadres.get(c.cadre_id), "village_code": c.village_code,
            "village_name": places.get(c.village_code), "township_code": township,
            "township_name": places.get(township), "issued_at": c.issued_at,
            "deadline": c.deadline, "deadline_minutes": c.batch.deadline_minutes,
            "seconds_left": max(0, int((c.deadline - now).total_seconds()))
            if c.status == "open" else None,
            "status": c.status, "issued_by": c.batch.issued_by,
            "issuer_name": issuers.get(c.batch.issued_by), "note": c.batch.note,
            "region_code": c.batch.region_code, "rank": c.rank, "settled_at": c.settled_at,
            "finding_id": c.finding_id, "delivery": c.delivery,
            "answer": None if answer is None else fix_row(answer, c)})
    return rows


def batch_row(batch: ChallengeBatch, now: datetime | None = None) -> dict:
    return {"id": batch.id, "issued_by": batch.issued_by, "issued_at": batch.issued_at,
            "deadline": batch.deadline, "deadline_minutes": batch.deadline_minutes,
            "note": batch.note, "region_code": batch.region_code,
            "sample_size": batch.sample_size, "pool": batch.pool,
            "draw_source": batch.draw_source,
            "challenges": challenge_rows(batch.challenges, now)}


def challengeable(settings: Settings, scope: Scope, now: datetime | None = None,
                  limit: int = 500) -> list[dict]:
    """The cadres posted in the reader's regions today (at most `limit`), by post and id,
    each with their post and the challenges they have had this week: whom an issue form
    offers."""
    require_issuer(scope)
    now = now or utcnow()
    today = local_date(now, settings.zone)
    rows = db.session.execute(select(Cadre.id, Cadre.name, Assignment.region_code)
                              .join(Assignment, Assignment.cadre_id == Cadre.id).where(
        scope.region_clause(Assignment.region_code), Assignment.starts_on <= today,
        or_(Assignment.ends_on.is_(None), Assignment.ends_on >= today))
        .order_by(Assignment.region_code, Cadre.id).limit(limit)).all()
    spent = _spent_this_week(settings, [row.id for row in rows], now) if rows else {}
    places = region_names(row.region_code for row in rows)
    return [{"cadre_id": row.id, "name": row.name, "village_code": row.region_code,
             "village_name": places.get(row.region_code), "spent": spent.get(row.id, 0),
             "left": max(0, settings.challenges.per_week - spent.get(row.id, 0))}
            for row in rows]
