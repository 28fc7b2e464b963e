"""The supervision queue: findings (flags on the wire), their evidence, workflow moves and
appeals → services/findings/workflow.py.

    GET  /api/v1/flags                       the queue
    GET  /api/v1/flags/<id>                  a finding with evidence, map, events, appeals
    POST /api/v1/flags/<id>/transitions      a reviewer's move, or the discipline office's
                                             disposal
    POST /api/v1/flags/<id>/appeal           the cadre's appeal
"""
from flask import g
from flask_smorest import Blueprint

from ..config import app_settings
from ..domain.findings import MOVERS
from ..services.access.access_log import log_access
from ..services.findings import workflow
from ..services.people.names import named_findings
from .pagination import PageArgs, page_of, page_schema
from .schemas import findings as s
from .security import BEARER_OR_DEVICE, login_required

blp = Blueprint("flags", __name__, url_prefix="/api/v1", description="Findings")


@blp.route("/flags", methods=["GET"])
@login_required(devices=True)
@blp.doc(security=BEARER_OR_DEVICE)
@blp.arguments(s.FlagFilter, location="query")
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(s.FlagOut))
def list_flags(filters, page):
    """Visible findings, most severe first, then oldest first, with the names of their
    cadre, village, township and assignee."""
    findings, meta = page_of(workflow.queue_query(g.scope, filters), page)
    return {"items": named_findings(findings), **meta}


@blp.route("/flags/<bigid:flag_id>", methods=["GET"])
@login_required(devices=True)
@blp.doc(security=BEARER_OR_DEVICE)
@blp.response(200, s.FlagDetail)
def get_flag(flag_id):
    """A finding with its evidence, a map of it, its history and appeals."""
    finding, shown = workflow.dossier(g.scope, flag_id)
    log_access(g.user, finding.cadre_id, "flag", {"flag_id": finding.id})
    return {**named_findings([finding])[0], **shown}


@blp.route("/flags/<bigid:flag_id>/transitions", methods=["POST"])
@login_required(*MOVERS)
@blp.arguments(s.TransitionIn)
@blp.response(200, s.FlagOut)
def move_flag(body, flag_id):
    """Inspectors and admins: assign, confirm, dismiss, escalate, reopen, uphold_appeal or
    reject_appeal. The discipline office and admins: dispose of an escalated finding with a
    `disposition`. 403 for another's move, 409 when the finding's status does not allow
    it."""
    return named_findings([workflow.transition(
        g.scope, flag_id, body["action"], body["note"], body.get("assignee_id"),
        body.get("disposition"))])[0]


@blp.route("/flags/<bigid:flag_id>/appeal", methods=["POST"])
@login_required("cadre", devices=True)
@blp.doc(security=BEARER_OR_DEVICE)
@blp.arguments(s.AppealIn)
@blp.response(200, s.FlagOut)
def appeal_flag(body, flag_id):
    """Appeal a confirmed finding about you, within the appeal window."""
    return named_findings([workflow.appeal(app_settings(), g.scope, flag_id, body["text"],
                                       body["media_ids"])])[0]

