"""OwnTracks in its MQTT mode against a real Mosquitto (tests/integration/mqtt_broker.py):
phones publish as the app does, `flask mqtt run`'s subscriber stores through the HTTP
mode's path; retained messages, revoked devices, the ACL, the command channel, a broker
restart, a database failure, and SIGTERM."""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import select, text

from fieldapp.config import MqttSettings, app_settings
from fieldapp.extensions import db
from fieldapp.models import Device, Ping
from fieldapp.services.ingest import mqtt_client
from fieldapp.services.ingest.mqtt import phone_login, phone_password, topic_device
from fieldapp.services.ingest.mqtt_client import BrokerUnavailable, Subscriber, send_command
from fieldapp.services.people import registry as people

from .helpers import VILLAGE, make_cadre
from .mqtt_broker import (  # noqa: F401 (mosquitto: a fixture)
    SERVICE_PASSWORD,
    SERVICE_USER,
    Phone,
    eventually,
    mosquitto,
    phone,
)
from .presence_helpers import inside


@pytest.fixture(autouse=True)
def keep_every_fix(configure):
    """Every message stored is the subject here: the `track` collection profile."""
    configure(COLLECTION="track")


REPORT = {"_type": "cmd", "action": "reportLocation"}


@pytest.fixture()
def mqtt(ctx, configure, mosquitto, tmp_path):  # noqa: F811
    """The app pointed at the test's broker (not yet started), with its own password key.
    The subscriber's log is on again (the migrations' logging config turned it off)."""
    logging.getLogger(mqtt_client.__name__).disabled = False
    configure(MQTT_URL=mosquitto.url, MQTT_PASSWORD_KEY=str(tmp_path / "mqtt_password_key"))
    return mosquitto


def devices(count: int = 1) -> list[tuple[str, str]]:
    """`count` registered phones of one posted cadre: their (user name, MQTT password)."""
    cadre = make_cadre()
    ids = [people.create_device(cadre.id, label=f"phone {n}")[0].id for n in range(count)]
    return [phone_login(app_settings().mqtt, device_id) for device_id in ids]


def broker_config(ctx, broker) -> None:
    result = ctx.test_cli_runner().invoke(args=[
        "mqtt", "broker-config", "--passwords", str(broker.passwords), "--acl", str(broker.acl)])
    assert result.exit_code == 0, result.output


def start(ctx, broker, count: int = 1) -> list[tuple[str, str]]:
    logins = devices(count)
    broker_config(ctx, broker)
    broker.start()
    return logins


@contextmanager
def subscriber(ctx):
    """`flask mqtt run`'s subscriber in a thread, subscribed; stopped and joined after."""
    running = Subscriber(app_settings(ctx))

    def run():
        with ctx.app_context():
            running.run()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert running.subscribed.wait(15), "the subscriber did not subscribe"
        yield running
    finally:
        running.stop()
        thread.join(15)
        assert not thread.is_alive()


def location(lat: float, lon: float, tst: int | None = None, **fields) -> dict:
    return {"_type": "location", "tid": "JJ", "tst": tst or int(time.time()) - 60, "lat": lat,
            "lon": lon, "acc": 12, "batt": 76, "conn": "m", "t": "p", **fields}


def rows() -> list[Ping]:
    found = db.session.scalars(select(Ping).order_by(Ping.recorded_at)).all()
    db.session.expunge_all()  # read as they are: no later attribute opens a transaction
    db.session.commit()  # none stays open: SQLite's write lock would keep the subscriber out
    return found


def rows_reach(count: int) -> list[Ping]:
    return eventually(lambda: (found := rows()) and len(found) >= count and found,
                      f"{count} stored pings")


def settled(running: Subscriber, count: int) -> None:
    try:
        eventually(lambda: sum(running.tally.values()) - running.tally["unsettled"] >= count,
                   f"{count} messages settled")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; so far {dict(running.tally)}") from None


def test_a_phone_publishes_as_owntracks_does_and_the_fix_is_stored(ctx, mqtt):
    [(user, password)] = start(ctx, mqtt)
    lat, lon = inside(VILLAGE)
    db.session.commit()
    tst = int(time.time()) - 600
    with subscriber(ctx) as running, phone(mqtt, user, password) as device:
        device.publish(location(lat, lon, tst, vel=18, alt=35))
        stored = rows_reach(1)[0]
        assert stored.device_id == int(user) and stored.provider == "owntracks"
        assert stored.accuracy == 12 and abs(stored.speed - 5.0) < 1e-9 and stored.battery == 76
        assert stored.fence == "inside" and stored.village_code == VILLAGE
        assert stored.recorded_at == datetime.fromtimestamp(tst, UTC)
        assert stored.client_id == f"ot-{user}-{tst}-{lat:.7f}-{lon:.7f}"  # HTTP mode's id
        # other _types, a cleared retained message, not JSON, a refused fix, too deep; an
        # event topic lies outside the subscription
        device.publish({"_type": "lwt", "tst": tst})
        device.publish({"_type": "transition", "event": "enter", "tst": tst})
        device.publish(b"")
        device.publish(b"{not json")
        device.publish(b"[1, 2]")
        device.publish(b"[" * 100_000)
        device.publish(location("north", lon))
        device.publish(location(lat, lon, int(time.time()) + 3600))
        device.publish({"_type": "transition", "tst": tst}, topic=f"{device.topic}/event")
        device.publish(location(lat, lon, tst))  # the same fix again
        sparse = location(lat, lon, tst + 60)
        del sparse["acc"]  # the app omits zero fields
        device.publish(sparse)
        settled(running, 11)
    assert running.tally == {"stored": 2, "duplicate": 1, "ignored": 3, "malformed": 3,
                             "rejected": 2}
    assert [p.accuracy for p in rows()] == [12, None]


def test_a_retained_message_delivered_again_is_stored_once(ctx, mqtt):
    [(user, password)] = start(ctx, mqtt)
    lat, lon = inside(VILLAGE)
    db.session.commit()
    with phone(mqtt, user, password) as device:
        device.publish(location(lat, lon))  # before fieldapp ever subscribed: retained
    with subscriber(ctx) as first:
        rows_reach(1)
    assert first.tally["stored"] == 1
    forget_session(mqtt)  # the broker lost the subscriber's session: it subscribes afresh
    with subscriber(ctx) as second:
        settled(second, 1)
    assert second.tally == {"duplicate": 1} and len(rows()) == 1


def forget_session(broker) -> None:
    """Log in once as the subscriber with a clean session: the broker drops its session."""
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=app_settings().mqtt.client_id,
                         clean_session=True)
    client.username_pw_set(SERVICE_USER, SERVICE_PASSWORD)
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    eventually(client.is_connected, "a clean login")
    client.disconnect()
    client.loop_stop()


def test_a_revoked_device_is_dropped_and_then_locked_out(ctx, mqtt):
    [(user, password), (other, other_password)] = start(ctx, mqtt, count=2)
    lat, lon = inside(VILLAGE)
    people.revoke_device(db.session.get(Device, int(user)))
    with subscriber(ctx) as running:
        with phone(mqtt, user, password) as revoked:  # the broker has not read the files again
            revoked.publish(location(lat, lon))
        with phone(mqtt, other, other_password) as device:
            device.publish(location(lat, lon))
        settled(running, 2)
        assert running.tally == {"unknown_device": 1, "stored": 1}
        assert [p.device_id for p in rows()] == [int(other)]
        broker_config(ctx, mqtt)
        assert str(mqtt.passwords.read_text()).count("\n") == 2  # fieldapp and one phone
        mqtt.reload()
        refused = phone_attempt(mqtt, user, password)
        assert refused and refused[0].getName() == "Not authorized"


def phone_attempt(broker, user: str, password: str) -> list:
    attempt = Phone(broker, user, password)
    attempt.connect()
    attempt.close()
    return attempt.refused


def test_under_minimal_a_fix_already_kept_for_its_window_is_discarded_and_acked(
        ctx, mqtt, configure):
    configure(COLLECTION="minimal")
    [(user, password)] = start(ctx, mqtt)
    lat, lon = inside(VILLAGE)
    db.session.commit()
    zone = app_settings(ctx).zone
    nine = datetime.combine(datetime.now(zone).date() - timedelta(days=1),
                            datetime.min.time(), zone).replace(hour=9)
    with subscriber(ctx) as running, phone(mqtt, user, password) as device:
        for minutes in (0, 5, 600):  # 09:00 kept; 09:05 (inside again) and 19:00 discarded
            device.publish(location(lat, lon, int(nine.timestamp()) + 60 * minutes))
        settled(running, 3)
    assert running.tally == {"stored": 1, "discarded": 2}
    assert [p.recorded_at for p in rows()] == [nine]


def test_a_phone_can_publish_and_listen_only_as_itself(ctx, mqtt):
    [(user, password), (other, other_password)] = start(ctx, mqtt, count=2)
    lat, lon = inside(VILLAGE)
    db.session.commit()
    assert phone_attempt(mqtt, user, "wrong")[0].getName() == "Not authorized"
    assert phone_attempt(mqtt, user, other_password)[0].getName() == "Not authorized"
    with subscriber(ctx) as running, phone(mqtt, user, password) as device, \
            phone(mqtt, other, other_password, name="other") as victim:
        victim.subscribe(f"{victim.topic}/cmd")
        device.subscribe(f"owntracks/{other}/+/cmd")  # granted, but the ACL lets nothing by
        device.publish(location(lat, lon), topic=f"owntracks/{other}/other")  # acked, dropped
        device.publish(REPORT, topic=f"{victim.topic}/cmd", retain=False)
        device.publish(location(lat, lon, int(time.time()) - 30))  # its own topic
        settled(running, 1)
        victim.publish(location(lat, lon))
        settled(running, 2)
        assert send_command(app_settings().mqtt, int(other), REPORT) == [f"{victim.topic}/cmd"]
        eventually(lambda: victim.heard, "the command at its phone")
    assert running.tally == {"stored": 2}
    assert sorted(p.device_id for p in rows()) == sorted([int(user), int(other)])
    assert len(victim.heard) == 1 and device.heard == []


def test_send_command_reaches_the_topic_the_phone_publishes_under(ctx, mqtt):
    [(user, password), (silent, _)] = start(ctx, mqtt, count=2)
    lat, lon = inside(VILLAGE)
    db.session.commit()
    with phone(mqtt, user, password, name="pixel 7") as device:
        device.subscribe(f"{device.topic}/cmd")
        device.publish(location(lat, lon))
        topics = send_command(app_settings().mqtt, int(user), REPORT)
        assert topics == [f"owntracks/{user}/pixel 7/cmd"]
        heard = eventually(lambda: device.heard, "the command")
    assert [(topic, json.loads(body)) for topic, body in heard] == [
        (f"owntracks/{user}/pixel 7/cmd", REPORT)]
    # a phone that never published has no known topic: nothing is sent
    assert send_command(app_settings().mqtt, int(silent), REPORT) == []


def test_send_command_without_a_broker_is_a_503(ctx, mqtt):
    devices(1)
    with pytest.raises(BrokerUnavailable) as raised:  # the broker was never started
        send_command(app_settings().mqtt, 1, REPORT, timeout_s=1)
    assert raised.value.status == 503 and "cannot be reached" in raised.value.message


def test_messages_survive_a_broker_restart_and_the_subscriber_being_away(ctx, mqtt, caplog):
    caplog.set_level("INFO", logger="fieldapp.services.ingest.mqtt_client")
    [(user, password)] = start(ctx, mqtt)
    lat, lon = inside(VILLAGE)
    db.session.commit()
    now = int(time.time())
    with phone(mqtt, user, password) as device:
        with subscriber(ctx) as running:
            device.publish(location(lat, lon, now - 600))
            rows_reach(1)
            mqtt.stop()  # SIGTERM: mosquitto saves its sessions
            eventually(lambda: not running.subscribed.is_set(), "the subscriber to notice")
            for n in range(3):  # the phone keeps these (QoS 1) until the broker is back
                device.publish(location(lat, lon, now - 500 + n), wait=False)
            mqtt.start()
            rows_reach(4)
            assert running.subscribed.wait(15)
        # fieldapp is away; its session on the broker collects QoS 1 messages
        for n in range(3):
            device.publish(location(lat, lon, now - 400 + n))
    with subscriber(ctx) as back:
        rows_reach(7)
    assert back.tally == {"stored": 3} and len(rows()) == 7
    kept = [r.getMessage() for r in caplog.records if "its kept session" in r.getMessage()]
    assert len(kept) == 2, "the subscriber resumed its session after the restart and when back"


def test_a_message_is_acknowledged_only_once_stored(ctx, mqtt):
    """While the database fails the message stays unacknowledged on the broker, and after
    the subscriber logs in again it is delivered again and stored."""
    [(user, password)] = start(ctx, mqtt)
    lat, lon = inside(VILLAGE)
    db.session.commit()
    with subscriber(ctx) as running, phone(mqtt, user, password) as device:
        with db.engine.begin() as conn:  # the sender's read fails while the table is away
            conn.execute(text("ALTER TABLE sender_version RENAME TO sender_version_away"))
        try:
            device.publish(location(lat, lon))
            eventually(lambda: running.tally["unsettled"], "the failure")
            assert rows() == []
        finally:
            with db.engine.begin() as conn:
                conn.execute(text("ALTER TABLE sender_version_away RENAME TO sender_version"))
        rows_reach(1)
    assert running.tally["stored"] == 1 and len(rows()) == 1


def test_broker_config_writes_hashed_logins_and_the_acl(ctx, mqtt):
    logins = devices(3)
    people.revoke_device(db.session.get(Device, int(logins[1][0])))
    broker_config(ctx, mqtt)
    entries = dict(line.split(":", 1) for line in mqtt.passwords.read_text().splitlines())
    assert sorted(entries) == sorted([SERVICE_USER, logins[0][0], logins[2][0]])
    for user, password in [(SERVICE_USER, SERVICE_PASSWORD), logins[0], logins[2]]:
        _, kind, rounds, salt, digest = entries[user].split("$")
        assert kind == "7" and hashlib.pbkdf2_hmac(
            "sha512", password.encode(), base64.b64decode(salt), int(rounds)) == \
            base64.b64decode(digest)
        assert password not in mqtt.passwords.read_text()
    acl = mqtt.acl.read_text()
    assert f"user {SERVICE_USER}\ntopic read owntracks/#\ntopic write owntracks/+/+/cmd\n" in acl
    assert "pattern readwrite owntracks/%u/#" in acl
    assert oct(mqtt.passwords.stat().st_mode & 0o777) == "0o640"
    # the password is bound to the registration: a digest of the token under the key
    token_hash = db.session.get(Device, int(logins[0][0])).token_hash
    key = (mqtt.folder / "mqtt_password_key").read_bytes()
    db.session.commit()
    assert phone_password(key, token_hash) == logins[0][1]
    printed = ctx.test_cli_runner().invoke(args=["mqtt", "password", logins[0][0]])
    assert printed.exit_code == 0 and f"password: {logins[0][1]}\n" in printed.output
    for device_id in (logins[1][0], "999999"):  # revoked, unknown
        refused = ctx.test_cli_runner().invoke(args=["mqtt", "password", device_id])
        assert refused.exit_code == 1 and "no unrevoked device" in refused.output


def test_broker_config_needs_fieldapps_own_login(ctx, configure, mqtt):
    for url in ("mqtt://127.0.0.1:1", "mqtt://fieldapp@127.0.0.1:1"):
        configure(MQTT_URL=url)
        result = ctx.test_cli_runner().invoke(args=[
            "mqtt", "broker-config", "--passwords", str(mqtt.passwords), "--acl",
            str(mqtt.acl)])
        assert result.exit_code == 1 and "USER:PASSWORD" in result.output
        assert not mqtt.passwords.exists()


def test_a_refused_login_is_logged_and_stop_ends_the_retries(ctx, configure, mqtt, caplog):
    caplog.set_level("INFO", logger=mqtt_client.__name__)
    start(ctx, mqtt)
    configure(MQTT_URL=mqtt.url.replace(SERVICE_PASSWORD, "wrong"))
    running = Subscriber(app_settings(ctx))
    thread = threading.Thread(target=running.run)
    thread.start()
    eventually(lambda: [r for r in caplog.records if "refused the login" in r.getMessage()],
               "the refusal in the log")
    running.stop()
    thread.join(5)
    assert not thread.is_alive() and not running.subscribed.is_set()
    assert "wrong" not in caplog.text


def test_commands_refuse_a_missing_url_or_folder(ctx, configure, mqtt):
    configure(MQTT_URL="")
    result = ctx.test_cli_runner().invoke(args=["mqtt", "run"])
    assert result.exit_code == 1 and "FIELDAPP_MQTT_URL is not set" in result.output
    configure(MQTT_URL=mqtt.url)
    result = ctx.test_cli_runner().invoke(args=[
        "mqtt", "broker-config", "--passwords", str(mqtt.passwords), "--acl",
        str(mqtt.folder / "missing" / "acl")])
    assert result.exit_code == 1 and "No such file or directory" in result.output
    assert not mqtt.passwords.exists() and not list(mqtt.folder.glob(".passwords.*"))


@pytest.mark.parametrize("url, problem", [
    ("http://fieldapp:pw@127.0.0.1", "must be empty or mqtt://"), ("mqtt://", "must be empty"),
    ("mqtt://fieldapp:pw@127.0.0.1:99999", "bad port"),
    ("mqtt://17:pw@127.0.0.1", "must not be a number")])
def test_a_bad_broker_url_is_refused_at_start(url, problem):
    with pytest.raises(ValueError, match=problem):
        MqttSettings.broker_of(url)


def test_a_broker_url_names_its_login():
    broker = MqttSettings.broker_of("mqtt://field%40app:p%3Ass@broker.example")
    assert (broker.host, broker.port, broker.username, broker.password) == (
        "broker.example", 1883, "field@app", "p:ss")


@pytest.mark.parametrize("topic, device", [
    ("owntracks/17/phone", 17), ("owntracks/17/my phone", 17), ("owntracks/017/phone", None),
    ("owntracks/17", None), ("owntracks/17/phone/event", None), ("owntracks/fieldapp/x", None),
    ("owntracks/0/phone", None), ("owntracks/2147483648/phone", None), ("owntracks/١٧/p", None),
    ("other/17/phone", None), ("owntracks/17/", None)])
def test_the_topic_names_the_device(topic, device):
    assert topic_device(topic) == device


def test_flask_mqtt_run_stores_and_stops_on_sigterm(ctx, mqtt, database_url, tmp_path):
    [(user, password)] = start(ctx, mqtt)
    lat, lon = inside(VILLAGE)
    db.session.commit()
    env = {**os.environ, "FIELDAPP_DATABASE_URL": database_url, "FIELDAPP_MQTT_URL": mqtt.url,
           "FIELDAPP_MQTT_PASSWORD_KEY": str(tmp_path / "mqtt_password_key"),
           "FIELDAPP_SECRET_KEY": "x" * 48, "FIELDAPP_UPLOAD_DIR": str(tmp_path)}
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "fieldapp", "mqtt",
                                "run"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        with phone(mqtt, user, password) as device:
            device.publish(location(lat, lon))
            rows_reach(1)
        process.send_signal(signal.SIGTERM)
        _, errors = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, errors
    assert "stopped; stored 1, duplicate 0, unknown_device 0" in errors
    assert password not in errors and SERVICE_PASSWORD not in errors
