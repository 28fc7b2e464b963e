"""SQLAlchemy + GeoAlchemy2 tables. No business logic, no commits."""
from .people import Assignment, Cadre, Device, User, UserRegion
from .region import Region

__all__ = ["Assignment", "Cadre", "Device", "Region", "User", "UserRegion"]
