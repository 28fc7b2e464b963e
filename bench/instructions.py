"""Instructions per single device ping, in one process, against the bare app: a repeatable
figure where the HTTP benchmark's ratio swings by ±0.05 from run to run.

    .venv/bin/python bench/instructions.py [--backends spatialite,postgis] [--pings 500]

Valgrind's callgrind counts the instructions of the whole process (the worker's side only:
no HTTP server, no load generator, and not the PostgreSQL server's work; building each
request's body is counted for both apps alike). Each app runs
twice, with 100 and with 100 + --pings requests after a warm-up; the difference divided by
--pings is the cost of one request. It measures the code, not the machine: use it to judge
a change to the hot path, and bench/ingest.py for throughput.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import drop_database, prepare_database  # noqa: E402

BASE = 100  # requests in the shorter run, after WARM ones
WARM = 50
TOKEN = "FIELDAPP_BENCH_DEVICE_TOKEN"


def requests(app_name: str, token: str, point: tuple[float, float], count: int) -> None:
    """Child mode: send WARM + count device pings straight to the WSGI app."""
    from bench.ingest import make_pings

    if app_name == "bare":
        from bench.bare_app import app
    else:
        from wsgi import app
    for ping in make_pings(WARM + count, point, np.random.default_rng(7)):
        body = json.dumps(ping).encode()
        environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/api/v1/pings", "SCRIPT_NAME": "",
                   "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
                   "HTTP_AUTHORIZATION": f"Device {token}", "wsgi.input": io.BytesIO(body),
                   "SERVER_NAME": "bench", "SERVER_PORT": "80", "wsgi.url_scheme": "http"}
        status = []
        answer = b"".join(app(environ, lambda s, _headers, status=status: status.append(s)))
        if not status[0].startswith("200") or b'"accepted":1' not in answer:
            raise RuntimeError(f"{app_name}: {status[0]} {answer[:200]!r}")


def instructions(args: list[str], env: dict) -> int:
    """Instructions callgrind counted for one child run."""
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                           sys.executable, __file__, *args], env={**os.environ, **env},
                          capture_output=True, text=True, check=True)
    return int(re.search(r"Collected : (\d+)", done.stderr).group(1))


def per_request(name: str, extra: list[str], env: dict, pings: int) -> float:
    """Instructions per request: two runs side by side (one per core), differenced."""
    runs = [["--child", name, *extra, str(n)] for n in (BASE, BASE + pings)]
    with ThreadPoolExecutor(2) as pool:
        short, long = pool.map(lambda a: instructions(a, env), runs)
    return (long - short) / pings


def measure(backend: str, pings: int) -> None:
    from bench.ingest import setup_people

    with tempfile.TemporaryDirectory() as tmp:
        url = prepare_database(backend, Path(tmp))
        try:
            tokens, point = setup_people(url, 1)
            extra = [str(point[0]), str(point[1])]
            env = {"FIELDAPP_DATABASE_URL": url, "FIELDAPP_SECRET_KEY": "bench",
                   TOKEN: tokens[0]}  # not an argument: a token may begin with "-"
            app = per_request("app", extra, env, pings)
            bare = per_request("bare", extra, env, pings)
        finally:
            drop_database(url)
    print(f"{backend}: fieldapp {app:,.0f} instructions per ping, bare Flask {bare:,.0f}; "
          f"bare/fieldapp {bare / app:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="spatialite,postgis")
    parser.add_argument("--pings", type=int, default=500)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        name, lat, lon, count = args.child
        requests(name, os.environ[TOKEN], (float(lat), float(lon)), int(count))
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is needed: apt-get install valgrind")
    for backend in args.backends.split(","):
        measure(backend, args.pings)


if __name__ == "__main__":
    main()
