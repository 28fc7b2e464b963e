"""Checking credentials."""
from sqlalchemy import select

from ...extensions import db
from ...models import User
from .passwords import verify_password


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None (same cost either way)."""
    user = db.session.scalar(select(User).where(User.username == username))
    ok = verify_password(user.password_hash if user else None, password)
    return user if ok and user.active else None
