"""The supervision queue: findings, their evidence, workflow moves and appeals."""
from flask import g
from flask_smorest import Blueprint

from ..services import flags
from ..services.access_log import log_access
from . import presence_schemas as s
from .pagination import PageArgs, page_of, paged
from .schemas import page_schema
from .security import login_required

blp = Blueprint("flags", __name__, url_prefix="/api/v1", description="Findings")


@blp.route("/flags", methods=["GET"])
@login_required()
@blp.arguments(s.FlagFilter, location="query")
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(s.FlagOut))
def list_flags(filters, page):
    """Visible findings, most severe first, then oldest first."""
    return paged(*page_of(flags.queue_query(g.scope, filters), page))


@blp.route("/flags/<int:flag_id>", methods=["GET"])
@login_required()
@blp.response(200, s.FlagDetail)
def get_flag(flag_id):
    """A finding with its evidence, a map of it, its history and appeals."""
    flag = flags.visible_flag(g.scope, flag_id)
    log_access(g.user, flag.cadre_id, "flag", {"flag_id": flag.id})
    return {**{name: getattr(flag, name) for name in s.FlagOut().fields},
            "evidence": flag.evidence,
            "map": flags.evidence_map(flag), "events": flags.events_of(flag),
            "appeals": flags.appeals_of(flag)}


@blp.route("/flags/<int:flag_id>/transitions", methods=["POST"])
@login_required("inspector", "admin")
@blp.arguments(s.TransitionIn)
@blp.response(200, s.FlagOut)
def move_flag(body, flag_id):
    """assign, confirm, dismiss, escalate, reopen, uphold_appeal or reject_appeal; 409 when
    the finding's state does not allow it."""
    return flags.transition(g.scope, flag_id, body["action"], body["note"],
                            body.get("assignee_id"))


@blp.route("/flags/<int:flag_id>/appeal", methods=["POST"])
@login_required("cadre")
@blp.arguments(s.AppealIn)
@blp.response(200, s.FlagOut)
def appeal_flag(body, flag_id):
    """Appeal a confirmed finding about you, within the appeal window."""
    return flags.appeal(g.scope, flag_id, body["text"], body["media_ids"])
