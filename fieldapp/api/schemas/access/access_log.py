"""Request and response schemas of the access log."""
from marshmallow import Schema, ValidationError, fields, validates_schema

from .. import Id


class AccessLogFilter(Schema):
    cadre_id = Id(metadata={"description": "whose data was read"})
    viewer = Id(metadata={"description": "the reader's user id"})
    from_ = fields.AwareDateTime(data_key="from", attribute="from")
    to = fields.AwareDateTime()

    @validates_schema
    def _ordered(self, data, **_):
        if "from" in data and "to" in data and data["to"] < data["from"]:
            raise ValidationError("is before from", "to")


class ViewerOut(Schema):
    id = fields.Integer()
    username = fields.String()
    role = fields.String()


class AccessLogOut(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    viewer = fields.Nested(ViewerOut, allow_none=True, metadata={
        "description": "null: the server's operator, with a flask command"})
    cadre_id = fields.Integer(attribute="subject_cadre_id",
                              metadata={"description": "whose data was read"})
    resource = fields.String(metadata={"description": "what was read: pings, presence, "
                                       "media, media_file, media_thumbnail, reports, "
                                       "reports_monthly, leaves, leave, flag, audit_presence, "
                                       "package"})
    params = fields.Dict(metadata={"description": "the read's filters and the ids of the "
                                   "rows returned"})
