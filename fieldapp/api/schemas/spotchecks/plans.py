"""Request and response schemas of spot checks: plans, their draw, coverage and export, and
visits."""
from marshmallow import Schema, ValidationError, fields, validate

from ....domain.coords import CRS_NAMES
from ....domain.notes import NOTE_MAX_CHARS
from ....domain.pings import OPTIONAL_NUMBERS
from ....models.spotchecks import VISIT_OUTCOMES
from ....services.spotchecks import plans
from .. import CODE, MAX_BIG_ID, Id, PlaceNamesOut, SupportedDate, SupportedDateTime

QUOTA = validate.Range(min=0, max=1, min_inclusive=False,
                       error="the quota is a share above 0 and at most 1")
VILLAGE_CODE = validate.Regexp(r"^\d{12}$", error="not a 12-digit village code")
ACCURACY_MIN, ACCURACY_MAX = OPTIONAL_NUMBERS["accuracy"]


def _quarter(value: str) -> None:
    try:
        plans.quarter_bounds(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


def Quarter(**kwargs) -> fields.String:  # noqa: N802 (a field, named like one)
    """A quarter written 2026-Q4, 2000–2099."""
    return fields.String(validate=_quarter, metadata={"example": "2026-Q4"}, **kwargs)


class SourceIn(Schema):
    name = fields.String(required=True, validate=validate.Length(
        min=1, max=plans.SOURCE_NAME_MAX), metadata={
        "description": "the public random event, e.g. a named lottery's draw"})
    due = SupportedDate(required=True, metadata={
        "description": "the date its numbers are published; today or later"})


class PlanIn(Schema):
    region = fields.String(required=True, validate=CODE, metadata={
        "description": "a county (6 digits) or township (9)"})
    quarter = Quarter(required=True)
    quota = fields.Float(required=True, allow_nan=False, validate=QUOTA)
    sources = fields.List(fields.Nested(SourceIn), required=True,
                          validate=validate.Length(min=1, max=plans.SOURCES_MAX))
    commitment = fields.String(required=True, validate=validate.Regexp(
        r"^[0-9a-fA-F]{64}$", error="the SHA-256 of the secret: 64 hex digits"))


class DrawIn(Schema):
    sources = fields.List(fields.List(fields.Raw()), required=True, metadata={
        "description": "each named source's numbers, in the plan's order (whole numbers, "
        "at least one each)"})
    secret = fields.String(required=True, validate=validate.Length(min=1, max=plans.SECRET_MAX))


class PlanFilter(Schema):
    region = fields.String(validate=CODE)
    quarter = Quarter()


class SourceOut(Schema):
    name = fields.String()
    due = fields.String()
    numbers = fields.List(fields.Integer(), allow_none=True)


class SampleEntry(Schema):
    village_code = fields.String()
    township_code = fields.String()
    rank = fields.Integer()


class PoolEntry(Schema):
    village_code = fields.String()
    township_code = fields.String()


CYCLE_STATE = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                          metadata={"description": "township code → villages sampled in its "
                                                   "current cycle"})


class PlanSummaryOut(Schema):
    id = fields.Integer()
    region_code = fields.String()
    region_name = fields.String(allow_none=True)
    quarter = fields.String()
    first_day = fields.Date()
    last_day = fields.Date()
    quota = fields.Float()
    commitment = fields.String()
    state = fields.String(metadata={"description": "committed, drawn or revealed"})
    pool_size = fields.Integer()
    sample_size = fields.Integer(allow_none=True)
    sources = fields.List(fields.Nested(SourceOut))
    created_by = fields.Integer()
    created_by_name = fields.String(allow_none=True)
    created_at = fields.DateTime()
    drawn_at = fields.DateTime(allow_none=True)
    revealed_at = fields.DateTime(allow_none=True)


class PlanOut(PlanSummaryOut):
    pool = fields.List(fields.Nested(PoolEntry))
    cycle_state_before = CYCLE_STATE
    secret = fields.String(allow_none=True, metadata={
        "description": "before the reveal only to inspectors and admins covering the region"})
    permutation = fields.List(fields.Integer(), allow_none=True, metadata={
        "description": "0-based pool positions in the order drawn"})
    sample = fields.List(fields.Nested(SampleEntry), allow_none=True)
    cycle_state_after = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                                    allow_none=True)


class TownshipCoverage(Schema):
    township_code = fields.String()
    township_name = fields.String(allow_none=True)
    pool_size = fields.Integer()
    required = fields.Integer(metadata={"description": "⌈quota × pool size⌉"})
    sampled = fields.Integer()
    visited = fields.Integer(metadata={
        "description": "sampled villages with a visit recorded in the quarter"})
    quota_met = fields.Boolean()


class CoverageTotals(Schema):
    pool_size = fields.Integer()
    required = fields.Integer()
    sampled = fields.Integer()
    visited = fields.Integer()
    quota_met = fields.Boolean()


class CoverageOut(Schema):
    plan_id = fields.Integer()
    region_code = fields.String()
    quarter = fields.String()
    townships = fields.List(fields.Nested(TownshipCoverage))
    totals = fields.Nested(CoverageTotals)


class OutcomeIn(Schema):
    cadre_id = Id(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(VISIT_OUTCOMES))
    note = fields.String(validate=validate.Length(max=NOTE_MAX_CHARS), allow_none=True)


class VisitIn(Schema):
    id = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={
        "description": "the client's id for the visit: sending it again stores nothing"})
    plan_id = Id(allow_none=True)
    village_code = fields.String(required=True, validate=VILLAGE_CODE)
    visited_at = SupportedDateTime(required=True)
    lat = fields.Float(required=True, allow_nan=False, validate=validate.Range(-90, 90))
    lon = fields.Float(required=True, allow_nan=False, validate=validate.Range(-180, 180))
    accuracy = fields.Float(required=True, allow_nan=False,
                            validate=validate.Range(ACCURACY_MIN, ACCURACY_MAX),
                            metadata={"description": "metres"})
    crs = fields.String(load_default="wgs84", validate=validate.OneOf(CRS_NAMES))
    outcomes = fields.List(fields.Nested(OutcomeIn), required=True)
    media_ids = fields.List(fields.Integer(strict=True, validate=validate.Range(1, MAX_BIG_ID)),
                            load_default=list)


class VisitFilter(Schema):
    plan_id = Id()
    village_code = fields.String(validate=VILLAGE_CODE)


class OutcomeOut(Schema):
    cadre_id = fields.Integer()
    cadre_name = fields.String(allow_none=True)
    outcome = fields.String()
    note = fields.String(allow_none=True)
    finding_id = fields.Integer(allow_none=True, metadata={
        "description": "the absent_at_spot_check finding an unexcused absence raised"})


class VisitOut(PlaceNamesOut):
    id = fields.Integer()
    client_id = fields.String()
    plan_id = fields.Integer(allow_none=True)
    village_code = fields.String()
    visited_at = fields.DateTime()
    received_at = fields.DateTime()
    inspector_id = fields.Integer()
    inspector_name = fields.String(allow_none=True)
    lat = fields.Float(metadata={"description": "WGS-84"})
    lon = fields.Float(metadata={"description": "WGS-84"})
    orig_lat = fields.Float()
    orig_lon = fields.Float()
    crs = fields.String()
    accuracy = fields.Float()
    fence = fields.String()
    distance_m = fields.Float()
    media_ids = fields.List(fields.Integer())
    outcomes = fields.List(fields.Nested(OutcomeOut))
