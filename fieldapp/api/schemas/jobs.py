"""Schemas of the background jobs' list."""
from marshmallow import Schema, fields, validate

from ...jobs.handlers import HANDLERS
from ...models.jobs import JOB_STATES


class JobFilter(Schema):
    state = fields.String(validate=validate.OneOf(JOB_STATES))
    task = fields.String(validate=validate.OneOf(sorted(HANDLERS)))


class JobOut(Schema):
    id = fields.Integer()
    task = fields.String(metadata={"description": "evaluate, settle_challenges, …"})
    args = fields.Dict()
    key = fields.String(allow_none=True, metadata={
        "description": "a scheduled job's occurrence, e.g. evaluate:410922:2026-12-01"})
    state = fields.String(metadata={"description": "queued, running, done or failed"})
    attempts = fields.Integer(metadata={"description": "claims by a worker (more than one: "
                                        "a worker stopped during it)"})
    requested_by = fields.Integer(allow_none=True, metadata={"description": "null: the schedule"})
    enqueued_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    result = fields.Dict(allow_none=True)
    error = fields.String(allow_none=True)
