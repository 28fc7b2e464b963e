"""Enrolling a phone for a cadre (placeholder)."""
from . import blp  # noqa: F401
