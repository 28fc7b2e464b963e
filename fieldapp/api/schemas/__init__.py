"""Request and response schemas, a module per api module; what several share is here.

Every id, date and timestamp a request gives is bounded here, so nothing a client sends can
reach the database as a number or date it cannot hold: ids 1..2^31-1, dates and timestamps
inside the supported range of `domain/dates.py` (2000-01-01..2099-12-31).
"""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ...domain import dates
from ...domain.notes import NOTE_MAX_CHARS

MAX_ID = 2**31 - 1  # the largest id of an INTEGER key on PostgreSQL (cadres, users, leave…)
MAX_BIG_ID = 2**63 - 1  # the largest id of a BIGINT key (findings, media)

CODE = validate.Regexp(r"^\d{6}(\d{3}){0,2}$", error="not a 6-, 9- or 12-digit region code")
NOTE = validate.Length(max=NOTE_MAX_CHARS)
ID_RANGE = validate.Range(min=1, max=MAX_ID)
DATE_RANGE = validate.Range(min=dates.FIRST_SUPPORTED, max=dates.LAST_SUPPORTED,
                            error=dates.OUT_OF_RANGE)
MONTH = validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="not a month like 2026-11")
WEEK = validate.Regexp(r"^\d{4}-[Ww](0[1-9]|[1-4]\d|5[0-3])$",
                       error="not an ISO week like 2026-W47")


def Id(**kwargs) -> fields.Integer:  # noqa: N802 (a field, named like one)
    """A row id: an integer 1..2^31-1 (PostgreSQL's INTEGER)."""
    return fields.Integer(validate=ID_RANGE, **kwargs)


def SupportedDate(**kwargs) -> fields.Date:  # noqa: N802
    """A date inside the supported range."""
    return fields.Date(validate=DATE_RANGE, **kwargs)


def _supported_moment(moment) -> None:
    if not dates.supported_moment(moment):
        raise ValidationError(dates.OUT_OF_RANGE)


def SupportedDateTime(**kwargs) -> fields.AwareDateTime:  # noqa: N802
    """A timestamp with its offset, inside the supported range."""
    return fields.AwareDateTime(validate=_supported_moment, **kwargs)


def _supported_month(month: str) -> None:
    try:
        dates.month_bounds(month)
    except ValueError:
        raise ValidationError(dates.OUT_OF_RANGE) from None


def _supported_week(week: str) -> None:
    try:
        dates.week_bounds(week)
    except ValueError:
        raise ValidationError(f"not an ISO week, or {dates.OUT_OF_RANGE}") from None


def Month(**kwargs) -> fields.String:  # noqa: N802
    """A month written 2026-11, inside the supported range."""
    return fields.String(validate=[MONTH, _supported_month], **kwargs)


def Week(**kwargs) -> fields.String:  # noqa: N802
    """An ISO week written 2026-W47, inside the supported range."""
    return fields.String(validate=[WEEK, _supported_week], **kwargs)


class DateRange(Schema):
    from_ = SupportedDate(data_key="from", attribute="from")
    to = SupportedDate()

    @validates_schema
    def _ordered(self, data, **_):
        if "from" in data and "to" in data and data["to"] < data["from"]:
            raise ValidationError("is before from", "to")


class PlaceNamesOut(Schema):
    """The names of a row's region code (services/people/names.py)."""

    village_name = fields.String(allow_none=True)
    township_code = fields.String(allow_none=True)
    township_name = fields.String(allow_none=True)


class CadreNamesOut(Schema):
    """The names of a row's cadre (services/people/names.py)."""

    cadre_name = fields.String(allow_none=True)
    cadre_role = fields.String(allow_none=True)
    unit = fields.String(allow_none=True, metadata={"description": "dispatching unit (派出单位)"})


class NamesOut(CadreNamesOut, PlaceNamesOut):
    """The names of a row's cadre and region code."""
