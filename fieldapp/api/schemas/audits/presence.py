"""Request and response schemas of presence audits."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .. import CODE, DateRange, Id, Month, Week

AUDIT_FORMATS = ("json", "csv", "xlsx", "pdf")


class AuditArgs(DateRange):
    region = fields.String(validate=CODE, metadata={"description": "county, township or "
                                                    "village code"})
    cadre_id = Id()
    week = Week(metadata={"example": "2026-W47"})
    month = Month(metadata={"example": "2026-11"})
    format = fields.String(load_default="json", validate=validate.OneOf(AUDIT_FORMATS))

    @validates_schema
    def _one_subject(self, data, **_):
        if ("region" in data) == ("cadre_id" in data):
            raise ValidationError("give exactly one of region and cadre_id", "region")


FindingCounts = fields.Dict(keys=fields.String(), values=fields.Dict(
    keys=fields.String(), values=fields.Integer()), metadata={
    "description": "{kind: {status: count}}"})


class AuditNumbers(Schema):
    required_days = fields.Integer()
    present_days = fields.Integer()
    no_data_days = fields.Integer()
    excused_days = fields.Integer()
    required_nights = fields.Integer()
    present_nights = fields.Integer()
    no_data_nights = fields.Integer()
    excused_nights = fields.Integer()
    leave_days = fields.Integer()
    posted_days = fields.Integer(metadata={"description": "dates of the range the post covers"})
    unevaluated_days = fields.Integer(metadata={
        "description": "posted dates with no day record (not evaluated: no verdict)"})
    findings = FindingCounts


class AuditRow(AuditNumbers):
    cadre_id = fields.Integer()
    cadre_name = fields.String()
    role = fields.String()
    unit = fields.String(allow_none=True)
    assignment_id = fields.Integer()
    policy = fields.String()
    village_code = fields.String()
    village_name = fields.String(allow_none=True)
    township_code = fields.String()
    township_name = fields.String(allow_none=True)
    posted_from = fields.Date()
    posted_to = fields.Date()


class AuditTotals(AuditNumbers):
    cadres = fields.Integer()
    posts = fields.Integer()


class TownshipTotals(Schema):
    township_code = fields.String()
    township_name = fields.String(allow_none=True)
    totals = fields.Nested(AuditTotals)


class AuditOut(Schema):
    region = fields.String(allow_none=True)
    region_name = fields.String(allow_none=True)
    cadre_id = fields.Integer(allow_none=True)
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    generated_at = fields.DateTime()
    rows = fields.List(fields.Nested(AuditRow))
    townships = fields.List(fields.Nested(TownshipTotals))
    totals = fields.Nested(AuditTotals)
