"""What the collection profile keeps (placeholder)."""
from flask_smorest import Blueprint

blp = Blueprint("collection", __name__, url_prefix="/api/v1", description="collection")
