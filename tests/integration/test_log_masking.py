"""No device token in any log: gunicorn run with the logger scripts/start.sh passes writes
OsmAnd's `?id=<token>` (and deviceid, device_id, token, however encoded) and Authorization
values as ***, in the access log and in the error log."""
from __future__ import annotations

import re
import urllib.error
import urllib.request
from datetime import UTC, datetime

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
