"""Reading the settings: defaults, then FIELDAPP_* environment variables, then overrides, cast
to their types and checked, into Flask config."""
from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..domain.presence import Windows
from .catalogue import SETTINGS, Setting
from .values import COLLECTION_PROFILES, MqttSettings, parse_limit

DEFAULT_SQLITE_NAME = "fieldapp.db"


_BOOLEANS = {"1": True, "true": True, "yes": True, "on": True,
             "0": False, "false": False, "no": False, "off": False}


def _cast(setting: Setting, raw: str) -> Any:
    try:
        if setting.cast is bool:
            return _BOOLEANS[raw.strip().lower()]
        return setting.cast(raw)
    except (KeyError, ValueError) as exc:
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
    if not values["AUDIT_SIGNING_KEY"]:
        values["AUDIT_SIGNING_KEY"] = str(Path(instance_path) / "audit_signing_key.pem")
    if not values["MQTT_PASSWORD_KEY"]:
        values["MQTT_PASSWORD_KEY"] = str(Path(instance_path) / "mqtt_password_key")
    return values


def _check(values: dict[str, Any]) -> None:
    """Refuse settings that would make findings wrong rather than fail later."""
    try:
        Windows.parse(values["CHECKIN_WINDOWS"], values["NIGHT_WINDOW"])
    except ValueError as exc:
        raise SystemExit(f"fieldapp: FIELDAPP_CHECKIN_WINDOWS / NIGHT_WINDOW: {exc}") from exc
    if values["DECODES_PER_WORKER"] < 1 or values["MAX_DECODE_MB"] < 1:
        raise SystemExit("fieldapp: FIELDAPP_DECODES_PER_WORKER and FIELDAPP_MAX_DECODE_MB "
                         "must be at least 1 (no photo could be decoded)")
    if not 0 <= values["PHASH_MAX_DISTANCE"] <= 3:
        raise SystemExit("fieldapp: FIELDAPP_PHASH_MAX_DISTANCE must be 0–3 (the pHash index "
                         "finds every match up to 3 differing bits)")
    if values["CHALLENGES_PER_WEEK"] < 1:
        raise SystemExit("fieldapp: FIELDAPP_CHALLENGES_PER_WEEK must be at least 1")
    webhook = urlsplit(values["CHALLENGE_WEBHOOK"])
    if values["CHALLENGE_WEBHOOK"] and (webhook.scheme not in ("http", "https")
                                        or not webhook.hostname):
        raise SystemExit("fieldapp: FIELDAPP_CHALLENGE_WEBHOOK must be empty or an http(s) URL")
    for key in ("LOGIN_RATE_LIMIT", "LOGIN_ACCOUNT_LIMIT"):
        try:
            parse_limit(values[key])
        except ValueError as exc:
            raise SystemExit(f"fieldapp: FIELDAPP_{key}: {exc}") from exc
    if values["RATELIMIT_STORAGE_URI"].split("://")[0] not in ("", "redis", "rediss"):
        raise SystemExit("fieldapp: FIELDAPP_RATELIMIT_STORAGE_URI must be empty (counters in "
                         "the database) or redis://HOST:PORT/DB, so every worker shares them")
    if values["BASEMAP_CRS"] not in ("wgs84", "gcj02"):
        raise SystemExit("fieldapp: FIELDAPP_BASEMAP_CRS must be wgs84 or gcj02")
    if values["RANKING_LIST_LENGTH"] < 1:
        raise SystemExit("fieldapp: FIELDAPP_RANKING_LIST_LENGTH must be at least 1")
    if values["SESSION_IDLE_MIN"] < 1:
        raise SystemExit("fieldapp: FIELDAPP_SESSION_IDLE_MIN must be at least 1")
    try:
        MqttSettings.broker_of(values["MQTT_URL"])
    except ValueError as exc:
        raise SystemExit(f"fieldapp: FIELDAPP_MQTT_URL: {exc}") from exc
    if not values["MQTT_CLIENT_ID"].strip():
        raise SystemExit("fieldapp: FIELDAPP_MQTT_CLIENT_ID must not be empty (the broker "
                         "keeps the subscriber's session under it)")
    if values["COLLECTION"] not in COLLECTION_PROFILES:
        raise SystemExit("fieldapp: FIELDAPP_COLLECTION must be minimal or track")
    for key in ("PING_RETENTION_DAYS", "MEDIA_RETENTION_DAYS", "EVIDENCE_HOLD_DAYS",
                "ENROL_TTL_MIN"):
        if values[key] < 1:
            raise SystemExit(f"fieldapp: FIELDAPP_{key} must be at least 1")
    if values["JOBS_URL"].split("://")[0] not in ("", "redis", "rediss", "sqlite"):
        raise SystemExit("fieldapp: FIELDAPP_JOBS_URL must be empty (instance/jobs.db), "
                         "sqlite:///PATH or redis://HOST:PORT/DB")
    if not 0 <= values["PROXY_HOPS"] <= 5:
        raise SystemExit("fieldapp: FIELDAPP_PROXY_HOPS must be 0–5 (the proxies in front)")
    if values["JOB_LEASE_S"] < 2:
        raise SystemExit("fieldapp: FIELDAPP_JOB_LEASE_S must be at least 2")
    public = urlsplit(values["PUBLIC_URL"])
    if values["PUBLIC_URL"] and (public.scheme not in ("http", "https") or not public.hostname):
        raise SystemExit("fieldapp: FIELDAPP_PUBLIC_URL must be empty or an http(s) URL")
    try:
        ZoneInfo(values["TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SystemExit(f"fieldapp: FIELDAPP_TIMEZONE={values['TIMEZONE']!r} is not a "
                         "time zone name such as Asia/Shanghai") from exc


def _instance_secret(instance: Path) -> str:
    """A random key generated once per instance folder; never committed. Created with
    O_EXCL, so two workers starting at once keep the one key the first wrote."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "w") as out:
                out.write(secrets.token_urlsafe(48))
    for _ in range(50):  # another worker may be between creating the file and writing it
        key = path.read_text().strip()
        if key:
            return key
        time.sleep(0.02)
    raise SystemExit(f"fieldapp: {path} is empty: remove it and start again")
