"""Every setting there is: its key (the environment variable is FIELDAPP_<key>), default, type
and meaning. docs/configuration.md lists them in a table that tests/unit/test_readme.py keeps
equal to `SETTINGS`."""
from __future__ import annotations

from dataclasses import dataclass
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
    Setting("DEVICE_FAST_PATH", True, bool,
            "Answer a phone's device-token POST /api/v1/pings beneath Flask (same answers, "
            "less CPU; see api/ingest/fast_path.py)"),
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
    Setting("COLLECTION", "minimal", str,
            "minimal: per cadre and window instance keep the first inside, outside and "
            "uncertain fix, answer the rest `discarded` (国办函〔2026〕12号: no track beyond what "
            "the rule needs); track: keep every fix (a county with a documented need)"),
    Setting("PING_RETENTION_DAYS", 180, int,
            "Fixes older than this are deleted by `flask retention purge`, unless evidence "
            "of a finding under hold"),
    Setting("MEDIA_RETENTION_DAYS", 365, int,
            "Photos and videos older than this are deleted by `flask retention purge`, "
            "unless evidence of a finding under hold"),
    Setting("EVIDENCE_HOLD_DAYS", 365, int,
            "How long after a finding closes its evidence is still held back from the "
            "purge, days (open, appealed and escalated findings hold theirs always)"),
    Setting("ENROL_TTL_MIN", 60, int,
            "Minutes a one-time phone enrolment link stays valid"),
    Setting("PUBLIC_URL", "", str,
            "The address phones reach this server at, put in enrolment QR codes, e.g. "
            "https://fieldapp.example.gov.cn. Empty: the address the console was opened at"),
    Setting("JOBS_URL", "", str,
            "Where background jobs wait for `flask worker`. Empty: a SQLite file, "
            "instance/jobs.db (one machine); redis://HOST:PORT/DB: Redis (several)"),
    Setting("JOB_LEASE_S", 60, int,
            "Seconds a worker's claim on a job lasts unless renewed; a job whose worker died "
            "is queued again this long after its last renewal"),
    Setting("PROXY_HOPS", 0, int,
            "Reverse proxies in front (nginx: 1) whose X-Forwarded-For, -Proto and "
            "X-Request-ID are trusted, for login throttling and the logs. 0: none are"),
    Setting("METRICS_TOKEN", "", str,
            "Bearer token a Prometheus scraper on another machine sends for GET /metrics. "
            "Empty: /metrics answers this machine only"),
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
