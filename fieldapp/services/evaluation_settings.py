"""The numbers presence evaluation runs with, read once from the settings."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from ..domain.fence import FenceRules
from ..domain.policies import POLICIES, Policy
from ..domain.presence import Windows
from .fences import fence_rules

# Which settings give each policy its (days, nights).
POLICY_SETTINGS = {
    "weekly_5d4n": ("WEEK_MIN_DAYS", "WEEK_MIN_NIGHTS"),
    "monthly_8d": ("TOWNSHIP_LEADER_MIN_DAYS", None),
    "monthly_4d": ("COUNTY_LEADER_MIN_DAYS", None),
    "monthly_2d": ("DISPATCHED_MIN_DAYS", None),
}


@dataclass(frozen=True)
class EvaluationSettings:
    windows: Windows
    policies: dict[str, Policy]
    rules: FenceRules
    no_data_min: int
    max_speed_mps: float
    static_min_days: int
    static_min_share: float
    late_upload_s: float


def evaluation_settings() -> EvaluationSettings:
    config = current_app.config
    policies = {}
    for name, (days_key, nights_key) in POLICY_SETTINGS.items():
        policies[name] = POLICIES[name].with_numbers(
            config[days_key], config[nights_key] if nights_key else 0)
    return EvaluationSettings(
        windows=Windows.parse(config["CHECKIN_WINDOWS"], config["NIGHT_WINDOW"]),
        policies=policies, rules=fence_rules(), no_data_min=config["NO_DATA_MIN"],
        max_speed_mps=config["MAX_SPEED_MPS"], static_min_days=config["STATIC_MIN_DAYS"],
        static_min_share=config["STATIC_MIN_SHARE"],
        late_upload_s=config["LATE_UPLOAD_HOURS"] * 3600.0)
