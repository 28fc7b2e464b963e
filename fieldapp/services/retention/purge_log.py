"""Reading the purge log (admins only, on the endpoint)."""
from __future__ import annotations

from sqlalchemy import select

from ...models import PurgeLog


def purges_query():
    """Every purge, the latest first."""
    return select(PurgeLog).order_by(PurgeLog.started_at.desc(), PurgeLog.id.desc())
