"""Presence audits of a region or a cadre over a finished range → services/audits/, drawn as
files by documents/.

    GET  /api/v1/audits/presence     JSON, or format=csv|xlsx|pdf as an attachment
"""
from flask import g, make_response
from flask_smorest import Blueprint

from ...config import app_settings
from ...documents.audit_files import audit_file
from ...services.audits.presence_audit import read_audit
from ...services.presence.evaluation import parse_range
from ..schemas.audits import presence as s
from ..security import login_required

blp = Blueprint("audits", __name__, url_prefix="/api/v1", description="Audits")

AUDITORS = ("admin", "discipline", "inspector")
MIMETYPES = {"csv": "text/csv",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "pdf": "application/pdf"}


def audit_from_args(args: dict, progress=None) -> dict:
    """The audit the query asks for (one read per cadre in the access log)."""
    first, last = parse_range(args.get("week"), args.get("month"), args.get("from"),
                              args.get("to"))
    extra = {"progress": progress} if progress else {}
    return read_audit(app_settings(), g.scope, first, last, args.get("region"),
                      args.get("cadre_id"), args["format"], **extra)


def attachment(body, fmt: str, audit: dict):
    """`body` answered as a download named after the audit's subject and range."""
    subject = audit["region"] or f"cadre-{audit['cadre_id']}"
    response = make_response(body)
    response.mimetype = MIMETYPES[fmt]
    response.headers["Content-Disposition"] = (
        f'attachment; filename="presence-audit-{subject}-{audit["from"]}-{audit["to"]}.{fmt}"')
    return response


@blp.route("/audits/presence", methods=["GET"])
@login_required(*AUDITORS)
@blp.arguments(s.AuditArgs, location="query")
# one 200 with four media types; OpenAPI keeps one description for it, the last one below
@blp.alt_response(200, schema=s.AuditOut)
@blp.alt_response(200, schema={"type": "string"}, content_type="text/csv")
@blp.alt_response(200, schema={"type": "string", "format": "binary"},
                  content_type=MIMETYPES["xlsx"])
@blp.alt_response(200, schema={"type": "string", "format": "binary"},
                  content_type="application/pdf",
                  description="The audit as JSON; with format=csv (UTF-8 with BOM, headers "
                              "in the reader's language), format=xlsx (a summary sheet, "
                              "then a sheet per township; numbers as numbers, header row "
                              "frozen) or format=pdf (the printable report in the reader's "
                              "language: a cover with the finding log's head hash, a "
                              "summary, a day/night heat-map per post, a map per absence "
                              "finding) as an attachment")
def audit_presence(args):
    """Every post under a region (or of one cadre) over a finished week, month or range:
    required, present, no-data and excused days and nights, leave and findings, with totals
    per township and for the whole. Access-logged for each cadre."""
    audit = audit_from_args(args)
    if args["format"] in MIMETYPES:
        return attachment(audit_file(app_settings(), g.scope, audit, args["format"]),
                          args["format"], audit)
    return s.AuditOut().dump(audit)
