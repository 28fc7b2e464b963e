"""Request and response schemas of presence and evaluations."""
from marshmallow import Schema, fields

from .. import CODE, CadreNamesOut, DateRange, Id, Month, PlaceNamesOut, SupportedDate, Week
from ..findings import FlagOut


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


class PresenceDayOut(PlaceNamesOut):
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
        lat, lon, distance_m = (self.get_attribute(day, key, None) for key in (
            "night_lat", "night_lon", "night_distance_m"))
        if lat is None:
            return None
        return {"lat": lat, "lon": lon, "distance_m": distance_m}


class PresencePeriodOut(PlaceNamesOut):
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


class PresenceOut(CadreNamesOut):
    cadre_id = fields.Integer()
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    days = fields.List(fields.Nested(PresenceDayOut))
    periods = fields.List(fields.Nested(PresencePeriodOut))
    flags = fields.List(fields.Nested(FlagOut))
