"""The discipline office's page: the escalated findings in scope, the newest escalation
first, each with a form that records how it is disposed of; and the disposed ones, the
newest disposal first, with their disposition → services/findings/workflow.py.

    GET  /console/dispositions?show=escalated|disposed&page=N   discipline users, admins
    POST /console/dispositions/<id>                              disposition=… note=…
"""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from marshmallow import Schema, ValidationError, fields, validate

from ...domain.findings import DISPOSERS, DISPOSITIONS
from ...domain.notes import NOTE_MAX_CHARS
from ...errors import BadInput, Conflict, Unprocessable
from ...extensions import db
from ...i18n import label
from ...services.access.access_log import log_reads
from ...services.findings import workflow
from ...services.people.names import named_findings, usernames
from ..sessions import page_login
from . import blp

PER_PAGE = 50
# Each tab: the findings' status and the move that put them there.
TABS = {"escalated": ("escalated", "escalate"), "disposed": ("disposed", "dispose")}


class DispositionListArgs(Schema):
    show = fields.String(load_default="escalated", validate=validate.OneOf(list(TABS)))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))


@blp.route("/dispositions")
@page_login(*DISPOSERS)
def dispositions():
    """Escalated findings in scope with who escalated them and when, or the disposed ones
    with their disposition, by whom and when; access-logged as a read of those findings."""
    try:
        args = DispositionListArgs().load(request.args.to_dict(), unknown="exclude")
    except ValidationError as exc:
        raise BadInput(gettext("Not a valid list of findings: %(names)s",
                               names=", ".join(sorted(exc.messages)))) from None
    status, action = TABS[args["show"]]
    page = db.paginate(workflow.latest_move_query(g.scope, status, action),
                       page=args["page"], per_page=PER_PAGE, error_out=False)
    moves = workflow.latest_moves(page.items, action)
    people = usernames(move.actor_id for move in moves.values())
    rows = named_findings(page.items)
    for row in rows:
        move = moves.get(row["id"])
        row["move"] = move
        row["moved_by"] = people.get(move.actor_id) if move else None
    log_reads(g.user, "flags", [(f.cadre_id, f.id) for f in page.items],
              {"page": "dispositions", "show": args["show"], "page_number": args["page"]})
    return render_template("console/dispositions.html", rows=rows, page=page,
                           show=args["show"], dispositions=DISPOSITIONS,
                           note_max=NOTE_MAX_CHARS)


@blp.route("/dispositions/<bigid:finding_id>", methods=["POST"])
@page_login(*DISPOSERS)
def dispose(finding_id: int):
    """Record how an escalated finding is disposed of; back to the list with a message. A
    finding outside the reader's scope is the 404 page, one no longer escalated the 409
    page, a missing note or disposition the 422 page; none of them changes anything."""
    disposition = request.form.get("disposition") or None
    note = request.form.get("note", "").strip()
    try:
        workflow.transition(g.scope, finding_id, "dispose", note, disposition=disposition)
    except Conflict:
        raise Conflict(gettext("This finding is no longer awaiting a disposition; nothing "
                               "was changed.")) from None
    except Unprocessable as exc:
        if "note" in exc.errors:
            raise Unprocessable(gettext("A disposition needs a note (at most %(n)d "
                                        "characters); nothing was changed.",
                                        n=NOTE_MAX_CHARS)) from None
        raise Unprocessable(gettext("Choose one of the dispositions; nothing was "
                                    "changed.")) from None
    flash(gettext("Finding %(id)d disposed of: %(disposition)s.", id=finding_id,
                  disposition=label("disposition", disposition)))
    return redirect(url_for("console.dispositions"), 303)
