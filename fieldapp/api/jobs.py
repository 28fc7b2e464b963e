"""Background jobs as the admins see them → services/jobs/runs.py (run by `flask worker`,
fieldapp/jobs/).

    GET /api/v1/jobs             recent jobs, newest first (filter by state, task)
    GET /api/v1/jobs/<id>        one job: its state, attempts, result or error
"""
from flask_smorest import Blueprint

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


@blp.route("/jobs/<int:job_id>", methods=["GET"])
@login_required("admin")
@blp.response(200, s.JobOut)
def get_job(job_id):
    return runs.get_run(job_id)
