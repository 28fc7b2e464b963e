"""Authentication decorators and the caller's scope. Every endpoint but /auth/token and the
health checks uses one of the decorators."""
from __future__ import annotations

from functools import wraps

from flask import g, request
from flask_jwt_extended import get_jwt_identity, verify_jwt_in_request

from ..config import app_settings
from ..db.connections import request_connection
from ..errors import Forbidden, Unauthorized, Unprocessable
from ..extensions import db, jwt
from ..models import User
from ..services.access.enrolment import acts_for_cadre
from ..services.access.logins import token_revoked
from ..services.access.scope import Scope, device_principal
from ..services.ingest import senders

# How a caller proves who they are, as the OpenAPI document states it (the API docs'
# Authorize button): a bearer token everywhere unless an operation says otherwise.
SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
               "description": "from POST /api/v1/auth/token"},
    "device": {"type": "apiKey", "in": "header", "name": "Authorization",
               "description": "`Device <token>`: a registered phone's token"},
    "deviceBasic": {"type": "http", "scheme": "basic",
                    "description": "OwnTracks: username = device id, password = device token"},
}
DEFAULT_SECURITY = [{"bearer": []}]
OPEN = []  # no credentials (health checks, logging in; OsmAnd carries its token as ?id=)
BEARER_OR_DEVICE = [{"bearer": []}, {"device": []}]


@jwt.token_in_blocklist_loader
def _revoked(_header: dict, payload: dict) -> bool:
    """Every verify_jwt_in_request asks this, on every path that takes a bearer token: a
    token of an older token version (password, role, cadre, active flag or regions changed
    since) or logged out is refused (401 "token has been revoked"); one of a disabled or
    deleted user is 401 too."""
    return token_revoked(request_connection(), payload)


def _load_user() -> User:
    verify_jwt_in_request()
    user = db.session.get(User, int(get_jwt_identity()))
    if user is None or not user.active:
        raise Unauthorized("this login no longer exists or is disabled")
    return user


def login_required(*roles: str, devices: bool = False):
    """Require a bearer token; with `roles`, one of them. Sets g.user and g.scope.

    With `devices`, a cadre's phone page may call with `Authorization: Device <token>`
    instead (an endpoint about the caller's own data); it acts as that cadre
    (`device_principal`), and g.device_id names the phone. A device made for the phone
    apps is refused here (403, `acts_for_cadre`)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            token = senders.device_token(request.headers.get("Authorization", ""))
            g.device_id = None
            if devices and token is not None:
                sender = senders.require_device(app_settings(), request_connection(), token)
                if not acts_for_cadre(sender.device_id):
                    raise Forbidden("this device sends locations only (OwnTracks, Traccar "
                                    "Client); the phone page is enrolled with its own link "
                                    "or the cadre's login")
                user, g.device_id = device_principal(sender.cadre_id), sender.device_id
            else:
                user = _load_user()
            if roles and user.role not in roles:
                raise Forbidden(f"this needs the role {' or '.join(roles)}")
            g.user, g.scope = user, Scope(user, app_settings().zone)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def requested_cadre(cadre_id: int | None) -> int:
    """The cadre a read is about: `cadre_id`, else the caller's own; within scope."""
    cadre_id = g.user.cadre_id if cadre_id is None else cadre_id
    if cadre_id is None:
        raise Unprocessable("cadre_id is required", {"cadre_id": ["required"]})
    g.scope.require_cadre(cadre_id)
    return cadre_id


def cadre_or_device_required(view):
    """A cadre's bearer token, or `Authorization: Device <token>` of a registered phone.

    Sets g.sender: the cadre, the device (None with a bearer token) and the cadre's posts,
    read in one statement on the request's autocommit connection, so no session
    transaction is held while the body is checked.
    """

    @wraps(view)
    def wrapped(*args, **kwargs):
        settings = app_settings()
        token = senders.device_token(request.headers.get("Authorization", ""))
        if token is not None:
            g.sender = senders.require_device(settings, request_connection(), token)
        else:
            verify_jwt_in_request()
            g.sender = senders.by_login(settings, request_connection(),
                                        int(get_jwt_identity()))
        return view(*args, **kwargs)

    return wrapped
