"""Query schemas of region reads."""
from marshmallow import Schema, fields, validate


class SimplifyArgs(Schema):
    simplify_m = fields.Float(validate=validate.Range(min=0, max=5000),
                              metadata={"description": "simplify boundaries to this many metres"})


class VillageArgs(SimplifyArgs):
    parent = fields.String(required=True, validate=validate.Regexp(r"^\d{6}(\d{3})?$"),
                           metadata={"description": "county or township code"})


class RegionProperties(Schema):
    code = fields.String()
    name = fields.String()
    level = fields.String()
    parent_code = fields.String(allow_none=True)


class Geometry(Schema):
    type = fields.String(metadata={"description": "Polygon or MultiPolygon, WGS-84"})
    coordinates = fields.List(fields.Raw())


class RegionFeature(Schema):
    type = fields.String(validate=validate.Equal("Feature"))
    id = fields.String()
    geometry = fields.Nested(Geometry)
    properties = fields.Nested(RegionProperties)


class RegionFeatureCollection(Schema):
    type = fields.String(validate=validate.Equal("FeatureCollection"))
    features = fields.List(fields.Nested(RegionFeature))
