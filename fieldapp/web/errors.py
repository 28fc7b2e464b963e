"""Errors on pages are pages: the same codes as the API, in the reader's language. A page
outside the reader's scope is the 404 page (it does not say that something is there)."""
from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext

from ..errors import NOSNIFF

TITLES = {
    400: lazy_gettext("The request was not accepted"),
    404: lazy_gettext("Not found"),
    405: lazy_gettext("Not allowed here"),
    409: lazy_gettext("This has changed in the meantime"),
    413: lazy_gettext("Too large"),
    422: lazy_gettext("Some fields are not right"),
    429: lazy_gettext("Too many attempts"),
    500: lazy_gettext("Something went wrong"),
    503: lazy_gettext("Busy or unavailable"),
}


def error_page(code: int, message: str, headers: dict | None = None):
    if code in (401, 403):
        code, message = 404, ""
    title = TITLES.get(code, TITLES[500])
    response = render_template("error.html", code=code, title=title, message=message)
    return response, code, {**dict([NOSNIFF]), **(headers or {})}
