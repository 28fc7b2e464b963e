"""How far a plan's sample has been visited: per township of the pool, its villages, how
many the quota asks for, how many were sampled and how many of those have a visit recorded
in the quarter (any visit to the village, with or without the plan named), and whether the
quota is met."""
from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import func, select

from ...config import Settings
from ...domain.dates import end_of, start_of
from ...domain.draw import quota_count
from ...extensions import db
from ...models import SpotCheckPlan, SpotCheckVisit
from ..people.names import region_names


def visits_in_quarter(settings: Settings, plan: SpotCheckPlan
                      ) -> dict[str, tuple[int, datetime]]:
    """Per sampled village: the visits recorded in the plan's quarter, and the latest."""
    codes = [entry["village_code"] for entry in plan.sample or ()]
    if not codes:
        return {}
    rows = db.session.execute(select(
        SpotCheckVisit.village_code, func.count(), func.max(SpotCheckVisit.visited_at))
        .where(SpotCheckVisit.village_code.in_(codes),
               SpotCheckVisit.visited_at >= start_of(plan.first_day, settings.zone),
               SpotCheckVisit.visited_at < end_of(plan.last_day, settings.zone))
        .group_by(SpotCheckVisit.village_code)).all()
    return {code: (count, latest) for code, count, latest in rows}


def plan_coverage(settings: Settings, plan: SpotCheckPlan) -> dict:
    """Per township: pool size, required (⌈quota × pool size⌉), sampled, visited and
    quota_met; and the totals."""
    visited = visits_in_quarter(settings, plan)
    pool = Counter(entry["township_code"] for entry in plan.pool)
    sampled = Counter(entry["township_code"] for entry in plan.sample or ())
    seen = Counter(entry["township_code"] for entry in plan.sample or ()
                   if entry["village_code"] in visited)
    names = region_names(pool)
    townships = []
    for township, size in sorted(pool.items()):
        required = quota_count(plan.quota, size)
        townships.append({"township_code": township, "township_name": names.get(township),
                          "pool_size": size, "required": required,
                          "sampled": sampled[township], "visited": seen[township],
                          "quota_met": seen[township] >= required})
    totals = {name: sum(t[name] for t in townships)
              for name in ("pool_size", "required", "sampled", "visited")}
    totals["quota_met"] = all(t["quota_met"] for t in townships)
    return {"plan_id": plan.id, "region_code": plan.region_code, "quarter": plan.quarter,
            "townships": townships, "totals": totals}
