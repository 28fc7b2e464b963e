"""Who read whose data: the access log → services/access/access_log.py.

    GET /api/v1/access-log      admins every read; discipline users the reads of cadres
                                posted in their regions; a cadre the reads of their own
                                data ("who looked at me"). Inspectors: 403.
"""
from flask import g
from flask_smorest import Blueprint

from ...services.access import access_log
from ..pagination import paginated
from ..schemas.access import access_log as s
from ..security import BEARER_OR_DEVICE, login_required

blp = Blueprint("access_log", __name__, url_prefix="/api/v1",
                description="Who read whose locations and evidence")


@blp.route("/access-log", methods=["GET"])
@login_required(*access_log.READERS, devices=True)
@blp.doc(security=BEARER_OR_DEVICE)
@blp.arguments(s.AccessLogFilter, location="query")
@paginated(blp, s.AccessLogOut)
def list_reads(filters):
    """Reads of people's location-bearing data by others, newest first; filter by
    `cadre_id` (whose), `viewer` (the reader's user id), `from`/`to` (when)."""
    return access_log.reads_query(g.scope, filters)
