"""Errors on pages are pages: the same codes as the API, titled in the reader's language. A
page outside the reader's scope is the 404 page (it does not say that something is there).
The detail is shown when it is in the reader's language: the pages' own messages are
translated, the services' are English (for programmers), so a Chinese reader sees only the
title for those."""
from __future__ import annotations

from flask import g, render_template
from flask_babel import lazy_gettext

from ..errors import NOSNIFF
from ..i18n import select_language

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
    if message.isascii() and select_language() != "en":
        message = ""
    if "user" not in g and code != 503:  # the header shows who is logged in, as elsewhere
        _who_is_logged_in()
    title = TITLES.get(code, TITLES[500])
    response = render_template("error.html", code=code, title=title, message=message)
    return response, code, {**dict([NOSNIFF]), **(headers or {})}


def _who_is_logged_in() -> None:
    """g.user from the session, for an error raised before a page's login check (no such
    page, a refused form); nobody if that cannot be read either."""
    from .sessions import logged_in_user

    try:
        g.user = logged_in_user()
    except Exception:  # noqa: BLE001 (an error page must render whatever went wrong)
        g.user = None
