"""Request and response schemas of presence and evaluations."""
from marshmallow import Schema, fields

from . import CODE, DateRange, Id, Month, SupportedDate, Week
from .findings import FlagOut


class EvaluationIn(Schema):
    week = Week(metadata={"example": "2026-W47"})
    month = Month(metadata={"example": "2026-11"})
    from_ = SupportedDate(data_key="from", attribute="from")
    to = SupportedDate()
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
    cadre_id = Id()


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


class PresenceOut(Schema):
    cadre_id = fields.Integer()
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    days = fields.List(fields.Nested(PresenceDayOut))
    periods = fields.List(fields.Nested(PresencePeriodOut))
    flags = fields.List(fields.Nested(FlagOut))
