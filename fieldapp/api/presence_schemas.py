"""Request and response schemas for leave, presence, evaluations and findings."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..domain.flags import KINDS, TRANSITIONS
from ..models.flags import FLAG_STATUSES
from ..models.presence import LEAVE_KINDS, LEAVE_STATUSES
from .schemas import CODE

NOTE = validate.Length(max=2000)


class DateRange(Schema):
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()

    @validates_schema
    def _ordered(self, data, **_):
        if "from" in data and "to" in data and data["to"] < data["from"]:
            raise ValidationError("is before from", "to")


class LeaveIn(Schema):
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(LEAVE_KINDS))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class LeaveDecision(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["approve", "reject"]))
    note = fields.String(validate=NOTE)


class LeaveFilter(DateRange):
    cadre_id = fields.Integer()
    status = fields.String(validate=validate.OneOf(LEAVE_STATUSES))


class LeaveOut(Schema):
    id = fields.Integer()
    cadre_id = fields.Integer()
    starts_on = fields.Date()
    ends_on = fields.Date()
    kind = fields.String()
    reason = fields.String()
    status = fields.String()
    retroactive = fields.Boolean()
    requested_at = fields.DateTime()
    decided_by = fields.Integer(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_note = fields.String(allow_none=True)
    returned_at = fields.DateTime(allow_none=True, metadata={
        "description": "first inside ping after the leave (销假), set by evaluation"})


class EvaluationIn(Schema):
    week = fields.String(metadata={"example": "2026-W47"})
    month = fields.String(metadata={"example": "2026-11"})
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    region = fields.String(validate=CODE)


class EvaluationOut(Schema):
    id = fields.Integer()
    first_day = fields.Date()
    last_day = fields.Date()
    region_code = fields.String()
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    triggered_by = fields.Integer(allow_none=True)
    report = fields.Dict()


class PresenceFilter(DateRange):
    cadre_id = fields.Integer()


class PresenceDayOut(Schema):
    date = fields.Date(attribute="day")
    region_code = fields.String()
    day = fields.String(attribute="day_status")
    night = fields.String(attribute="night_status")
    counts = fields.Dict()
    first_inside_at = fields.DateTime(allow_none=True)
    last_inside_at = fields.DateTime(allow_none=True)
    night_centroid = fields.Method("_centroid", metadata={
        "description": "mean of the night's fixes and its distance from the post"})

    def _centroid(self, day):
        if day.night_lat is None:
            return None
        return {"lat": day.night_lat, "lon": day.night_lon, "distance_m": day.night_distance_m}


class PresencePeriodOut(Schema):
    start = fields.Date(attribute="period_start")
    end = fields.Date(attribute="period_end")
    policy = fields.String()
    region_code = fields.String()
    complete = fields.Boolean()
    active_days = fields.Integer()
    excused_days = fields.Integer()
    required_days = fields.Integer()
    required_nights = fields.Integer()
    present_days = fields.Integer()
    present_nights = fields.Integer()
    no_data_days = fields.Integer()
    no_data_nights = fields.Integer()


class FlagFilter(Schema):
    status = fields.String(validate=validate.OneOf(FLAG_STATUSES))
    kind = fields.String(validate=validate.OneOf(KINDS))
    region = fields.String(validate=CODE)
    cadre_id = fields.Integer()
    from_ = fields.AwareDateTime(data_key="from", attribute="from")
    to = fields.AwareDateTime()


class FlagOut(Schema):
    id = fields.Integer()
    cadre_id = fields.Integer()
    region_code = fields.String()
    kind = fields.String()
    severity = fields.Integer()
    status = fields.String()
    period_start = fields.Date(allow_none=True)
    period_end = fields.Date(allow_none=True)
    summary = fields.String()
    assignee_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    confirmed_at = fields.DateTime(allow_none=True)


class PresenceOut(Schema):
    cadre_id = fields.Integer()
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    days = fields.List(fields.Nested(PresenceDayOut))
    periods = fields.List(fields.Nested(PresencePeriodOut))
    flags = fields.List(fields.Nested(FlagOut))


class FlagEventOut(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor_id = fields.Integer(allow_none=True)
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    note = fields.String()
    hash = fields.String()


class AppealOut(Schema):
    id = fields.Integer()
    text = fields.String()
    media_ids = fields.List(fields.String())
    submitted_by = fields.Integer()
    submitted_at = fields.DateTime()
    outcome = fields.String(allow_none=True)
    decided_by = fields.Integer(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_note = fields.String(allow_none=True)


class FlagDetail(FlagOut):
    evidence = fields.Dict()
    map = fields.Dict(metadata={"description": "GeoJSON: the post's boundary and the pings"})
    events = fields.List(fields.Nested(FlagEventOut))
    appeals = fields.List(fields.Nested(AppealOut))


class TransitionIn(Schema):
    action = fields.String(required=True, validate=validate.OneOf(list(TRANSITIONS)))
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    assignee_id = fields.Integer()


class AppealIn(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    media_ids = fields.List(fields.String(validate=validate.Length(max=64)),
                            load_default=list, validate=validate.Length(max=20))
