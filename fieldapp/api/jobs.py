"""Background jobs as the admins see them → services/jobs/runs.py (run by `flask worker`,
fieldapp/jobs/).

    GET /api/v1/jobs             recent jobs, newest first (filter by state, task): admins
    GET /api/v1/jobs/<id>        one job: its state, attempts, result or error: admins and
                                 whoever asked for it
    GET /api/v1/jobs/<id>/file   the file it built (an audit package): the same
"""
from datetime import date

from flask import current_app, g, send_file
from flask_smorest import Blueprint

from ..config import app_settings
from ..errors import Conflict, NotFound
from ..jobs import files_of
from ..services.access.access_log import log_reads
from ..services.audits.presence_audit import check_subject
from ..services.jobs import runs
from .pagination import paginated
from .schemas import jobs as s
from .security import login_required

blp = Blueprint("jobs", __name__, url_prefix="/api/v1", description="Background jobs")


@blp.route("/jobs", methods=["GET"])
@login_required("admin")
@blp.arguments(s.JobFilter, location="query")
@paginated(blp, s.JobOut)
def list_jobs(filters):
    """Recent jobs and failures, newest first."""
    return runs.recent_query(filters.get("state"), filters.get("task"))


def _own_job(job_id: int):
    """The job, for an admin or whoever asked for it (404 for anyone else)."""
    run = runs.get_run(job_id)
    if g.user.role != "admin" and (run.requested_by is None or run.requested_by != g.user.id):
        raise NotFound(f"job {job_id} not found")
    return run


@blp.route("/jobs/<int:job_id>", methods=["GET"])
@login_required()
@blp.response(200, s.JobOut)
def get_job(job_id):
    """One job: queued, running, done (with its result) or failed (with the error)."""
    return _own_job(job_id)


@blp.route("/jobs/<int:job_id>/file", methods=["GET"])
@login_required()
@blp.alt_response(200, schema={"type": "string", "format": "binary"},
                  content_type="application/zip", description="the file the job built")
def job_file(job_id):
    """The file a finished job built (an audit's evidence package); 409 until it is done.
    Access-logged for each cadre whose data it holds, as a package download is."""
    run = _own_job(job_id)
    if run.task == "audit_package":  # readable only while the reader's scope still covers it
        args = run.args
        check_subject(app_settings(), g.scope, date.fromisoformat(args["first"]),
                      date.fromisoformat(args["last"]), args.get("region"),
                      args.get("cadre_id"))
    if run.state != "done":
        raise Conflict(f"job {job_id} is {run.state}" + (f": {run.error}" if run.error else ""))
    path = files_of(current_app) / f"{run.id}.zip"
    if not (run.result or {}).get("file") or not path.is_file():
        raise NotFound(f"job {job_id} built no file")
    log_reads(g.user, "package", [tuple(read) for read in run.result["reads"]],
              {"job_id": run.id})
    response = send_file(path, mimetype="application/zip", as_attachment=True,
                         download_name=run.result["file"], conditional=False)
    response.headers["Cache-Control"] = "private, no-store"
    return response
