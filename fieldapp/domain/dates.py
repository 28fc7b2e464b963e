"""Local dates in the county's time zone, the unit every presence rule counts in, and the
week and month names people give ranges by."""
from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def start_of(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant local `day` begins."""
    return datetime.combine(day, time(0), zone).astimezone(UTC)


def end_of(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant local `day` ends (the next day begins)."""
    return start_of(day + timedelta(days=1), zone)


def month_of(day: date) -> tuple[date, date]:
    """First and last date of the month holding `day`."""
    return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])


def week_of(day: date) -> tuple[date, date]:
    """Monday and Sunday of the ISO week holding `day`."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def month_bounds(month: str) -> tuple[date, date]:
    """First and last date of a month written "2026-11"; ValueError if it is not one."""
    return month_of(datetime.strptime(month, "%Y-%m").date())


def week_bounds(week: str) -> tuple[date, date]:
    """Monday and Sunday of an ISO week written "2026-W47"; ValueError if it is not one."""
    year, sep, number = week.upper().partition("-W")
    if not sep:
        raise ValueError(f"{week!r} is not like 2026-W47")
    return week_of(date.fromisocalendar(int(year), int(number), 1))
