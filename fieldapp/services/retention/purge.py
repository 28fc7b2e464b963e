"""The retention purge: fixes older than `ping_days` and media older than `media_days`,
except what a finding under hold rests on (`holds`); day records, period summaries and
findings stay.

It goes cadre by cadre and, within a cadre, in batches of at most BATCH rows in time
order, each batch one transaction that also adds its counts to the purge's log row; so a
county's year of fixes is never in one transaction or in memory, a crash leaves the rows
either gone and counted or still there, and a second run finds nothing more. Deletes name
the cadre and the time range as well as the ids, so a table partitioned by time (or
distributed by cadre) is pruned. On PostgreSQL a month of fixes wholly past retention that
no hold reaches into is dropped as a whole partition first (db/partitions.py), with its
client-id keys; a month something holds is purged row by row like the rest. A stored file
is removed only once no media row names its digest (two uploads of the same bytes share
one file): its key is written to the log row in the batch's transaction and cleared once
removed, so a file left behind by a crash is removed by the next purge. A fix that
answered a location challenge is purged like any other; the challenge keeps its outcome and
loses the link to the fix.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, func, not_, or_, select, text, update
from sqlalchemy.exc import OperationalError

from ...config import Settings
from ...db.partitions import (
    Partition,
    detach_month,
    is_partitioned,
    lock_not_available,
    month_of,
    month_partitions,
    next_month,
)
from ...extensions import db
from ...media.storage import Storage
from ...models import Cadre, Challenge, Finding, MediaItem, Ping, PurgeLog, User
from ...models.types import utcnow
from ..media.uploads import THUMB_SUFFIX, storage
from .holds import (
    CHUNK,
    CadreHold,
    Window,
    cadre_hold,
    count_held,
    cross_cadre_media,
    held_clause,
)

BATCH = 2000  # rows per transaction
KEY_CADRES = 100  # cadres whose keys of a dropped month go in one transaction
# past this many held fixes a month is purged row by row, not dropped: putting them back
# happens while the drop locks pings, and ingest waits (bench/README.md has the rate)
PUT_BACK_MAX = 50_000


@dataclass
class PurgeReport:
    dry_run: bool
    ping_cutoff: datetime
    media_cutoff: datetime
    findings_holding: int = 0
    pings: int = 0
    photos: int = 0
    videos: int = 0
    files: int = 0
    challenge_answers_unlinked: int = 0
    months_dropped: int = 0  # of those fixes, months dropped as whole partitions
    log_id: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def purge(settings: Settings, now: datetime | None = None, dry_run: bool = False,
          run_by: User | None = None,
          progress: Callable[[list[int]], Iterable[int]] = lambda cadres: cadres
          ) -> PurgeReport:
    """Delete (or with `dry_run` only count) what is past its retention at `now`;
    `run_by` is the admin who ran it (None: the server's operator)."""
    now = now or utcnow()
    retention = settings.retention
    report = PurgeReport(dry_run, now - timedelta(days=retention.ping_days),
                         now - timedelta(days=retention.media_days))
    store = storage(settings.media)
    if not dry_run:
        finish_pending_files(store)
    report.findings_holding = count_held(settings, now)
    cross = cross_cadre_media(settings, now)
    cadre_ids = list(db.session.scalars(select(Cadre.id).order_by(Cadre.id)))
    log = None
    if not dry_run:
        log = PurgeLog(started_at=utcnow(), run_by=run_by.id if run_by else None,
                       ping_cutoff=report.ping_cutoff, media_cutoff=report.media_cutoff,
                       evidence_hold_days=retention.evidence_hold_days,
                       findings_holding=report.findings_holding, pings=0, photos=0,
                       videos=0, files=0, challenge_answers_unlinked=0, pending_files=[])
        db.session.add(log)
    db.session.commit()  # no read transaction (SQLite's write lock) held between batches
    report.log_id = log.id if log else None
    doomed_files: Counter[str] = Counter()
    holds = _holds(settings, now)
    dropped = _drop_months(report, log, holds)
    for cadre_id in progress(cadre_ids):
        hold = holds.get(cadre_id) or CadreHold()
        hold.media_ids |= cross
        _purge_pings(report, log, cadre_id, hold, dropped)
        _purge_media(report, log, store, cadre_id, hold, doomed_files)
    if dry_run:
        report.files = _files_left_unreferenced(doomed_files)
    else:
        log.finished_at = utcnow()
    db.session.commit()
    return report


def _purge_pings(report: PurgeReport, log: PurgeLog | None, cadre_id: int,
                 hold: CadreHold, dropped: list[DroppedMonth]) -> None:
    """The cadre's fixes, outside the months dropped without them (gone, or in a dry run
    counted)."""
    gone = [month.window for month in dropped if cadre_id not in month.kept]
    for rows in _batches(Ping, cadre_id, report.ping_cutoff, hold.windows + gone,
                         (Ping.id, Ping.recorded_at)):
        ids = [row.id for row in rows if row.id not in hold.ping_ids]
        if log is None:
            report.pings += len(ids)
        elif ids:
            unlinked = db.session.execute(update(Challenge).where(
                Challenge.answer_ping_id.in_(ids)).values(answer_ping_id=None)).rowcount
            deleted = db.session.execute(delete(Ping).where(
                Ping.cadre_id == cadre_id, Ping.recorded_at >= rows[0].recorded_at,
                Ping.recorded_at <= rows[-1].recorded_at, Ping.id.in_(ids))
                .execution_options(synchronize_session=False)).rowcount
            report.pings += deleted
            report.challenge_answers_unlinked += unlinked
            log.pings += deleted
            log.challenge_answers_unlinked += unlinked
        db.session.commit()


@dataclass(frozen=True)
class DroppedMonth:
    window: Window
    kept: frozenset[int]  # cadres whose fixes of it were put back, for the row-by-row purge


def _holds(settings: Settings, now: datetime) -> dict[int, CadreHold]:
    """What each cadre with a finding under hold has held, read once for the whole purge."""
    holds = {cadre_id: cadre_hold(settings, now, cadre_id)
             for cadre_id in db.session.scalars(select(Finding.cadre_id).where(
                 held_clause(settings, now)).distinct())}
    db.session.commit()
    return holds


def _drop_months(report: PurgeReport, log: PurgeLog | None,
                 holds: dict[int, CadreHold]) -> list[DroppedMonth]:
    """Drop (in a dry run, count) the partitions of months wholly before the fixes' cutoff.
    The fixes of the cadres a hold reaches into that month are put back first, into the
    default partition, where the row-by-row purge keeps what their hold keeps; a month
    whose held cadres' fixes are more than PUT_BACK_MAX is left to that purge whole."""
    conn = db.session.connection()
    if not is_partitioned(conn):
        return []
    past = [p for p in month_partitions(conn) if p.last <= report.ping_cutoff]
    held = _held_cadres_by_month(holds) if past else {}
    dropped = []
    for part in past:
        kept = sorted(held.get(part.month, ()))
        total, kept_rows = db.session.execute(text(
            f"SELECT count(*), count(*) FILTER (WHERE cadre_id = ANY(:kept)) FROM {part.name}"),
            {"kept": kept}).one()
        if kept_rows > PUT_BACK_MAX:
            db.session.commit()
            continue
        if log is not None:
            _free_keys(part)
            try:
                unlinked = _drop_keeping(part, kept)
            except OperationalError as error:
                if not lock_not_available(error):
                    raise
                db.session.rollback()  # a long read of pings: its rows go one by one below
                continue
            log.pings += total - kept_rows
            log.challenge_answers_unlinked += unlinked
            report.challenge_answers_unlinked += unlinked
        report.pings += total - kept_rows
        report.months_dropped += total > kept_rows
        dropped.append(DroppedMonth((part.first, part.last), frozenset(kept)))
        db.session.commit()
    return dropped


def _drop_keeping(part: Partition, kept: list[int]) -> int:
    """In one transaction: unlink the challenges the month's fixes answered, detach the
    month, put the `kept` cadres' fixes back through pings (no partition holds the month any
    more: they land in the default one and claim their keys again) and drop the rest.
    Answer the challenges unlinked."""
    conn = db.session.connection()
    unlinked = conn.execute(text(
        f"UPDATE challenges SET answer_ping_id = NULL WHERE answer_ping_id IN "
        f"(SELECT id FROM {part.name} WHERE cadre_id <> ALL(:kept))"), {"kept": kept}).rowcount
    detach_month(conn, part)
    if kept:
        conn.execute(text(f"INSERT INTO pings SELECT * FROM {part.name} "
                          f"WHERE cadre_id = ANY(:kept)"), {"kept": kept})
    conn.execute(text(f"DROP TABLE {part.name}"))
    return unlinked


def _free_keys(part: Partition) -> None:
    """Delete the client-id keys of a month about to be dropped, KEY_CADRES cadres at a
    time (their key's first column), each its own transaction; a cut-off run goes on where
    it stopped, and no fix that old can be sent again (the backfill limit refuses it)."""
    cadres = list(db.session.scalars(text(f"SELECT DISTINCT cadre_id FROM {part.name}")))
    for start in range(0, len(cadres), KEY_CADRES):
        db.session.execute(text(
            "DELETE FROM ping_keys WHERE cadre_id = ANY(:cadres) AND recorded_at >= :first "
            "AND recorded_at < :last"), {"cadres": cadres[start:start + KEY_CADRES],
                                         **part.bounds})
        db.session.commit()


def _held_cadres_by_month(holds: dict[int, CadreHold]) -> dict:
    """Month (its first day) -> the cadres whose fixes of it a finding under hold keeps."""
    months: dict = {}
    for cadre_id, hold in holds.items():
        for first, last in hold.windows:
            month = month_of(first.astimezone(UTC))
            while month <= month_of(last.astimezone(UTC)):
                months.setdefault(month, set()).add(cadre_id)
                month = next_month(month)
        ids = sorted(hold.ping_ids)
        for start in range(0, len(ids), CHUNK):
            for moment in db.session.scalars(select(Ping.recorded_at).where(
                    Ping.cadre_id == cadre_id, Ping.id.in_(ids[start:start + CHUNK]))):
                months.setdefault(month_of(moment), set()).add(cadre_id)
    return months


def _purge_media(report: PurgeReport, log: PurgeLog | None, store: Storage, cadre_id: int,
                 hold: CadreHold, doomed_files: Counter[str]) -> None:
    columns = (MediaItem.id, MediaItem.recorded_at, MediaItem.client_id, MediaItem.kind,
               MediaItem.sha256)
    for rows in _batches(MediaItem, cadre_id, report.media_cutoff, hold.windows, columns):
        gone = [row for row in rows if row.id not in hold.media_ids
                and row.client_id not in hold.media_client_ids]
        pending: list[str] = []
        if log is None:
            kinds = Counter(row.kind for row in gone)
            report.photos += kinds["photo"]
            report.videos += kinds["video"]
            doomed_files.update(row.sha256 for row in gone)
        elif gone:
            deleted = db.session.execute(delete(MediaItem).where(
                MediaItem.cadre_id == cadre_id,
                MediaItem.recorded_at >= rows[0].recorded_at,
                MediaItem.recorded_at <= rows[-1].recorded_at,
                MediaItem.id.in_([row.id for row in gone]))
                .returning(MediaItem.kind, MediaItem.sha256)).all()
            kinds = Counter(kind for kind, _ in deleted)
            for counts in (report, log):
                counts.photos += kinds["photo"]
                counts.videos += kinds["video"]
            pending = _unreferenced({sha for _, sha in deleted})
            log.pending_files = pending
        db.session.commit()
        if pending:
            removed = _remove_files(store, pending)
            report.files += removed
            log.files += removed
            log.pending_files = []
            db.session.commit()


def _batches(model, cadre_id: int, cutoff: datetime, windows: list[Window],
             columns: tuple) -> Iterator[list]:
    """The cadre's rows of `model` recorded before `cutoff` and outside `windows`,
    BATCH at a time in (recorded_at, id) order; each batch read after the one before was
    handled, going on from where it ended (rows a batch kept are not read again)."""
    recorded_at, row_id = model.recorded_at, model.id
    outside = [not_(and_(recorded_at >= first, recorded_at < last))
               for first, last in windows]
    query = (select(*columns).where(model.cadre_id == cadre_id, recorded_at < cutoff,
                                    *outside)
             .order_by(recorded_at, row_id).limit(BATCH))
    after = None
    while True:
        page = query if after is None else query.where(or_(
            recorded_at > after[0], and_(recorded_at == after[0], row_id > after[1])))
        rows = db.session.execute(page).all()
        if not rows:
            db.session.commit()
            return
        yield rows
        after = (rows[-1].recorded_at, rows[-1].id)
        if len(rows) < BATCH:
            db.session.commit()
            return


def _unreferenced(digests: set[str]) -> list[str]:
    """Of `digests`, those no media row names any more."""
    if not digests:
        return []
    named: set[str] = set()
    ordered = sorted(digests)
    for start in range(0, len(ordered), CHUNK):
        named.update(db.session.scalars(select(MediaItem.sha256).where(
            MediaItem.sha256.in_(ordered[start:start + CHUNK])).distinct()))
    return sorted(digests - named)


def _remove_files(store: Storage, digests: list[str]) -> int:
    for digest in digests:
        store.remove(digest)
        store.remove(digest + THUMB_SUFFIX)
    return len(digests)


def _files_left_unreferenced(doomed: Counter[str]) -> int:
    """How many stored files a purge removing `doomed` (digest → rows) would leave
    unreferenced: those whose every row is among them."""
    ordered, count = sorted(doomed), 0
    for start in range(0, len(ordered), CHUNK):
        totals = db.session.execute(select(MediaItem.sha256, func.count()).where(
            MediaItem.sha256.in_(ordered[start:start + CHUNK]))
            .group_by(MediaItem.sha256)).all()
        count += sum(1 for digest, total in totals if total == doomed[digest])
    return count


def finish_pending_files(store: Storage) -> None:
    """Remove the files an earlier purge committed the removal of but was cut off before
    removing (still unreferenced: checked again)."""
    for log in db.session.scalars(select(PurgeLog).where(PurgeLog.finished_at.is_(None))):
        if log.pending_files:
            digests = _unreferenced(set(log.pending_files))
            log.files += _remove_files(store, digests)
            log.pending_files = []
    db.session.commit()
