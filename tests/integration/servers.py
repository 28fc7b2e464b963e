"""fieldapp under a real gunicorn, for the tests that need a real server (chunked bodies,
several worker processes, its logs, a fuzzer over HTTP)."""
from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECRET = "test-secret-key-that-is-long-enough-for-hs256"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(database_url: str, tmp_path: Path, *args: str,
             env: dict | None = None) -> Iterator[int]:
    """gunicorn (with extra `args`) serving the app on the test's database on a free port;
    yields the port once /healthz answers, and stops the server afterwards."""
    port = free_port()
    environ = {**os.environ, "FIELDAPP_DATABASE_URL": database_url,
               "FIELDAPP_SECRET_KEY": SECRET, "FIELDAPP_UPLOAD_DIR": str(tmp_path / "uploads"),
               **(env or {})}
    command = [str(Path(sys.executable).with_name("gunicorn")), "--log-level", "warning",
               *args, "--bind", f"127.0.0.1:{port}", "wsgi:app"]
    proc = subprocess.Popen(command, cwd=ROOT, env=environ)
    try:
        _wait_until_up(port, proc)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _wait_until_up(port: int, proc: subprocess.Popen) -> None:
    for _ in range(300):
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")
