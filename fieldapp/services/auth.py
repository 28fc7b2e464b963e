"""Checking credentials."""
from sqlalchemy import Row, bindparam, select
from sqlalchemy.engine import Connection

from ..extensions import db
from ..models import User
from .passwords import verify_password


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None (same cost either way)."""
    user = db.session.scalar(select(User).where(User.username == username))
    ok = verify_password(user.password_hash if user else None, password)
    return user if ok and user.active else None


_LOGIN = select(User.active, User.role, User.cadre_id).where(User.id == bindparam("user_id"))


def login_standing(conn: Connection, user_id: int) -> Row | None:
    """(active, role, cadre_id) of a user, read on `conn` so no session transaction opens."""
    return conn.execute(_LOGIN, {"user_id": user_id}).first()
