"""Request schemas of the ingest endpoints."""
from marshmallow import Schema, fields, validate

from ..pagination import PageArgs
from . import Id, SupportedDateTime


class PingIn(Schema):
    """One fix (documentation; items are validated one by one so a bad one rejects only itself)."""

    id = fields.String(required=True, metadata={"description": "client UUID, idempotency key"})
    recorded_at = fields.DateTime(required=True)
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)
    crs = fields.String(validate=validate.OneOf(["wgs84", "gcj02", "bd09"]))
    accuracy = fields.Float()
    altitude = fields.Float()
    speed = fields.Float()
    heading = fields.Float()
    provider = fields.String()
    battery = fields.Float()
    mock = fields.Boolean()
    challenge_id = fields.String()


class PingBatch(Schema):
    pings = fields.List(fields.Nested(PingIn))


class PingFilter(PageArgs):
    cadre_id = Id()
    from_ = SupportedDateTime(data_key="from", attribute="from")
    to = SupportedDateTime()
    fence = fields.String(validate=validate.OneOf(["inside", "outside", "uncertain",
                                                   "unassigned"]))
