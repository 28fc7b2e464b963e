"""Signed evidence packages (BagIt, Ed25519) of a finding or an audit → documents/packages.py.

    GET  /api/v1/audit/public-key            the key that checks the signatures (PEM)
"""
from flask_smorest import Blueprint

blp = Blueprint("packages", __name__, url_prefix="/api/v1", description="Evidence packages")
