"""`flask mqtt …`: OwnTracks in its MQTT mode — the subscriber, the broker's logins, a phone's
password (docs/mqtt.md)."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from .failures import one_line_failures

mqtt_cli = AppGroup("mqtt", help="OwnTracks in its MQTT mode: the subscriber and the "
                    "broker's logins (docs/mqtt.md).")


@mqtt_cli.command("run")
@one_line_failures
def mqtt_run():
    """Store what OwnTracks phones publish to FIELDAPP_MQTT_URL until SIGTERM or SIGINT."""
    import logging
    import signal

    from ..config import app_settings
    from ..services.ingest.mqtt_client import Subscriber

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    subscriber = Subscriber(app_settings())
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: subscriber.stop())
    subscriber.run()


@mqtt_cli.command("broker-config")
@click.option("--passwords", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="mosquitto password file to write (password_file)")
@click.option("--acl", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="mosquitto ACL file to write (acl_file)")
@one_line_failures
def mqtt_broker_config(passwords, acl):
    """Write mosquitto's password file (every unrevoked device, and fieldapp's own login
    from FIELDAPP_MQTT_URL) and its ACL; send mosquitto SIGHUP to read them again."""
    from ..config import app_settings
    from ..services.ingest.mqtt import broker_files, replace_files

    password_text, acl_text = broker_files(app_settings().mqtt)
    try:
        replace_files({passwords: password_text, acl: acl_text})
    except OSError as exc:
        click.echo(f"fieldapp: {exc}", err=True)
        sys.exit(1)
    click.echo(f"{passwords}: {password_text.count(chr(10)) - 1} devices and fieldapp's "
               f"login; {acl}: the ACL")


@mqtt_cli.command("password")
@click.argument("device_id", type=click.IntRange(1, 2**31 - 1))
@one_line_failures
def mqtt_password(device_id):
    """Print the MQTT login of an unrevoked device, to set in its OwnTracks app."""
    from ..config import app_settings
    from ..services.ingest.mqtt import phone_login

    username, password = phone_login(app_settings().mqtt, device_id)
    click.echo(f"username: {username}\npassword: {password}\n"
               f"topic:    owntracks/{username}/<any name for the phone>")
