"""Request and response schemas of location challenges."""
from marshmallow import Schema, fields, validate

from ....models.challenges import CHALLENGE_STATUSES
from ....services.spotchecks.challenges import CADRES_MAX, DEADLINE_MINUTES
from .. import CODE, NOTE, Id, PlaceNamesOut

BATCH_SIZE = validate.Range(min=1, max=CADRES_MAX)


class ChallengeIn(Schema):
    cadre_ids = fields.List(Id(), validate=validate.Length(min=1, max=CADRES_MAX), metadata={
        "description": "the cadres to challenge; or give region and sample"})
    region = fields.String(validate=CODE, metadata={
        "description": "a county, township or village to draw the sample from"})
    sample = fields.Integer(validate=BATCH_SIZE, metadata={
        "description": "how many cadres to draw (RFC 3797) from those posted in the region "
                       "now with a challenge left this week"})
    deadline_minutes = fields.Integer(load_default=30, validate=validate.Range(
        min=DEADLINE_MINUTES[0], max=DEADLINE_MINUTES[1]))
    note = fields.String(validate=NOTE, allow_none=True, metadata={
        "description": "for the supervisors; never sent to the cadre"})


class ChallengeFilter(Schema):
    cadre_id = Id()
    status = fields.String(validate=validate.OneOf(CHALLENGE_STATUSES))
    batch_id = Id()


class FixOut(Schema):
    ping_id = fields.Integer()
    recorded_at = fields.DateTime()
    received_at = fields.DateTime()
    lat = fields.Float()
    lon = fields.Float()
    accuracy = fields.Float(allow_none=True)
    fence = fields.String(metadata={"description": "inside, outside, uncertain or unassigned"})
    distance_m = fields.Float(allow_none=True)
    village_code = fields.String(allow_none=True)
    provider = fields.String(allow_none=True)
    named_challenge = fields.Boolean(metadata={"description": "the fix named this challenge"})


class ChallengeOut(PlaceNamesOut):
    id = fields.Integer()
    batch_id = fields.Integer()
    cadre_id = fields.Integer()
    cadre_name = fields.String(allow_none=True)
    village_code = fields.String(metadata={"description": "the cadre's post when asked"})
    issued_at = fields.DateTime()
    deadline = fields.DateTime()
    deadline_minutes = fields.Integer()
    seconds_left = fields.Integer(allow_none=True, metadata={"description": "while open"})
    status = fields.String(metadata={"description": ", ".join(CHALLENGE_STATUSES)})
    issued_by = fields.Integer()
    issuer_name = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    region_code = fields.String(allow_none=True, metadata={
        "description": "the region a drawn sample came from"})
    rank = fields.Integer(allow_none=True, metadata={"description": "1 = drawn first"})
    settled_at = fields.DateTime(allow_none=True)
    finding_id = fields.Integer(allow_none=True)
    delivery = fields.Dict(allow_none=True, metadata={
        "description": "mqtt: the command topics reached or \"failed\"; webhook: \"sent\" or "
                       "\"failed\"; null where not set up"})
    answer = fields.Nested(FixOut, allow_none=True)


class BatchOut(Schema):
    id = fields.Integer()
    issued_by = fields.Integer()
    issued_at = fields.DateTime()
    deadline = fields.DateTime()
    deadline_minutes = fields.Integer()
    note = fields.String(allow_none=True)
    region_code = fields.String(allow_none=True)
    sample_size = fields.Integer(allow_none=True)
    pool = fields.List(fields.Integer(), allow_none=True, metadata={
        "description": "cadre ids ascending: the drawn sample's pool"})
    draw_source = fields.List(fields.Integer(), allow_none=True, metadata={
        "description": "the source RFC 3797's draw was keyed by (drawn at random)"})
    challenges = fields.List(fields.Nested(ChallengeOut))


class MyChallengeOut(Schema):
    id = fields.Integer()
    challenge_id = fields.String(metadata={"description": "to send as a ping's challenge_id"})
    issued_at = fields.DateTime()
    deadline = fields.DateTime()
    seconds_left = fields.Integer()


class MyChallengesOut(Schema):
    now = fields.DateTime(metadata={"description": "the server's time, for a countdown"})
    items = fields.List(fields.Nested(MyChallengeOut))
