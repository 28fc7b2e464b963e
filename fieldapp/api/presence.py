"""Day records and period summaries; evaluation runs."""
from flask import g
from flask_smorest import Blueprint

from ..errors import Unprocessable
from ..services import evaluation
from ..services.access_log import log_access
from ..services.presence_reads import presence_of
from . import presence_schemas as s
from .security import login_required

blp = Blueprint("presence", __name__, url_prefix="/api/v1", description="Presence")


@blp.route("/me/presence", methods=["GET"])
@login_required("cadre")
@blp.arguments(s.DateRange, location="query")
@blp.response(200, s.PresenceOut)
def my_presence(args):
    """Your own day records, period summaries and findings over [from, to]."""
    return presence_of(g.scope, g.user.cadre_id, args.get("from"), args.get("to"))


@blp.route("/presence", methods=["GET"])
@login_required()
@blp.arguments(s.PresenceFilter, location="query")
@blp.response(200, s.PresenceOut)
def cadre_presence(args):
    """A cadre's day records, period summaries and findings (an audit; access-logged)."""
    cadre_id = args.get("cadre_id", g.user.cadre_id)
    if cadre_id is None:
        raise Unprocessable("cadre_id is required", {"cadre_id": ["required"]})
    g.scope.require_cadre(cadre_id)
    result = presence_of(g.scope, cadre_id, args.get("from"), args.get("to"))
    log_access(g.user, cadre_id, "presence", {"from": result["from"], "to": result["to"]})
    return result


@blp.route("/evaluations", methods=["POST"])
@login_required("admin")
@blp.arguments(s.EvaluationIn)
@blp.response(200, s.EvaluationOut)
def run_evaluation(body):
    """Evaluate a week, a month or a date range now (same as `flask presence evaluate`)."""
    first, last = evaluation.parse_range(body.get("week"), body.get("month"),
                                         body.get("from"), body.get("to"))
    return evaluation.evaluate(first, last, body.get("region"), g.user)
