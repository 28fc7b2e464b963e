"""Settings from FIELDAPP_* environment variables, each with a documented default.

`SETTINGS` is the single list of what can be configured; the README table is made from it.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Setting:
    key: str  # Flask config key; the environment variable is FIELDAPP_<key>
    default: Any
    cast: type
    doc: str


SETTINGS: list[Setting] = [
    Setting("DATABASE_URL", "", str,
            "SQLAlchemy URL. Empty: SQLite + SpatiaLite in instance/fieldapp.db. "
            "PostGIS: postgresql+psycopg://user@host/db"),
    Setting("DB_PING_IDLE_S", 1.0, float,
            "A pooled PostgreSQL connection idle this long is tested before use, seconds"),
    Setting("SQLITE_CHECKPOINT_PAGES", 20_000, int,
            "WAL pages SQLite gathers before copying them into the database file "
            "(4 KiB each; every writer waits for that copy)"),
    Setting("SECRET_KEY", "", str,
            "Signs access tokens. Empty: a random key kept in instance/secret_key"),
    Setting("UPLOAD_DIR", "uploads", str, "Local media store (content-addressed)"),
    Setting("TIMEZONE", "Asia/Shanghai", str, "Zone in which local days are counted"),
    Setting("TOKEN_TTL_S", 12 * 3600, int, "Lifetime of an access token, seconds"),
    Setting("LOGIN_RATE_LIMIT", "10 per minute", str,
            "Failed logins allowed per client address before 429"),
    Setting("RATELIMIT_STORAGE_URI", "memory://", str,
            "Where throttling counters live (redis://127.0.0.1:6379 behind several workers)"),
    Setting("MAX_JSON_BYTES", 2 * 1024 * 1024, int, "Largest JSON body accepted, bytes"),
    Setting("FENCE_TOLERANCE_M", 100.0, float, "Metres outside the boundary still inside"),
    Setting("MAX_ACCURACY_M", 200.0, float, "Coarsest fix that may count as inside, metres"),
    Setting("ASSUMED_ACCURACY_M", 50.0, float, "Accuracy assumed when a fix reports none"),
    Setting("MAX_BACKFILL_DAYS", 14, int, "Oldest recorded_at accepted, days before now"),
    Setting("MAX_CLOCK_SKEW_S", 300, int, "How far recorded_at may be ahead of the server"),
    Setting("PING_BATCH_MAX", 1000, int, "Most pings in one POST /pings"),
    Setting("PAGE_SIZE_MAX", 500, int, "Largest per_page on lists"),
    Setting("MAX_PHOTO_MB", 20, int, "Largest photo upload, MB"),
    Setting("MAX_VIDEO_MB", 200, int, "Largest video upload, MB"),
    Setting("MAX_IMAGE_PIXELS", 120_000_000, int,
            "Largest photo (width × height) decoded; bigger is refused as a decompression bomb"),
    Setting("PHOTO_TIME_MISMATCH_H", 2.0, float,
            "Hours between EXIF capture time and claimed recorded_at that raise a finding"),
    Setting("PHASH_MAX_DISTANCE", 3, int,
            "Perceptual-hash bits that may differ for photo_reused (0–3; the index is exact "
            "up to 3)"),
    Setting("CHECKIN_WINDOWS", "08:00-12:00,12:00-18:00", str,
            "Local check-in windows; a day is present with an inside ping in each"),
    Setting("NIGHT_WINDOW", "21:00-06:00", str,
            "Local night window starting on a date and ending the next morning"),
    Setting("WEEK_MIN_DAYS", 5, int, "Days a week in the village (first secretaries, teams)"),
    Setting("WEEK_MIN_NIGHTS", 4, int, "Nights a week in the village (first secretaries, teams)"),
    Setting("TOWNSHIP_LEADER_MIN_DAYS", 8, int, "Days a month a township leader is in the village"),
    Setting("COUNTY_LEADER_MIN_DAYS", 4, int, "Days a month a county leader is in the township"),
    Setting("DISPATCHED_MIN_DAYS", 2, int, "Days a month dispatched staff are in the village"),
    Setting("NO_DATA_MIN", 2, int, "Silent days + nights in a period that raise no_data"),
    Setting("MAX_SPEED_MPS", 120.0, float,
            "Speed between consecutive fixes beyond which implausible_speed is raised, m/s"),
    Setting("STATIC_MIN_DAYS", 2, int,
            "Days the exact same coordinates must recur on to raise static_location"),
    Setting("STATIC_MIN_SHARE", 0.2, float,
            "Share of a period's fixes one exact spot must hold to raise static_location"),
    Setting("LATE_UPLOAD_HOURS", 24.0, float,
            "Delay between a fix and its upload beyond which late_upload is raised"),
    Setting("APPEAL_DAYS", 15, int, "Days after confirmation a cadre may appeal a finding"),
    Setting("LEAVE_MAX_DAYS", 90, int, "Longest single leave, days"),
    Setting("LEAVE_MAX_RETRO_DAYS", 30, int, "How far back leave may be entered after the fact"),
    Setting("EVALUATION_MAX_DAYS", 93, int, "Longest range one evaluation may cover, days"),
    Setting("DEMO_PASSWORD", "fieldapp-demo", str,
            "Password given to demo logins by `flask demo load` (demo data only)"),
]

DEFAULT_SQLITE_NAME = "fieldapp.db"


def _cast(setting: Setting, raw: str) -> Any:
    try:
        return setting.cast(raw)
    except ValueError as exc:
        raise SystemExit(f"fieldapp: FIELDAPP_{setting.key}={raw!r} is not a valid "
                         f"{setting.cast.__name__}") from exc


def load_settings(instance_path: str, overrides: dict | None = None) -> dict[str, Any]:
    """Return Flask config: defaults, then FIELDAPP_* environment, then `overrides`."""
    values = {s.key: s.default for s in SETTINGS}
    for s in SETTINGS:
        raw = os.environ.get(f"FIELDAPP_{s.key}")
        if raw not in (None, ""):
            values[s.key] = _cast(s, raw)
    values.update(overrides or {})
    _check(values)
    if not values["DATABASE_URL"]:
        values["DATABASE_URL"] = f"sqlite:///{Path(instance_path) / DEFAULT_SQLITE_NAME}"
    if not values["SECRET_KEY"]:
        values["SECRET_KEY"] = _instance_secret(Path(instance_path))
    return values


def _check(values: dict[str, Any]) -> None:
    """Refuse settings that would make findings wrong rather than fail later."""
    from .domain.presence import Windows

    try:
        Windows.parse(values["CHECKIN_WINDOWS"], values["NIGHT_WINDOW"])
    except ValueError as exc:
        raise SystemExit(f"fieldapp: FIELDAPP_CHECKIN_WINDOWS / NIGHT_WINDOW: {exc}") from exc
    if not 0 <= values["PHASH_MAX_DISTANCE"] <= 3:
        raise SystemExit("fieldapp: FIELDAPP_PHASH_MAX_DISTANCE must be 0–3 (the pHash index "
                         "finds every match up to 3 differing bits)")


def _instance_secret(instance: Path) -> str:
    """A random key generated once per instance folder; never committed."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
