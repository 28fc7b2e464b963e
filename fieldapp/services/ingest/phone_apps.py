"""Fixes from the free phone apps: OwnTracks (in HTTP mode; its MQTT mode's messages come
through `store_owntracks` too, from services/ingest/mqtt.py), and OsmAnd / Traccar Client.

Each app resends what it was refused, so a request is stored whole or not at all (400), and
an unknown or revoked device is a 401 before anything in the body is looked at. A fix the
collection profile discards is no refusal: the request is answered 200 and the app moves on.
"""
from __future__ import annotations

from sqlalchemy.engine import Connection

from ...config import Settings
from ...domain.phone_apps import (
    MissingDeviceToken,
    osmand_query,
    owntracks_location,
    traccar_json,
)
from ...domain.pings import Rejected
from ...errors import BadInput, TooLarge, Unauthorized
from ...models.types import utcnow
from . import pings, senders

UNKNOWN_DEVICE = "unknown or revoked device"
MAX_DEVICE_ID = 2**31 - 1  # a device id is an INTEGER key


def ingest_owntracks(settings: Settings, conn: Connection, device_id: str | None,
                     token: str | None, message: object) -> pings.IngestResult | None:
    """One OwnTracks message sent with Basic auth (user = device id, password = token);
    `message` is the parsed JSON body ({} for an empty one, None if it was not JSON).
    Only `_type: location` messages carry a fix (its answer); the others are accepted and
    ignored (None)."""
    device = None
    if (device_id and device_id.isascii() and device_id.isdigit() and len(device_id) <= 10
            and int(device_id) <= MAX_DEVICE_ID and token):
        device = senders.by_device(settings, conn, token, int(device_id))
    if device is None:
        raise Unauthorized(UNKNOWN_DEVICE)
    return store_owntracks(settings, conn, device, message)


def store_owntracks(settings: Settings, conn: Connection, device: senders.Sender,
                    message: object) -> pings.IngestResult | None:
    """One OwnTracks message from `device`, whichever mode brought it (HTTP, or MQTT where
    the broker checked the password): its fix stored, or None for a `_type` other than
    location. 400 if it is not one JSON object or its fix is refused."""
    if not isinstance(message, dict):
        raise BadInput("the body must be one OwnTracks JSON object")
    if message.get("_type") != "location":
        return None
    try:
        fix = owntracks_location(message, device.device_id)
    except Rejected as exc:
        raise BadInput(str(exc)) from exc
    return pings.ingest(settings, conn, device, [fix], whole=True)


def ingest_osmand(settings: Settings, conn: Connection, params: dict | None = None,
                  body: object | None = None) -> pings.IngestResult:
    """One OsmAnd request (query or form `params`) or a Traccar Client JSON `body`; the
    device token travels inside it (`id`, `device_id`). A request without `timestamp`
    takes the time of receipt (domain/phone_apps.osmand_query)."""
    now, clock = utcnow(), "device"
    try:
        if params is None:
            if not isinstance(body, dict):
                raise Rejected("the body is not a JSON object")
            token, fixes = traccar_json(body)
            if len(fixes) > settings.ingest.batch_max:
                raise TooLarge(f"{len(fixes)} locations in one request; at most "
                               f"{settings.ingest.batch_max}")
        else:
            token, fix, clock = osmand_query(params, now)
            fixes = [fix]
    except MissingDeviceToken as exc:
        raise Unauthorized(str(exc)) from exc
    except Rejected as exc:
        raise BadInput(str(exc)) from exc
    device = senders.by_device(settings, conn, token)
    if device is None:
        raise Unauthorized(UNKNOWN_DEVICE)
    return pings.ingest(settings, conn, device, fixes, whole=True, received_at=now,
                        clock=clock)
