"""/healthz (process up) and /readyz (database reachable), at the root → db/engines.py."""
from flask import Blueprint

from ..db.engines import SpatialBackendError, check_spatial_backend
from ..errors import RETRY_AFTER_S, error_response
from ..extensions import db

blp = Blueprint("health", __name__)


@blp.get("/healthz")
def healthz():
    return {"status": "ok"}


@blp.get("/readyz")
def readyz():
    try:
        backend = check_spatial_backend(db.engine)
    except SpatialBackendError as exc:
        return error_response(503, str(exc), headers={"Retry-After": str(RETRY_AFTER_S)})
    return {"status": "ready", "database": backend}
