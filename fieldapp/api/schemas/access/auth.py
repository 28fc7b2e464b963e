"""Request and response schemas of logging in."""
from marshmallow import Schema, fields, validate


class Credentials(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class TokenUser(Schema):
    id = fields.Integer(required=True)
    role = fields.String(required=True)
    cadre_id = fields.Integer(allow_none=True, required=True)


class TokenOut(Schema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_in = fields.Integer(required=True)
    user = fields.Nested(TokenUser, required=True)
