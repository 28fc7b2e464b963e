"""Column types shared by the models."""
from datetime import UTC, datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Integer
from sqlalchemy.types import TypeDecorator

# A 64-bit key on PostgreSQL that is still SQLite's auto-increment rowid.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator):
    """Stores naive UTC on both databases; always returns aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def one_of(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    """CHECK that `column` holds one of `values`."""
    listed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({listed})", name=name)
