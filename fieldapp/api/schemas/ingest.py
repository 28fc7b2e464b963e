"""Request and response schemas of the ingest endpoints."""
from marshmallow import INCLUDE, Schema, fields, validate

from ..pagination import PageArgs
from . import Id, SupportedDateTime


class PingIn(Schema):
    """One fix (documentation; items are validated one by one so a bad one rejects only itself).
    Fields it does not name are accepted and ignored."""

    class Meta:
        unknown = INCLUDE

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
    pings = fields.List(fields.Nested(PingIn), required=True)


class PingFilter(PageArgs):
    cadre_id = Id()
    from_ = SupportedDateTime(data_key="from", attribute="from")
    to = SupportedDateTime()
    fence = fields.String(validate=validate.OneOf(["inside", "outside", "uncertain",
                                                   "unassigned"]))


class PingResult(Schema):
    id = fields.String(allow_none=True, metadata={"description": "the ping's client id"})
    status = fields.String(validate=validate.OneOf(["accepted", "duplicate", "rejected",
                                                    "discarded"]),
                           metadata={"description": "discarded: not kept under the "
                                     "`minimal` collection profile (docs/collection.md)"})
    reason = fields.String()
    fence = fields.String(allow_none=True)
    village_code = fields.String(allow_none=True)
    distance_m = fields.Float(allow_none=True)


class IngestOut(Schema):
    """The answer to POST /pings: one result per item, in order."""

    results = fields.List(fields.Nested(PingResult))
    accepted = fields.Integer()
    duplicates = fields.Integer()
    rejected = fields.Integer()
    discarded = fields.Integer(metadata={"description": "not stored: the collection profile "
                                         "keeps only what the presence rule reads"})


class Original(Schema):
    lat = fields.Float()
    lon = fields.Float()
    crs = fields.String()


class PingOut(Schema):
    id = fields.String()
    lat = fields.Float()
    lon = fields.Float()
    original = fields.Nested(Original)
    accuracy = fields.Float(allow_none=True)
    recorded_at = fields.DateTime()
    clock = fields.String(validate=validate.OneOf(["device", "receipt"]), metadata={
        "description": "where recorded_at came from: the fix's own time, or (receipt) the "
                       "time it was received, for an OsmAnd request without timestamp"})
    received_at = fields.DateTime()
    fence = fields.String()
    distance_m = fields.Float(allow_none=True)
    village_code = fields.String(allow_none=True)
    speed = fields.Float(allow_none=True)
    battery = fields.Float(allow_none=True)
    mock = fields.Boolean(allow_none=True)
    device_id = fields.Integer(allow_none=True)


class PingProperties(PingOut):
    class Meta:
        exclude = ("id",)


class PointGeometry(Schema):
    type = fields.String(validate=validate.Equal("Point"))
    coordinates = fields.List(fields.Float(), metadata={"description": "[lon, lat], WGS-84"})


class PingFeature(Schema):
    type = fields.String(validate=validate.Equal("Feature"))
    id = fields.String()
    geometry = fields.Nested(PointGeometry)
    properties = fields.Nested(PingProperties)


class PingFeatureCollection(Schema):
    type = fields.String(validate=validate.Equal("FeatureCollection"))
    features = fields.List(fields.Nested(PingFeature))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class CurrentWindow(Schema):
    kind = fields.String(validate=validate.OneOf(["day", "night"]))
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()


class CollectionOut(Schema):
    """The collection profile and where now stands among the check-in windows."""

    profile = fields.String(validate=validate.OneOf(["minimal", "track"]))
    now = fields.DateTime()
    window = fields.Nested(CurrentWindow, allow_none=True,
                           metadata={"description": "the window now lies in, else null"})
    next_opens_at = fields.DateTime(allow_none=True,
                                    metadata={"description": "when the next window opens"})
