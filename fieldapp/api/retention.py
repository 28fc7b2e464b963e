"""Retention purge log (placeholder)."""
from flask_smorest import Blueprint

blp = Blueprint("retention", __name__, url_prefix="/api/v1", description="retention")
