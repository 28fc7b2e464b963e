"""Location challenges (电话和微信定位): an inspector asks cadres where they are now →
services/spotchecks/challenges.py (docs/spotchecks.md).

    POST /api/v1/challenges            issue to cadres named, or to a sample drawn from a region
    GET  /api/v1/challenges            read (access-logged per cadre whose answer is shown)
    GET  /api/v1/challenges/<id>       one challenge with its answering fix
    GET  /api/v1/me/challenges         a cadre's open challenges (bearer or device token)

Inspectors and admins issue and read them; the discipline office is answered 403, a cadre
404 (a cadre sees their own open ones under /me). Reading settles what has been answered
or has expired.
"""
from flask import g
from flask_smorest import Blueprint

from ...config import app_settings
from ...models.types import utcnow
from ...services.access.access_log import log_reads
from ...services.spotchecks import challenges
from ..pagination import PageArgs, page_of, page_schema
from ..schemas.spotchecks import challenges as s
from ..security import BEARER_OR_DEVICE, cadre_or_device_required, login_required

blp = Blueprint("challenges", __name__, url_prefix="/api/v1",
                description="Location challenges (电话和微信定位)")


def _log_answers(rows: list[dict], params: dict) -> None:
    """Each cadre whose answering fix (a location) is shown finds the read in the log."""
    log_reads(g.user, "challenges", [(r["cadre_id"], r["id"]) for r in rows if r["answer"]],
              params)


@blp.route("/challenges", methods=["POST"])
@login_required()
@blp.arguments(s.ChallengeIn)
@blp.response(201, s.BatchOut)
def issue_challenges(body):
    """Challenge the cadres named, or `sample` cadres drawn from `region`, to send a fix
    within `deadline_minutes`; only while a check-in or night window is open and at most
    FIELDAPP_CHALLENGES_PER_WEEK per cadre a week (409 naming each refused cadre; nothing
    is sent). Delivered over MQTT and the webhook where they are set up."""
    batch = challenges.issue(app_settings(), g.scope, cadre_ids=body.get("cadre_ids"),
                             region=body.get("region"), sample=body.get("sample"),
                             deadline_minutes=body["deadline_minutes"], note=body.get("note"))
    return challenges.batch_row(batch), 201


@blp.route("/challenges", methods=["GET"])
@login_required()
@blp.arguments(s.ChallengeFilter, location="query")
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(s.ChallengeOut))
def list_challenges(filters, page):
    """Challenges sent to posts in your regions, latest first, settled first where a fix
    or the deadline has decided them."""
    challenges.answer_visible(app_settings(), g.scope)
    rows, meta = page_of(challenges.challenges_query(g.scope, filters), page)
    answer = challenges.challenge_rows(rows)
    _log_answers(answer, {**filters, "page": meta["page"]})
    return {"items": answer, **meta}


@blp.route("/challenges/<int:challenge_id>", methods=["GET"])
@login_required()
@blp.response(200, s.ChallengeOut)
def get_challenge(challenge_id):
    """One challenge: status, deadline, issuer and the fix that answered it."""
    (row,) = challenges.challenge_rows([challenges.read_challenge(app_settings(), g.scope,
                                                                  challenge_id)])
    _log_answers([row], {"challenge_id": challenge_id})
    return row


@blp.route("/me/challenges", methods=["GET"])
@cadre_or_device_required
@blp.doc(security=BEARER_OR_DEVICE)
@blp.response(200, s.MyChallengesOut)
def my_challenges():
    """Your open challenges, soonest deadline first: send a fix (naming the challenge_id
    if you can) before the deadline."""
    now = utcnow()
    return {"now": now, "items": challenges.open_for(app_settings(), g.sender.cadre_id, now)}
