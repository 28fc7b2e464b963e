"""Spot checks (四不两直): quarterly plans drawn so that nobody could hand-pick or foresee
them, and the visits inspectors make → services/spotchecks/ (docs/spotchecks.md).

    POST /api/v1/spotchecks/plans                 make a region's plan for a quarter
    GET  /api/v1/spotchecks/plans, /plans/<id>    read
    POST /api/v1/spotchecks/plans/<id>/draw       draw it from the sources and the secret
    POST /api/v1/spotchecks/plans/<id>/reveal     publish the secret once the quarter is over
    GET  /api/v1/spotchecks/plans/<id>/export     the plan as a file `flask spotcheck verify` checks
    GET  /api/v1/spotchecks/plans/<id>/coverage   per township: sampled, visited, quota met
    POST /api/v1/spotchecks/visits                record a visit where the inspector is
    GET  /api/v1/spotchecks/visits                read visits (access-logged per cadre)

Inspectors and admins plan and visit; the discipline office reads (its writes are 403);
a cadre is answered 404 everywhere.
"""
import json

from flask import current_app, g
from flask_smorest import Blueprint

from ...config import app_settings
from ...services.access.access_log import log_reads
from ...services.spotchecks import coverage, plans, visits
from ..pagination import PageArgs, page_of, page_schema
from ..schemas.spotchecks import plans as s
from ..security import login_required

blp = Blueprint("spotchecks", __name__, url_prefix="/api/v1/spotchecks",
                description="Spot checks (四不两直)")


def _plan(plan, status: int = 200):
    return plans.plan_rows(g.scope, [plan], detail=True)[0], status


@blp.route("/plans", methods=["POST"])
@login_required()
@blp.arguments(s.PlanIn)
@blp.response(201, s.PlanOut)
def create_plan(body):
    """Freeze a county's or township's plan for a quarter: the pool (its villages with a
    posting live on the quarter's first day, by code), the public sources it will be drawn
    from (each due today or later), the SHA-256 commitment to the office's secret, the
    quota, and the cycle state the region's previous plan left. One plan per region and
    quarter (409); made in quarter order, each after the previous one is drawn."""
    return _plan(plans.create_plan(app_settings(), g.scope, body["region"], body["quarter"],
                                   body["quota"], body["sources"], body["commitment"]), 201)


@blp.route("/plans", methods=["GET"])
@login_required()
@blp.arguments(s.PlanFilter, location="query")
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(s.PlanSummaryOut))
def list_plans(filters, page):
    """Plans of regions inside or above yours, latest quarter first."""
    rows, meta = page_of(plans.plans_query(g.scope, filters), page)
    return {"items": plans.plan_rows(g.scope, rows), **meta}


@blp.route("/plans/<int:plan_id>", methods=["GET"])
@login_required()
@blp.response(200, s.PlanOut)
def get_plan(plan_id):
    """The plan with its pool and draw; the secret before the reveal only for inspectors
    and admins covering its region."""
    return _plan(plans.readable_plan(g.scope, plan_id))


@blp.route("/plans/<int:plan_id>/draw", methods=["POST"])
@login_required()
@blp.arguments(s.DrawIn)
@blp.response(200, s.PlanOut)
def draw_plan(body, plan_id):
    """Draw once (RFC 3797): each named source's numbers in the plan's order, and the
    secret whose SHA-256 is the commitment (422 otherwise, nothing drawn)."""
    return _plan(plans.draw_plan(app_settings(), g.scope, plan_id, body["sources"],
                                 body["secret"]))


@blp.route("/plans/<int:plan_id>/reveal", methods=["POST"])
@login_required()
@blp.response(200, s.PlanOut)
def reveal_plan(plan_id):
    """Publish the secret: allowed once the quarter has ended (409 before)."""
    return _plan(plans.reveal_plan(app_settings(), g.scope, plan_id))


@blp.route("/plans/<int:plan_id>/export", methods=["GET"])
@login_required()
@blp.alt_response(200, schema={"type": "object"}, content_type="application/json",
                  description="the export of domain/draw.py (format "
                              "fieldapp-spotcheck-plan/1), as an attachment")
def export_plan(plan_id):
    """The plan as one JSON file: pool, sources, commitment, quota, cycle states, sample,
    and the secret once revealed; `flask spotcheck verify FILE` re-derives the sample."""
    plan = plans.readable_plan(g.scope, plan_id)
    body = json.dumps(plans.export_of(plan), ensure_ascii=False, indent=2) + "\n"
    response = current_app.response_class(body, mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="spotcheck-plan-{plan.region_code}-{plan.quarter}.json"')
    return response


@blp.route("/plans/<int:plan_id>/coverage", methods=["GET"])
@login_required()
@blp.response(200, s.CoverageOut)
def plan_coverage(plan_id):
    """Per township of the pool: its villages, the quota's count, sampled, visited (sampled
    villages with a visit recorded in the quarter) and whether the quota is met."""
    return coverage.plan_coverage(app_settings(), plans.readable_plan(g.scope, plan_id))


@blp.route("/visits", methods=["POST"])
@login_required()
@blp.arguments(s.VisitIn)
@blp.response(201, s.VisitOut)
@blp.alt_response(200, schema=s.VisitOut, description="that id was sent before: the visit "
                                                      "stored then, nothing stored now")
def record_visit(body):
    """Record a visit at the inspector's own fix, which must be inside the village (422
    with the verdict and distance otherwise), with one outcome per cadre posted there that
    day; an unexcused absence raises an absent_at_spot_check finding, a presence is stored
    as the cadre's fix."""
    settings = app_settings()
    fix = visits.Fix(body["lat"], body["lon"], body["accuracy"], body["crs"])
    visit, created = visits.record_visit(
        settings, g.scope, body["id"], body["village_code"], body["visited_at"], fix,
        body["outcomes"], body.get("plan_id"), body["media_ids"])
    return visits.visit_rows(g.scope, [visit], settings.zone)[0], 201 if created else 200


@blp.route("/visits", methods=["GET"])
@login_required()
@blp.arguments(s.VisitFilter, location="query")
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(s.VisitOut))
def list_visits(filters, page):
    """Visits to villages in your regions, latest first; each cadre whose outcome is shown
    finds the read in the access log."""
    rows, meta = page_of(visits.visits_query(g.scope, filters), page)
    answer = visits.visit_rows(g.scope, rows, app_settings().zone)
    log_reads(g.user, "spot_check_visits", [(o["cadre_id"], v["id"]) for v in answer
                                            for o in v["outcomes"]],
              {**filters, "page": meta["page"]})
    return {"items": answer, **meta}
