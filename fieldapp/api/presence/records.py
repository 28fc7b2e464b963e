"""Day records and period summaries, and evaluation runs → services/presence/.

    GET  /api/v1/me/presence     the caller's own presence
    GET  /api/v1/presence        a cadre's presence (an audit; access-logged)
    POST /api/v1/evaluations     evaluate a week, a month or a date range now
"""
from flask import g
from flask_smorest import Blueprint

from ...config import app_settings
from ...services.access.access_log import log_access
from ...services.people.names import named, row_of
from ...services.presence import evaluation
from ...services.presence.records import presence_of
from ..schemas import DateRange
from ..schemas.presence import records as s
from ..security import BEARER_OR_DEVICE, login_required, requested_cadre

blp = Blueprint("presence", __name__, url_prefix="/api/v1", description="Presence")


@blp.route("/me/presence", methods=["GET"])
@login_required("cadre", devices=True)
@blp.doc(security=BEARER_OR_DEVICE)
@blp.arguments(DateRange, location="query")
@blp.response(200, s.PresenceOut)
def my_presence(args):
    """Your own day records, period summaries and findings over [from, to]."""
    return with_names(presence_of(app_settings(), g.scope, g.user.cadre_id, args.get("from"),
                                  args.get("to")))


@blp.route("/presence", methods=["GET"])
@login_required()
@blp.arguments(s.PresenceFilter, location="query")
@blp.response(200, s.PresenceOut)
def cadre_presence(args):
    """A cadre's day records, period summaries and findings (an audit; access-logged)."""
    cadre_id = requested_cadre(args.get("cadre_id"))
    result = presence_of(app_settings(), g.scope, cadre_id, args.get("from"), args.get("to"))
    log_access(g.user, cadre_id, "presence", {"from": result["from"], "to": result["to"]})
    return with_names(result)


@blp.route("/evaluations", methods=["POST"])
@login_required("admin")
@blp.arguments(s.EvaluationIn)
@blp.response(200, s.EvaluationOut)
def run_evaluation(body):
    """Evaluate a week, a month or a date range now (same as `flask presence evaluate`)."""
    first, last = evaluation.parse_range(body.get("week"), body.get("month"),
                                         body.get("from"), body.get("to"))
    return evaluation.evaluate(app_settings(), first, last, body.get("region"), g.user)


def with_names(presence: dict) -> dict:
    """`presence` with names: the cadre's beside its cadre_id, each day's and period's
    village and township, each finding's cadre, place and assignee; one query per kind of
    name for the whole answer."""
    shown = {**presence, **{key: [row_of(row) for row in presence[key]]
                            for key in ("days", "periods", "flags")}}
    named([shown, *shown["days"], *shown["periods"], *shown["flags"]])
    return shown
