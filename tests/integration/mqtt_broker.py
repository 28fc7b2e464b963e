"""Debian's Mosquitto on a free port of its own, with its own config, password file and ACL
(written by `flask mqtt broker-config`), and phones that log in to it as OwnTracks does.

The machine's own broker on 1883 is never used: each test gets a broker in its tmp folder,
stopped afterwards. Persistence is on, as in docs/mqtt.md, so a restart keeps sessions.
"""
from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

SERVICE_USER, SERVICE_PASSWORD = "fieldapp", "service-password-for-the-tests"
WAIT_S = 15.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mosquitto:
    """One broker: `start`, `stop` (SIGTERM, so it saves its sessions), `restart`, `reload`
    (SIGHUP: the password file and ACL read again)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.passwords, self.acl = folder / "passwords", folder / "acl"
        self.log = folder / "mosquitto.log"
        self.process: subprocess.Popen | None = None
        self.conf = folder / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous false\n"
            f"password_file {self.passwords}\n"
            f"acl_file {self.acl}\n"
            "persistence true\n"
            "max_queued_messages 200000\n"  # as docs/mqtt.md: 1000 drops a burst
            f"persistence_location {folder}/\n"
            f"log_dest file {self.log}\n"
            "log_type all\n"
            f"user {pwd.getpwuid(os.getuid()).pw_name}\n")

    @property
    def url(self) -> str:
        return f"mqtt://{SERVICE_USER}:{SERVICE_PASSWORD}@127.0.0.1:{self.port}"

    def start(self) -> None:
        assert self.process is None
        self.process = subprocess.Popen(["mosquitto", "-c", str(self.conf)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {self.process.stderr.read()!r} "
                                   f"{self.log.read_text() if self.log.exists() else ''}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not listen")

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(WAIT_S)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def reload(self) -> None:
        self.process.send_signal(signal.SIGHUP)
        time.sleep(0.3)  # mosquitto reads the files again in its next loop turn


@pytest.fixture()
def mosquitto(tmp_path):
    if shutil.which("mosquitto") is None:
        pytest.fail("mosquitto is not installed: scripts/test.sh installs it")
    broker = Mosquitto(tmp_path)
    yield broker
    broker.stop()


class Phone:
    """An OwnTracks phone on MQTT: logs in as its device id, publishes at QoS 1, retained,
    to owntracks/<id>/<name>, and hears what comes on the topics it subscribes to."""

    def __init__(self, broker: Mosquitto, username: str, password: str, name: str = "phone"):
        self.topic = f"owntracks/{username}/{name}"
        self.heard: list[tuple[str, bytes]] = []
        self.refused: list = []
        self._connected = threading.Event()
        self._acked: dict[int, threading.Event] = {}
        client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"phone-{username}-{name}",
                             clean_session=False)
        client.username_pw_set(username, password)
        client.reconnect_delay_set(0.2, 1)
        client.on_connect = self._on_connect
        client.on_message = lambda _c, _u, m: self.heard.append((m.topic, m.payload))
        client.on_subscribe = lambda _c, _u, mid, *_: self._acked.setdefault(
            mid, threading.Event()).set()
        self.client = client
        self._broker = broker

    def _on_connect(self, _client, _userdata, _flags, reason, _properties):
        if reason.is_failure:
            self.refused.append(reason)
        else:
            self._connected.set()

    def connect(self) -> bool:
        """Log in; False if the broker refused."""
        self.client.connect("127.0.0.1", self._broker.port, 60)
        self.client.loop_start()
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline and not (self._connected.is_set() or self.refused):
            time.sleep(0.02)
        return self._connected.is_set()

    def publish(self, message: dict | bytes, topic: str | None = None, retain: bool = True,
                wait: bool = True):
        payload = message if isinstance(message, bytes) else json.dumps(message)
        info = self.client.publish(topic or self.topic, payload, qos=1, retain=retain)
        if wait:
            info.wait_for_publish(WAIT_S)
            assert info.is_published()
        return info

    def subscribe(self, topic: str) -> None:
        _, mid = self.client.subscribe(topic, qos=1)
        assert self._acked.setdefault(mid, threading.Event()).wait(WAIT_S)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@contextmanager
def phone(broker: Mosquitto, username: str, password: str, name: str = "phone"):
    device = Phone(broker, username, password, name)
    assert device.connect(), device.refused
    try:
        yield device
    finally:
        device.close()


def eventually(check, what: str, timeout_s: float = WAIT_S):
    """Wait for `check()` to be true (returns its value); fail naming `what`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
