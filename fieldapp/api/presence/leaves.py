"""Leave and official business (请销假): cadres ask and cancel, inspectors and admins
decide → services/presence/leaves.py (leave is what excuses a day of presence).

    POST /api/v1/leaves                      ask
    GET  /api/v1/leaves, /leaves/<id>        read (others' reads are access-logged)
    POST /api/v1/leaves/<id>/decision        approve or reject
    POST /api/v1/leaves/<id>/cancel          withdraw before it starts
"""
from flask import g
from flask_smorest import Blueprint

from ...config import app_settings
from ...services.access.access_log import log_access, log_reads
from ...services.people.names import named_leaves
from ...services.presence import leaves
from ..pagination import PageArgs, page_of, page_schema
from ..schemas.presence import leaves as s
from ..security import BEARER_OR_DEVICE, login_required

blp = Blueprint("leaves", __name__, url_prefix="/api/v1", description="Leave (请销假)")


@blp.route("/leaves", methods=["POST"])
@login_required("cadre", devices=True)
@blp.doc(security=BEARER_OR_DEVICE)
@blp.arguments(s.LeaveIn)
@blp.response(201, s.LeaveOut)
def request_leave(body):
    """Ask for leave; a start in the past is retroactive (补假) and needs approval too."""
    return named_leaves([leaves.request_leave(app_settings(), g.user.cadre_id, **body)])[0]


@blp.route("/leaves", methods=["GET"])
@login_required(devices=True)
@blp.doc(security=BEARER_OR_DEVICE)
@blp.arguments(s.LeaveFilter, location="query")
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(s.LeaveOut))
def list_leaves(filters, page):
    """Visible leave, latest first, with the names of the cadre, their post on the first
    day and the decider."""
    rows, meta = page_of(leaves.leaves_query(g.scope, filters), page)
    log_reads(g.user, "leaves", [(leave.cadre_id, leave.id) for leave in rows],
              {**filters, "page": meta["page"]}, filters.get("cadre_id"))
    return {"items": named_leaves(rows), **meta}


@blp.route("/leaves/<int:leave_id>", methods=["GET"])
@login_required(devices=True)
@blp.doc(security=BEARER_OR_DEVICE)
@blp.response(200, s.LeaveOut)
def get_leave(leave_id):
    leave = leaves.visible_leave(g.scope, leave_id)
    log_access(g.user, leave.cadre_id, "leave", {"leave_id": leave.id})
    return named_leaves([leave])[0]


@blp.route("/leaves/<int:leave_id>/decision", methods=["POST"])
@login_required("inspector", "admin")
@blp.arguments(s.LeaveDecision)
@blp.response(200, s.LeaveOut)
def decide_leave(body, leave_id):
    """Approve or reject a pending leave of a cadre posted in your regions."""
    leave = leaves.decide(g.scope, leave_id, body["decision"], body.get("note"))
    return named_leaves([leave])[0]


@blp.route("/leaves/<int:leave_id>/cancel", methods=["POST"])
@login_required("cadre", devices=True)
@blp.doc(security=BEARER_OR_DEVICE)
@blp.response(200, s.LeaveOut)
def cancel_leave(leave_id):
    """Withdraw your own leave before it starts."""
    return named_leaves([leaves.cancel(app_settings(), g.user, leave_id)])[0]

