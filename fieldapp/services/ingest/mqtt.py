"""OwnTracks in its MQTT mode: what one message from the broker becomes, and the broker's
password file and ACL.

A phone logs in to the broker with its device id as the user name and publishes to
`owntracks/<device id>/<its name>`. The ACL written here (`pattern readwrite
owntracks/%u/#`) lets a login publish under its own id only, so the topic names the device;
an unknown or revoked one is dropped. A message takes the same path as in HTTP mode
(`phone_apps.store_owntracks`: the same fix, id, conversions, fence and INSERT), so a
retained message delivered again is a duplicate.

Phones' MQTT passwords. fieldapp keeps a device token only as its SHA-256 digest, so it
cannot hand the broker the token itself, and a password file written at registration would
be lost on the next rewrite. The password is derived instead, as HMAC-SHA256 of the token's
digest under a key of the server (`settings.mqtt.password_key`): `flask mqtt password`
shows it when the phone is set up, and `flask mqtt broker-config` can rewrite the whole file
at any time (after a revocation, say) from the devices table. A new registration has a new
digest, so a new password.
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import tempfile
from collections import Counter
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ...config import MqttBroker, MqttSettings, Settings
from ...errors import BadInput, NotFound, Unprocessable
from ...extensions import db
from ...models import Device
from . import senders
from .phone_apps import MAX_DEVICE_ID, store_owntracks

SUBSCRIPTION = "owntracks/+/+"  # a phone's locations; its events and commands lie deeper
# what became of a message: its fix stored or a duplicate; dropped from an unknown or
# revoked device; another _type (or an empty message: a retained one cleared); not one JSON
# object; a fix the ingest refuses (out of range, too old, in the future); a fix the
# collection profile does not keep (docs/collection.md; acknowledged like the rest)
OUTCOMES = ("stored", "duplicate", "unknown_device", "ignored", "malformed", "rejected",
            "discarded")
PHONE_HASH_ROUNDS = 101  # mosquitto_passwd's default; a derived password is a 256-bit key
SERVICE_HASH_ROUNDS = 100_000  # fieldapp's own password is chosen by a person


def topic_device(topic: str) -> int | None:
    """The device id an `owntracks/<device id>/<name>` topic names, else None."""
    parts = topic.split("/")
    if len(parts) != 3 or parts[0] != "owntracks" or not parts[2]:
        return None
    user = parts[1]
    if not (user.isascii() and user.isdigit()) or user != str(int(user)):
        return None
    return int(user) if 1 <= int(user) <= MAX_DEVICE_ID else None


def ingest_message(settings: Settings, conn: Connection, topic: str, payload: bytes) -> str:
    """Store one message published to `topic`; returns its outcome (one of OUTCOMES).
    `conn` is an autocommit connection: a stored fix is committed when this returns."""
    device_id = topic_device(topic)
    device = None if device_id is None else senders.by_device_id(settings, conn, device_id)
    if device is None:
        return "unknown_device"
    if not payload:
        return "ignored"
    message = _parsed(payload, settings.ingest.max_json_bytes)
    if not isinstance(message, dict):
        return "malformed"
    try:
        result = store_owntracks(settings, conn, device, message)
    except BadInput:
        return "rejected"
    if result is None:
        return "ignored"
    status = result.results[0]["status"]
    return {"accepted": "stored", "discarded": "discarded"}.get(status, "duplicate")


def _parsed(payload: bytes, limit: int) -> object:
    """The JSON of `payload`, or None when it is not JSON or longer than `limit` bytes."""
    if len(payload) > limit:
        return None
    try:
        return json.loads(payload)
    except (ValueError, RecursionError):
        return None


def tally_line(tally: Counter) -> str:
    """The subscriber's counts: OUTCOMES, `failed` (handling raised; dropped) and
    `unsettled` (left unacknowledged when the database failed; delivered again)."""
    return ", ".join(f"{name} {tally[name]}" for name in (*OUTCOMES, "failed", "unsettled"))


def password_key(mqtt: MqttSettings) -> bytes:
    """The key phones' MQTT passwords are derived from, generated into place first if there
    is none (linked from a temporary file, so two commands at once never write two keys)."""
    path = mqtt.password_key
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".mqtt_password_key.")
        try:
            os.write(fd, secrets.token_hex(32).encode())
            os.close(fd)
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    key = path.read_bytes().strip()
    if len(key) < 32:
        raise Unprocessable(f"{path} holds fewer than 32 bytes: not a key to derive "
                            "passwords from")
    return key


def phone_password(key: bytes, token_hash: str) -> str:
    """A device's MQTT password: HMAC-SHA256 of its token's digest, base64url."""
    mac = hmac.new(key, f"owntracks-mqtt:{token_hash}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def phone_login(mqtt: MqttSettings, device_id: int) -> tuple[str, str]:
    """(user name, password) of an unrevoked device on the broker; 404 otherwise."""
    token_hash = db.session.scalar(select(Device.token_hash).where(
        Device.id == device_id, Device.revoked_at.is_(None)))
    if token_hash is None:
        raise NotFound(f"no unrevoked device {device_id}")
    return str(device_id), phone_password(password_key(mqtt), token_hash)


def password_entry(username: str, password: str, rounds: int) -> str:
    """One line of a mosquitto password file: PBKDF2-SHA512 as mosquitto_passwd writes it
    (`$7$rounds$salt$hash`, a 12-byte salt, base64)."""
    salt = secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, rounds)
    return (f"{username}:$7${rounds}${base64.b64encode(salt).decode()}"
            f"${base64.b64encode(digest).decode()}")


def broker_files(mqtt: MqttSettings) -> tuple[str, str]:
    """(password file, ACL file) for mosquitto: every unrevoked device, and fieldapp's own
    login from FIELDAPP_MQTT_URL, which reads every phone's topics and writes their command
    topics."""
    service = _service_login(mqtt.broker)
    key = password_key(mqtt)
    devices = db.session.execute(select(Device.id, Device.token_hash).where(
        Device.revoked_at.is_(None)).order_by(Device.id)).all()
    lines = [password_entry(service.username, service.password, SERVICE_HASH_ROUNDS)]
    lines += [password_entry(str(device.id), phone_password(key, device.token_hash),
                             PHONE_HASH_ROUNDS) for device in devices]
    acl = (f"# written by `flask mqtt broker-config`\n"
           f"user {service.username}\n"
           "topic read owntracks/#\n"
           "topic write owntracks/+/+/cmd\n"
           "\n"
           "# a phone (user name = its device id) reads and writes its own topics only\n"
           "pattern readwrite owntracks/%u/#\n")
    return "\n".join(lines) + "\n", acl


def _service_login(broker: MqttBroker | None) -> MqttBroker:
    if broker is None or not broker.username or not broker.password:
        raise Unprocessable("FIELDAPP_MQTT_URL must name fieldapp's own login on the broker: "
                            "mqtt://USER:PASSWORD@HOST:PORT")
    if any(ch in broker.username for ch in "/+#:% \t\r\n"):
        raise Unprocessable("the user of FIELDAPP_MQTT_URL must be a plain name (no / + # : "
                            "% or spaces): the ACL and the password file name it")
    return broker


def replace_files(texts: dict[Path, str]) -> None:
    """Write each file's text beside it first, then swap each in whole (a broker reloading
    never reads half a file); if any cannot be written, none is replaced. A new file is
    mode 0640; a replaced one keeps its mode and, where allowed, its group."""
    written: list[tuple[str, Path]] = []
    try:
        for path, text in texts.items():
            mode, group = 0o640, -1
            if path.exists():
                status = path.stat()
                mode, group = status.st_mode & 0o777, status.st_gid
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
            written.append((temporary, path))
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            os.chmod(temporary, mode)
            with contextlib.suppress(PermissionError):
                os.chown(temporary, -1, group)
    except BaseException:
        for temporary, _ in written:
            os.unlink(temporary)
        raise
    for temporary, path in written:
        os.replace(temporary, path)
