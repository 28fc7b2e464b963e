"""Local dates in FIELDAPP_TIMEZONE: the unit every presence rule counts in."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from ..models.types import utcnow


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def today() -> date:
    return utcnow().astimezone(zone()).date()


def start_of(day: date) -> datetime:
    """The UTC instant local `day` begins."""
    return datetime.combine(day, time(0), zone()).astimezone(UTC)


def end_of(day: date) -> datetime:
    """The UTC instant local `day` ends (the next day begins)."""
    return start_of(day + timedelta(days=1))
