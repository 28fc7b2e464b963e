"""Work reports and the monthly work record (工作纪实) → services/media/work_reports.py.

    POST /api/v1/reports             a household visit, meeting, project, training or other
    GET  /api/v1/reports             visible reports
    GET  /api/v1/reports/monthly     a cadre's month as JSON or CSV, access-logged
"""
from flask import g, make_response, request
from flask_smorest import Blueprint

from ...config import app_settings
from ...services.access.access_log import log_access, log_reads
from ...services.media import work_reports
from ..pagination import paginated
from ..schemas.media import work_reports as s
from ..security import (
    BEARER_OR_DEVICE,
    cadre_or_device_required,
    login_required,
    requested_cadre,
)

blp = Blueprint("reports", __name__, url_prefix="/api/v1", description="Work reports")


@blp.route("/reports", methods=["POST"])
@cadre_or_device_required
@blp.doc(security=BEARER_OR_DEVICE)
@blp.arguments(s.ReportIn)
@blp.response(201, s.ReportOut)
@blp.alt_response(200, schema=s.ReportOut, description="this client id was sent before")
def create_report(body):
    """Record a household visit, meeting, project, training or other work, with its place."""
    report, created = work_reports.create_report(app_settings(), g.sender, body)
    return report, 201 if created else 200


@blp.route("/reports", methods=["GET"])
@login_required(devices=True)
@blp.doc(security=BEARER_OR_DEVICE)
@blp.arguments(s.ReportFilter, location="query")
@paginated(blp, s.ReportOut, on_page=lambda rows, meta, filters: log_reads(
    g.user, "reports", [(r.cadre_id, r.id) for r in rows], {**filters, "page": meta["page"]},
    filters.get("cadre_id")))
def list_reports(filters):
    """Visible work reports, newest first (others' reads are access-logged, per cadre)."""
    return work_reports.reports_query(g.scope, filters)


@blp.route("/reports/monthly", methods=["GET"])
@login_required(devices=True)
@blp.doc(security=BEARER_OR_DEVICE)
@blp.arguments(s.MonthlyArgs, location="query")
@blp.alt_response(200, schema=s.MonthlyOut, description="the month's record")
@blp.alt_response(200, schema={"type": "string"}, content_type="text/csv",
                  description="the same as CSV (UTF-8 with BOM), an attachment")
def monthly_record(args):
    """A cadre's monthly work record as JSON, or CSV with `format=csv` or Accept: text/csv."""
    cadre_id = requested_cadre(args.get("cadre_id"))
    record = work_reports.monthly(app_settings(), g.scope, cadre_id, args["month"])
    wants_csv = args.get("format") == "csv" or request.accept_mimetypes.best_match(
        ["application/json", "text/csv"]) == "text/csv"
    log_access(g.user, cadre_id, "reports_monthly",
               {"month": args["month"], "format": "csv" if wants_csv else "json"})
    if not wants_csv:
        return record
    response = make_response(work_reports.monthly_csv(record))
    response.mimetype = "text/csv"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="work-record-{cadre_id}-{args["month"]}.csv"')
    return response
