"""Request and response schemas of findings (on the wire: flags), their events and appeals."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ...domain.findings import DISPOSITIONS, KINDS, TRANSITIONS
from ...domain.notes import NOTE_MAX_CHARS
from ...i18n import finding_summary
from ...models.findings import FINDING_STATUSES
from . import CODE, Id, NamesOut, SupportedDateTime


class FlagFilter(Schema):
    status = fields.String(validate=validate.OneOf(FINDING_STATUSES))
    kind = fields.String(validate=validate.OneOf(KINDS))
    region = fields.String(validate=CODE)
    cadre_id = Id()
    from_ = SupportedDateTime(data_key="from", attribute="from")
    to = SupportedDateTime()


class FlagOut(NamesOut):
    id = fields.Integer()
    cadre_id = fields.Integer()
    region_code = fields.String()
    kind = fields.String()
    severity = fields.Integer()
    status = fields.String()
    period_start = fields.Date(allow_none=True)
    period_end = fields.Date(allow_none=True)
    summary = fields.Method("_summary", metadata={
        "type": "string", "description": "rendered from the evidence in the request's "
        "language (Accept-Language; zh-CN by default)"})
    assignee_id = fields.Integer(allow_none=True)
    assignee_name = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    confirmed_at = fields.DateTime(allow_none=True)
    disposition = fields.String(allow_none=True, metadata={
        "description": "how the discipline office closed it (status disposed: one of "
        + ", ".join(DISPOSITIONS) + "), else null"})

    def _summary(self, flag) -> str:
        return finding_summary(self.get_attribute(flag, "kind", None),
                               self.get_attribute(flag, "evidence", None) or {})


class FlagEventOut(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor_id = fields.Integer(allow_none=True)
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    note = fields.String()
    disposition = fields.String(allow_none=True)
    hash = fields.String()


class AppealOut(Schema):
    id = fields.Integer()
    text = fields.String()
    media_ids = fields.List(fields.String())
    submitted_by = fields.Integer()
    submitted_at = fields.DateTime()
    outcome = fields.String(allow_none=True)
    decided_by = fields.Integer(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_note = fields.String(allow_none=True)


class FlagDetail(FlagOut):
    evidence = fields.Dict()
    map = fields.Dict(metadata={"description": "GeoJSON: the post's boundary and the pings"})
    events = fields.List(fields.Nested(FlagEventOut))
    appeals = fields.List(fields.Nested(AppealOut))


class TransitionIn(Schema):
    action = fields.String(required=True, validate=validate.OneOf(list(TRANSITIONS)))
    note = fields.String(required=True, validate=validate.Length(min=1, max=NOTE_MAX_CHARS))
    assignee_id = Id()
    disposition = fields.String(validate=validate.OneOf(DISPOSITIONS), metadata={
        "description": "with dispose, and only with it: how the finding is closed"})

    @validates_schema
    def _disposition_with_dispose(self, data, **kwargs):
        if data["action"] == "dispose" and "disposition" not in data:
            raise ValidationError("dispose needs a disposition", "disposition")
        if data["action"] != "dispose" and "disposition" in data:
            raise ValidationError("a disposition is given only with dispose", "disposition")


class AppealIn(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    media_ids = fields.List(fields.String(validate=validate.Length(max=64)),
                            load_default=list, validate=validate.Length(max=20))
