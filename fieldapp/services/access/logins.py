"""Checking credentials, the tokens they buy, and throttling the attempts.

Tokens. An access token carries the user's `token_version` as of its issue (claim "ver")
and its own `jti`. It is refused on every request once the version has moved on (database
triggers raise it when the password, role, cadre, active flag or regions change: migration
0006) or once its jti is in `revoked_tokens` (logout). Logout revokes the one token in use,
not the user's other sessions (another phone stays logged in); a password change is the
way to end them all.

Throttling, with counters every worker shares (the database, or Redis):
- per client address, over all accounts (`LOGIN_RATE_LIMIT`): past the limit that address
  is answered 429 for every account until its window ends;
- per account, from all addresses (`LOGIN_ACCOUNT_LIMIT`): past the limit the account is
  answered 429 from every address until its window ends.
While throttled, the password is not checked at all (so the right one is refused too:
otherwise the throttle would be an oracle). Each attempt is counted before its password is
checked, atomically, so parallel guesses cannot slip past the limit, and a success gives
its count back. An attempt refused by the address throttle does not count against the
account, so a throttled attacker cannot keep a victim's account locked from elsewhere;
windows are fixed, so nobody is locked out for longer than one window after the last
counted failure.
"""
from __future__ import annotations

import functools
import math
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam, delete, select, text, update
from sqlalchemy.engine import Connection

from ...config import LoginSettings
from ...db.engines import insert_for
from ...errors import Busy, Unauthorized
from ...extensions import db
from ...models import LoginFailure, RevokedToken, User
from ...models.types import utcnow
from .passwords import verify_password


@dataclass(frozen=True)
class LoginUser:
    """Who logged in, as their token is issued for them."""

    id: int
    role: str
    cadre_id: int | None
    token_version: int


_USER = select(User.id, User.role, User.cadre_id, User.token_version, User.active,
               User.password_hash).where(User.username == bindparam("username"))


def authenticate(conn: Connection, username: str, password: str) -> LoginUser | None:
    """The active user with these credentials, or None (same cost either way). Read on
    `conn` (autocommit), so no transaction is held while the password hash is checked."""
    row = conn.execute(_USER, {"username": username}).first()
    ok = verify_password(row.password_hash if row else None, password)
    if not (ok and row.active):
        return None
    return LoginUser(row.id, row.role, row.cadre_id, row.token_version)


def log_in(settings: LoginSettings, counters, conn: Connection, address: str, username: str,
           password: str) -> LoginUser | Throttled | None:
    """Count the attempt, then check the password unless throttled: the user, the
    throttle that refused it, or None for wrong credentials."""
    throttle = LoginThrottle(settings, counters, address, username)
    refused = throttle.begin()
    if refused is not None:
        return refused
    user = authenticate(conn, username, password)
    if user is not None:
        throttle.succeeded()
    return user


# ---- tokens ---------------------------------------------------------------------------

def token_claims(user: LoginUser) -> dict:
    """Claims added to a user's access token: what it was issued for."""
    return {"role": user.role, "ver": user.token_version}


_TOKEN_STATE = text(
    "SELECT u.active, u.token_version, "
    "(SELECT 1 FROM revoked_tokens r WHERE r.jti = :jti) AS revoked "
    "FROM users u WHERE u.id = :user_id")


def token_revoked(conn: Connection, payload: dict) -> bool:
    """True if this token's version has moved on (password, role, cadre, active flag or
    regions changed since it was issued) or it was logged out; 401 Unauthorized if its
    user is gone or disabled. One statement."""
    try:
        user_id = int(payload["sub"])
    except (KeyError, TypeError, ValueError):
        return True
    row = conn.execute(_TOKEN_STATE, {"user_id": user_id, "jti": payload.get("jti")}).first()
    if row is None or not row.active:
        raise Unauthorized("this login no longer exists or is disabled")
    return row.revoked is not None or row.token_version != payload.get("ver")


def revoke_token(user: User, payload: dict) -> None:
    """Log out the token in use; drop records of tokens that have expired anyway."""
    now = utcnow()
    db.session.execute(delete(RevokedToken).where(RevokedToken.expires_at < now))
    expires = datetime.fromtimestamp(payload["exp"], UTC)
    revoked = insert_for(db.engine, RevokedToken).values(
        jti=payload["jti"], user_id=user.id, expires_at=expires)
    db.session.execute(revoked.on_conflict_do_nothing(index_elements=["jti"]))  # a retry
    db.session.commit()


# ---- throttling -----------------------------------------------------------------------

@dataclass(frozen=True)
class Throttled:
    """Why a login attempt was refused without checking its password, and for how long."""

    what: str  # "address" or "account"
    retry_after: int  # seconds

    @property
    def message(self) -> str:
        if self.what == "address":
            return (f"too many failed logins from this address; every login from it is "
                    f"refused for {self.retry_after} s more (Retry-After)")
        return (f"too many failed logins on this account; it is refused from every address "
                f"for {self.retry_after} s more (Retry-After)")


class DatabaseCounters:
    """Fixed-window counters in `login_failures`, on an autocommit connection, so each
    count is committed (and seen by every worker) by its one statement."""

    def __init__(self, conn_factory):
        self._conn = conn_factory

    def add(self, key: str, window_ends: int, amount: int) -> int:
        conn = self._conn()
        if amount < 0:
            conn.execute(update(LoginFailure).where(
                LoginFailure.key == key, LoginFailure.window_ends == window_ends)
                .values(failures=LoginFailure.failures + amount))
            return 0
        statement = insert_for(conn.engine, LoginFailure).values(
            key=key, window_ends=window_ends, failures=amount)
        statement = statement.on_conflict_do_update(
            index_elements=["key", "window_ends"],
            set_={"failures": LoginFailure.failures + statement.excluded.failures})
        count = conn.execute(statement.returning(LoginFailure.failures)).scalar_one()
        if count == amount and random.random() < 1 / 64:  # now and then, forget old windows
            conn.execute(delete(LoginFailure).where(LoginFailure.window_ends < time.time()))
        return count


class RedisCounters:
    """The same counters in Redis: INCRBY and an expiry at the window's end."""

    def __init__(self, uri: str):
        import redis  # only needed when configured

        self._redis = redis.Redis.from_url(uri)

    def add(self, key: str, window_ends: int, amount: int) -> int:
        import redis

        name = f"fieldapp:login:{key}:{window_ends}"
        pipe = self._redis.pipeline()
        pipe.incrby(name, amount)
        pipe.expireat(name, window_ends + 1)
        try:
            return int(pipe.execute()[0])
        except redis.RedisError as exc:  # no count, no login: a guess must not go uncounted
            raise Busy("the login throttle's store is unavailable; try again shortly",
                       retry_after_s=5) from exc


def counters_for(settings: LoginSettings, conn_factory):
    """Where the counters live: Redis when configured (one client per URL and process),
    else the database (through `conn_factory`)."""
    if settings.storage_uri.startswith(("redis://", "rediss://")):
        return _redis_counters(settings.storage_uri)
    return DatabaseCounters(conn_factory)


@functools.cache
def _redis_counters(uri: str) -> RedisCounters:
    return RedisCounters(uri)


class LoginThrottle:
    """One login attempt's counts: `begin` before the password is checked (a Throttled when
    it must not be), `succeeded` to give the counts back."""

    def __init__(self, settings: LoginSettings, counters, address: str, username: str,
                 now: float | None = None):
        self.counters = counters
        self.now = time.time() if now is None else now
        self.keys = [("address", f"a:{address}", *settings.per_address),
                     ("account", f"u:{username}", *settings.per_account)]
        self.counted: list[tuple[str, int]] = []

    def _window_ends(self, window: int) -> int:
        return (math.floor(self.now / window) + 1) * window

    def begin(self) -> Throttled | None:
        for what, key, limit, window in self.keys:
            ends = self._window_ends(window)
            count = self.counters.add(key, ends, 1)
            self.counted.append((key, ends))
            if count > limit:
                return Throttled(what, max(1, math.ceil(ends - self.now)))
        return None

    def succeeded(self) -> None:
        for key, ends in self.counted:
            self.counters.add(key, ends, -1)
