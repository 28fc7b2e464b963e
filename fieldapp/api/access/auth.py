"""Logging in and out → services/access/logins.py.

    POST /api/v1/auth/token     username + password → bearer token (throttled)
    POST /api/v1/auth/logout    revoke the token in use
"""
from flask import current_app, g, request
from flask_jwt_extended import create_access_token, get_jwt
from flask_smorest import Blueprint
from werkzeug.exceptions import TooManyRequests

from ...config import app_settings
from ...db.connections import request_connection
from ...errors import Unauthorized
from ...services.access import logins
from ..schemas.access.auth import Credentials, TokenOut
from ..security import OPEN, login_required

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Log in and out")

def checked_login(username: str, password: str) -> logins.LoginUser:
    """The login these credentials open, counted by the login throttle: 401 if they open
    none, 429 (with Retry-After) while the address or the account is throttled."""
    settings = app_settings().login
    user = logins.log_in(settings, logins.counters_for(settings, request_connection),
                         request_connection(), request.remote_addr or "", username, password)
    if isinstance(user, logins.Throttled):
        raise TooManyRequests(user.message, retry_after=user.retry_after)
    if user is None:
        raise Unauthorized("invalid username or password")
    return user


@blp.route("/token", methods=["POST"])
@blp.doc(security=OPEN)
@blp.arguments(Credentials)
@blp.response(200, TokenOut)
@blp.alt_response(429, description="too many failed logins from this address or on this "
                  "account: refused until the window ends (header Retry-After, seconds)")
def token(credentials):
    """Exchange a username and password for a bearer token.

    Failed logins are counted per client address (`FIELDAPP_LOGIN_RATE_LIMIT`) and per
    account (`FIELDAPP_LOGIN_ACCOUNT_LIMIT`) by every worker together; past either limit
    the address, or the account, is answered 429 until its window ends, without the
    password being checked.
    """
    user = checked_login(credentials["username"], credentials["password"])
    ttl = current_app.config["TOKEN_TTL_S"]
    access = create_access_token(identity=str(user.id),
                                 additional_claims=logins.token_claims(user))
    return {"access_token": access, "token_type": "Bearer", "expires_in": ttl,
            "user": {"id": user.id, "role": user.role, "cadre_id": user.cadre_id}}


@blp.route("/logout", methods=["POST"])
@login_required()
@blp.response(204)
def logout():
    """Revoke the token in use (the user's other tokens stay valid; changing the password
    revokes them all)."""
    logins.revoke_token(g.user, get_jwt())
    return None
