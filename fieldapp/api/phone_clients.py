"""Endpoints for free phone apps: OwnTracks (HTTP mode) and OsmAnd / Traccar Client."""
from flask import request
from flask_smorest import Blueprint

from ..database import request_connection
from ..domain.phone_clients import osmand_query, owntracks_location, traccar_json
from ..domain.pings import Rejected
from ..errors import BadInput, Unauthorized
from ..services import ingest, senders

blp = Blueprint("phone_clients", __name__, url_prefix="/api/v1/ingest",
                description="Locations from OwnTracks, OsmAnd and Traccar Client")


@blp.route("/owntracks", methods=["POST"])
def owntracks():
    """OwnTracks HTTP mode. Basic auth: username = device id, password = device token."""
    auth = request.authorization
    device = None
    if auth and auth.username and auth.username.isdigit() and auth.password:
        device = senders.by_device(request_connection(), auth.password, int(auth.username))
    if device is None:
        raise Unauthorized("unknown or revoked device")
    if not request.get_data():
        return []
    message = request.get_json(silent=True)
    if not isinstance(message, dict):
        raise BadInput("the body must be one OwnTracks JSON object")
    if message.get("_type") != "location":
        return []
    try:
        ping = owntracks_location(message, device.device_id)
    except Rejected as exc:
        raise BadInput(str(exc)) from exc
    ingest.ingest(request_connection(), device, [ping], whole=True)
    return []


@blp.route("/osmand", methods=["GET", "POST"])
def osmand():
    """OsmAnd protocol (query or form) and Traccar Client JSON; `id`/`device_id` = token."""
    try:
        if request.is_json:
            body = request.get_json(silent=True)
            if not isinstance(body, dict):
                raise Rejected("the body is not a JSON object")
            token, pings = traccar_json(body)
        else:
            params = request.args.to_dict() or request.form.to_dict()
            token, ping = osmand_query(params)
            pings = [ping]
    except Rejected as exc:
        if "device token" in str(exc):
            raise Unauthorized(str(exc)) from exc
        raise BadInput(str(exc)) from exc
    device = senders.by_device(request_connection(), token)
    if device is None:
        raise Unauthorized("unknown or revoked device")
    ingest.ingest(request_connection(), device, pings, whole=True)
    return ""
