"""Work reports and the monthly work record (工作纪实)."""
from flask import g, make_response, request
from flask_smorest import Blueprint

from ..errors import Unprocessable
from ..services import reports
from ..services.access_log import log_access
from . import media_schemas as s
from .pagination import PageArgs, page_of, paged
from .schemas import page_schema
from .security import cadre_or_device_required, login_required

blp = Blueprint("reports", __name__, url_prefix="/api/v1", description="Work reports")


@blp.route("/reports", methods=["POST"])
@cadre_or_device_required
@blp.arguments(s.ReportIn)
@blp.response(201, s.ReportOut)
@blp.alt_response(200, schema=s.ReportOut, description="this client id was sent before")
def create_report(body):
    """Record a household visit, meeting, project, training or other work, with its place."""
    report, created = reports.create_report(g.sender, body)
    return report, 201 if created else 200


@blp.route("/reports", methods=["GET"])
@login_required()
@blp.arguments(s.ReportFilter, location="query")
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(s.ReportOut))
def list_reports(filters, page):
    """Visible work reports, newest first."""
    return paged(*page_of(reports.reports_query(g.scope, filters), page))


@blp.route("/reports/monthly", methods=["GET"])
@login_required()
@blp.arguments(s.MonthlyArgs, location="query")
def monthly_record(args):
    """A cadre's monthly work record as JSON, or CSV with `format=csv` or Accept: text/csv."""
    cadre_id = args.get("cadre_id", g.user.cadre_id)
    if cadre_id is None:
        raise Unprocessable("cadre_id is required", {"cadre_id": ["required"]})
    g.scope.require_cadre(cadre_id)
    record = reports.monthly(cadre_id, args["month"])
    log_access(g.user, cadre_id, "reports_monthly", {"month": args["month"]})
    wants_csv = args.get("format") == "csv" or request.accept_mimetypes.best_match(
        ["application/json", "text/csv"]) == "text/csv"
    if not wants_csv:
        return record
    response = make_response("\ufeff" + reports.monthly_csv(record))
    response.mimetype = "text/csv"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="work-record-{cadre_id}-{args["month"]}.csv"')
    return response
