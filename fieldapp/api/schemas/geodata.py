"""Query schemas of region reads."""
from marshmallow import Schema, fields, validate


class SimplifyArgs(Schema):
    simplify_m = fields.Float(validate=validate.Range(min=0, max=5000),
                              metadata={"description": "simplify boundaries to this many metres"})


class VillageArgs(SimplifyArgs):
    parent = fields.String(required=True, validate=validate.Regexp(r"^\d{6}(\d{3})?$"),
                           metadata={"description": "county or township code"})
