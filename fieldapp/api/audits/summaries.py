"""Region summaries, and rankings where a county switched them on → services/audits/.

    GET  /api/v1/summaries      per township or village: cadres, the share without
                                attendance findings, findings, a weekly trend
    GET  /api/v1/rankings       red and black lists (404 while FIELDAPP_RANKINGS is off)
"""
from functools import wraps

from flask import g
from flask_babel import force_locale, gettext
from flask_smorest import Blueprint
from flask_smorest.error_handler import ErrorSchema

from ...config import app_settings
from ...i18n import DEFAULT_LANGUAGE
from ...services.audits.rankings import rankings, require_switched_on
from ...services.audits.summaries import summarise_region
from ...services.presence.evaluation import parse_range
from ..schemas.audits import summaries as s
from ..security import login_required

blp = Blueprint("summaries", __name__, url_prefix="/api/v1", description="Summaries")

READERS = ("admin", "discipline", "inspector")


def _range(args: dict):
    return parse_range(args.get("week"), args.get("month"), args.get("from"), args.get("to"))


def _rankings_switched_on(view):
    """404 while rankings are off, before the query is read."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        require_switched_on(app_settings().audits)
        return view(*args, **kwargs)

    return wrapped


@blp.route("/summaries", methods=["GET"])
@login_required(*READERS)
@blp.arguments(s.SummaryArgs, location="query")
@blp.response(200, s.SummaryOut)
def region_summaries(args):
    """A county's townships, a township's villages, or one village, ordered by code, over a
    finished week, month or range: cadres posted, how many of them (and what share) had no
    live attendance finding — an absent or not_resident finding whose status is not
    dismissed, withdrawn or appeal_upheld — findings by kind and status, and per ISO week
    the cadres with a live attendance finding and the findings raised; totals for the whole
    region. A summary, not a ranking."""
    first, last = _range(args)
    return summarise_region(app_settings(), g.scope, args["region"], first, last)


@blp.route("/rankings", methods=["GET"])
@login_required(*READERS)
@_rankings_switched_on
@blp.arguments(s.RankingArgs, location="query")
@blp.response(200, s.RankingsOut)
@blp.alt_response(404, schema=ErrorSchema, description="rankings are switched off "
                  "(FIELDAPP_RANKINGS), or the region is not there or outside your scope")
def ranked_lists(args):
    """Only where FIELDAPP_RANKINGS is on (else 404): townships or dispatching units ranked
    by the share of their cadres with a confirmed (confirmed, escalated, disposed or
    appeal_rejected) absent or not_resident finding in a finished range — never by pings,
    photos or online time — as a red list (lowest shares) and a black list (highest)."""
    first, last = _range(args)
    result = rankings(app_settings(), g.scope, args["level"], first, last, args.get("region"))
    with force_locale(DEFAULT_LANGUAGE):
        result["formula_zh"] = gettext(result["formula"])
    return result
