"""(being written: a placeholder route so the other pages can link here)"""
from ...errors import NotFound
from ..sessions import page_login
from . import blp


@blp.route("/findings/<bigid:finding_id>")
@page_login()
def dossier(finding_id):
    raise NotFound("")
