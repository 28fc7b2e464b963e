"""A cadre's own data (placeholder)."""
from flask_smorest import Blueprint

blp = Blueprint("my_data", __name__, url_prefix="/api/v1", description="my_data")
