"""Storing an uploaded photo or video once, reading what it says, and checking it.

The upload is spooled to a temporary file while its sha256 is computed; its type is taken
from its first bytes; its header is checked against the pixel limit and the decode budget;
it is decoded (which proves it whole) into a thumbnail and a pHash, at most
`decodes_per_worker` at once in this process; then its row and findings are flushed, and
only then are the file and thumbnail stored, just before the commit. A failure anywhere
leaves the store and the database as they were: the spool is a temporary folder, and a
commit that fails removes the files this upload put there.
"""
from __future__ import annotations

import hashlib
import logging
import math
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

import numpy as np
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from ...config import MediaSettings, Settings
from ...domain.coords import to_wgs84
from ...domain.dates import local_date
from ...errors import BadInput, Busy, NotFound, TooLarge, Unprocessable
from ...extensions import db
from ...media import slots
from ...media.probe import BadMedia, DecodeLimits, Probe, hamming, probe_photo
from ...media.sniff import PHOTO, sniff
from ...media.storage import LocalStorage, Storage
from ...media.video import probe_video
from ...models import MediaItem, WorkReport
from ...models.types import utcnow
from ..access.scope import Scope
from ..findings.media_checks import raise_media_findings
from ..geodata.fences import Posts, fence_verdicts
from ..ingest.pings import within_backfill
from ..ingest.senders import Sender
from ..rows import in_time_range

log = logging.getLogger(__name__)
CHUNK = 1024 * 1024
THUMB_SUFFIX = ".thumb.jpg"


def storage(settings: MediaSettings) -> Storage:
    return LocalStorage(settings.upload_dir)


def upload(settings: Settings, sender: Sender, meta: dict,
           stream: BinaryIO) -> tuple[MediaItem, bool]:
    """Store the file and its item; (item, created). The same client id answers the
    first item again without reading the file."""
    cadre_id = sender.cadre_id
    existing = _by_client_id(cadre_id, meta["id"])
    if existing is not None:
        return existing, False
    # End the read's transaction: on SQLite it holds the write lock (BEGIN IMMEDIATE),
    # which no spool or decode may keep from every other writer.
    db.session.commit()
    within_backfill(settings.ingest, meta["recorded_at"])
    limits = {"photo": settings.media.max_photo_bytes, "video": settings.media.max_video_bytes}
    upload_dir = settings.media.upload_dir
    upload_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=upload_dir, prefix=".spool-") as spool:
        path = Path(spool) / "upload"
        sha256, size, head = _spool(stream, path, max(limits.values()))
        sniffed = sniff(head)
        if sniffed is None:
            raise Unprocessable("the file is not a JPEG, PNG, WebP or HEIC photo, nor an "
                                "MP4, MOV or 3GP video", {"file": ["unsupported content"]})
        kind, fmt = sniffed
        if size > limits[kind]:
            raise TooLarge(f"a {kind} may be at most {limits[kind] // CHUNK} MB")
        probe = _probe(settings, path, kind, fmt)
        require_own_report(cadre_id, meta)
        item = _item(settings, sender, meta, sha256, kind, fmt, size, probe)
        db.session.add(item)
        try:
            db.session.flush()
        except IntegrityError:  # the same client id arrived concurrently
            db.session.rollback()
            return _by_client_id(cadre_id, meta["id"]), False
        raise_media_findings(item, settings.zone)
        thumb = Path(spool) / "thumb"
        thumb.write_bytes(probe.thumbnail)
        _store_and_commit(storage(settings.media),
                          [(sha256, path), (sha256 + THUMB_SUFFIX, thumb)])
    return item, True


def _store_and_commit(store: Storage, files: list[tuple[str, Path]]) -> None:
    """Put the files, then commit; if either fails, take back the files this call put
    (a key stored before, by an earlier upload of the same bytes, stays)."""
    created: list[str] = []
    try:
        for key, source in files:
            if store.put(key, source):
                created.append(key)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        for key in created:
            store.remove(key)
        raise


def require_own_report(cadre_id: int, meta: dict) -> None:
    """A media item's `report_id` names a work report of its own cadre: one already sent
    that lists this item's client id, or one still to come (phones upload a report's
    photos first, and the report then lists them). A client id that only another cadre's
    report carries is refused, as is an own report that was sent without this item."""
    report_id = meta.get("report_id")
    if report_id is None:
        return
    reports = db.session.execute(select(WorkReport.cadre_id, WorkReport.media_ids).where(
        WorkReport.client_id == report_id)).all()
    own = [media_ids for owner, media_ids in reports if owner == cadre_id]
    if own and meta["id"] in (own[0] or []):
        return
    if own or reports:
        message = ("report_id must name one of your work reports, sent with this media's id "
                   "among its media_ids, or one not sent yet")
        raise Unprocessable(message, {"report_id": [message]})


def _by_client_id(cadre_id: int, client_id: str) -> MediaItem | None:
    return db.session.scalar(select(MediaItem).where(MediaItem.cadre_id == cadre_id,
                                                     MediaItem.client_id == client_id))


def _spool(stream: BinaryIO, path: Path, limit: int) -> tuple[str, int, bytes]:
    digest, size, head = hashlib.sha256(), 0, b""
    with open(path, "wb") as out:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"the upload is over {limit // CHUNK} MB")
            if len(head) < 64:
                head += chunk[:64 - len(head)]
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    if size == 0:
        raise BadInput("the file is empty", {"file": ["empty"]})
    return digest.hexdigest(), size, head


def _probe(settings: Settings, path: Path, kind: str, fmt: str) -> Probe:
    media = settings.media
    limits = DecodeLimits(max_pixels=media.max_image_pixels, max_bytes=media.max_decode_bytes)

    def slot():
        return slots.decode_slot(media.decodes_per_worker, media.decode_wait_s)

    try:
        if kind == PHOTO:
            return probe_photo(path, fmt, settings.zone, limits, slot)
        return probe_video(path, limits, slot)
    except BadMedia as exc:
        raise Unprocessable(str(exc), {"file": [str(exc)]}) from exc
    except slots.Busy as exc:
        log.warning("upload refused: %s", exc)
        raise Busy("the server is decoding as many files as it may at once; retry shortly",
                   max(1, math.ceil(media.decode_wait_s))) from exc


def _item(settings: Settings, sender: Sender, meta: dict, sha256: str, kind: str, fmt: str,
          size: int, probe: Probe) -> MediaItem:
    lat = lon = None
    if meta.get("lat") is not None:
        wlat, wlon = to_wgs84(np.array([meta["lat"]]), np.array([meta["lon"]]),
                              meta.get("crs", "wgs84"))
        lat, lon = float(wlat[0]), float(wlon[0])
    phash = probe.phash
    bands = [(phash >> shift) & 0xFFFF for shift in (0, 16, 32, 48)]
    item = MediaItem(
        cadre_id=sender.cadre_id, client_id=meta["id"], sha256=sha256, kind=kind, format=fmt,
        size_bytes=size, recorded_at=meta["recorded_at"], received_at=utcnow(), lat=lat,
        lon=lon, crs=meta.get("crs") if lat is not None else None,
        accuracy=meta.get("accuracy"), report_id=meta.get("report_id"),
        challenge_id=meta.get("challenge_id"), taken_at=probe.taken_at,
        exif_lat=probe.lat, exif_lon=probe.lon, make=probe.make, model=probe.model,
        orientation=probe.orientation, exif_missing=probe.exif_missing, width=probe.width,
        height=probe.height, duration_s=probe.duration_s, codec=probe.codec, phash=phash,
        phash_b0=bands[0], phash_b1=bands[1], phash_b2=bands[2], phash_b3=bands[3])
    posts = sender.posts_on([meta["recorded_at"]], settings.zone)
    item.village_code = posts.villages[0]
    item.checks = run_checks(settings, item, posts)
    return item


def run_checks(settings: Settings, item: MediaItem, posts: Posts) -> dict:
    """Location, time and reuse checks; each failing one names its finding kind.

    `posts` holds the cadre's post at the item's recorded time.
    """
    checks: dict = {"exif_missing": item.exif_missing}
    if item.exif_lat is not None and item.village_code:
        verdicts, distances = fence_verdicts(db.session, settings.fence, posts,
                                             np.array([item.exif_lat]),
                                    np.array([item.exif_lon]), np.array([np.nan]))
        checks["location"] = {"fence": verdicts[0], "distance_m": distances[0],
                              "failed": verdicts[0] == "outside"}
    else:
        checks["location"] = {"fence": None, "failed": False,
                              "note": "no GPS in the file" if item.exif_lat is None
                              else "no post on that date"}
    if item.taken_at is not None:
        gap = abs((item.taken_at - item.recorded_at).total_seconds()) / 3600.0
        checks["time"] = {"gap_hours": round(gap, 2),
                          "upload_delay_hours": round(
                              (item.received_at - item.taken_at).total_seconds() / 3600, 2),
                          "failed": gap > settings.media.photo_time_mismatch_h}
    else:
        checks["time"] = {"failed": False, "note": "no capture time in the file"}
    earlier = reused_from(settings, item)
    checks["reuse"] = {"failed": earlier is not None,
                       **({"media_id": earlier[0].id, "cadre_id": earlier[0].cadre_id,
                           "distance": earlier[1], "same_bytes": earlier[0].sha256 ==
                           item.sha256} if earlier else {})}
    return checks


def reused_from(settings: Settings, item: MediaItem) -> tuple[MediaItem, int] | None:
    """The earliest stored item with the same bytes or a pHash within the set distance —
    by another cadre, or by the same cadre on another local day. Looked up through the
    indexed 16-bit bands: two hashes within 3 bits share at least one band exactly."""
    limit, zone = settings.media.phash_max_distance, settings.zone
    bands = or_(MediaItem.sha256 == item.sha256, MediaItem.phash_b0 == item.phash_b0,
                MediaItem.phash_b1 == item.phash_b1, MediaItem.phash_b2 == item.phash_b2,
                MediaItem.phash_b3 == item.phash_b3)
    day = local_date(item.recorded_at, zone)
    for candidate in db.session.scalars(select(MediaItem).where(bands).order_by(
            MediaItem.recorded_at, MediaItem.id)):
        if candidate.cadre_id == item.cadre_id and local_date(candidate.recorded_at,
                                                              zone) == day:
            continue
        distance = hamming(candidate.phash, item.phash)
        if candidate.sha256 == item.sha256 or distance <= limit:
            return candidate, distance
    return None



def media_query(scope: Scope, cadre_id: int, filters: dict):
    """A cadre's media recorded in [from, to) on dates the scope sees them, newest first."""
    query = select(MediaItem).where(MediaItem.cadre_id == cadre_id,
                                    scope.instant_clause(MediaItem.recorded_at, cadre_id))
    query = in_time_range(query, MediaItem.recorded_at, filters)
    return query.order_by(MediaItem.recorded_at.desc(), MediaItem.id.desc())


def visible_media(scope: Scope, media_id: int) -> MediaItem:
    item = db.session.get(MediaItem, media_id)
    if item is None:
        raise NotFound(f"media {media_id} not found")
    scope.require_dates(item.cadre_id, local_date(item.recorded_at, scope.zone),
                        what=f"media {media_id}")
    return item
