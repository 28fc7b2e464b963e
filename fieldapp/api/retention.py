"""The retention purge log → services/retention/purge_log.py.

    GET /api/v1/retention/purges    admins: every `flask retention purge`, latest first
"""
from flask_smorest import Blueprint

from ..services.retention.purge_log import purges_query
from .pagination import paginated
from .schemas.retention import PurgeOut
from .security import login_required

blp = Blueprint("retention", __name__, url_prefix="/api/v1",
                description="What the retention purge removed")


@blp.route("/retention/purges", methods=["GET"])
@login_required("admin")
@paginated(blp, PurgeOut)
def list_purges():
    """Each purge: its cut-offs, who ran it, when, and the fixes, photos, videos and files
    it removed."""
    return purges_query()
