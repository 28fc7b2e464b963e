"""Request and response schemas of cadres, assignments, users and devices."""
from marshmallow import Schema, fields, validate

from ...domain.policies import POLICIES
from ...models.people import CADRE_ROLES, USER_ROLES
from . import CODE, Id, SupportedDate


class CadreIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    role = fields.String(required=True, validate=validate.OneOf(CADRE_ROLES))
    unit = fields.String(allow_none=True, validate=validate.Length(max=160))
    phone = fields.String(allow_none=True, validate=validate.Regexp(r"^[0-9+\- ]{3,32}$"))


class CadrePatch(Schema):
    name = fields.String(validate=validate.Length(min=1, max=80))
    role = fields.String(validate=validate.OneOf(CADRE_ROLES))
    unit = fields.String(allow_none=True, validate=validate.Length(max=160))
    phone = fields.String(allow_none=True, validate=validate.Regexp(r"^[0-9+\- ]{3,32}$"))


class CadreOut(CadreIn):
    id = fields.Integer()
    created_at = fields.DateTime()


class CadreFilter(Schema):
    role = fields.String(validate=validate.OneOf(CADRE_ROLES))
    region = fields.String(validate=CODE)


class AssignmentIn(Schema):
    cadre_id = Id(required=True)
    village_code = fields.String(validate=validate.Regexp(r"^\d{12}$"))
    region_code = fields.String(validate=CODE)
    starts_on = SupportedDate(required=True)
    ends_on = SupportedDate(allow_none=True)
    policy = fields.String(validate=validate.OneOf(list(POLICIES)))


class AssignmentPatch(Schema):
    starts_on = SupportedDate()
    ends_on = SupportedDate(allow_none=True)
    policy = fields.String(validate=validate.OneOf(list(POLICIES)))


class AssignmentOut(Schema):
    id = fields.Integer()
    cadre_id = fields.Integer()
    region_code = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)
    policy = fields.String()


class AssignmentFilter(Schema):
    cadre_id = Id()
    region = fields.String(validate=CODE)


class UserIn(Schema):
    username = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.@-]{2,64}$"))
    password = fields.String(required=True, load_only=True,
                             validate=validate.Length(min=8, max=256))
    role = fields.String(required=True, validate=validate.OneOf(USER_ROLES))
    cadre_id = Id(allow_none=True)
    regions = fields.List(fields.String(validate=CODE))


class UserPatch(Schema):
    password = fields.String(load_only=True, validate=validate.Length(min=8, max=256))
    role = fields.String(validate=validate.OneOf(USER_ROLES))
    cadre_id = Id(allow_none=True)
    regions = fields.List(fields.String(validate=CODE))
    active = fields.Boolean()


class UserOut(Schema):
    id = fields.Integer()
    username = fields.String()
    role = fields.String()
    cadre_id = fields.Integer(allow_none=True)
    regions = fields.List(fields.String(), attribute="region_codes")
    active = fields.Boolean()
    created_at = fields.DateTime()


class DeviceIn(Schema):
    cadre_id = Id(required=True)
    label = fields.String(validate=validate.Length(max=80))


class DevicePatch(Schema):
    label = fields.String(validate=validate.Length(max=80))
    revoked = fields.Boolean()


class DeviceOut(Schema):
    id = fields.Integer()
    cadre_id = fields.Integer()
    label = fields.String(allow_none=True)
    created_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)


class DeviceCreated(DeviceOut):
    token = fields.String(metadata={"description": "shown only once"})

