"""What each background task does, given the settings and the job's arguments; each is
idempotent (running it again after a crash gives what one run gives) and answers a
JSON-able summary for its job row."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

from ..config import Settings
from ..services.presence.evaluation import evaluate
from ..services.spotchecks.challenge_answers import answer_open


def evaluate_days(settings: Settings, region: str, first: str, last: str) -> dict:
    """Evaluate the week and month periods touching [first, last] in `region` (as `flask
    presence evaluate` does): day records, period summaries and findings."""
    run = evaluate(settings, date.fromisoformat(first), date.fromisoformat(last), region)
    return {"evaluation_run": run.id, **run.report}


def settle_challenges(settings: Settings) -> dict:
    """Settle every open challenge an answer or the deadline has decided."""
    return answer_open(settings)


HANDLERS: dict[str, Callable[..., dict]] = {
    "evaluate": evaluate_days,
    "settle_challenges": settle_challenges,
}
