"""Who is sending locations (a device token or a cadre's login), read in one statement
together with the cadre's posts over every date an acceptable fix can carry.

Phones send all day, so each worker keeps the senders of the device tokens it has seen,
each with the sender version it was read at (`SenderVersion`). A cached sender is used only
under that version: its pings are inserted only while the version still holds
(`ping_insert.insert_pings`), so a revoked device or a changed post is caught by the very
INSERT, and the caller reads the sender afresh and tries once more.

A device registered by logging in (POST /api/v1/auth/device) names its user and their token
version then; it is refused once that version has moved on (password, role, cadre, active
flag or regions changed) or the user is disabled. Every change of a token version raises
the sender version too (migration 0012), so a cached sender of such a device is not used.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.engine import Connection

from ...config import Settings
from ...domain.dates import local_date
from ...errors import Forbidden, Unauthorized
from ...models import Assignment, Device, Region, SenderVersion, User
from ...models.types import utcnow
from ..geodata.fences import POST_COLUMNS, Posts, local_days, overlapping_posts, posts_from
from ..people.registry import token_digest


@dataclass(frozen=True)
class Sender:
    cadre_id: int
    device_id: int | None  # None when a cadre sends with a bearer token
    posts: list[tuple]     # (village code, starts_on, ends_on, boundary version)
    version: int | None = None  # set on a cached sender: store its pings only at this version

    def posts_on(self, moments: list[datetime], zone: ZoneInfo) -> Posts:
        """The post on each moment's local date (moments within the backfill limit)."""
        return posts_from(self.posts, local_days(moments, zone))


def _with_posts(*columns, cadre_id):
    return (select(*columns, *POST_COLUMNS).outerjoin(Assignment, overlapping_posts(cadre_id))
            .outerjoin(Region, Region.code == Assignment.region_code))


_VERSION = select(SenderVersion.version).scalar_subquery().label("sender_version")
_LOGIN_UNCHANGED = or_(Device.user_id.is_(None), and_(
    User.active.is_(True), User.token_version == Device.user_token_version))
_DEVICE = (_with_posts(Device.id, Device.cadre_id, _VERSION, cadre_id=Device.cadre_id)
           .outerjoin(User, User.id == Device.user_id)
           .where(Device.token_hash == bindparam("digest"), Device.revoked_at.is_(None),
                  _LOGIN_UNCHANGED))
_LOGIN = (_with_posts(User.active, User.role, User.cadre_id, cadre_id=User.cadre_id)
          .where(User.id == bindparam("user_id")))
CACHE_LIMIT = 100_000  # senders per worker; past it the cache starts afresh
_sender_cache: dict[tuple, Sender] = {}


def _backfill_dates(settings: Settings) -> dict[str, date]:
    """Local dates an acceptable fix can fall on, with a day's margin each side (the
    ingest checks its limits a moment later)."""
    limits, day = settings.ingest.limits(utcnow()), timedelta(days=1)
    return {"first": local_date(limits.oldest, settings.zone) - day,
            "last": local_date(limits.newest, settings.zone) + day}


def _post_rows(rows) -> list[tuple]:
    return [tuple(row[-4:]) for row in rows if row.region_code is not None]


def by_device(settings: Settings, conn: Connection, token: str,
              device_id: int | None = None) -> Sender | None:
    """The unrevoked device holding `token` (and numbered `device_id`, when given), whose
    login, if it was registered by one, is unchanged."""
    return _read_device(conn, token_digest(token), _backfill_dates(settings), device_id)


def by_device_id(settings: Settings, conn: Connection, device_id: int) -> Sender | None:
    """The unrevoked device numbered `device_id`, as its token would read it: for a sender
    inside the app that holds no token (the demo week's phones)."""
    digest = conn.execute(select(Device.token_hash).where(Device.id == device_id)).scalar()
    return None if digest is None else _read_device(conn, digest, _backfill_dates(settings),
                                                    device_id)


def _read_device(conn: Connection, digest: str, dates: dict[str, date],
                 device_id: int | None = None) -> Sender | None:
    """The sender, fresh from the database; the cache keeps it with its version."""
    statement = _DEVICE if device_id is None else _DEVICE.where(Device.id == device_id)
    rows = conn.execute(statement, {"digest": digest, **dates}).all()
    if not rows:
        _sender_cache.pop(_cache_key(conn, digest, dates), None)
        return None
    sender = Sender(rows[0].cadre_id, rows[0].id, _post_rows(rows))
    if device_id is None and rows[0].sender_version is not None:
        if len(_sender_cache) >= CACHE_LIMIT:
            _sender_cache.clear()
        _sender_cache[_cache_key(conn, digest, dates)] = replace(
            sender, version=rows[0].sender_version)
    return sender


def _cache_key(conn: Connection, digest: str, dates: dict[str, date]) -> tuple:
    """Per engine (hashed by identity; a URL hashes by rendering itself), token and window."""
    return conn.engine, digest, dates["first"], dates["last"]


def device_token(authorization: str) -> str | None:
    """The token of an `Authorization: Device <token>` header, else None."""
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "device" else None


def require_device(settings: Settings, conn: Connection, token: str) -> Sender:
    """The sender behind `Authorization: Device <token>`; 401 if unknown or revoked."""
    sender = by_device(settings, conn, token)
    if sender is None:
        raise Unauthorized("unknown or revoked device token")
    return sender


def cached_device(settings: Settings, conn: Connection, token: str) -> Sender:
    """`require_device` from this worker's cache when it holds the token. That sender
    carries its version; `ingest` raises `StaleSender` unless its INSERT confirmed it."""
    dates = _backfill_dates(settings)
    digest = token_digest(token)
    sender = _sender_cache.get(_cache_key(conn, digest, dates)) or _read_device(conn, digest, dates)
    if sender is None:
        raise Unauthorized("unknown or revoked device token")
    return sender


def by_login(settings: Settings, conn: Connection, user_id: int) -> Sender:
    """The cadre behind an active login; 401 if it is gone, 403 if it is not a cadre's."""
    rows = conn.execute(_LOGIN, {"user_id": user_id, **_backfill_dates(settings)}).all()
    if not rows or not rows[0].active:
        raise Unauthorized("this login no longer exists or is disabled")
    if rows[0].role != "cadre" or rows[0].cadre_id is None:
        raise Forbidden("only a cadre or a cadre's device can send locations")
    return Sender(rows[0].cadre_id, None, _post_rows(rows))
