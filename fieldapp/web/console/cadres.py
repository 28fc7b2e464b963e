"""(being written: a placeholder route so the other pages can link here)"""
from ...errors import NotFound
from ..sessions import page_login
from . import blp


@blp.route("/cadres/<int:cadre_id>")
@page_login()
def cadre(cadre_id):
    raise NotFound("")
