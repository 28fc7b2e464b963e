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
    """First and last date of a month written "2026-11"; ValueError if it is not one, or
    lies outside the supported range."""
    first, last = month_of(datetime.strptime(month, "%Y-%m").date())
    if not (supported(first) and supported(last)):
        raise ValueError(f"{month!r} {OUT_OF_RANGE}")
    return first, last


def week_bounds(week: str) -> tuple[date, date]:
    """Monday and Sunday of an ISO week written "2026-W47"; ValueError if it is not one, or
    lies outside the supported range."""
    year, sep, number = week.upper().partition("-W")
    if not sep:
        raise ValueError(f"{week!r} is not like 2026-W47")
    if not (year.isdigit() and FIRST_SUPPORTED.year <= int(year) <= LAST_SUPPORTED.year):
        raise ValueError(f"{week!r} {OUT_OF_RANGE}")
    monday, sunday = week_of(date.fromisocalendar(int(year), int(number), 1))
    if not (supported(monday) and supported(sunday)):
        raise ValueError(f"{week!r} {OUT_OF_RANGE}")
    return monday, sunday


# The dates fieldapp works with: every date or timestamp a request names lies in this range
# (README, API overview). It keeps arithmetic on them (a week's Sunday, a day's end in UTC,
# +14:00 offsets) inside what Python and both databases represent.
FIRST_SUPPORTED = date(2000, 1, 1)
LAST_SUPPORTED = date(2099, 12, 31)
FIRST_SUPPORTED_AT = datetime.combine(FIRST_SUPPORTED, time(0), UTC)
END_SUPPORTED_AT = datetime.combine(LAST_SUPPORTED + timedelta(days=1), time(0), UTC)
OUT_OF_RANGE = f"must lie between {FIRST_SUPPORTED} and {LAST_SUPPORTED}"


def supported(day: date) -> bool:
    return FIRST_SUPPORTED <= day <= LAST_SUPPORTED


def supported_moment(moment: datetime) -> bool:
    """An aware `moment` inside the supported range, compared in UTC."""
    offset = moment.utcoffset() or timedelta(0)
    naive = moment.replace(tzinfo=None)
    # compare without converting: year 1 at +14:00 would overflow astimezone()
    return (FIRST_SUPPORTED_AT.replace(tzinfo=None) + offset <= naive
            < END_SUPPORTED_AT.replace(tzinfo=None) + offset)
