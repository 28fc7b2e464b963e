"""The broker end of OwnTracks' MQTT mode: the subscriber `flask mqtt run` runs, and the
command channel to a phone (`send_command`). Here, beside the use case, rather than in the
cli: it holds no Flask, only paho, and a later service (location challenges) sends its
commands through it.

The subscriber logs in under a fixed client id with a persistent session (clean_session
off) and subscribes to owntracks/+/+ at QoS 1, so what phones publish while it is away —
stopped, or the broker restarted with its persistence on — waits for it on the broker.
paho acknowledges a QoS 1 message as soon as on_message returns; here acknowledging is
manual (`manual_ack`) and comes only once the message is settled: its fix committed (the
ping INSERT runs on an autocommit connection) or the message counted as dropped. When the
database fails, nothing more is acknowledged: the subscriber disconnects, waits and logs in
again, and the broker delivers the unacknowledged messages again (stored ones are then
duplicates).

One thread owns the paho client: `run` drives its loop and logs in again with a growing
delay; `stop` only sets an event (safe from a signal handler or another thread), so a
message being stored is finished and acknowledged before the DISCONNECT.
"""
from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections import Counter

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from ...config import MqttBroker, MqttSettings, Settings
from ...db.connections import autocommit_connection
from ...errors import ServiceError, Unprocessable
from . import mqtt

log = logging.getLogger(__name__)

KEEPALIVE_S = 60
LOOP_S = 0.5  # how long one turn of the loop waits for traffic; `stop` is seen within it
RETRY_S = (1.0, 30.0)  # delay before logging in again: the first, and the longest
TALLY_EVERY_S = 60.0  # the counts are logged at most this often while messages flow


class BrokerUnavailable(ServiceError):
    """The broker could not be reached, refused fieldapp's login, or did not answer."""

    status = 503


def _broker(settings: MqttSettings) -> MqttBroker:
    if settings.broker is None:
        raise Unprocessable("FIELDAPP_MQTT_URL is not set: OwnTracks' MQTT mode is off")
    return settings.broker


def _client(broker: MqttBroker, client_id: str, clean_session: bool, **options) -> paho.Client:
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                         clean_session=clean_session, **options)
    if broker.username:
        client.username_pw_set(broker.username, broker.password)
    return client


class Subscriber:
    """`flask mqtt run`: stores what phones publish until `stop` is called.

    `run` it within the app's context (its connections, the fence cache). `tally` counts
    the messages by outcome (`mqtt.tally_line` names them); `subscribed` is set while the
    broker delivers to it."""

    def __init__(self, settings: Settings):
        self._settings = settings
        self._broker = _broker(settings.mqtt)
        self.tally: Counter = Counter()
        self.subscribed = threading.Event()
        self._stopping = threading.Event()
        self._held = False  # the database failed: acknowledge nothing until logged in again
        self._database_failures = 0  # in a row: the wait before logging in again grows
        self._delay = RETRY_S[0]
        self._logged = (time.monotonic(), Counter())
        client = _client(self._broker, settings.mqtt.client_id, clean_session=False,
                         manual_ack=True)
        client.on_connect = self._connected
        client.on_subscribe = self._subscribed
        client.on_message = self._received
        client.on_disconnect = self._disconnected
        self._client = client

    def stop(self) -> None:
        self._stopping.set()

    def run(self) -> Counter:
        """Log in, store, log in again when the connection is lost; until `stop`."""
        while not self._stopping.is_set():
            try:
                self._client.connect(self._broker.host, self._broker.port, KEEPALIVE_S)
            except OSError as exc:
                log.warning("mqtt: broker %s:%d unreachable (%s)", self._broker.host,
                            self._broker.port, exc)
            else:
                self._serve()
            wait = max(self._delay, min(RETRY_S[0] * 2 ** self._database_failures, RETRY_S[1]))
            if self._stopping.wait(wait):
                break
            self._delay = min(self._delay * 2, RETRY_S[1])
            self._held = False
        log.info("mqtt: stopped; %s", mqtt.tally_line(self.tally))
        return self.tally

    def _serve(self) -> None:
        """Run the connection until it is lost, dropped after a database failure, or
        stopped (then end it with a DISCONNECT: the broker keeps the session)."""
        result = MQTTErrorCode.MQTT_ERR_SUCCESS
        while result == MQTTErrorCode.MQTT_ERR_SUCCESS and not self._stopping.is_set():
            result = self._client.loop(LOOP_S)
            self._log_tally()
        if result == MQTTErrorCode.MQTT_ERR_SUCCESS:
            self._client.disconnect()
        self.subscribed.clear()

    def _connected(self, client, _userdata, flags, reason, _properties) -> None:
        if reason.is_failure:
            log.error("mqtt: the broker refused the login of %s: %s", self._broker.username,
                      reason)
            return
        self._delay = RETRY_S[0]
        log.info("mqtt: logged in to %s:%d as %s, %s session", self._broker.host,
                 self._broker.port, self._broker.username,
                 "its kept" if flags.session_present else "a new")
        if flags.session_present:  # the session holds the subscription
            self.subscribed.set()
        else:
            client.subscribe(mqtt.SUBSCRIPTION, qos=1)

    def _subscribed(self, _client, _userdata, _mid, reasons, _properties) -> None:
        if any(reason.is_failure for reason in reasons):
            log.error("mqtt: the broker refused the subscription to %s: %s",
                      mqtt.SUBSCRIPTION, reasons)
            return
        self.subscribed.set()

    def _disconnected(self, _client, _userdata, _flags, reason, _properties) -> None:
        self.subscribed.clear()
        log.info("mqtt: disconnected (%s); %s", reason, mqtt.tally_line(self.tally))

    def _received(self, client, _userdata, message: paho.MQTTMessage) -> None:
        if self._held:
            self.tally["unsettled"] += 1
        if self._held or self._stopping.is_set():
            return  # not acknowledged: the broker delivers it again after the next login
        try:
            topic = message.topic
        except UnicodeDecodeError:
            topic = ""
        try:
            outcome = self._ingest(topic, message.payload)
        except SQLAlchemyError as exc:
            log.warning("mqtt: the database failed (%s); unacknowledged messages wait on "
                        "the broker", type(exc).__name__)
            self._held = True
            self._database_failures += 1
            self.tally["unsettled"] += 1
            client.disconnect()
            return
        except Exception:
            log.exception("mqtt: a message on %r could not be handled; it is dropped", topic)
            outcome = "failed"
        self._database_failures = 0
        self.tally[outcome] += 1
        client.ack(message.mid, message.qos)

    def _ingest(self, topic: str, payload: bytes) -> str:
        """The message's outcome; a connection lost to a server restart is renewed and the
        message tried once more (the INSERT is idempotent)."""
        try:
            with autocommit_connection() as conn:
                return mqtt.ingest_message(self._settings, conn, topic, payload)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
        with autocommit_connection() as conn:
            return mqtt.ingest_message(self._settings, conn, topic, payload)

    def _log_tally(self) -> None:
        at, counted = self._logged
        if time.monotonic() - at >= TALLY_EVERY_S and counted != self.tally:
            log.info("mqtt: %s", mqtt.tally_line(self.tally))
            self._logged = (time.monotonic(), Counter(self.tally))


def send_command(settings: MqttSettings, device_id: int, payload: dict,
                 timeout_s: float = 5.0) -> list[str]:
    """Publish `payload` (an OwnTracks command, e.g. {"_type": "cmd", "action":
    "reportLocation"}) at QoS 1 to `owntracks/<device_id>/<name>/cmd` for each name the
    device publishes under, and return those topics once the broker has them.

    fieldapp does not store the name a phone chose; the broker's retained messages under
    `owntracks/<device_id>/+` (OwnTracks retains its locations by default) give it. Without
    any, no topic is known and nothing is sent ([]). 503 when the broker cannot be reached
    or does not answer within `timeout_s`."""
    broker = _broker(settings)
    client = _client(broker, f"{settings.client_id}-cmd-{secrets.token_hex(4)}",
                     clean_session=True)
    names: set[str] = set()
    done = {key: threading.Event() for key in ("connected", "listed")}
    refused: list = []

    def connected(_client, _userdata, _flags, reason, _properties):
        if reason.is_failure:
            refused.append(reason)
        done["connected"].set()

    def received(_client, _userdata, message):
        if message.retain:
            names.add(message.topic)

    client.on_connect = connected
    client.on_message = received
    # retained messages follow the SUBACK at once, before the UNSUBACK: the end of the list
    client.on_subscribe = lambda c, *_: c.unsubscribe(f"owntracks/{device_id}/+")
    client.on_unsubscribe = lambda *_: done["listed"].set()
    try:
        client.connect(broker.host, broker.port, KEEPALIVE_S)
    except OSError as exc:
        raise BrokerUnavailable(f"the MQTT broker cannot be reached: {exc}") from exc
    client.loop_start()
    try:
        if not done["connected"].wait(timeout_s) or refused:
            raise BrokerUnavailable(f"the MQTT broker refused fieldapp's login: {refused}")
        client.subscribe(f"owntracks/{device_id}/+", qos=0)
        if not done["listed"].wait(timeout_s):
            raise BrokerUnavailable("the MQTT broker did not list the device's topics")
        topics = sorted(f"{name}/cmd" for name in names)
        sent = [client.publish(topic, json.dumps(payload), qos=1) for topic in topics]
        for info in sent:
            info.wait_for_publish(timeout_s)
            if not info.is_published():
                raise BrokerUnavailable("the MQTT broker did not take the command")
        return topics
    finally:
        client.disconnect()
        client.loop_stop()
