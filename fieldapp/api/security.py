"""Authentication decorators. Every endpoint but /auth/token and the health checks uses one."""
from __future__ import annotations

from functools import wraps

from flask import g, request
from flask_jwt_extended import get_jwt_identity, verify_jwt_in_request

from ..errors import Forbidden, Unauthorized
from ..extensions import db
from ..models import User
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
            g.user, g.scope, g.device = user, Scope(user), None
            return view(*args, **kwargs)

        return wrapped

    return decorator


def cadre_or_device_required(view):
    """A cadre's bearer token, or `Authorization: Device <token>` of a registered phone.

    Sets g.cadre_id and g.device (None with a bearer token).
    """

    @wraps(view)
    def wrapped(*args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "device":
            device = active_device(token.strip())
            if device is None:
                raise Unauthorized("unknown or revoked device token")
            g.user, g.device, g.cadre_id = None, device, device.cadre_id
        else:
            user = _load_user()
            if user.role != "cadre" or user.cadre_id is None:
                raise Forbidden("only a cadre or a cadre's device can send locations")
            g.user, g.device, g.cadre_id = user, None, user.cadre_id
        return view(*args, **kwargs)

    return wrapped
