"""(being written: a placeholder route so the other pages can link here)"""
from ...errors import NotFound
from ..sessions import page_login
from . import blp


@blp.route("/townships/<code>")
@page_login()
def township(code):
    raise NotFound("")
