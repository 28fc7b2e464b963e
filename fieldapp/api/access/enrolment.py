"""Phone enrolment (placeholder)."""
from flask_smorest import Blueprint

blp = Blueprint("enrolment", __name__, url_prefix="/api/v1", description="enrolment")
