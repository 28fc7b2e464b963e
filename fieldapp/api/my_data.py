"""A cadre's export of their own data → services/people/my_data.py.

    GET /api/v1/me/export    the cadre (bearer token or their phone's device token): a zip
                             of their fixes, media metadata, work reports, day records,
                             period summaries, findings with events and appeals, and leave,
                             each as JSON and CSV, with a README.txt. Other roles: 403.
"""
from flask import g, send_file
from flask_smorest import Blueprint

from ..models.types import utcnow
from ..services.people.my_data import export_zip
from .security import BEARER_OR_DEVICE, login_required

blp = Blueprint("my_data", __name__, url_prefix="/api/v1",
                description="A cadre's export of their own data")


@blp.route("/me/export", methods=["GET"])
@login_required("cadre", devices=True)
@blp.doc(security=BEARER_OR_DEVICE)
@blp.alt_response(200, schema={"type": "string", "format": "binary"},
                  content_type="application/zip",
                  description="README.txt, and <table>.json and <table>.csv for each table")
def export_my_data():
    """Everything fieldapp keeps about me, as a zip (a read of one's own data is not in the
    access log)."""
    name = f"fieldapp-cadre-{g.user.cadre_id}-{utcnow():%Y%m%d}.zip"
    return send_file(export_zip(g.scope), mimetype="application/zip", as_attachment=True,
                     download_name=name)
