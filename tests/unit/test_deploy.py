"""The deployment files docs/deploy.md hands out hold together: gunicorn accepts its config
file, and each systemd unit starts a command fieldapp has."""
import configparser
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))


def test_gunicorn_accepts_the_config_file(tmp_path):
    gunicorn = Path(sys.executable).with_name("gunicorn")
    env = {**os.environ, "FIELDAPP_DATABASE_URL": f"sqlite:///{tmp_path / 'f.db'}"}
    checked = subprocess.run([str(gunicorn), "--check-config", "-c", "deploy/gunicorn.conf.py",
                              "wsgi:app"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize("unit", UNITS, ids=[u.stem for u in UNITS])
def test_each_unit_runs_a_command_fieldapp_has(unit):
    from flask import Flask

    from fieldapp.cli import register_commands

    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.read(unit)
    start = parser["Service"]["ExecStart"].split()
    assert start[0].startswith("/srv/fieldapp/.venv/bin/")
    if start[0].endswith("/flask"):
        app = Flask("probe")
        register_commands(app)
        command = app.cli.get_command(None, start[1])
        assert command is not None, start
        if len(start) > 2 and not start[2].startswith("-"):
            assert command.get_command(None, start[2]) is not None, start
    else:
        assert start[1:3] == ["-c", "deploy/gunicorn.conf.py"]
    assert parser["Service"]["EnvironmentFile"] == "/etc/fieldapp/fieldapp.env"
    assert f"deploy/systemd/{unit.name}" in (ROOT / "docs" / "deploy.md").read_text()
