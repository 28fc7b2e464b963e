"""Request and response schemas of photo and video uploads."""
from flask import g
from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .. import Id

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


class MediaUpload(MediaForm):
    """The whole multipart body as the OpenAPI document shows it (the fields are loaded
    by `MediaForm`; the route reads `file` itself, as a stream)."""

    file = Upload(required=True, metadata={
        "description": "the photo (JPEG, PNG, WebP, HEIC) or video (MP4, MOV, 3GP); its type "
                       "is read from its bytes, not its name"})


REVIEWERS = ("inspector", "discipline", "admin")


def viewer_is_reviewer() -> bool:
    """The request's caller reviews evidence (not the uploading cadre, not a device)."""
    user = g.get("user")
    return user is not None and user.role in REVIEWERS


class Checks(fields.Dict):
    """The checks made on the upload. Which earlier item a reuse matched, and whose, go to
    reviewers only: the cadre and the phone learn that it matched, not what."""

    def _serialize(self, value, attr, obj, **kwargs):
        value = super()._serialize(value, attr, obj, **kwargs)
        if value and isinstance(value.get("reuse"), dict) and not viewer_is_reviewer():
            value = {**value, "reuse": {"failed": bool(value["reuse"].get("failed"))}}
        return value


class MediaFilter(Schema):
    cadre_id = Id()
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
    checks = Checks(metadata={"description": "location, time and reuse checks; a reuse "
                              "match's media_id, cadre_id and distance for reviewers only"})

    def _phash(self, item):
        return f"{item.phash & ((1 << 64) - 1):016x}"

    def _metadata(self, item):
        return {"taken_at": item.taken_at.isoformat() if item.taken_at else None,
                "lat": item.exif_lat, "lon": item.exif_lon, "make": item.make,
                "model": item.model, "orientation": item.orientation,
                "exif_missing": item.exif_missing}
