"""No device token in any log: gunicorn run with the logger scripts/start.sh passes writes
OsmAnd's `?id=<token>` (and deviceid, device_id, token, however encoded) and Authorization
values as ***, in the access log and in the error log; both are JSON lines, each access line
with its request's id; forwarded addresses are believed only behind FIELDAPP_PROXY_HOPS."""
from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.services.people import registry as people

from .helpers import make_cadre
from .presence_helpers import inside
from .servers import ROOT, gunicorn

FORMAT = ('%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" q=%(q)s '
          'auth=%({authorization}i)s env=%({query_string}e)s raw=%({raw_uri}e)s')


def start_sh_logger_class() -> str:
    """The --logger-class scripts/start.sh runs gunicorn with (the test fails without one)."""
    found = re.search(r"--logger-class\s+(\S+)", (ROOT / "scripts/start.sh").read_text())
    assert found, "scripts/start.sh runs gunicorn without a masking --logger-class"
    return found.group(1)


def get(url: str, headers: dict | None = None, data: bytes | None = None) -> int:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_gunicorn_logs_carry_no_device_token(ctx, database_url, tmp_path):
    cadre = make_cadre()
    _, token = people.create_device(cadre.id, "phone")
    lat, lon = inside("410922100201")
    db.session.rollback()  # on SQLite the test's transaction would hold the write lock
    access, errors = tmp_path / "access.log", tmp_path / "error.log"
    with gunicorn(database_url, tmp_path, "--workers", "1", "--threads", "2",
                  "--worker-class", "gthread", "--log-level", "info",
                  "--access-logfile", str(access), "--error-logfile", str(errors),
                  "--access-logformat", FORMAT, "--logger-class", start_sh_logger_class()
                  ) as port:
        base = f"http://127.0.0.1:{port}"
        now = int(datetime.now(UTC).timestamp()) - 60
        fix = f"lat={lat}&lon={lon}&timestamp={now}"
        osmand = f"{base}/api/v1/ingest/osmand"
        assert get(f"{osmand}?id={token}&{fix}") == 200
        assert get(f"{osmand}?{fix}&deviceid={token}") == 200
        assert get(f"{osmand}?%69d={token}&{fix}") == 200          # the name percent-encoded
        get(f"{osmand}?device_id={token}&token={token};{fix}")  # not a form OsmAnd sends
        assert get(f"{osmand}?id={token}x&{fix}") == 401             # a wrong token, logged too
        body = (f'{{"id": "g-1", "recorded_at": "{datetime.now(UTC).isoformat()}", '
                f'"lat": {lat}, "lon": {lon}}}').encode()
        assert get(f"{base}/api/v1/pings", {"Authorization": f"Device {token}",
                                            "Content-Type": "application/json"}, body) == 200
        assert get(f"{base}/api/v1/pings?token={token}",
                   {"Authorization": f"Bearer {token}"}) == 401
    written = access.read_text()
    assert len(written.splitlines()) >= 8
    assert token not in written and token not in errors.read_text()
    assert "GET /api/v1/ingest/osmand?id=*** HTTP" not in written  # the fix stays readable
    assert "osmand?id=***&lat=" in written and "deviceid=***" in written
    assert "%69d=***" in written and "token=***" in written and "device_id=***" in written
    assert "auth=Device ***" in written and "auth=Bearer ***" in written
    assert "q=id=***&lat=" in written and "env=id=***&lat=" in written


def _call(url: str, headers: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers)


@pytest.mark.parametrize("hops", [0, 1], ids=["no-proxy", "behind-nginx"])
def test_logs_are_json_lines_naming_each_request(ctx, database_url, tmp_path, hops):
    """Every access line is one JSON object carrying the id the response answered; a
    forwarded address and request id are believed only behind FIELDAPP_PROXY_HOPS."""
    db.session.rollback()
    access = tmp_path / "access.log"
    forwarded = {"X-Forwarded-For": "203.0.113.7", "X-Request-ID": "nginx-req-0001"}
    with gunicorn(database_url, tmp_path, "--workers", "1", "--access-logfile", str(access),
                  "--logger-class", start_sh_logger_class(),
                  env={"FIELDAPP_PROXY_HOPS": str(hops)}) as port:
        base = f"http://127.0.0.1:{port}"
        status, headers = _call(f"{base}/api/v1/cadres", forwarded)
        assert status == 401
        plain_status, plain = _call(f"{base}/healthz")
        assert plain_status == 200
    lines = [json.loads(line) for line in access.read_text().splitlines()]
    by_path = {line["path"]: line for line in lines}
    refused, healthy = by_path["/api/v1/cadres"], by_path["/healthz"]
    assert refused["request_id"] == headers["X-Request-ID"]
    assert healthy["request_id"] == plain["X-Request-ID"] != refused["request_id"]
    assert (refused["status"], refused["method"]) == (401, "GET") and refused["ms"] >= 0
    if hops:
        assert (refused["remote"], refused["request_id"]) == ("203.0.113.7", "nginx-req-0001")
    else:
        assert refused["remote"] == "127.0.0.1" and refused["request_id"] != "nginx-req-0001"


@pytest.mark.parametrize("hops", [0, 1], ids=["no-proxy", "behind-nginx"])
def test_login_throttling_counts_the_forwarded_address_only_behind_a_proxy(
        client, configure, hops, ctx):
    from fieldapp.models import LoginFailure

    db.session.rollback()
    app = ctx
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app, plain = ProxyFix(app.wsgi_app, x_for=1), app.wsgi_app
    try:
        response = client.post("/api/v1/auth/token", json={"username": "nobody",
                                                            "password": "wrong-password"},
                               headers={"X-Forwarded-For": "198.51.100.9"})
    finally:
        if hops:
            app.wsgi_app = plain
    assert response.status_code == 401
    keys = set(db.session.scalars(select(LoginFailure.key)))
    assert any("198.51.100.9" in key for key in keys) is bool(hops)


def test_the_apps_own_log_lines_are_json_with_their_request_id(ctx):
    import logging

    from flask import g

    from fieldapp.serving import JsonLines

    (handler,) = [h for h in logging.getLogger("fieldapp").handlers
                  if isinstance(h.formatter, JsonLines)]
    record = logging.LogRecord("fieldapp.media.probe", logging.WARNING, __file__, 1,
                               "cannot read %s", ("/api/v1/ingest/osmand?id=s3cret",), None)
    with ctx.test_request_context("/api/v1/media"):
        g.request_id = "0123456789abcdef"
        assert handler.filter(record)
    entry = json.loads(handler.format(record))
    assert entry["request_id"] == "0123456789abcdef" and entry["level"] == "warning"
    assert entry["message"] == "cannot read /api/v1/ingest/osmand?id=***"
    assert entry["logger"] == "fieldapp.media.probe" and entry["ts"].endswith("+00:00")
