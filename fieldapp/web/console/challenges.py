"""Location challenges for inspectors and admins: the challenges sent to posts in their
regions, latest first, filtered by status or cadre, settled first where a fix or the
deadline has decided them; a form that challenges the cadres ticked, and one that draws a
sample of a township's cadres → services/spotchecks/challenges.py. A refused batch (outside
the windows, a cadre's challenges for the week spent) is the same page saying why in the
reader's words, with the refusal's status; nothing is sent. Each cadre whose answering fix
the page shows finds the read in the access log (challenges).

    GET  /console/challenges?status=&cadre_id=&page=N
    POST /console/challenges       mode=cadres (cadre_id …) | mode=sample (region, sample)
"""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext, ngettext
from marshmallow import Schema, ValidationError, fields, validate

from ...config import app_settings
from ...domain.notes import NOTE_MAX_CHARS
from ...errors import BadInput
from ...extensions import db
from ...models.challenges import CHALLENGE_STATUSES
from ...services.access.access_log import log_reads
from ...services.geodata.regions import townships_in
from ...services.people.names import cadre_cards
from ...services.spotchecks import challenges as challenge_service
from ..sessions import page_login
from . import blp

PER_PAGE = 50
MAX_ID = 2**31 - 1
STATUS_LABELS = {
    "open": lazy_gettext("Waiting for an answer"),
    "answered_inside": lazy_gettext("Answered from inside the village"),
    "answered_outside": lazy_gettext("Answered from outside the village"),
    "answered_uncertain": lazy_gettext("Answered, too coarse to judge"),
    "missed": lazy_gettext("Not answered in time"),
}


class ListArgs(Schema):
    status = fields.String(validate=validate.OneOf(CHALLENGE_STATUSES))
    cadre_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))


@blp.route("/challenges")
@page_login(*challenge_service.ISSUERS)
def challenges():
    return _page()


def _page(refusal: dict | None = None, status: int = 200):
    try:
        args = ListArgs().load({k: v for k, v in request.args.items() if v != ""},
                               unknown="exclude")
    except ValidationError as exc:
        raise BadInput(gettext("Not a valid list of challenges: %(names)s",
                               names=", ".join(sorted(exc.messages)))) from None
    settings = app_settings()
    challenge_service.answer_visible(settings, g.scope)
    filters = {k: v for k, v in args.items() if k != "page"}
    page = db.paginate(challenge_service.challenges_query(g.scope, filters), page=args["page"],
                       per_page=PER_PAGE, error_out=False)
    rows = challenge_service.challenge_rows(page.items)
    log_reads(g.user, "challenges", [(r["cadre_id"], r["id"]) for r in rows if r["answer"]],
              {**filters, "page": "console challenges", "page_number": args["page"]})
    return render_template(
        "console/challenges.html", rows=rows, page=page, args=args, refusal=refusal,
        statuses=STATUS_LABELS, per_week=settings.challenges.per_week,
        limits=challenge_service.DEADLINE_MINUTES, sample_max=challenge_service.CADRES_MAX,
        note_max=NOTE_MAX_CHARS, cadres=challenge_service.challengeable(settings, g.scope),
        townships=townships_in(g.scope.region_clause)), status


@blp.route("/challenges", methods=["POST"])
@page_login(*challenge_service.ISSUERS)
def issue_challenges():
    """Issue from one of the page's two forms; back to the list with a message, or the
    page with the refusal in words."""
    form = request.form
    low, high = challenge_service.DEADLINE_MINUTES
    deadline = _whole(form.get("deadline_minutes", ""), low, high, gettext(
        "Give the minutes the cadres have to answer, %(low)d to %(high)d.", low=low,
        high=high))
    note = form.get("note", "").strip() or None
    if note is not None and len(note) > NOTE_MAX_CHARS:
        raise BadInput(gettext("The note is too long: at most %(num)d characters.",
                               num=NOTE_MAX_CHARS))
    mode = form.get("mode")
    if mode == "cadres":
        ids = form.getlist("cadre_id")
        if not ids:
            raise BadInput(gettext("Tick at least one cadre."))
        if len(ids) > challenge_service.CADRES_MAX:
            raise BadInput(gettext("Tick at most %(num)d cadres.",
                                   num=challenge_service.CADRES_MAX))
        wanted = {"cadre_ids": list(dict.fromkeys(
            _whole(value, 1, MAX_ID, gettext("This form is not the page's; reload the page."))
            for value in ids))}
    elif mode == "sample":
        region = form.get("region", "")
        if not (region.isascii() and region.isdigit() and len(region) in (6, 9, 12)):
            raise BadInput(gettext("Choose a township."))
        wanted = {"region": region, "sample": _whole(
            form.get("sample", ""), 1, challenge_service.CADRES_MAX,
            gettext("Give how many cadres to draw, 1 to %(num)d.",
                    num=challenge_service.CADRES_MAX))}
    else:
        raise BadInput(gettext("This form is not the page's; reload the page."))
    try:
        batch = challenge_service.issue(app_settings(), g.scope, deadline_minutes=deadline,
                                        note=note, **wanted)
    except challenge_service.Refused as exc:
        return _page(_said(exc), exc.status)
    flash(ngettext("%(num)d location challenge sent; the answer is due by %(time)s.",
                   "%(num)d location challenges sent; the answers are due by %(time)s.",
                   len(batch.challenges), time=batch.deadline.astimezone(
                       app_settings().zone).strftime("%H:%M")))
    return redirect(url_for("console.challenges"))


def _whole(text: str, low: int, high: int, said: str) -> int:
    if not (text.isascii() and text.isdigit() and low <= int(text) <= high):
        raise BadInput(said)
    return int(text)


def _said(exc: challenge_service.Refused) -> dict:
    """The refusal as the page shows it: a sentence, and the cadres it names."""
    numbers = exc.numbers
    if exc.reason == "window":
        text = gettext("No check-in or night window is open now (%(windows)s): challenges "
                       "are sent only inside them. Nothing was sent.",
                       windows=numbers["windows"])
    elif exc.reason == "ration":
        text = ngettext("Nothing was sent: a cadre may be challenged at most %(num)d time a "
                        "week, and these cadres have been already:",
                        "Nothing was sent: a cadre may be challenged at most %(num)d times a "
                        "week, and these cadres have been already:", numbers["per_week"])
    elif exc.reason == "not_posted":
        text = gettext("Nothing was sent: these cadres are not posted in your regions today:")
    elif exc.reason == "few_posted":
        text = ngettext("Nothing was sent: only %(num)d cadre is posted there today; draw a "
                        "smaller sample.", "Nothing was sent: only %(num)d cadres are posted "
                        "there today; draw a smaller sample.", numbers["posted"])
    else:
        text = ngettext("Nothing was sent: of the %(posted)d cadres posted there today, only "
                        "%(num)d may still be challenged this week; draw a smaller sample.",
                        "Nothing was sent: of the %(posted)d cadres posted there today, only "
                        "%(num)d may still be challenged this week; draw a smaller sample.",
                        numbers["left"], posted=numbers["posted"])
    cards = cadre_cards(exc.cadres)
    return {"reason": exc.reason, "text": text, "cadres": [
        {"cadre_id": cadre, "name": cards.get(cadre, {}).get("cadre_name") or str(cadre),
         "spent": spent} for cadre, spent in exc.cadres.items()]}
