"""Console logins: a signed cookie session bound to the user's token version, so a
password, role or scope change ends it as it ends the user's API tokens; it ends after
FIELDAPP_SESSION_IDLE_MIN without a request, after FIELDAPP_TOKEN_TTL_S in any case, and on
logout (its id joins the revoked tokens). Every form and htmx request carries the CSRF token.

    GET/POST /console/login     username + password (throttled as /api/v1/auth/token is)
    POST     /console/logout
    GET      /console/lang/<code>?next=…   the language switch (a cookie)
"""
from __future__ import annotations

import time
import uuid
from functools import wraps
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext

from ..config import app_settings
from ..db.connections import request_connection
from ..errors import BadInput, NotFound, Unauthorized
from ..extensions import csrf, db
from ..i18n import LANGUAGE_COOKIE, LANGUAGES
from ..models import User
from ..services.access import logins
from ..services.access.scope import Scope

blp = Blueprint("sessions", __name__, url_prefix="/console", template_folder="templates")


@blp.before_app_request
def _csrf_on_pages():
    """Every state-changing request to a page carries the session's CSRF token (a form
    field or htmx's X-CSRFToken header); without it: 400, and nothing is changed. So does
    a form value holding a NUL, which no text column stores (PostgreSQL refuses it). A
    request no route takes is its 404 or 405 page first."""
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.path.startswith(
            ("/console/", "/m/")) and request.routing_exception is None:
        csrf.protect()
        if any("\0" in value for _, value in request.form.items(multi=True)):
            raise BadInput(gettext("A field holds a NUL character; nothing was changed."))


def logged_in_user() -> User | None:
    """The console session's user, or None (no session, idle too long, past its lifetime,
    logged out, or the user's token version has moved on)."""
    uid = session.get("uid")
    if uid is None:
        return None
    now = time.time()
    idle_s = current_app.config["SESSION_IDLE_MIN"] * 60
    if now - session.get("seen", 0) > idle_s or now > session.get("exp", 0):
        session.clear()
        flash(gettext("Your session has ended; please log in again."))
        return None
    try:
        revoked = logins.token_revoked(request_connection(), {
            "sub": uid, "jti": session.get("jti"), "ver": session.get("ver")})
    except Unauthorized:
        revoked = True
    if revoked:
        session.clear()
        return None
    user = db.session.get(User, uid)
    if now - session["seen"] > 60:  # the cookie is rewritten at most once a minute
        session["seen"] = now
    return user


def page_login(*roles: str):
    """A logged-in user (else the login page, coming back here afterwards); with `roles`,
    one of them (else the 404 page). Sets g.user and g.scope as the API does."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = logged_in_user()
            if user is None:
                return redirect(url_for("sessions.login", next=request.full_path))
            if roles and user.role not in roles:
                raise NotFound("")
            g.user, g.scope = user, Scope(user, app_settings().zone)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def local_target(target: str | None) -> str:
    """Only a path on this server (never //host, a scheme or a control character) is
    followed after login."""
    if not target:
        return url_for("console.start")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or not target.isprintable():  # a control character: no header can hold it
        return url_for("console.start")
    return target.rstrip("?")


@blp.route("/login", methods=["GET", "POST"])
def login():
    error, status = None, 200
    if request.method == "POST":
        settings = app_settings().login
        username = request.form.get("username", "")[:64]
        user = logins.log_in(settings, logins.counters_for(settings, request_connection),
                             request_connection(), request.remote_addr or "", username,
                             request.form.get("password", "")[:256])
        if isinstance(user, logins.Throttled):
            error = gettext("Too many failed logins; try again in %(s)d seconds.",
                            s=user.retry_after)
            status = 429
        elif user is None:
            error, status = gettext("Wrong username or password."), 401
        else:
            session.clear()
            now = time.time()
            session.update(uid=user.id, ver=user.token_version, jti=uuid.uuid4().hex,
                           seen=now, exp=now + current_app.config["TOKEN_TTL_S"])
            return redirect(local_target(request.args.get("next")))
    return render_template("login.html", error=error), status


@blp.route("/logout", methods=["POST"])
def logout():
    user = logged_in_user()
    if user is not None:
        logins.revoke_token(user, {"jti": session["jti"], "exp": session["exp"]})
    session.clear()
    return redirect(url_for("sessions.login"))


@blp.route("/lang/<code>")
def switch_language(code: str):
    if code not in LANGUAGES:
        raise NotFound("")
    response = redirect(local_target(request.args.get("next")))
    response.set_cookie(LANGUAGE_COOKIE, code, max_age=365 * 86400, samesite="Lax",
                        httponly=True)
    return response
