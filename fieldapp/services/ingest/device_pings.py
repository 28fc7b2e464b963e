"""A phone's `POST /pings` with its device token, as the fast path (api/ingest/fast_path.py)
answers it: with this worker's cached sender first, afresh when that was not confirmed."""
from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from ...config import Settings
from ...db.connections import LazyAutocommitConnection
from ...errors import ServiceError
from . import pings, senders
from .pings import IngestResult, StaleSender, items_of


def ingest_from_device(settings: Settings, token: str, body: object) -> IngestResult:
    """Ingest `body` (parsed JSON, None if it was not JSON) sent with `token`.

    A connection lost to a server restart (see `db.engines.ping_when_idle`) is renewed and
    the request tried once more: the INSERT is idempotent, so pings the lost attempt stored
    answer as duplicates.
    """
    try:
        with LazyAutocommitConnection() as conn:
            return _cached_then_fresh(settings, conn, token, body)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    with LazyAutocommitConnection() as conn:
        return _cached_then_fresh(settings, conn, token, body)


def _cached_then_fresh(settings: Settings, conn: LazyAutocommitConnection, token: str,
                       body: object) -> IngestResult:
    """The cached sender's answer only where its INSERT confirmed it; anything else (an
    error, only duplicates, a changed sender) is answered afresh, in the route's order:
    the sender's 401 before the body's 4xx."""
    limit = settings.ingest.batch_max
    sender = senders.cached_device(settings, conn, token)
    if sender.version is not None:
        try:
            return pings.ingest(settings, conn, sender, items_of(body, limit))
        except (StaleSender, ServiceError):
            pass
        sender = senders.require_device(settings, conn, token)
    return pings.ingest(settings, conn, sender, items_of(body, limit))
