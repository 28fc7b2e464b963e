"""What each background task does, given the job (its settings, its row's id, where its
file goes) and the job's arguments; each is idempotent (running it again after a crash
gives what one run gives) and answers a JSON-able summary for its job row."""
from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from flask_babel import force_locale

from ..config import Settings
from ..db.partitions import ensure_partitions
from ..documents.packages import audit_package
from ..errors import Forbidden
from ..extensions import db
from ..models import User
from ..models.types import utcnow
from ..services.access.scope import Scope
from ..services.audits.presence_audit import read_audit
from ..services.presence.evaluation import evaluate
from ..services.retention.purge import purge
from ..services.spotchecks.challenge_answers import answer_open


@dataclass(frozen=True)
class Job:
    settings: Settings
    run_id: int
    files: Path  # where jobs leave the files they build, one per job: <run_id>.zip

    @property
    def file(self) -> Path:
        return self.files / f"{self.run_id}.zip"


def evaluate_days(job: Job, region: str, first: str, last: str) -> dict:
    """Evaluate the week and month periods touching [first, last] in `region` (as `flask
    presence evaluate` does): day records, period summaries and findings."""
    run = evaluate(job.settings, date.fromisoformat(first), date.fromisoformat(last), region)
    return {"evaluation_run": run.id, **run.report}


def settle_challenges(job: Job) -> dict:
    """Settle every open challenge an answer or the deadline has decided."""
    return answer_open(job.settings)


def build_audit_package(job: Job, user_id: int, first: str, last: str, locale: str,
                        region: str | None = None, cadre_id: int | None = None) -> dict:
    """A presence audit's signed evidence package, built as its requester may see it now
    (their scope when the job runs, not when it was asked for), in their language; the zip
    is the job's file."""
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        raise Forbidden("the login that asked for this package is gone or disabled")
    scope = Scope(user, job.settings.zone)
    with force_locale(locale):
        audit = read_audit(job.settings, scope, date.fromisoformat(first),
                           date.fromisoformat(last), region, cadre_id, "package")
        package = audit_package(job.settings, scope, audit)
    job.files.mkdir(parents=True, exist_ok=True)
    partial = job.file.with_suffix(".part")
    with package.file, open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
                                "wb") as out:  # someone's locations: the service's only
        shutil.copyfileobj(package.file, out)
    os.replace(partial, job.file)  # a crash leaves a .part the re-run overwrites
    return {"file": f"{package.name}.zip", "size": package.size, "reads": package.reads}


def purge_retention(job: Job) -> dict:
    """Delete the fixes and media past their retention that no finding under hold rests on
    (as `flask retention purge` does, logged with no user: the schedule)."""
    report = purge(job.settings).as_dict()
    return {key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in report.items()}


def partitions_ahead(settings: Settings) -> list[str]:
    """Make the monthly partitions of pings missing from the oldest fix still accepted to
    next month's (PostgreSQL; nothing on SQLite); return their names."""
    now = utcnow()
    made = ensure_partitions(db.session.connection(),
                             settings.ingest.limits(now).oldest.date(), now.date())
    db.session.commit()
    return made


def maintain_partitions(job: Job) -> dict:
    return {"made": partitions_ahead(job.settings)}


HANDLERS: dict[str, Callable[..., dict]] = {
    "evaluate": evaluate_days,
    "settle_challenges": settle_challenges,
    "audit_package": build_audit_package,
    "retention_purge": purge_retention,
    "maintain_partitions": maintain_partitions,
}
