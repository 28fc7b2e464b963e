"""Settings from FIELDAPP_* environment variables, each with a documented default.

`SETTINGS` is the single list of what can be configured; the README lists it in a table
that tests/unit/test_readme.py keeps equal to it.
`load_settings` reads them into Flask config; `Settings` is the same values as one frozen
object, built once per app, that the services are handed (they never read Flask config).
"""
from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, current_app

from .domain.fence import FenceRules
from .domain.pings import PingLimits
from .domain.policies import POLICIES, Policy
from .domain.presence import Windows


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
    Setting("DEVICE_FAST_PATH", True, bool,
            "Answer a phone's device-token POST /api/v1/pings beneath Flask (same answers, "
            "less CPU; see api/ingest_fast_path.py)"),
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
    Setting("SESSION_IDLE_MIN", 30, int,
            "Minutes without a request after which a console login ends (it ends after "
            "TOKEN_TTL_S in any case)"),
    Setting("LOGIN_RATE_LIMIT", "10 per minute", str,
            "Failed logins allowed per client address (over all accounts) in a window; past "
            "it that address is answered 429 with Retry-After until the window ends"),
    Setting("LOGIN_ACCOUNT_LIMIT", "20 per 10 minutes", str,
            "Failed logins allowed per account (from all addresses) in a window; past it "
            "that account is answered 429 with Retry-After until the window ends"),
    Setting("RATELIMIT_STORAGE_URI", "", str,
            "Where login-throttle counters live, shared by every worker. Empty: the "
            "database; redis://127.0.0.1:6379/0: Redis"),
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
    Setting("MAX_DECODE_MB", 400, int,
            "Memory one photo or video-frame decode may hold, MB of decoded pixels as each "
            "format is decoded (JPEG at reduced scale); more is refused from the header"),
    Setting("DECODES_PER_WORKER", 1, int,
            "Photo and video decodes that run at once in one worker process; more wait"),
    Setting("DECODE_WAIT_S", 15.0, float,
            "How long an upload waits for a decode slot before 503 with Retry-After, seconds"),
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
    Setting("CHALLENGES_PER_WEEK", 2, int,
            "Location challenges one cadre may be sent in an ISO week (local dates)"),
    Setting("CHALLENGE_WEBHOOK", "", str,
            "URL that each location challenge is POSTed to as a JSON notice, for an SMS or "
            "WeChat gateway (docs/spotchecks.md). Empty: none"),
    Setting("BASEMAP_URL", "", str,
            "XYZ tile template drawn under the console's maps, e.g. "
            "https://tiles.example/{z}/{x}/{y}.png. Empty: no basemap (boundaries and fixes "
            "as vectors, which works offline)"),
    Setting("BASEMAP_CRS", "wgs84", str,
            "Coordinates of those tiles: wgs84 (also Tianditu's CGCS2000) or gcj02 "
            "(AMap-style; fixes and boundaries are shifted for display only)"),
    Setting("BASEMAP_ATTRIBUTION", "", str, "Attribution shown with the basemap"),
    Setting("RANKINGS", False, bool,
            "Rank townships or dispatching units by confirmed absent/not_resident findings "
            "(GET /api/v1/rankings, red and black lists). Off: 404, and the console shows "
            "none (国办函〔2026〕12号 forbids in-app points rankings)"),
    Setting("RANKING_LIST_LENGTH", 5, int, "Entries on each of the red and black lists"),
    Setting("AUDIT_SIGNING_KEY", "", str,
            "PEM file of the Ed25519 key that signs evidence packages. Empty: a key "
            "generated once into instance/audit_signing_key.pem"),
    Setting("DEMO_PASSWORD", "fieldapp-demo", str,
            "Password given to demo logins by `flask demo load` (demo data only)"),
    Setting("MQTT_URL", "", str,
            "Broker of OwnTracks' MQTT mode, mqtt://USER:PASSWORD@HOST:PORT, for `flask mqtt "
            "run` and the commands sent to phones; USER is fieldapp's own login there "
            "(docs/mqtt.md). Empty: no MQTT"),
    Setting("MQTT_CLIENT_ID", "fieldapp-ingest", str,
            "Client id of `flask mqtt run`; fixed, so the broker keeps its session and the "
            "QoS 1 messages that arrive while it is away"),
    Setting("MQTT_PASSWORD_KEY", "", str,
            "File of the key each phone's MQTT password is derived from (`flask mqtt "
            "password`). Empty: instance/mqtt_password_key, generated on first use"),
]

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
    try:
        ZoneInfo(values["TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SystemExit(f"fieldapp: FIELDAPP_TIMEZONE={values['TIMEZONE']!r} is not a "
                         "time zone name such as Asia/Shanghai") from exc


def _instance_secret(instance: Path) -> str:
    """A random key generated once per instance folder; never committed."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


# Which settings give each policy its (days, nights).
POLICY_SETTINGS = {
    "weekly_5d4n": ("WEEK_MIN_DAYS", "WEEK_MIN_NIGHTS"),
    "monthly_8d": ("TOWNSHIP_LEADER_MIN_DAYS", None),
    "monthly_4d": ("COUNTY_LEADER_MIN_DAYS", None),
    "monthly_2d": ("DISPATCHED_MIN_DAYS", None),
}


@dataclass(frozen=True)
class IngestSettings:
    max_backfill: timedelta
    max_clock_skew: timedelta
    batch_max: int
    max_json_bytes: int

    def limits(self, now: datetime) -> PingLimits:
        """The recorded_at range a fix received at `now` may carry."""
        return PingLimits(oldest=now - self.max_backfill, newest=now + self.max_clock_skew)


_LIMIT = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(\d+)?\s*(second|minute|hour|day)s?\s*$")
_UNIT_S = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def parse_limit(text: str) -> tuple[int, int]:
    """"10 per minute", "20 per 10 minutes" → (count, window in seconds)."""
    match = _LIMIT.match(text.lower())
    if not match or int(match[1]) < 1 or match[2] == "0":
        raise ValueError(f"{text!r} is not like '10 per minute' or '20 per 10 minutes'")
    return int(match[1]), int(match[2] or 1) * _UNIT_S[match[3]]


@dataclass(frozen=True)
class LoginSettings:
    """Login throttling: (failures, window seconds) per address and per account, and where
    the counters live ("" = the database)."""

    per_address: tuple[int, int] = (10, 60)
    per_account: tuple[int, int] = (20, 600)
    storage_uri: str = ""


@dataclass(frozen=True)
class MediaSettings:
    upload_dir: Path
    max_photo_bytes: int
    max_video_bytes: int
    max_image_pixels: int
    photo_time_mismatch_h: float
    phash_max_distance: int
    max_decode_bytes: int = 400 * 1024 * 1024
    decodes_per_worker: int = 1
    decode_wait_s: float = 15.0


@dataclass(frozen=True)
class EvaluationSettings:
    windows: Windows
    policies: dict[str, Policy]
    no_data_min: int
    max_speed_mps: float
    static_min_days: int
    static_min_share: float
    late_upload_s: float
    max_days: int


@dataclass(frozen=True)
class ChallengeSettings:
    """Location challenges: how many a cadre may be sent per ISO week, and the URL their
    notices are POSTed to ("" = none)."""

    per_week: int = 2
    webhook: str = ""


@dataclass(frozen=True)
class AuditSettings:
    rankings: bool
    ranking_list_length: int
    signing_key: Path


@dataclass(frozen=True)
class MqttBroker:
    host: str
    port: int
    username: str | None
    password: str | None


@dataclass(frozen=True)
class MqttSettings:
    """OwnTracks' MQTT mode: the broker (None: off), the subscriber's client id, and the file
    of the key phones' MQTT passwords are derived from."""

    broker: MqttBroker | None = None
    client_id: str = "fieldapp-ingest"
    password_key: Path = Path("instance/mqtt_password_key")

    @staticmethod
    def broker_of(url: str) -> MqttBroker | None:
        """mqtt://USER:PASSWORD@HOST:PORT (port 1883 if none); None for ""."""
        if not url:
            return None
        parts = urlsplit(url)
        if parts.scheme != "mqtt" or not parts.hostname:
            raise ValueError("must be empty or mqtt://USER:PASSWORD@HOST:PORT")
        try:
            port = parts.port or 1883
        except ValueError as exc:
            raise ValueError(f"bad port: {exc}") from exc
        username = unquote(parts.username) if parts.username else None
        if username is not None and username.isdigit():
            raise ValueError("the user must not be a number: numbers are the phones' logins")
        password = unquote(parts.password) if parts.password is not None else None
        return MqttBroker(parts.hostname, port, username, password)


@dataclass(frozen=True)
class Settings:
    """What the services run with, as values."""

    zone: ZoneInfo
    fence: FenceRules
    ingest: IngestSettings
    media: MediaSettings
    evaluation: EvaluationSettings
    leave_max_days: int
    leave_max_retro_days: int
    appeal_days: int
    audits: AuditSettings
    challenges: ChallengeSettings = ChallengeSettings()
    login: LoginSettings = LoginSettings()
    mqtt: MqttSettings = MqttSettings()

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Settings:
        mb = 1024 * 1024
        policies = {name: POLICIES[name].with_numbers(
            config[days], config[nights] if nights else 0)
            for name, (days, nights) in POLICY_SETTINGS.items()}
        return cls(
            zone=ZoneInfo(config["TIMEZONE"]),
            fence=FenceRules(tolerance_m=config["FENCE_TOLERANCE_M"],
                             max_accuracy_m=config["MAX_ACCURACY_M"],
                             assumed_accuracy_m=config["ASSUMED_ACCURACY_M"]),
            ingest=IngestSettings(
                max_backfill=timedelta(days=config["MAX_BACKFILL_DAYS"]),
                max_clock_skew=timedelta(seconds=config["MAX_CLOCK_SKEW_S"]),
                batch_max=config["PING_BATCH_MAX"], max_json_bytes=config["MAX_JSON_BYTES"]),
            media=MediaSettings(
                upload_dir=Path(config["UPLOAD_DIR"]),
                max_photo_bytes=config["MAX_PHOTO_MB"] * mb,
                max_video_bytes=config["MAX_VIDEO_MB"] * mb,
                max_image_pixels=config["MAX_IMAGE_PIXELS"],
                photo_time_mismatch_h=config["PHOTO_TIME_MISMATCH_H"],
                phash_max_distance=config["PHASH_MAX_DISTANCE"],
                max_decode_bytes=config["MAX_DECODE_MB"] * mb,
                decodes_per_worker=config["DECODES_PER_WORKER"],
                decode_wait_s=config["DECODE_WAIT_S"]),
            evaluation=EvaluationSettings(
                windows=Windows.parse(config["CHECKIN_WINDOWS"], config["NIGHT_WINDOW"]),
                policies=policies, no_data_min=config["NO_DATA_MIN"],
                max_speed_mps=config["MAX_SPEED_MPS"],
                static_min_days=config["STATIC_MIN_DAYS"],
                static_min_share=config["STATIC_MIN_SHARE"],
                late_upload_s=config["LATE_UPLOAD_HOURS"] * 3600.0,
                max_days=config["EVALUATION_MAX_DAYS"]),
            leave_max_days=config["LEAVE_MAX_DAYS"],
            leave_max_retro_days=config["LEAVE_MAX_RETRO_DAYS"],
            appeal_days=config["APPEAL_DAYS"],
            challenges=ChallengeSettings(per_week=config["CHALLENGES_PER_WEEK"],
                                         webhook=config["CHALLENGE_WEBHOOK"]),
            audits=AuditSettings(rankings=config["RANKINGS"],
                                 ranking_list_length=config["RANKING_LIST_LENGTH"],
                                 signing_key=Path(config["AUDIT_SIGNING_KEY"])),
            login=LoginSettings(per_address=parse_limit(config["LOGIN_RATE_LIMIT"]),
                                per_account=parse_limit(config["LOGIN_ACCOUNT_LIMIT"]),
                                storage_uri=config["RATELIMIT_STORAGE_URI"]),
            mqtt=MqttSettings(broker=MqttSettings.broker_of(config["MQTT_URL"]),
                              client_id=config["MQTT_CLIENT_ID"],
                              password_key=Path(config["MQTT_PASSWORD_KEY"])))


SETTINGS_KEY = "fieldapp.settings"  # its key in app.extensions


def app_settings(app: Flask | None = None) -> Settings:
    """The settings of `app` (the current app by default), for the api and cli layers."""
    return (app or current_app).extensions[SETTINGS_KEY]
