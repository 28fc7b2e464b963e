"""Location fixes in, and the stored ones out → services/ingest/.

    POST /api/v1/pings                one ping or a batch, from a cadre's login or a device
    GET  /api/v1/pings                a cadre's pings (JSON or GeoJSON), access-logged
    POST /api/v1/ingest/owntracks     OwnTracks in HTTP mode
    GET|POST /api/v1/ingest/osmand    OsmAnd protocol and Traccar Client JSON

A device-token POST /pings is answered before it reaches Flask, by the fast path in
`api/ingest/fast_path.py`, with the same answers as `post_pings` here.
"""
from urllib.parse import parse_qsl

from flask import current_app, g, request
from flask_smorest import Blueprint

from ...config import app_settings
from ...db.connections import request_connection
from ...metrics import count_pings
from ...services.access.access_log import log_access
from ...services.ingest import phone_apps, pings
from ...services.ingest.ping_queries import ping_dict, ping_feature, pings_query
from ..pagination import page_of, page_schema
from ..schemas.ingest import (
    IngestOut,
    PingBatch,
    PingFeatureCollection,
    PingFilter,
    PingIn,
    PingOut,
)
from ..security import (
    BEARER_OR_DEVICE,
    OPEN,
    cadre_or_device_required,
    login_required,
    requested_cadre,
)

blp = Blueprint("pings", __name__, url_prefix="/api/v1", description="Location pings")
phone_apps_blp = Blueprint("phone_clients", __name__, url_prefix="/api/v1/ingest",
                           description="Locations from OwnTracks, OsmAnd and Traccar Client")

GEOJSON = "application/geo+json"


@blp.route("/pings", methods=["POST"])
@cadre_or_device_required
@blp.doc(security=BEARER_OR_DEVICE)
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": {
    "oneOf": [PingIn, PingBatch]}}}})
@blp.alt_response(200, schema=IngestOut, description="one result per item, in order")
def post_pings():
    """Store one ping or a batch of up to 1000; answers per item."""
    settings = app_settings()
    items = pings.items_of(request.get_json(silent=True), settings.ingest.batch_max)
    answer = pings.ingest(settings, request_connection(), g.sender, items).as_dict()
    count_pings("native", answer)
    return answer


@blp.route("/pings", methods=["GET"])
@login_required()
@blp.arguments(PingFilter, location="query")
@blp.alt_response(200, schema=page_schema(PingOut), description="a page of pings")
@blp.alt_response(200, schema=PingFeatureCollection, content_type=GEOJSON,
                  description="the same page as GeoJSON")
def list_pings(args):
    """A cadre's pings, newest first. `Accept: application/geo+json` for GeoJSON.

    Anyone but the cadre must name `cadre_id`; the read is written to the access log.
    """
    cadre_id = requested_cadre(args.pop("cadre_id", None))
    filters = {k: v for k, v in args.items() if k not in ("page", "per_page")}
    rows, meta = page_of(pings_query(g.scope, cadre_id, filters), args)
    log_access(g.user, cadre_id, "pings", {**filters, "page": meta["page"]})
    if request.accept_mimetypes.best_match(["application/json", GEOJSON]) == GEOJSON:
        body = {"type": "FeatureCollection", "features": [ping_feature(p) for p in rows], **meta}
        return current_app.response_class(current_app.json.dumps(body), mimetype=GEOJSON)
    return {"items": [ping_dict(p) for p in rows], **meta}


@phone_apps_blp.route("/owntracks", methods=["POST"])
@phone_apps_blp.doc(security=[{"deviceBasic": []}])
@phone_apps_blp.doc(requestBody={"content": {"application/json": {"schema": {"type": "object"}}}})
@phone_apps_blp.alt_response(200, schema={"type": "array", "maxItems": 0},
                             description="stored (OwnTracks expects an empty list)")
def owntracks():
    """OwnTracks HTTP mode. Basic auth: username = device id, password = device token."""
    auth = request.authorization
    message = request.get_json(silent=True) if request.get_data() else {}  # None: not JSON
    result = phone_apps.ingest_owntracks(app_settings(), request_connection(),
                                         auth.username if auth else None,
                                         auth.password if auth else None, message)
    if result is not None:
        count_pings("owntracks", result.as_dict())
    return []


@phone_apps_blp.route("/osmand", methods=["GET", "POST"])
@phone_apps_blp.doc(security=OPEN)
@phone_apps_blp.alt_response(200, schema={"type": "string", "maxLength": 0},
                             content_type="text/plain", description="stored")
def osmand():
    """OsmAnd protocol and Traccar Client JSON; `id`/`device_id` = token.

    As Traccar's own decoder reads it: a JSON body by its content type, else the query
    string, else (an empty query) the body as a query string, form-encoded or not."""
    if request.is_json:
        result = phone_apps.ingest_osmand(app_settings(), request_connection(),
                                          body=request.get_json(silent=True))
    else:
        params = request.args.to_dict() or request.form.to_dict() or dict(
            parse_qsl(request.get_data(as_text=True)))
        result = phone_apps.ingest_osmand(app_settings(), request_connection(), params=params)
    count_pings("traccar" if request.is_json else "osmand", result.as_dict())
    return "", 200, {"Content-Type": "text/plain"}
