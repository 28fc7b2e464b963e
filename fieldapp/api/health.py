"""/healthz (process up) and /readyz (database reachable), at the root → db/engines.py."""
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from ..db.engines import SpatialBackendError, check_spatial_backend
from ..errors import RETRY_AFTER_S, error_response
from ..extensions import db
from .security import OPEN

blp = Blueprint("health", __name__, description="Health checks (at the root, no login)")


class Healthy(Schema):
    status = fields.String(metadata={"example": "ok"})


class Ready(Schema):
    status = fields.String(metadata={"example": "ready"})
    database = fields.String(metadata={"description": "the spatial library and its version"})


@blp.route("/healthz", methods=["GET"])
@blp.doc(security=OPEN)
@blp.alt_response(200, schema=Healthy, description="the process is up")
def healthz():
    return {"status": "ok"}


@blp.route("/readyz", methods=["GET"])
@blp.doc(security=OPEN)
@blp.alt_response(200, schema=Ready, description="the database answers (else 503, Retry-After)")
def readyz():
    try:
        backend = check_spatial_backend(db.engine)
    except SpatialBackendError as exc:
        return error_response(503, str(exc), headers={"Retry-After": str(RETRY_AFTER_S)})
    return {"status": "ready", "database": backend}
