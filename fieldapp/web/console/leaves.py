"""Leave requests for inspectors and admins: those awaiting a decision (pending, oldest
first), with approve and reject forms where the reader may decide them, and the recently
decided ones → services/presence/leaves.py.

    GET  /console/leaves?show=pending|decided&page=N
    POST /console/leaves/<id>/decision       decision=approve|reject, note (required to reject)
"""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from marshmallow import Schema, ValidationError, fields, validate

from ...errors import BadInput, Conflict, Unprocessable
from ...extensions import db
from ...models import Cadre, Leave
from ...services.access.access_log import log_reads
from ...services.people.names import named_leaves
from ...services.presence import leaves as leave_service
from ..sessions import page_login
from . import blp

PER_PAGE = 50
DECIDERS = ("inspector", "admin")
DECISIONS = ("approve", "reject")
NOTE_MAX = 2000


class LeaveListArgs(Schema):
    show = fields.String(load_default="pending", validate=validate.OneOf(("pending", "decided")))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))


@blp.route("/leaves")
@page_login(*DECIDERS)
def leaves():
    """Pending leave in scope, oldest request first, or the decided ones, latest first;
    each pending one says whether the reader may decide it (the cadre posted in the
    reader's regions on every day of it)."""
    try:
        args = LeaveListArgs().load(request.args.to_dict(), unknown="exclude")
    except ValidationError as exc:
        raise BadInput(gettext("Not a valid list of leave requests: %(names)s",
                               names=", ".join(sorted(exc.messages)))) from None
    query = leave_service.leaves_query(g.scope, {}).order_by(None)
    if args["show"] == "pending":
        query = query.where(Leave.status == "pending").order_by(Leave.requested_at, Leave.id)
    else:
        query = query.where(Leave.status.in_(("approved", "rejected"))).order_by(
            Leave.decided_at.desc(), Leave.id.desc())
    page = db.paginate(query, page=args["page"], per_page=PER_PAGE, error_out=False)
    log_reads(g.user, "leaves", [(leave.cadre_id, leave.id) for leave in page.items],
              {**args, "page": "console leaves", "page_number": args["page"]})
    g.scope.load_periods(leave.cadre_id for leave in page.items)
    rows = named_leaves(page.items)
    for row in rows:
        row["days"] = (row["ends_on"] - row["starts_on"]).days + 1
        row["decidable"] = row["status"] == "pending" and g.scope.posted_throughout(
            row["cadre_id"], row["starts_on"], row["ends_on"])
    return render_template("console/leaves.html", rows=rows, page=page, show=args["show"],
                           note_max=NOTE_MAX)


@blp.route("/leaves/<int:leave_id>/decision", methods=["POST"])
@page_login(*DECIDERS)
def decide_leave(leave_id: int):
    """Approve or reject one pending leave; back to the list with a message. A leave the
    reader may not decide is the 404 page, one decided already the 409 page, a rejection
    without a note the 422 page; none of them changes anything."""
    decision = request.form.get("decision")
    note = request.form.get("note", "").strip()
    if decision not in DECISIONS:
        raise BadInput(gettext("Choose to approve or to reject."))
    if len(note) > NOTE_MAX:
        raise Unprocessable(gettext("The note is too long: at most %(num)d characters.",
                                    num=NOTE_MAX))
    try:
        leave = leave_service.decide(g.scope, leave_id, decision, note or None)
    except Conflict:
        raise Conflict(gettext("This leave request has already been decided; nothing was "
                               "changed.")) from None
    except Unprocessable:
        raise Unprocessable(gettext("A rejection needs a note saying why; nothing was "
                                    "changed.")) from None
    said = {"name": db.session.get(Cadre, leave.cadre_id).name,
            "first": leave.starts_on.isoformat(), "last": leave.ends_on.isoformat()}
    if leave.status == "approved":
        flash(gettext("Leave of %(name)s from %(first)s to %(last)s approved.", **said))
    else:
        flash(gettext("Leave of %(name)s from %(first)s to %(last)s rejected.", **said))
    return redirect(url_for("console.leaves"))
