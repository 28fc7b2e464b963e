"""The jobs the schedule asks for, each under a key naming its one occurrence, so a schedule
that fires twice, two workers, or a worker restarted asks for each once:
- `evaluate` each county once a day, when a day has finished (its night window ended): the
  periods touching the last CATCH_UP_DAYS finished days, so days missed while no worker ran,
  and fixes uploaded late, are evaluated too — one job per county, so no two evaluations of
  a county's days run at once;
- `settle_challenges` every SETTLE_EVERY_MIN minutes while an open challenge exists;
- `retention_purge` once a local date, from PURGE_AFTER on (the night, while phones sleep);
- `maintain_partitions` once a local date: next month's partition of pings made ahead.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import exists, select

from ..config import Settings
from ..extensions import db
from ..models import Challenge, Region
from ..services.presence.evaluation import last_finished_day

CATCH_UP_DAYS = 7
SETTLE_EVERY_MIN = 5
PURGE_AFTER = time(2, 0)


def due_jobs(settings: Settings, now: datetime) -> list[tuple[str, dict, str]]:
    """(task, args, key) of every scheduled job due at `now`."""
    finished = last_finished_day(settings.evaluation.windows.night[1], settings.zone)
    counties = db.session.scalars(select(Region.code).where(Region.level == "county")
                                  .order_by(Region.code)).all()
    first = finished - timedelta(days=CATCH_UP_DAYS - 1)
    due = [("evaluate", {"region": county, "first": first.isoformat(),
                         "last": finished.isoformat()}, f"evaluate:{county}:{finished}")
           for county in counties]
    if db.session.scalar(select(exists().where(Challenge.status == "open"))):
        slot = now.replace(second=0, microsecond=0,
                           minute=now.minute - now.minute % SETTLE_EVERY_MIN)
        due.append(("settle_challenges", {}, f"settle_challenges:{slot:%Y-%m-%dT%H:%M}"))
    local = now.astimezone(settings.zone)
    if local.time() >= PURGE_AFTER:
        due.append(("retention_purge", {}, f"retention_purge:{local.date()}"))
    due.append(("maintain_partitions", {}, f"maintain_partitions:{local.date()}"))
    return due
