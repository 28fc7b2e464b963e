"""Signed evidence packages (BagIt, Ed25519) of a finding or an audit → documents/packages.py.

    GET  /api/v1/flags/<id>/package          a finding's package (zip)
    GET  /api/v1/audits/presence/package     an audit's package (zip), the audit's query
    POST /api/v1/audits/presence/package     the same built by a background job: 202 and the
                                             job's URL; then GET /api/v1/jobs/<id>/file
    GET  /api/v1/audit/public-key            the key that checks the signatures (PEM)
"""
from flask import g, make_response, url_for
from flask_babel import get_locale
from flask_smorest import Blueprint

from ...config import app_settings
from ...documents import packages
from ...jobs import jobs
from ...services.audits import signing
from ...services.audits.presence_audit import check_subject
from ...services.jobs import runs
from ...services.presence.evaluation import parse_range
from ..schemas.audits.presence import AuditArgs
from ..schemas.jobs import JobOut
from ..security import login_required
from .presence import AUDITORS, audit_from_args

blp = Blueprint("packages", __name__, url_prefix="/api/v1", description="Evidence packages")

ZIP = {"type": "string", "format": "binary"}


class PackageArgs(AuditArgs):
    class Meta:
        exclude = ("format",)


@blp.route("/flags/<bigid:flag_id>/package", methods=["GET"])
@login_required()
@blp.alt_response(200, schema=ZIP, content_type="application/zip",
                  description="a zip holding one BagIt bag, its manifest signed (Ed25519)")
def finding_package(flag_id):
    """A finding you may see as a signed evidence package: the audit of its cadre over its
    period (PDF), the finding with its evidence, events and the chain's head, the fixes
    (CSV, GeoJSON) and media originals it names. Access-logged."""
    package = packages.finding_package(app_settings(), g.scope, flag_id)
    return package.download(g.user, {"flag_id": flag_id})


@blp.route("/audits/presence/package", methods=["GET"])
@login_required(*AUDITORS)
@blp.arguments(PackageArgs, location="query")
@blp.alt_response(200, schema=ZIP, content_type="application/zip",
                  description="a zip holding one BagIt bag, its manifest signed (Ed25519)")
def audit_package(args):
    """A presence audit (the same query as /audits/presence) as a signed evidence package:
    its report (PDF, JSON) and every finding it counts with their evidence. Access-logged
    for each cadre."""
    audit = audit_from_args({**args, "format": "package"})
    package = packages.audit_package(app_settings(), g.scope, audit)
    return package.download(g.user, {"region": audit["region"], "cadre_id": audit["cadre_id"],
                                     "from": audit["from"], "to": audit["to"]})


@blp.route("/audits/presence/package", methods=["POST"])
@login_required(*AUDITORS)
@blp.arguments(PackageArgs)
@blp.response(202, JobOut, description="the job building it; Location: its URL")
def request_audit_package(body):
    """Ask for an audit's package to be built by a background job (a county's month takes
    minutes): answered at once with the job; poll GET /api/v1/jobs/{id} until `done`, then
    download GET /api/v1/jobs/{id}/file. Built as your scope allows when the job runs."""
    first, last = parse_range(body.get("week"), body.get("month"), body.get("from"),
                              body.get("to"))
    check_subject(app_settings(), g.scope, first, last, body.get("region"),
                  body.get("cadre_id"))
    run_id = jobs().enqueue("audit_package", {
        "user_id": g.user.id, "first": first.isoformat(), "last": last.isoformat(),
        "region": body.get("region"), "cadre_id": body.get("cadre_id"),
        "locale": str(get_locale())}, requested_by=g.user.id)
    return runs.get_run(run_id), 202, {"Location": url_for("jobs.get_job", job_id=run_id)}


@blp.route("/audit/public-key", methods=["GET"])
@login_required()
@blp.alt_response(200, schema={"type": "string"}, content_type="application/x-pem-file",
                  description="the Ed25519 public key, PEM (SubjectPublicKeyInfo)")
def public_key():
    """The public key that checks the packages' signatures; its SHA-256 fingerprint (of the
    DER key) is the X-Key-Fingerprint header and bag-info.txt's
    Fieldapp-Signing-Key-SHA256."""
    key = signing.signing_key(app_settings().audits).public_key()
    response = make_response(signing.public_pem(key))
    response.mimetype = "application/x-pem-file"
    response.headers["X-Key-Fingerprint"] = signing.fingerprint(key)
    return response
