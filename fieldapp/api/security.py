"""Authentication decorators. Every endpoint but /auth/token and the health checks uses one."""
from __future__ import annotations

from functools import wraps

from flask import g, request
from flask_jwt_extended import get_jwt_identity, verify_jwt_in_request

from ..database import request_connection
from ..errors import Forbidden, Unauthorized
from ..extensions import db
from ..models import User
from ..services.auth import login_standing
from ..services.people import active_device
from ..services.scope import Scope


def _load_user() -> User:
    verify_jwt_in_request()
    user = db.session.get(User, int(get_jwt_identity()))
    if user is None or not user.active:
        raise Unauthorized("this login no longer exists or is disabled")
    return user


def login_required(*roles: str):
    """Require a bearer token; with `roles`, one of them. Sets g.user and g.scope."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = _load_user()
            if roles and user.role not in roles:
                raise Forbidden(f"this needs the role {' or '.join(roles)}")
            g.user, g.scope = user, Scope(user)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def cadre_or_device_required(view):
    """A cadre's bearer token, or `Authorization: Device <token>` of a registered phone.

    Sets g.cadre_id and g.device_id (None with a bearer token). The lookups run on the
    request's autocommit connection, so no session transaction is held while the body
    is checked.
    """

    @wraps(view)
    def wrapped(*args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        conn = request_connection()
        if scheme.lower() == "device":
            device = active_device(conn, token.strip())
            if device is None:
                raise Unauthorized("unknown or revoked device token")
            g.cadre_id, g.device_id = device.cadre_id, device.id
        else:
            verify_jwt_in_request()
            login = login_standing(conn, int(get_jwt_identity()))
            if login is None or not login.active:
                raise Unauthorized("this login no longer exists or is disabled")
            if login.role != "cadre" or login.cadre_id is None:
                raise Forbidden("only a cadre or a cadre's device can send locations")
            g.cadre_id, g.device_id = login.cadre_id, None
        return view(*args, **kwargs)

    return wrapped
