"""Request and response schemas of phone enrolment."""
from marshmallow import Schema, fields, validate

from .. import Id

LABEL = validate.Length(min=1, max=80)


class EnrolmentIn(Schema):
    cadre_id = Id(required=True, strict=True)
    label = fields.String(allow_none=True, validate=LABEL)


class EnrolmentOut(Schema):
    id = fields.Integer(required=True)
    cadre_id = fields.Integer(required=True)
    cadre_name = fields.String(required=True)
    device_id = fields.Integer(required=True)
    device_token = fields.String(required=True,
                                 metadata={"description": "for OwnTracks or Traccar Client; "
                                           "in this answer only"})
    code = fields.String(required=True, metadata={"description": "the one-time code"})
    expires_at = fields.DateTime(required=True)
    phone_url = fields.String(required=True,
                              metadata={"description": "the phone page's one-time link "
                                        "(the code in its fragment)"})
    owntracks_config = fields.Dict(required=True,
                                   metadata={"description": "OwnTracks' configuration JSON"})
    owntracks_url = fields.String(required=True,
                                  metadata={"description": "owntracks:///config?inline=…"})
    traccar_url = fields.String(required=True,
                                metadata={"description": "org.traccar.client://?url=…&id=…"})
    traccar_server_url = fields.String(required=True)
    server_url = fields.String(required=True)


class RedeemIn(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=128))
    label = fields.String(allow_none=True, validate=LABEL)


class PhoneLoginIn(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))
    label = fields.String(allow_none=True, validate=LABEL)


class PhoneDeviceOut(Schema):
    device_id = fields.Integer(required=True)
    token = fields.String(required=True, metadata={"description": "`Authorization: Device "
                                                   "<token>`; in this answer only"})
    cadre_id = fields.Integer(required=True)
    cadre_name = fields.String(required=True)
