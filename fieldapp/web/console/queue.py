"""The queue: findings in scope, filtered (kept in the URL), most severe and oldest first,
counts per status, paginated; bulk "assign to me".

    GET  /console/findings?kind=&status=&township=&village=&cadre_id=&period=&assignee_id=&mine=1
    POST /console/findings/assign        ids=… note=…
"""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from marshmallow import Schema, ValidationError, fields, validate

from ...domain.dates import month_bounds, week_bounds
from ...domain.findings import KINDS
from ...domain.notes import NOTE_MAX_CHARS, too_long
from ...errors import ServiceError
from ...extensions import db
from ...models.findings import FINDING_STATUSES
from ...models.types import utcnow
from ...services.access.access_log import log_reads
from ...services.findings import workflow
from ...services.geodata.regions import townships_in, villages_under
from ...services.people.names import named_findings
from ..sessions import local_target, page_login
from . import blp

PER_PAGE = 50
REVIEWERS = workflow.REVIEWERS


class QueueFilter(Schema):
    kind = fields.String(validate=validate.OneOf(KINDS))
    status = fields.String(validate=validate.OneOf(FINDING_STATUSES))
    township = fields.String(validate=validate.Regexp(r"^\d{9}$"))
    village = fields.String(validate=validate.Regexp(r"^\d{12}$"))
    cadre_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    assignee_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    period = fields.String(validate=validate.Regexp(r"^\d{4}-(W\d{2}|\d{2})$"))
    mine = fields.Boolean()
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))


def read_filters(args) -> tuple[dict, dict]:
    """(the filters as given, valid ones only; the service's filters). An invalid filter is
    dropped with a message, not an error page: the queue stays usable."""
    given = {k: v for k, v in args.items() if v not in ("", None)}
    try:
        shown = QueueFilter().load(given, unknown="exclude")
    except ValidationError as exc:
        flash(gettext("Ignored filters that are not valid: %(names)s",
                      names=", ".join(sorted(exc.messages))))
        shown = QueueFilter().load({k: v for k, v in given.items()
                                    if k not in exc.messages}, unknown="exclude")
    wanted = {k: shown[k] for k in ("kind", "status", "cadre_id", "assignee_id") if k in shown}
    if region := shown.get("village") or shown.get("township"):
        wanted["region"] = region
    if shown.get("mine"):
        wanted["assignee_id"] = g.user.id
    if period := shown.get("period"):
        try:
            wanted["period"] = week_bounds(period) if "W" in period else month_bounds(period)
        except ValueError:
            flash(gettext("Ignored filters that are not valid: %(names)s", names="period"))
            shown.pop("period")
    return shown, wanted


@blp.route("/findings")
@page_login("inspector", "admin", "discipline")
def queue():
    shown, wanted = read_filters(request.args)
    page = db.paginate(workflow.queue_query(g.scope, wanted), page=shown["page"],
                       per_page=PER_PAGE, error_out=False)
    rows = named_findings(page.items)
    log_reads(g.user, "flags", [(f.cadre_id, f.id) for f in page.items],
              {**{k: str(v) for k, v in shown.items()}, "page": "queue",
               "page_number": shown["page"]})
    return render_template(
        "console/queue.html", rows=rows, page=page, shown=shown, now=utcnow(),
        counts=workflow.status_counts(g.scope, wanted),
        townships=townships_in(g.scope.region_clause),
        villages=villages_under(shown["township"], g.scope.region_clause)
        if "township" in shown else [],
        reviewers=list(db.session.scalars(workflow.reviewers_near(g.scope))),
        kinds=KINDS, statuses=FINDING_STATUSES, reviewer=g.user.role in REVIEWERS)


@blp.route("/findings/assign", methods=["POST"])
@page_login(*REVIEWERS)
def assign_to_me():
    """Take the chosen findings for review; back to the queue as it was filtered."""
    back = local_target(request.form.get("back") or url_for("console.queue"))
    note = request.form.get("note", "").strip()
    ids = list(dict.fromkeys(int(i) for i in request.form.getlist("ids")  # each once
                             if i.isascii() and i.isdigit() and len(i) < 19))
    if not ids or not note:
        flash(gettext("Choose findings and write a note to assign them."))
        return redirect(back)
    if too_long(note):
        flash(gettext("A note is at most %(num)d characters.", num=NOTE_MAX_CHARS))
        return redirect(back)
    done, refused = 0, []
    for finding_id in ids:
        try:
            workflow.transition(g.scope, finding_id, "assign", note)
            done += 1
        except ServiceError:
            refused.append(str(finding_id))
    flash(ngettext("%(num)d finding assigned to you.", "%(num)d findings assigned to you.",
                   done))
    if refused:
        flash(gettext("Not assigned (no longer open, or not yours to take): %(ids)s",
                      ids=", ".join(refused)))
    return redirect(back)
