"""SQLAlchemy + GeoAlchemy2 tables. No business logic, no commits.

On PostgreSQL the hot tables (pings, presence_days, media, flags) carry cadre_id first in
their primary keys (migration 0016), so that a cluster can spread them by cadre
(docs/scaling.md). `id` is the ORM's identity on both databases, drawn from one sequence
per table; flags, media and presence_days also keep a unique constraint on it."""
from .challenges import Challenge, ChallengeBatch
from .enrolment import PhoneEnrolment
from .findings import Appeal, AuditHead, Finding, FindingEvent
from .jobs import JobRun
from .media import MediaItem, WorkReport
from .people import (
    Assignment,
    Cadre,
    Device,
    LoginFailure,
    RevokedToken,
    SenderVersion,
    User,
    UserRegion,
)
from .ping import AccessLog, Ping
from .presence import EvaluationRun, Leave, PresenceDay, PresencePeriod
from .region import Region
from .retention import PurgeLog
from .spotchecks import SpotCheckOutcome, SpotCheckPlan, SpotCheckVisit

__all__ = ["AccessLog", "Appeal", "Assignment", "AuditHead", "Cadre", "Challenge",
           "ChallengeBatch", "Device", "EvaluationRun", "Finding", "FindingEvent", "JobRun",
           "Leave", "LoginFailure", "MediaItem", "Ping", "PresenceDay", "PresencePeriod",
           "Region", "RevokedToken", "SenderVersion", "SpotCheckOutcome", "SpotCheckPlan",
           "SpotCheckVisit", "User", "UserRegion", "WorkReport"]
__all__ += ["PhoneEnrolment"]
__all__ += ["PurgeLog"]
