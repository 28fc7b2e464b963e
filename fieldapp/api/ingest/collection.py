"""What the collection profile asks of a phone → services/ingest/collection.py.

    GET /api/v1/me/collection    the profile, the window now lies in, when the next opens

The phone page reads it to ask for a fix only inside a window (docs/collection.md).
"""
from dataclasses import asdict

from flask_smorest import Blueprint

from ...config import app_settings
from ...services.ingest.collection import collection_now
from ..schemas.ingest import CollectionOut
from ..security import BEARER_OR_DEVICE, login_required

blp = Blueprint("collection", __name__, url_prefix="/api/v1",
                description="What the collection profile keeps")


@blp.route("/me/collection", methods=["GET"])
@login_required("cadre", devices=True)
@blp.doc(security=BEARER_OR_DEVICE)
@blp.response(200, CollectionOut)
def my_collection():
    """The collection profile (`minimal` or `track`), now, the check-in window now lies in
    (null between windows) and when the next one opens."""
    return asdict(collection_now(app_settings()))
