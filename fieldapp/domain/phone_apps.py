"""Translate the free phone apps' wire formats (OwnTracks in HTTP mode, OsmAnd, Traccar
Client JSON) into native pings."""
from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, datetime

from .pings import Rejected

KNOTS_TO_MS = 1852 / 3600
RESEND_SLOT_S = 600  # a request without a timestamp resent within these seconds is one fix
KMH_TO_MS = 1000 / 3600


class MissingDeviceToken(Rejected):
    """The request names no device token: the app is not set up, not a bad fix."""


def _float(value, name: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise Rejected(f"{name} must be a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise Rejected(f"{name} {str(value)[:40]!r} is not a number") from None
    except OverflowError:  # an integer of hundreds of digits
        raise Rejected(f"{name} is out of range") from None
    if not math.isfinite(number):
        raise Rejected(f"{name} must be finite")
    return number


def _iso(moment: datetime) -> str:
    try:
        return moment.astimezone(UTC).isoformat()
    except OverflowError:  # 0001-01-01 east of UTC, 9999-12-31 west of it
        raise Rejected(f"timestamp {moment.isoformat()} is out of range") from None


def _from_epoch(seconds: float) -> datetime:
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise Rejected(f"timestamp {seconds!r} is out of range") from None


def owntracks_location(message: dict, device_id: int) -> dict:
    """An OwnTracks `_type: location` message; zero fields may be omitted by the app."""
    tst = _float(message.get("tst"), "tst")
    lat, lon = _float(message.get("lat"), "lat"), _float(message.get("lon"), "lon")
    if tst is None or lat is None or lon is None:
        raise Rejected("an OwnTracks location needs tst, lat and lon")
    velocity = _float(message.get("vel", 0), "vel")
    accuracy = _float(message.get("acc"), "acc")
    mock = message.get("m")  # not sent by OwnTracks today; kept if a fork adds it
    return {
        "id": f"ot-{device_id}-{int(tst)}-{lat:.7f}-{lon:.7f}",
        "recorded_at": _iso(_from_epoch(tst)),
        "lat": lat, "lon": lon, "crs": "wgs84",
        "accuracy": accuracy or None,  # omitted means 0, which no real fix has: unknown
        "altitude": _float(message.get("alt", 0), "alt"),
        "speed": None if velocity is None else velocity * KMH_TO_MS,
        "heading": _float(message.get("cog"), "cog"),
        "battery": _float(message.get("batt"), "batt"),
        "provider": "owntracks",
        **({"mock": mock} if isinstance(mock, bool) else {}),
    }


def osmand_timestamp(raw: str | None) -> datetime:
    """Epoch seconds, epoch milliseconds (> 2^31), ISO-8601, or 'yyyy-MM-dd HH:mm:ss' (UTC)."""
    if raw is None or str(raw).strip() == "":
        raise Rejected("timestamp is required")
    text = str(raw).strip()
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is not None:
        if not math.isfinite(number):
            raise Rejected("timestamp must be finite")
        return _from_epoch(number / 1000 if number > 2**31 else number)
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    except ValueError:
        raise Rejected(f"timestamp {text[:40]!r} is neither epoch nor ISO-8601") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _known(value: float | None) -> float | None:
    """None for the apps' "unknown": -1 (any negative) for speed, heading and battery."""
    return None if value is None or value < 0 else value


def _accuracy(value: float | None) -> float | None:
    """None for an unknown accuracy: negative, or 0, which no real fix has (OwnTracks
    omits 0; OsmAnd's `hacc=0` is Traccar's own test of an unknown one)."""
    return None if value is None or value <= 0 else value


def osmand_query(params: dict, received_at: datetime) -> tuple[str, dict, str]:
    """(device token, native ping, clock) from OsmAnd / Traccar Client query or form
    parameters, in every form Traccar's OsmAndProtocolDecoder accepts: `id` or
    `deviceid`; `lat` and `lon` or `location=lat,lon`; `timestamp` as epoch seconds or
    milliseconds, ISO-8601 or 'yyyy-MM-dd HH:mm:ss', or absent; `accuracy` or `hacc`;
    `bearing` or `heading`; speed in knots; other parameters ignored.

    Without `timestamp` the fix takes `received_at` and the clock is "receipt", else
    "device". Its client id must still make a resend a duplicate, and a resend is received
    later, so it cannot come from the receipt time alone: it is a digest of the parameters
    as sent but the device token (a resend repeats them exactly) and the RESEND_SLOT_S slot
    of receipt, so an identical report later (a phone lying still, same battery: its night
    fix after its evening one) is a fix of its own. A resend that crosses into the next slot
    is stored once more, with its own receipt time.
    """
    token = params.get("id") or params.get("deviceid")
    if not token:
        raise MissingDeviceToken("id (the device token) is required")
    lat, lon = _float(params.get("lat"), "lat"), _float(params.get("lon"), "lon")
    if (lat is None or lon is None) and params.get("location"):
        parts = str(params["location"]).split(",")
        if len(parts) != 2:
            raise Rejected("location must be 'lat,lon'")
        lat, lon = _float(parts[0], "location"), _float(parts[1], "location")
    if lat is None or lon is None:
        raise Rejected("lat and lon (or location) are required")
    if params.get("timestamp") in (None, ""):
        moment, clock = received_at, "receipt"
        sent = sorted((k, str(v)) for k, v in params.items() if k not in ("id", "deviceid"))
        digest = hashlib.sha256(json.dumps(sent).encode())
        slot = int(moment.timestamp() // RESEND_SLOT_S)
        client_id = f"osm-rx-{slot}-{digest.hexdigest()[:32]}"
    else:
        moment, clock = osmand_timestamp(params["timestamp"]), "device"
        client_id = f"osm-{moment.timestamp():.3f}-{lat:.7f}-{lon:.7f}"
    speed = _known(_float(params.get("speed"), "speed"))
    accuracy = params.get("accuracy", params.get("hacc"))
    heading = params.get("bearing", params.get("heading"))
    return token, {
        "id": client_id, "recorded_at": _iso(moment), "lat": lat, "lon": lon, "crs": "wgs84",
        "accuracy": _accuracy(_float(accuracy, "accuracy")),
        "altitude": _float(params.get("altitude"), "altitude"),
        "speed": None if speed is None else speed * KNOTS_TO_MS,
        "heading": _known(_float(heading, "bearing")),
        "battery": _known(_float(params.get("batt"), "batt")),
        "provider": "osmand",
    }, clock


def traccar_json(body: dict) -> tuple[str, list[dict]]:
    """(device token, native pings) from the Traccar Client JSON body (one or a list)."""
    token = body.get("device_id")
    if not isinstance(token, str | int) or token == "":
        raise MissingDeviceToken("device_id (the device token) is required")
    locations = body.get("location")
    locations = locations if isinstance(locations, list) else [locations]
    return str(token), [_traccar_location(location) for location in locations]


def _traccar_location(location) -> dict:
    if not isinstance(location, dict) or not isinstance(location.get("coords"), dict):
        raise Rejected("location.coords is required")
    coords = location["coords"]
    lat = _float(coords.get("latitude"), "latitude")
    lon = _float(coords.get("longitude"), "longitude")
    if lat is None or lon is None:
        raise Rejected("coords.latitude and coords.longitude are required")
    moment = osmand_timestamp(location.get("timestamp"))
    heading = _known(_float(coords.get("heading"), "heading"))
    speed = _known(_float(coords.get("speed"), "speed"))
    battery = location.get("battery")
    level = _known(_float(battery.get("level") if isinstance(battery, dict) else None,
                          "battery.level"))
    mock = location.get("mock")
    return {
        "id": f"tc-{moment.timestamp():.3f}-{lat:.7f}-{lon:.7f}",
        "recorded_at": _iso(moment), "lat": lat, "lon": lon, "crs": "wgs84",
        "accuracy": _accuracy(_float(coords.get("accuracy"), "accuracy")),
        "altitude": _float(coords.get("altitude"), "altitude"),
        "speed": speed, "heading": heading,
        "battery": None if level is None else round(level * 100, 1),
        "provider": "traccar",
        **({"mock": mock} if isinstance(mock, bool) else {}),
    }
