"""SQLAlchemy + GeoAlchemy2 tables. No business logic, no commits."""
from .people import Assignment, Cadre, Device, User, UserRegion
from .ping import AccessLog, Ping
from .region import Region

__all__ = ["AccessLog", "Assignment", "Cadre", "Device", "Ping", "Region", "User", "UserRegion"]
