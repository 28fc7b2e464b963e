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
    if not values["DATABASE_URL"]:
        values["DATABASE_URL"] = f"sqlite:///{Path(instance_path) / DEFAULT_SQLITE_NAME}"
    if not values["SECRET_KEY"]:
        values["SECRET_KEY"] = _instance_secret(Path(instance_path))
    return values


def _instance_secret(instance: Path) -> str:
    """A random key generated once per instance folder; never committed."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
