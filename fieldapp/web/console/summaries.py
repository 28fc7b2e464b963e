"""The summaries page: a county's townships or a township's villages over a finished week or
month, ordered by code, each with its cadres, the share without attendance findings, its
findings and a weekly trend; and, only where rankings are switched on, the county's red
and black lists of townships and dispatching units with their formula.

    GET /console/summaries?region=410922&month=2026-11   (or ?week=2026-W47; default: the
                                                          reader's first region and the
                                                          last finished month)
"""
from __future__ import annotations

import re
from datetime import timedelta

from flask import g, render_template, request
from flask_babel import gettext

from ...config import Settings, app_settings
from ...domain.dates import month_of
from ...errors import BadInput
from ...i18n import label
from ...services.audits.rankings import CONFIRMED, LEVELS, rankings
from ...services.audits.summaries import summarise_region
from ...services.presence.evaluation import (
    last_finished_day,
    last_finished_week,
)
from ..sessions import page_login
from . import blp
from .region_picker import reader_region, region_choices
from .townships import Period, read_period

READERS = ("inspector", "admin", "discipline")
REGION_CODE = re.compile(r"[0-9]{6}(?:[0-9]{3}){0,2}")
COUNTY_DIGITS = 6


@blp.route("/summaries")
@page_login(*READERS)
def summaries():
    settings = app_settings()
    region = request.args.get("region") or reader_region()
    if not REGION_CODE.fullmatch(region):
        raise BadInput(gettext("Not a region code."))
    period = read_period(request.args, last_finished_month(settings))
    summary = summarise_region(settings, g.scope, region, period.first, period.last)
    lists = ({level: rankings(settings, g.scope, level, period.first, period.last,
                              region[:COUNTY_DIGITS]) for level in LEVELS}
             if settings.audits.rankings else None)
    finished = _finished(settings)
    later = period.shifted(1)
    return render_template(
        "console/summaries.html", summary=summary, period=period, rankings=lists,
        confirmed=", ".join(label("status", status) for status in CONFIRMED),
        places=region_choices(), later=later if later and later.last <= finished else None,
        last_week=Period("week", *last_finished_week(settings)),
        last_month=last_finished_month(settings))


def last_finished_month(settings: Settings) -> Period:
    """The latest calendar month whose last night has ended."""
    finished = _finished(settings)
    first, last = month_of(finished)
    if last > finished:
        first, last = month_of(first - timedelta(days=1))
    return Period("month", first, last)


def _finished(settings: Settings):
    return last_finished_day(settings.evaluation.windows.night[1], settings.zone)
