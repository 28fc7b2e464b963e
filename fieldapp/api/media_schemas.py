"""Request and response schemas for media uploads and work reports."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..models.media import REPORT_KINDS

CRS = validate.OneOf(["wgs84", "gcj02", "bd09"])
CLIENT_ID = validate.Length(min=1, max=64)


class Located(Schema):
    lat = fields.Float(validate=validate.Range(-90, 90))
    lon = fields.Float(validate=validate.Range(-180, 180))
    crs = fields.String(load_default="wgs84", validate=CRS)
    accuracy = fields.Float(validate=validate.Range(0, 1e6))

    @validates_schema
    def _both(self, data, **_):
        if ("lat" in data) != ("lon" in data):
            raise ValidationError("lat and lon go together", "lat" if "lon" in data else "lon")


class MediaForm(Located):
    """The multipart fields sent with `file`."""

    id = fields.String(required=True, validate=CLIENT_ID)
    recorded_at = fields.AwareDateTime(required=True)
    report_id = fields.String(validate=CLIENT_ID)
    challenge_id = fields.String(validate=CLIENT_ID)


class MediaFilter(Schema):
    cadre_id = fields.Integer()
    from_ = fields.AwareDateTime(data_key="from", attribute="from")
    to = fields.AwareDateTime()


class MediaOut(Schema):
    id = fields.Integer()
    client_id = fields.String()
    cadre_id = fields.Integer()
    kind = fields.String()
    format = fields.String()
    sha256 = fields.String()
    size_bytes = fields.Integer()
    recorded_at = fields.DateTime()
    received_at = fields.DateTime()
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    accuracy = fields.Float(allow_none=True)
    report_id = fields.String(allow_none=True)
    challenge_id = fields.String(allow_none=True)
    village_code = fields.String(allow_none=True)
    width = fields.Integer()
    height = fields.Integer()
    duration_s = fields.Float(allow_none=True)
    codec = fields.String(allow_none=True)
    phash = fields.Method("_phash")
    metadata = fields.Method("_metadata")
    checks = fields.Dict()

    def _phash(self, item):
        return f"{item.phash & ((1 << 64) - 1):016x}"

    def _metadata(self, item):
        return {"taken_at": item.taken_at.isoformat() if item.taken_at else None,
                "lat": item.exif_lat, "lon": item.exif_lon, "make": item.make,
                "model": item.model, "orientation": item.orientation,
                "exif_missing": item.exif_missing}


class ReportIn(Located):
    id = fields.String(required=True, validate=CLIENT_ID)
    kind = fields.String(required=True, validate=validate.OneOf(REPORT_KINDS))
    occurred_at = fields.AwareDateTime(required=True)
    summary = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    lon = fields.Float(required=True, validate=validate.Range(-180, 180))
    media_ids = fields.List(fields.String(validate=CLIENT_ID), load_default=list,
                            validate=validate.Length(max=50))
    household_ref = fields.String(validate=validate.Length(max=64))


class ReportFilter(Schema):
    cadre_id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(REPORT_KINDS))
    from_ = fields.AwareDateTime(data_key="from", attribute="from")
    to = fields.AwareDateTime()


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
    cadre_id = fields.Integer()
    month = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$"))
    format = fields.String(validate=validate.OneOf(["json", "csv"]))
