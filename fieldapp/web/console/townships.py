"""The township page: its villages on a map coloured by their cadres' state over a week or
a month, and a table per village and cadre of required against present days and nights
(the stored period summaries) with the period's findings. Each cadre whose summaries it
shows finds the read in the access log (presence, page "township").

    GET /console/townships/<code>?week=2026-W47   (or ?month=2026-11; default: the last
                                                   finished ISO week)
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask import g, render_template, request
from flask_babel import gettext

from ...config import app_settings
from ...domain.dates import month_bounds, month_of, supported, week_bounds, week_of
from ...errors import BadInput, NotFound
from ...services.access.access_log import log_reads
from ...services.geodata.regions import feature
from ...services.presence.evaluation import last_finished_week
from ...services.presence.region_summary import township_summary
from ..maps import map_data
from ..sessions import page_login
from . import blp

READERS = ("inspector", "admin", "discipline")

TOWNSHIP_CODE = re.compile(r"[0-9]{9}")
# the map's fill per state (services/presence/region_summary.py says what each means)
STATE_COLOURS = {"met": "#2f9e44", "short": "#d9480f", "unclear": "#f59f00",
                 "none": "#adb5bd", "vacant": "#e9ecef"}


@dataclass(frozen=True)
class Period:
    """An ISO week or a calendar month, as named in the URL."""

    unit: str  # "week" or "month"
    first: date
    last: date

    @property
    def name(self) -> str:
        if self.unit == "week":
            year, week, _ = self.first.isocalendar()
            return f"{year}-W{week:02d}"
        return self.first.strftime("%Y-%m")

    def shifted(self, steps: int) -> Period | None:
        """The week or month `steps` away; None outside the supported dates."""
        if self.unit == "week":
            first, last = week_of(self.first + timedelta(days=7 * steps))
        else:
            year, month = divmod(self.first.year * 12 + self.first.month - 1 + steps, 12)
            first, last = month_of(date(year, month + 1, 1))
        return Period(self.unit, first, last) if supported(first) and supported(last) else None

    @classmethod
    def month_holding(cls, day: date) -> Period:
        return cls("month", *month_of(day))


def read_period(args, default: Period, units: tuple[str, ...] = ("week", "month")) -> Period:
    """The week or month the URL names (one of `units`), else `default`; 400 for a value
    that is not one."""
    given = [u for u in units if args.get(u)]
    if len(given) > 1:
        raise BadInput(gettext("Give a week or a month, not both."))
    if not given:
        return default
    unit, value = given[0], args[given[0]]
    try:
        first, last = week_bounds(value) if unit == "week" else month_bounds(value)
    except ValueError as exc:
        message = (gettext("%(value)s is not a week like 2026-W47", value=value[:20])
                   if unit == "week" else
                   gettext("%(value)s is not a month like 2026-11", value=value[:20]))
        raise BadInput(message) from exc
    return Period(unit, first, last)


@blp.route("/townships/<code>")
@page_login(*READERS)
def township(code):
    if not TOWNSHIP_CODE.fullmatch(code):
        raise NotFound("")
    period = read_period(request.args, Period("week", *last_finished_week(app_settings())))
    summary = township_summary(g.scope, code, period.first, period.last)
    log_reads(g.user, "presence", [(row["cadre"].id, p.id) for village in summary["villages"]
                                   for row in village["cadres"] for p in row["periods"]],
              {"page": "township", "township": code, "period": period.name})
    return render_template("console/township.html", summary=summary, period=period,
                           map=_village_map(summary), colours=STATE_COLOURS)


def _village_map(summary: dict) -> dict:
    """The township's outline and its villages filled by state, each labelled."""
    outline = feature(summary["township"])
    outline["properties"]["role"] = "township"
    villages = []
    for village in summary["villages"]:
        region = village["region"]
        if region.level != "village":
            continue
        shape = feature(region)
        shape["properties"].update(state=village["state"], label=region.name,
                                   color=STATE_COLOURS[village["state"]])
        villages.append(shape)
    return map_data([outline, *villages], [], [])
