"""The access log: every read of a person's location or evidence by someone else."""
from __future__ import annotations

from ...extensions import db
from ...models import AccessLog, User


def log_access(viewer: User, cadre_id: int, resource: str, params: dict) -> None:
    """Record a read of `cadre_id`'s data unless the reader is that cadre."""
    if viewer.cadre_id == cadre_id:
        return
    db.session.add(AccessLog(viewer_user_id=viewer.id, subject_cadre_id=cadre_id,
                             resource=resource, params=_jsonable(params)))
    db.session.commit()


def _jsonable(params: dict) -> dict:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in params.items()}
