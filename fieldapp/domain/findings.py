"""Finding kinds, their severity, the review workflow as a transition table, who may make
each move, and the dispositions the discipline office closes a finding with
(docs/presence-rules.md)."""
from __future__ import annotations

SEVERITY = {
    "not_resident": 3, "absent": 3, "mock_location": 3, "absent_at_spot_check": 3,
    "challenge_outside": 3,
    "implausible_speed": 2, "static_location": 2, "photo_reused": 2,
    "photo_location_mismatch": 2, "challenge_missed": 2,
    "photo_time_mismatch": 1, "no_data": 1, "late_upload": 1,
}
KINDS = tuple(SEVERITY)

# Raised and kept current by presence evaluation (the others come from media uploads,
# spot-check visits and location challenges).
EVALUATED_KINDS = ("not_resident", "absent", "no_data", "mock_location", "implausible_speed",
                   "static_location", "late_upload")

CLOSED = ("confirmed", "dismissed", "appeal_upheld", "appeal_rejected")

# Actions: action → (statuses it may start from, status it leads to).
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "assign": (("open", "in_review"), "in_review"),
    "confirm": (("in_review",), "confirmed"),
    "dismiss": (("in_review",), "dismissed"),
    "escalate": (("confirmed", "appeal_rejected"), "escalated"),
    "reopen": (CLOSED, "open"),
    "uphold_appeal": (("appealed",), "appeal_upheld"),
    "reject_appeal": (("appealed",), "appeal_rejected"),
    "dispose": (("escalated",), "disposed"),
}
APPEALABLE = ("confirmed", "escalated")

# How the discipline office closes an escalated finding, mildest first (免予处理 …
# 移送审查调查).
DISPOSITIONS = ("no_action", "reminder_talk", "criticism_education", "circulated_criticism",
                "organisational_handling", "referred")

REVIEWERS = ("inspector", "admin")   # review findings: every action but dispose
DISPOSERS = ("discipline", "admin")  # dispose of escalated findings
ACTORS: dict[str, tuple[str, ...]] = {
    action: DISPOSERS if action == "dispose" else REVIEWERS for action in TRANSITIONS}
MOVERS = tuple(dict.fromkeys(role for roles in ACTORS.values() for role in roles))  # any move


class IllegalTransition(ValueError):
    pass


def may_make(role: str, action: str) -> bool:
    """Whether a user of `role` may make the move `action` (an action of TRANSITIONS)."""
    return role in ACTORS[action]


def next_status(action: str, current: str) -> str:
    """The status `action` leads to from `current`; IllegalTransition if it may not."""
    allowed_from, to = TRANSITIONS[action]
    if current not in allowed_from:
        raise IllegalTransition(f"cannot {action} a finding that is {current} "
                                f"(only from {', '.join(allowed_from)})")
    return to
