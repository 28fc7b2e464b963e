"""POST /pings (native batch ingest) and GET /pings (scoped, paginated, JSON or GeoJSON)."""
from flask import current_app, g, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from ..database import request_connection
from ..errors import Unprocessable
from ..services import ingest
from ..services.access_log import log_access
from ..services.ping_reads import ping_dict, ping_feature, pings_query
from .pagination import PageArgs, page_of
from .security import cadre_or_device_required, login_required

blp = Blueprint("pings", __name__, url_prefix="/api/v1", description="Location pings")

GEOJSON = "application/geo+json"


class PingIn(Schema):
    """One fix (documentation; items are validated one by one so a bad one rejects only itself)."""

    id = fields.String(required=True, metadata={"description": "client UUID, idempotency key"})
    recorded_at = fields.DateTime(required=True)
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)
    crs = fields.String(validate=validate.OneOf(["wgs84", "gcj02", "bd09"]))
    accuracy = fields.Float()
    altitude = fields.Float()
    speed = fields.Float()
    heading = fields.Float()
    provider = fields.String()
    battery = fields.Float()
    mock = fields.Boolean()
    challenge_id = fields.String()


class PingBatch(Schema):
    pings = fields.List(fields.Nested(PingIn))


class PingFilter(PageArgs):
    cadre_id = fields.Integer()
    from_ = fields.AwareDateTime(data_key="from", attribute="from")
    to = fields.AwareDateTime()
    fence = fields.String(validate=validate.OneOf(["inside", "outside", "uncertain",
                                                   "unassigned"]))

@blp.route("/pings", methods=["POST"])
@cadre_or_device_required
@blp.doc(requestBody={"content": {"application/json": {"schema": PingBatch}}})
def post_pings():
    """Store one ping or a batch of up to 1000; answers per item."""
    items = ingest.items_of(request.get_json(silent=True), current_app.config["PING_BATCH_MAX"])
    result = ingest.ingest(request_connection(), g.sender, items)
    return result.as_dict()


@blp.route("/pings", methods=["GET"])
@login_required()
@blp.arguments(PingFilter, location="query")
def list_pings(args):
    """A cadre's pings, newest first. `Accept: application/geo+json` for GeoJSON.

    Anyone but the cadre must name `cadre_id`; the read is written to the access log.
    """
    cadre_id = args.pop("cadre_id", g.user.cadre_id)
    if cadre_id is None:
        raise Unprocessable("cadre_id is required", {"cadre_id": ["required"]})
    g.scope.require_cadre(cadre_id)
    filters = {k: v for k, v in args.items() if k not in ("page", "per_page")}
    rows, meta = page_of(pings_query(cadre_id, filters), args)
    log_access(g.user, cadre_id, "pings", {**filters, "page": meta["page"]})
    if request.accept_mimetypes.best_match(["application/json", GEOJSON]) == GEOJSON:
        body = {"type": "FeatureCollection", "features": [ping_feature(p) for p in rows], **meta}
        return current_app.response_class(current_app.json.dumps(body), mimetype=GEOJSON)
    return {"items": [ping_dict(p) for p in rows], **meta}
