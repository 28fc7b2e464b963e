"""A region's quarterly spot-check plan: made before the quarter (pool, sources, commitment,
quota and cycle state frozen), drawn once the sources' numbers exist, revealed once the
quarter has ended (docs/spotchecks.md; the draw itself is domain/draw.py).

A plan's cycle state before is the state after of the region's previous plan, so a region's
plans are made in quarter order, each once the one before it is drawn.
"""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from ...config import Settings
from ...domain import draw
from ...domain.dates import end_of, local_date, month_of
from ...errors import Conflict, NotFound, Unprocessable
from ...extensions import db
from ...models import Assignment, Region, SpotCheckPlan
from ...models.types import utcnow
from ..access.scope import Scope
from ..people.names import region_names, usernames
from ..rows import where_equal
from .access import may_plan, meets_clause, require_planner, require_reader

QUARTER = re.compile(r"(20[0-9]{2})-Q([1-4])")
PLAN_LEVELS = ("county", "township")
SOURCES_MAX = 10
SOURCE_NAME_MAX = 200
SOURCE_NUMBERS_MAX = 100
NUMBER_MAX = 10**15  # lottery numbers are small; this keeps a number a plain JSON integer
SECRET_MAX = 1000
COMMITMENT = re.compile(r"[0-9a-f]{64}")
SUMMARY_FIELDS = ("id", "region_code", "quarter", "first_day", "last_day", "quota",
                  "commitment", "sources", "created_by", "created_at", "drawn_at",
                  "revealed_at")
DETAIL_FIELDS = ("pool", "cycle_state_before", "permutation", "sample", "cycle_state_after")


def quarter_bounds(quarter: str) -> tuple[date, date]:
    """First and last day of a quarter written 2026-Q4 (2000–2099); ValueError otherwise."""
    match = QUARTER.fullmatch(quarter) if isinstance(quarter, str) else None
    if match is None:
        raise ValueError(f"{str(quarter)[:20]!r} is not a quarter like 2026-Q4 (years "
                         "2000–2099)")
    year, number = int(match[1]), int(match[2])
    return date(year, 3 * number - 2, 1), month_of(date(year, 3 * number, 1))[1]


def state_of(plan: SpotCheckPlan) -> str:
    if plan.revealed_at is not None:
        return "revealed"
    return "drawn" if plan.drawn_at is not None else "committed"


def plans_query(scope: Scope, filters: dict):
    """The plans the reader may read, latest quarter first."""
    require_reader(scope)
    query = where_equal(select(SpotCheckPlan).where(meets_clause(scope, SpotCheckPlan.region_code)),
                        filters, {"quarter": SpotCheckPlan.quarter})
    if "region" in filters:
        query = query.where(SpotCheckPlan.region_code.like(filters["region"] + "%"))
    return query.order_by(SpotCheckPlan.quarter.desc(), SpotCheckPlan.region_code)


def readable_plan(scope: Scope, plan_id: int, for_update: bool = False) -> SpotCheckPlan:
    """The plan, if the reader may read it; else 404 (its existence is not told)."""
    require_reader(scope)
    query = select(SpotCheckPlan).where(SpotCheckPlan.id == plan_id,
                                        meets_clause(scope, SpotCheckPlan.region_code))
    plan = db.session.scalar(query.with_for_update() if for_update else query)
    if plan is None:
        raise NotFound(f"spot-check plan {plan_id} not found")
    return plan


def secret_visible(scope: Scope, plan: SpotCheckPlan) -> bool:
    """The secret is the office's until the reveal, public to every reader after it."""
    return plan.secret is not None and (plan.revealed_at is not None
                                        or may_plan(scope, plan.region_code))


def plan_rows(scope: Scope, plans: list[SpotCheckPlan], detail: bool = False) -> list[dict]:
    """The plans as answers, with their region's name and their maker's; with `detail`, the
    pool, the draw and (where the reader may see it) the secret too."""
    places = region_names(p.region_code for p in plans)
    makers = usernames(p.created_by for p in plans)
    rows = []
    for plan in plans:
        row = {name: getattr(plan, name) for name in SUMMARY_FIELDS}
        row.update(region_name=places.get(plan.region_code), state=state_of(plan),
                   created_by_name=makers.get(plan.created_by), pool_size=len(plan.pool),
                   sample_size=None if plan.sample is None else len(plan.sample))
        if detail:
            row.update({name: getattr(plan, name) for name in DETAIL_FIELDS})
            row["secret"] = plan.secret if secret_visible(scope, plan) else None
        rows.append(row)
    return rows


def create_plan(settings: Settings, scope: Scope, region: str, quarter: str, quota: float,
                sources: list[dict], commitment: str) -> SpotCheckPlan:
    """Freeze a region's plan for a quarter not yet over: its pool (villages under the
    region with a posting live on the quarter's first day, by code), the sources it will
    be drawn from (each due today or later, so nobody knows their numbers yet), the
    commitment to the office's secret, the quota and the cycle state the previous plan
    left."""
    require_reader(scope)
    target = db.session.get(Region, region)
    if target is None or not scope.region_visible(region):
        raise NotFound(f"region {region} not found")
    require_planner(scope, region, "make its spot-check plans")
    if target.level not in PLAN_LEVELS:
        raise Unprocessable(f"{region} is a {target.level}: a plan samples the villages of a "
                            "county or a township", {"region": ["not a county or township"]})
    try:
        first, last = quarter_bounds(quarter)
    except ValueError as exc:
        raise Unprocessable(str(exc), {"quarter": [str(exc)]}) from None
    today = local_date(utcnow(), settings.zone)
    if last < today:
        raise Unprocessable(f"{quarter} ended on {last}: a plan is made before its quarter "
                            "is over", {"quarter": ["already over"]})
    frozen_sources = _checked_sources(sources, today)
    commitment = _checked_commitment(commitment)
    try:
        quota = draw.checked_quota(quota)
    except ValueError as exc:
        raise Unprocessable(str(exc), {"quota": [str(exc)]}) from None
    pool = _pool(region, first)
    before = _cycle_state_before(region, quarter)
    plan = SpotCheckPlan(region_code=region, quarter=quarter, first_day=first, last_day=last,
                         quota=quota, commitment=commitment, pool=pool,
                         sources=frozen_sources, cycle_state_before=before,
                         created_by=scope.user.id, created_at=utcnow())
    db.session.add(plan)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise _duplicate(region, quarter) from None
    return plan


def _duplicate(region: str, quarter: str) -> Conflict:
    return Conflict(f"region {region} has a plan for {quarter} already; a quarter has one "
                    "plan", {"quarter": ["a plan exists"]})


def _checked_sources(sources: list[dict], today: date) -> list[dict]:
    if not isinstance(sources, list) or not 1 <= len(sources) <= SOURCES_MAX:
        raise Unprocessable(f"a plan names 1 to {SOURCES_MAX} public sources",
                            {"sources": ["1 to 10 sources"]})
    frozen = []
    for position, source in enumerate(sources, 1):
        name, due = (source.get("name") or "").strip(), source.get("due")
        if not name or len(name) > SOURCE_NAME_MAX:
            raise Unprocessable(f"source {position} needs a name of at most "
                                f"{SOURCE_NAME_MAX} characters",
                                {"sources": {str(position - 1): {"name": ["required"]}}})
        if not isinstance(due, date):
            raise Unprocessable(f"source {position} needs its due date",
                                {"sources": {str(position - 1): {"due": ["required"]}}})
        if due < today:
            raise Unprocessable(
                f"source {position} ({name}) was due on {due}, before today: its numbers "
                "are known already, so a secret chosen now could be fitted to them",
                {"sources": {str(position - 1): {"due": ["in the past"]}}})
        frozen.append({"name": name, "due": due.isoformat(), "numbers": None})
    return frozen


def _checked_commitment(commitment: str) -> str:
    lowered = commitment.lower() if isinstance(commitment, str) else ""
    if not COMMITMENT.fullmatch(lowered):
        raise Unprocessable("the commitment is the SHA-256 of the secret: 64 hex digits",
                            {"commitment": ["not 64 hex digits"]})
    return lowered


def _pool(region: str, first: date) -> list[dict]:
    live = exists().where(Assignment.region_code == Region.code, Assignment.starts_on <= first,
                          (Assignment.ends_on.is_(None)) | (Assignment.ends_on >= first))
    codes = db.session.scalars(select(Region.code).where(
        Region.level == "village", Region.code.like(region + "%"), live)
        .order_by(Region.code)).all()
    if not codes:
        raise Unprocessable(f"no village under {region} has a posting live on {first}: the "
                            "pool would be empty", {"region": ["empty pool"]})
    if len(codes) > draw.MAX_POOL:
        raise Unprocessable(f"{len(codes)} villages: a pool holds at most {draw.MAX_POOL}",
                            {"region": ["pool too large"]})
    return [{"village_code": code, "township_code": draw.township_of(code)} for code in codes]


def _cycle_state_before(region: str, quarter: str) -> dict:
    """The state after the region's previous plan ({} for its first); 409 when a later plan
    exists, the previous one is not drawn yet, or this quarter has its plan already."""
    if db.session.scalar(select(func.count()).where(SpotCheckPlan.region_code == region,
                                                    SpotCheckPlan.quarter == quarter)):
        raise _duplicate(region, quarter)
    later = db.session.scalar(select(SpotCheckPlan.quarter).where(
        SpotCheckPlan.region_code == region, SpotCheckPlan.quarter > quarter)
        .order_by(SpotCheckPlan.quarter).limit(1))
    if later is not None:
        raise Conflict(f"region {region} has a plan for {later} already: plans are made in "
                       "quarter order, each continuing the cycle of the one before",
                       {"quarter": [f"{later} planned"]})
    previous = db.session.scalar(select(SpotCheckPlan).where(
        SpotCheckPlan.region_code == region, SpotCheckPlan.quarter < quarter)
        .order_by(SpotCheckPlan.quarter.desc()).limit(1))
    if previous is None:
        return {}
    if previous.cycle_state_after is None:
        raise Conflict(f"the plan for {previous.quarter} is not drawn yet; this one continues "
                       "its cycle", {"quarter": [f"{previous.quarter} not drawn"]})
    return previous.cycle_state_after


def draw_plan(settings: Settings, scope: Scope, plan_id: int, numbers: list, secret: str
              ) -> SpotCheckPlan:
    """Draw the plan once: every named source's numbers, in the plan's order, and the secret
    whose SHA-256 is the commitment; stores the numbers, the permutation, the sample and
    the cycle state after."""
    plan = readable_plan(scope, plan_id, for_update=True)
    require_planner(scope, plan.region_code, "draw its plans")
    if plan.drawn_at is not None:
        raise Conflict(f"plan {plan.id} was drawn at {plan.drawn_at.isoformat()}; a plan is "
                       "drawn once")
    today = local_date(utcnow(), settings.zone)
    sources = _numbered_sources(plan.sources, numbers, today)
    if not isinstance(secret, str) or not 0 < len(secret) <= SECRET_MAX:
        raise Unprocessable(f"the secret is a text of 1 to {SECRET_MAX} characters",
                            {"secret": ["required"]})
    if draw.commitment_of(secret) != plan.commitment:
        raise Unprocessable("the secret does not match the plan's commitment (its SHA-256 "
                            "differs); nothing was drawn", {"secret": ["does not match"]})
    order = draw.permutation(len(plan.pool), [s["numbers"] for s in sources], secret)
    sample, after = draw.stratified_sample(plan.pool, order, plan.quota,
                                           plan.cycle_state_before)
    plan.sources, plan.secret, plan.permutation = sources, secret, order
    plan.sample, plan.cycle_state_after = sample, after
    plan.drawn_by, plan.drawn_at = scope.user.id, utcnow()
    db.session.commit()
    return plan


def _numbered_sources(frozen: list[dict], numbers: list, today: date) -> list[dict]:
    if not isinstance(numbers, list) or len(numbers) != len(frozen):
        given = len(numbers) if isinstance(numbers, list) else 0
        missing = ", ".join(s["name"] for s in frozen[given:]) or "none"
        raise Unprocessable(f"the plan names {len(frozen)} sources; {given} given (missing: "
                            f"{missing}); give each one's numbers, in the plan's order",
                            {"sources": [f"{len(frozen)} sources needed"]})
    sources = []
    for position, (source, given) in enumerate(zip(frozen, numbers, strict=True)):
        where = {"sources": {str(position): ["not a list of whole numbers"]}}
        try:
            checked = draw.checked_source(given)
        except ValueError as exc:
            raise Unprocessable(f"source {position + 1} ({source['name']}): {exc}",
                                where) from None
        if len(checked) > SOURCE_NUMBERS_MAX or max(checked) > NUMBER_MAX:
            raise Unprocessable(f"source {position + 1} ({source['name']}): at most "
                                f"{SOURCE_NUMBERS_MAX} numbers, each at most {NUMBER_MAX}",
                                where)
        if date.fromisoformat(source["due"]) > today:
            raise Unprocessable(f"source {position + 1} ({source['name']}) is due on "
                                f"{source['due']}: its numbers do not exist yet",
                                {"sources": {str(position): ["not due yet"]}})
        sources.append({**source, "numbers": checked})
    return sources


def reveal_plan(settings: Settings, scope: Scope, plan_id: int) -> SpotCheckPlan:
    """Make the secret public, once the quarter has ended: from then on anyone who reads
    the plan gets it, and its export can be checked."""
    plan = readable_plan(scope, plan_id, for_update=True)
    require_planner(scope, plan.region_code, "reveal its plans")
    if plan.drawn_at is None:
        raise Conflict(f"plan {plan.id} is not drawn yet: there is no secret to reveal")
    if plan.revealed_at is not None:
        raise Conflict(f"plan {plan.id} was revealed at {plan.revealed_at.isoformat()}")
    if utcnow() < end_of(plan.last_day, settings.zone):
        raise Conflict(f"{plan.quarter} ends on {plan.last_day}: the secret is kept until the "
                       "quarter is over, so no visit can be foreseen")
    plan.revealed_by, plan.revealed_at = scope.user.id, utcnow()
    db.session.commit()
    return plan


def export_of(plan: SpotCheckPlan) -> dict:
    """The plan as domain/draw.py's export: what `flask spotcheck verify` checks; the
    secret only once revealed."""
    return {"format": draw.EXPORT_FORMAT, "region": plan.region_code, "quarter": plan.quarter,
            "pool": plan.pool, "sources": plan.sources, "commitment": plan.commitment,
            "secret": plan.secret if plan.revealed_at is not None else None,
            "quota": plan.quota, "cycle_state_before": plan.cycle_state_before,
            "sample": plan.sample or [], "cycle_state_after": plan.cycle_state_after}
