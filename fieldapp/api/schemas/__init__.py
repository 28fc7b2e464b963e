"""Request and response schemas, a module per api module; what several share is here."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

CODE = validate.Regexp(r"^\d{6}(\d{3}){0,2}$", error="not a 6-, 9- or 12-digit region code")
NOTE = validate.Length(max=2000)


class DateRange(Schema):
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()

    @validates_schema
    def _ordered(self, data, **_):
        if "from" in data and "to" in data and data["to"] < data["from"]:
            raise ValidationError("is before from", "to")
