"""Delivering location challenges once they are stored: each challenged cadre's unrevoked
devices get OwnTracks' `{"_type": "cmd", "action": "reportLocation"}` on their `…/cmd` topic
when MQTT is set up (services/ingest/mqtt_client.py), and the webhook, if any, one JSON
notice per challenge, for an SMS or WeChat gateway:

    {"challenge_id", "batch_id", "cadre_id", "cadre_name", "phone", "village_code",
     "issued_at", "deadline"}

Several are sent at once, each with a short timeout; a failure is logged and recorded on the
challenge (`delivery`), and never undoes or refuses the challenge.
"""
from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from ...config import Settings
from ...errors import ServiceError
from ...extensions import db
from ...models import Cadre, Challenge, Device
from ..ingest.mqtt_client import send_command

log = logging.getLogger(__name__)

REPORT_LOCATION = {"_type": "cmd", "action": "reportLocation"}
SEND_TIMEOUT_S = 3.0  # each MQTT command and webhook POST
SENDERS = 8  # deliveries made at once


def deliver(settings: Settings, challenges: list[Challenge]) -> None:
    """Send each challenge to the cadre's OwnTracks devices over MQTT and to the webhook,
    several at once; record on each what became of it."""
    if not challenges or (settings.mqtt.broker is None and not settings.challenges.webhook):
        return
    cadre_ids = {c.cadre_id for c in challenges}
    devices: dict[int, list[int]] = {}
    for device_id, cadre_id in db.session.execute(select(Device.id, Device.cadre_id).where(
            Device.cadre_id.in_(cadre_ids), Device.revoked_at.is_(None)).order_by(Device.id)):
        devices.setdefault(cadre_id, []).append(device_id)
    cadres = {c.id: c for c in db.session.scalars(select(Cadre).where(Cadre.id.in_(cadre_ids)))}
    notices = [(challenge.id, devices.get(challenge.cadre_id, []),
                _notice(challenge, cadres[challenge.cadre_id])) for challenge in challenges]
    with ThreadPoolExecutor(min(SENDERS, len(notices))) as pool:
        done = dict(pool.map(lambda item: (item[0], _send(settings, *item[1:])), notices))
    for challenge in challenges:
        challenge.delivery = done[challenge.id]
    db.session.commit()


def _notice(challenge: Challenge, cadre: Cadre) -> dict:
    return {"challenge_id": challenge.id, "batch_id": challenge.batch_id,
            "cadre_id": cadre.id, "cadre_name": cadre.name, "phone": cadre.phone,
            "village_code": challenge.village_code,
            "issued_at": challenge.issued_at.isoformat(),
            "deadline": challenge.deadline.isoformat()}


def _send(settings: Settings, device_ids: list[int], notice: dict) -> dict:
    """What became of the MQTT commands (the topics reached, or "failed") and of the
    webhook's POST ("sent" or "failed"); None for a channel not set up."""
    done: dict = {"mqtt": None, "webhook": None}
    if settings.mqtt.broker is not None:
        topics: list[str] | str = []
        for device_id in device_ids:
            try:
                topics += send_command(settings.mqtt, device_id, REPORT_LOCATION,
                                       SEND_TIMEOUT_S)
            except ServiceError as exc:
                log.warning("challenge %s: no reportLocation to device %s: %s",
                            notice["challenge_id"], device_id, exc)
                topics = "failed"
                break
        done["mqtt"] = topics
    if settings.challenges.webhook:
        request = urllib.request.Request(
            settings.challenges.webhook, data=json.dumps(notice, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json; charset=utf-8"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=SEND_TIMEOUT_S):
                done["webhook"] = "sent"
        except (urllib.error.URLError, OSError, ValueError) as exc:
            log.warning("challenge %s: the webhook failed: %s", notice["challenge_id"], exc)
            done["webhook"] = "failed"
    return done
