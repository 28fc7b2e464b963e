"""The settings as the services are handed them: frozen values, grouped by what uses them,
built once per app from its Flask config (`Settings.from_config`) and read with
`app_settings()` in the api, web and cli layers."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from ..domain.fence import FenceRules
from ..domain.pings import PingLimits
from ..domain.policies import POLICIES, Policy
from ..domain.presence import Windows

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
    collection: str = "minimal"  # one of COLLECTION_PROFILES

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


COLLECTION_PROFILES = ("minimal", "track")


@dataclass(frozen=True)
class RetentionSettings:
    """How long fixes and media are kept, and how long a closed finding still holds its
    evidence back from the purge, days."""

    ping_days: int = 180
    media_days: int = 365
    evidence_hold_days: int = 365


@dataclass(frozen=True)
class EnrolmentSettings:
    """Phone enrolment: a one-time link's lifetime, and the address put in QR codes
    ("" = the one the console was opened at)."""

    ttl: timedelta = timedelta(minutes=60)
    public_url: str = ""


@dataclass(frozen=True)
class JobSettings:
    """Background jobs: where they wait ("" = instance/jobs.db) and a worker's lease."""

    url: str = ""
    lease: timedelta = timedelta(seconds=60)


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
    retention: RetentionSettings = RetentionSettings()
    enrolment: EnrolmentSettings = EnrolmentSettings()
    jobs: JobSettings = JobSettings()

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
                batch_max=config["PING_BATCH_MAX"], max_json_bytes=config["MAX_JSON_BYTES"],
                collection=config["COLLECTION"]),
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
                              password_key=Path(config["MQTT_PASSWORD_KEY"])),
            retention=RetentionSettings(ping_days=config["PING_RETENTION_DAYS"],
                                        media_days=config["MEDIA_RETENTION_DAYS"],
                                        evidence_hold_days=config["EVIDENCE_HOLD_DAYS"]),
            enrolment=EnrolmentSettings(ttl=timedelta(minutes=config["ENROL_TTL_MIN"]),
                                        public_url=config["PUBLIC_URL"].rstrip("/")),
            jobs=JobSettings(url=config["JOBS_URL"],
                             lease=timedelta(seconds=config["JOB_LEASE_S"])))


SETTINGS_KEY = "fieldapp.settings"  # its key in app.extensions


def app_settings(app: Flask | None = None) -> Settings:
    """The settings of `app` (the current app by default), for the api and cli layers."""
    return (app or current_app).extensions[SETTINGS_KEY]
