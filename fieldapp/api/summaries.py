"""Region summaries, and rankings where a county switched them on → services/audits/.
"""
from flask_smorest import Blueprint

blp = Blueprint("summaries", __name__, url_prefix="/api/v1", description="Summaries")
