"""POST /api/v1/auth/token: username + password → bearer token → services/access/logins.py."""
from flask import current_app
from flask_jwt_extended import create_access_token
from flask_smorest import Blueprint

from ..errors import Unauthorized
from ..extensions import limiter
from ..services.access.logins import authenticate
from .schemas.auth import Credentials

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Log in")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@blp.route("/token", methods=["POST"])
@blp.arguments(Credentials)
@limiter.limit(_login_limit, deduct_when=lambda response: response.status_code == 401)
def token(credentials):
    """Exchange a username and password for a bearer token."""
    user = authenticate(credentials["username"], credentials["password"])
    if user is None:
        raise Unauthorized("invalid username or password")
    ttl = current_app.config["TOKEN_TTL_S"]
    access = create_access_token(identity=str(user.id), additional_claims={"role": user.role})
    return {"access_token": access, "token_type": "Bearer", "expires_in": ttl,
            "user": {"id": user.id, "role": user.role, "cadre_id": user.cadre_id}}
