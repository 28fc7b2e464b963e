"""Request and response schemas of work reports and the monthly work record."""
from marshmallow import Schema, fields, validate

from ....models.media import REPORT_KINDS
from .. import Id, Month, SupportedDateTime
from .uploads import CLIENT_ID, Located


class ReportIn(Located):
    id = fields.String(required=True, validate=CLIENT_ID)
    kind = fields.String(required=True, validate=validate.OneOf(REPORT_KINDS))
    occurred_at = SupportedDateTime(required=True)
    summary = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    lon = fields.Float(required=True, validate=validate.Range(-180, 180))
    media_ids = fields.List(fields.String(validate=CLIENT_ID), load_default=list,
                            validate=validate.Length(max=50))
    household_ref = fields.String(validate=validate.Length(max=64))


class ReportFilter(Schema):
    cadre_id = Id()
    kind = fields.String(validate=validate.OneOf(REPORT_KINDS))
    from_ = SupportedDateTime(data_key="from", attribute="from")
    to = SupportedDateTime()


class ReportOut(Schema):
    id = fields.Integer()
    client_id = fields.String()
    cadre_id = fields.Integer()
    kind = fields.String()
    occurred_at = fields.DateTime()
    received_at = fields.DateTime()
    summary = fields.String()
    household_ref = fields.String(allow_none=True)
    lat = fields.Float()
    lon = fields.Float()
    crs = fields.String()
    accuracy = fields.Float(allow_none=True)
    village_code = fields.String(allow_none=True)
    fence = fields.String()
    distance_m = fields.Float(allow_none=True)
    media_ids = fields.List(fields.String())


class MonthlyArgs(Schema):
    cadre_id = Id()
    month = Month(required=True)
    format = fields.String(validate=validate.OneOf(["json", "csv"]))


class MonthlyRow(Schema):
    date = fields.Date()
    time = fields.String(metadata={"example": "09:30"})
    kind = fields.String()
    summary = fields.String()
    household_ref = fields.String(allow_none=True)
    village_code = fields.String(allow_none=True)
    fence = fields.String(allow_none=True)
    distance_m = fields.Float(allow_none=True)
    media_count = fields.Integer()
    report_id = fields.String()


class MonthlyOut(Schema):
    cadre_id = fields.Integer()
    name = fields.String(allow_none=True)
    month = fields.String()
    days_with_reports = fields.Integer()
    by_kind = fields.Dict(keys=fields.String(), values=fields.Integer())
    reports = fields.List(fields.Nested(MonthlyRow))
