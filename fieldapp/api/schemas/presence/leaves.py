"""Request and response schemas of leave (请销假)."""
from marshmallow import Schema, fields, validate

from ....domain.notes import NOTE_MAX_CHARS
from ....models.presence import LEAVE_KINDS, LEAVE_STATUSES
from .. import NOTE, DateRange, Id, NamesOut, SupportedDate


class LeaveIn(Schema):
    starts_on = SupportedDate(required=True)
    ends_on = SupportedDate(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(LEAVE_KINDS))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=NOTE_MAX_CHARS))


class LeaveDecision(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["approve", "reject"]))
    note = fields.String(validate=NOTE)


class LeaveFilter(DateRange):
    cadre_id = Id()
    status = fields.String(validate=validate.OneOf(LEAVE_STATUSES))


class LeaveOut(NamesOut):
    id = fields.Integer()
    cadre_id = fields.Integer()
    region_code = fields.String(allow_none=True, metadata={
        "description": "the cadre's post on the leave's first day (none if not posted then)"})
    starts_on = fields.Date()
    ends_on = fields.Date()
    kind = fields.String()
    reason = fields.String()
    status = fields.String()
    retroactive = fields.Boolean()
    requested_at = fields.DateTime()
    decided_by = fields.Integer(allow_none=True)
    decided_by_name = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_note = fields.String(allow_none=True)
    returned_at = fields.DateTime(allow_none=True, metadata={
        "description": "first inside ping after the leave (销假), set by evaluation"})
