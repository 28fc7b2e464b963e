"""The cadre's phone page under /m/ (placeholder, filled by the phone-page work)."""
from flask import Blueprint

blp = Blueprint("phone", __name__, url_prefix="/m")
