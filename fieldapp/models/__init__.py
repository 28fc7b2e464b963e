"""SQLAlchemy + GeoAlchemy2 tables. No business logic, no commits."""
from .flags import Appeal, AuditHead, Flag, FlagEvent
from .media import MediaItem, WorkReport
from .people import Assignment, Cadre, Device, SenderVersion, User, UserRegion
from .ping import AccessLog, Ping
from .presence import EvaluationRun, Leave, PresenceDay, PresencePeriod
from .region import Region

__all__ = ["AccessLog", "Appeal", "Assignment", "AuditHead", "Cadre", "Device", "EvaluationRun",
           "Flag", "FlagEvent", "Leave", "MediaItem", "Ping", "PresenceDay", "PresencePeriod",
           "Region", "SenderVersion", "User", "UserRegion", "WorkReport"]
