"""Presence policies: how many days and nights in the post a period requires."""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, timedelta

from .dates import month_of, week_of


@dataclass(frozen=True)
class Policy:
    name: str
    period: str  # "week" (ISO, Monday first) or "month"
    min_days: int
    min_nights: int

    def with_numbers(self, min_days: int, min_nights: int) -> Policy:
        return replace(self, min_days=min_days, min_nights=min_nights)


POLICIES: dict[str, Policy] = {p.name: p for p in (
    Policy("weekly_5d4n", "week", 5, 4),
    Policy("monthly_8d", "month", 8, 0),
    Policy("monthly_4d", "month", 4, 0),
    Policy("monthly_2d", "month", 2, 0),
)}

DEFAULT_POLICY_BY_ROLE = {
    "first_secretary": "weekly_5d4n",
    "team_member": "weekly_5d4n",
    "township_leader": "monthly_8d",
    "county_leader": "monthly_4d",
    "dispatched_talent": "monthly_2d",
}

# The level of region each cadre role is posted to.
POST_LEVEL_BY_ROLE = {
    "first_secretary": "village",
    "team_member": "village",
    "township_leader": "village",
    "county_leader": "township",
    "dispatched_talent": "village",
}


def period_of(policy: Policy, day: date) -> tuple[date, date]:
    """The policy period (first day, last day) that contains `day`."""
    return week_of(day) if policy.period == "week" else month_of(day)


def periods_overlapping(policy: Policy, first: date, last: date) -> list[tuple[date, date]]:
    """Every policy period that shares at least one day with [first, last]."""
    periods = []
    day = first
    while day <= last:
        period = period_of(policy, day)
        periods.append(period)
        day = period[1] + timedelta(days=1)
    return periods


def required(minimum: int, period_days: int, active_days: int, excused_days: int) -> int:
    """docs/presence-rules.md: max(0, ceil(min × active_days / period_days) − excused_days).

    Rounded to 9 places before the ceiling so 4 × 7 / 7 is 4, not 4.000000001 → 5.
    """
    share = round(minimum * active_days / period_days, 9)
    return max(0, math.ceil(share) - excused_days)
