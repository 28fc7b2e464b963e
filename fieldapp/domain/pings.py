"""Validating one location fix from the wire into plain values (the fields of
`POST /api/v1/pings`)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from .coords import CRS_NAMES


@dataclass(frozen=True)
class PingLimits:
    oldest: datetime   # recorded_at before this is refused (backfill limit)
    newest: datetime   # recorded_at after this is refused (clock skew)


class Rejected(ValueError):
    """The item cannot be stored; the message is the reason given to the client."""


OPTIONAL_NUMBERS = {  # field: (minimum, maximum)
    "accuracy": (0.0, 1e6), "altitude": (-1000.0, 10000.0), "speed": (0.0, 1000.0),
    "heading": (0.0, 360.0), "battery": (0.0, 100.0),
}


def _number(raw: dict, name: str, low: float, high: float) -> float | None:
    value = raw.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Rejected(f"{name} must be a number")
    try:
        value = float(value)
    except OverflowError:  # an integer of hundreds of digits
        raise Rejected(f"{name} is out of range [{low:g}, {high:g}]") from None
    if not math.isfinite(value):
        raise Rejected(f"{name} must be finite")
    if not low <= value <= high:
        raise Rejected(f"{name} {value:g} is out of range [{low:g}, {high:g}]")
    return value


def _string(raw: dict, name: str, max_length: int, required: bool = False) -> str | None:
    value = raw.get(name)
    if value is None:
        if required:
            raise Rejected(f"{name} is required")
        return None
    if not isinstance(value, str) or not value.strip():
        raise Rejected(f"{name} must be a non-empty string")
    if len(value) > max_length:
        raise Rejected(f"{name} is longer than {max_length} characters")
    return value


def parse_timestamp(value: object, name: str = "recorded_at") -> datetime:
    if not isinstance(value, str):
        raise Rejected(f"{name} must be an ISO-8601 string with a UTC offset")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise Rejected(f"{name} {value!r} is not ISO-8601") from None
    if moment.tzinfo is None:
        raise Rejected(f"{name} needs a UTC offset (e.g. +08:00 or Z)")
    return moment


def parse_ping(raw: object, limits: PingLimits) -> dict:
    """Return the ping's fields as plain values, or raise Rejected with the reason."""
    if not isinstance(raw, dict):
        raise Rejected("a ping must be a JSON object")
    ping = {"client_id": _string(raw, "id", 64, required=True)}
    if raw.get("recorded_at") is None:
        raise Rejected("recorded_at is required")
    recorded_at = parse_timestamp(raw["recorded_at"])
    if recorded_at > limits.newest:
        raise Rejected("recorded_at is in the future")
    if recorded_at < limits.oldest:
        raise Rejected("recorded_at is older than the backfill limit")
    ping["recorded_at"] = recorded_at
    for name, bound in (("lat", 90.0), ("lon", 180.0)):
        if raw.get(name) is None:
            raise Rejected(f"{name} is required")
        ping[name] = _number(raw, name, -bound, bound)
    crs = raw.get("crs", "wgs84")
    if crs not in CRS_NAMES:
        raise Rejected(f"unknown crs {crs!r}; expected one of {', '.join(CRS_NAMES)}")
    ping["crs"] = crs
    for name, (low, high) in OPTIONAL_NUMBERS.items():
        ping[name] = _number(raw, name, low, high)
    ping["provider"] = _string(raw, "provider", 32)
    ping["challenge_id"] = _string(raw, "challenge_id", 64)
    mock = raw.get("mock")
    if mock is not None and not isinstance(mock, bool):
        raise Rejected("mock must be true or false")
    ping["mock"] = mock
    return ping
