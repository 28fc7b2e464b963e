"""Enrolling a cadre's phone, and what the QR codes handed to it hold.

An enrolment, made by an admin or by an inspector in whose regions the cadre is posted
today, registers a device for the cadre (its token is for OwnTracks or Traccar Client) and
a one-time code for the phone page: random (192 bits), stored only as its SHA-256 digest,
valid for `settings.enrolment.ttl`. Redeeming the code registers the browser that redeems
it as a device of its own; the code is then spent, however many redeem it at once (one
conditional UPDATE decides). Logging in once on the phone page does the same for a cadre's
own login, and that device dies with the login (services/ingest/senders.py).

The QR codes' formats, from each app's own documentation and source:
- OwnTracks: `owntracks:///config?inline=<base64 of a _type=configuration JSON>`
  (booklet, "Remote configuration"), mode 3 = HTTP with Basic auth (user name = device id,
  password = device token), or mode 0 = MQTT with the device's derived MQTT password when
  a broker is configured (docs/mqtt.md);
- Traccar Client (10.x): a scanned or opened `org.traccar.client://?url=…&id=…` link sets the
  server URL and device identifier (lib/configuration_service.dart `applyUri`); the OsmAnd
  endpoint takes the device token as its `id`.
"""
from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlencode, urlsplit

from sqlalchemy import exists, select, update

from ...config import MqttSettings
from ...domain.dates import local_date
from ...errors import Forbidden, NotFound, ServiceError
from ...extensions import db
from ...models import Cadre, Device, PhoneEnrolment
from ...models.types import utcnow
from ..ingest import mqtt
from ..people.registry import add_device, token_digest
from .logins import LoginUser
from .scope import Scope

CODE_BYTES = 24  # 192 random bits
ENROLLERS = ("admin", "inspector")
OWNTRACKS_PATH = "/api/v1/ingest/owntracks"
OSMAND_PATH = "/api/v1/ingest/osmand"
PHONE_PATH = "/m/enrol"
MQTT_PHONE_PORT = 8883  # the broker's TLS listener for phones (docs/mqtt.md)


class Gone(ServiceError):
    """An enrolment code that existed but can no longer be redeemed."""

    status = 410


@dataclass(frozen=True)
class NewEnrolment:
    enrolment: PhoneEnrolment
    device: Device
    device_token: str
    code: str
    cadre: Cadre


@dataclass(frozen=True)
class PhoneDevice:
    """A device registered for the browser that asked: its token is shown to it only."""

    device: Device
    token: str
    cadre: Cadre


def require_enroller(scope: Scope, cadre_id: int) -> None:
    """Admins enrol any cadre's phone; an inspector only that of a cadre posted in their
    regions today. 403 otherwise (404 for an admin naming no cadre)."""
    if scope.user.role not in ENROLLERS:
        raise Forbidden("enrolling a phone needs the role admin or inspector")
    scope.require_cadre(cadre_id)
    if not scope.everything:
        today = local_date(utcnow(), scope.zone)
        if not scope.posted_throughout(cadre_id, today, today):
            raise Forbidden(f"cadre {cadre_id} is not posted in your regions today")


def may_enrol(scope: Scope, cadre_id: int) -> bool:
    """`require_enroller` as a yes or no (for a page's button)."""
    try:
        require_enroller(scope, cadre_id)
    except (Forbidden, NotFound):
        return False
    return True


def create_enrolment(ttl, scope: Scope, cadre_id: int, label: str | None = None
                     ) -> NewEnrolment:
    """A device for the cadre and a one-time code valid for `ttl`, made by the scope's
    user (recorded). The token and the code are in the answer only."""
    require_enroller(scope, cadre_id)
    device, token = add_device(cadre_id, label)
    code, now = secrets.token_urlsafe(CODE_BYTES), utcnow()
    enrolment = PhoneEnrolment(cadre_id=cadre_id, device_id=device.id,
                               code_hash=token_digest(code), created_by=scope.user.id,
                               created_at=now, expires_at=now + ttl)
    db.session.add(enrolment)
    db.session.commit()
    return NewEnrolment(enrolment, device, token, code, db.session.get(Cadre, cadre_id))


def redeem(code: str, label: str | None = None) -> PhoneDevice:
    """Register the redeeming browser as a device of the code's cadre. 404 for a code
    never issued; 410 for one expired, already used, or whose device was revoked."""
    enrolment = db.session.scalar(select(PhoneEnrolment).where(
        PhoneEnrolment.code_hash == token_digest(code)))
    if enrolment is None:
        raise NotFound("unknown enrolment code")
    now = utcnow()
    _check_redeemable(enrolment, now)
    device, token = add_device(enrolment.cadre_id, label)
    claimed = db.session.execute(
        update(PhoneEnrolment).where(PhoneEnrolment.id == enrolment.id,
                                     PhoneEnrolment.redeemed_at.is_(None),
                                     PhoneEnrolment.expires_at > now)
        .values(redeemed_at=now, redeemed_device_id=device.id),
        execution_options={"synchronize_session": False}).rowcount
    if claimed != 1:  # redeemed by another request since it was read
        db.session.rollback()
        raise Gone("this enrolment code has been used already", {"code": ["used"]})
    db.session.commit()
    return PhoneDevice(device, token, db.session.get(Cadre, device.cadre_id))


def _check_redeemable(enrolment: PhoneEnrolment, now: datetime) -> None:
    if enrolment.redeemed_at is not None:
        raise Gone("this enrolment code has been used already", {"code": ["used"]})
    if enrolment.expires_at <= now:
        raise Gone(f"this enrolment code expired at {enrolment.expires_at.isoformat()}",
                   {"code": ["expired"]})
    if db.session.get(Device, enrolment.device_id).revoked_at is not None:
        raise Gone("the device of this enrolment has been revoked", {"code": ["revoked"]})


def acts_for_cadre(device_id: int) -> bool:
    """Whether a device may read and act as its cadre (the phone page): one that redeemed
    an enrolment link, or that a cadre's login registered. A device made for OwnTracks or
    Traccar Client (an enrolment's own, or `POST /devices`) only sends fixes and media:
    whoever made it has its token, and must not read the cadre's data or speak for them."""
    return bool(db.session.scalar(select(
        exists().where(Device.id == device_id, Device.user_id.is_not(None))
        | exists().where(PhoneEnrolment.redeemed_device_id == device_id))))


def register_login_device(user: LoginUser, label: str | None = None) -> PhoneDevice:
    """A device for a cadre who logged in on the phone page, bound to that login as it is
    now: it dies when the password, role, cadre or active flag changes. 403 for a login
    that is not a cadre's."""
    if user.role != "cadre" or user.cadre_id is None:
        raise Forbidden("only a cadre's login registers a phone")
    device, token = add_device(user.cadre_id, label, user_id=user.id,
                               user_token_version=user.token_version)
    db.session.commit()
    return PhoneDevice(device, token, db.session.get(Cadre, user.cadre_id))


# ---- what the QR codes hold --------------------------------------------------------------

def base_url(public_url: str, host_url: str) -> str:
    """The address put in links and QR codes: FIELDAPP_PUBLIC_URL, else the request's."""
    return public_url or host_url.rstrip("/")


def phone_url(base: str, code: str) -> str:
    """The phone page's enrolment link; the code is in the fragment, which browsers never
    send, so it reaches no server log."""
    return f"{base}{PHONE_PATH}#{code}"


def owntracks_config(mqtt_settings: MqttSettings, base: str, device_id: int,
                     token: str) -> dict:
    """OwnTracks' configuration: MQTT mode through the broker when one is configured
    (the phone's password derived from its token, docs/mqtt.md), else HTTP mode."""
    common = {"_type": "configuration", "auth": True, "username": str(device_id),
              "deviceId": "phone", "tid": f"{device_id % 100:02d}"}
    if mqtt_settings.broker is None:
        return {**common, "mode": 3, "url": f"{base}{OWNTRACKS_PATH}", "password": token}
    password = mqtt.phone_password(mqtt.password_key(mqtt_settings), token_digest(token))
    return {**common, "mode": 0, "host": urlsplit(base).hostname, "port": MQTT_PHONE_PORT,
            "tls": True, "password": password, "cmd": True}


def owntracks_url(config: dict) -> str:
    """OwnTracks' remote configuration link: the JSON, base64 (percent-encoded, so no
    query parser reads its + as a space)."""
    inline = base64.b64encode(json.dumps(config, separators=(",", ":")).encode()).decode()
    return f"owntracks:///config?inline={quote(inline, safe='')}"


def traccar_server_url(base: str) -> str:
    return f"{base}{OSMAND_PATH}"


def traccar_url(base: str, token: str) -> str:
    """Traccar Client's configuration link: server URL, device identifier (= the device
    token) and high accuracy."""
    return "org.traccar.client://?" + urlencode(
        {"url": traccar_server_url(base), "id": token, "accuracy": "high"})


def links(mqtt_settings: MqttSettings, base: str, new: NewEnrolment) -> dict:
    """Everything the enrolment hands out, for the API's answer and the console page."""
    config = owntracks_config(mqtt_settings, base, new.device.id, new.device_token)
    return {"phone_url": phone_url(base, new.code), "owntracks_config": config,
            "owntracks_url": owntracks_url(config),
            "traccar_url": traccar_url(base, new.device_token),
            "traccar_server_url": traccar_server_url(base), "server_url": base}
