"""Response schema of the purge log."""
from marshmallow import Schema, fields

from .access.access_log import ViewerOut


class PurgeOut(Schema):
    id = fields.Integer()
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True, metadata={
        "description": "null: still running, or cut off (its counts are what it removed)"})
    run_by = fields.Nested(ViewerOut, attribute="runner", allow_none=True, metadata={
        "description": "null: the server's operator, with flask retention purge"})
    ping_cutoff = fields.DateTime(metadata={"description": "fixes recorded before this "
                                            "were purged unless held"})
    media_cutoff = fields.DateTime(metadata={"description": "media recorded before this "
                                             "were purged unless held"})
    evidence_hold_days = fields.Integer()
    findings_holding = fields.Integer(metadata={"description": "findings under hold then"})
    pings = fields.Integer()
    photos = fields.Integer()
    videos = fields.Integer()
    files = fields.Integer(metadata={"description": "stored files removed (no media row "
                                     "named them any more), each with its thumbnail"})
    challenge_answers_unlinked = fields.Integer(metadata={
        "description": "location challenges whose answering fix was purged (the outcome "
                       "stays)"})
