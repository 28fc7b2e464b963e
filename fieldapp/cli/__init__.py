"""`flask` commands, a module per responsibility: setting a database up (`setup`),
evaluating presence (`presence`), the audit log, audits and packages (`audits`), spot checks
and challenges (`spotchecks`), OwnTracks over MQTT (`mqtt`), the background jobs' worker
(`jobs`), an online copy of the SQLite database (`backup`); `failures` turns an expected
failure into one line."""
from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    from .audits import audit_cli
    from .backup import backup
    from .jobs import jobs_cli, worker
    from .mqtt import mqtt_cli
    from .presence import presence_cli
    from .retention import retention_cli
    from .setup import check_db, demo_cli, geodata_cli, people_cli, users_cli
    from .spotchecks import challenges_cli, spotcheck_cli

    for command in (geodata_cli, demo_cli, users_cli, people_cli, presence_cli, audit_cli,
                    spotcheck_cli, challenges_cli, mqtt_cli, retention_cli, jobs_cli, worker,
                    backup, check_db):
        app.cli.add_command(command)
