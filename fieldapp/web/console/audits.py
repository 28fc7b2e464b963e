"""The audit page: a presence audit of a region or a cadre over a finished week, month or
range, shown as a table (townships, then each post) with its four downloads. Each cadre it
shows or hands out finds the read in the access log (audit_presence).

    GET /console/audits?region=410922&month=2026-11    (or week=, or from=&to=; or cadre_id=)
    GET /console/audits/presence.<csv|xlsx|pdf|json>?… the same audit as a file
    GET /console/audits/package?…                     …as a signed evidence package (zip)
"""
from __future__ import annotations

import re
from datetime import date

from flask import abort, g, make_response, render_template, request
from flask_babel import gettext

from ...config import app_settings
from ...documents import packages
from ...documents.audit_files import audit_file
from ...domain.dates import supported
from ...errors import BadInput
from ...services.audits.presence_audit import read_audit
from ...services.presence.evaluation import last_finished_week
from ..sessions import page_login
from . import blp
from .region_picker import reader_region, region_choices
from .townships import Period, read_period

AUDITORS = ("admin", "discipline", "inspector")
FORMATS = {"csv": "text/csv",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "pdf": "application/pdf", "json": "application/json"}
REGION_CODE = re.compile(r"[0-9]{6}(?:[0-9]{3}){0,2}")
CADRE_ID = re.compile(r"[1-9][0-9]{0,9}")


@blp.route("/audits")
@page_login(*AUDITORS)
def audits():
    subject, (first, last), period = _read_query()
    audit = _audit(subject, first, last, "page")
    return render_template("console/audits.html", audit=audit, subject=subject,
                           period=period, first=first, last=last,
                           places=region_choices(), formats=list(FORMATS))


@blp.route("/audits/presence.<fmt>")
@page_login(*AUDITORS)
def audit_download(fmt):
    if fmt not in FORMATS:
        abort(404)
    subject, (first, last), _ = _read_query()
    audit = _audit(subject, first, last, fmt)
    response = make_response(audit_file(app_settings(), g.scope, audit, fmt))
    response.mimetype = FORMATS[fmt]
    name = audit["region"] or f"cadre-{audit['cadre_id']}"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="presence-audit-{name}-{first}-{last}.{fmt}"')
    return response


@blp.route("/audits/package")
@page_login(*AUDITORS)
def audit_package():
    """The audit as a signed evidence package (the same zip as the API's)."""
    subject, (first, last), _ = _read_query()
    audit = _audit(subject, first, last, "package")
    package = packages.audit_package(app_settings(), g.scope, audit)
    return package.download(g.user, {**subject, "from": first, "to": last, "page": "audits"})


def _audit(subject: dict, first: date, last: date, shown_as: str) -> dict:
    return read_audit(app_settings(), g.scope, first, last, shown_as=shown_as, **subject)


def _read_query() -> tuple[dict, tuple[date, date], Period | None]:
    """({"region": …} or {"cadre_id": …}, (first, last), the week or month if one was named);
    400 for values that are not codes, ids, weeks, months or dates."""
    args = request.args
    if args.get("cadre_id"):
        if not CADRE_ID.fullmatch(args["cadre_id"]) or int(args["cadre_id"]) > 2**31 - 1:
            raise BadInput(gettext("Not a cadre id."))
        subject = {"cadre_id": int(args["cadre_id"])}
    else:
        region = args.get("region") or reader_region()
        if not REGION_CODE.fullmatch(region):
            raise BadInput(gettext("Not a region code."))
        subject = {"region": region}
    if args.get("from") or args.get("to"):  # a range typed in wins over the week shown
        return subject, (_date(args.get("from")), _date(args.get("to"))), None
    period = read_period(args, Period("week", *last_finished_week(app_settings())))
    return subject, (period.first, period.last), period


def _date(text: str | None) -> date:
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        day = None
    if day is None or not supported(day) or len(text) != 10:
        raise BadInput(gettext("%(value)s is not a date like 2026-11-30",
                               value=(text or "")[:20]))
    return day
