"""Presence policies: how many days and nights in the post a period requires."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Policy:
    name: str
    period: str  # "week" (ISO, Monday first) or "month"
    min_days: int
    min_nights: int


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
