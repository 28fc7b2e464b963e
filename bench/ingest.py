"""Ingest benchmark: fieldapp under gunicorn vs a raw bulk load and a bare Flask app.

    .venv/bin/python bench/ingest.py [--backends spatialite,postgis] [--rounds 5]

For each database: pings/s for batches of 500 over HTTP (two clients) against the raw
bulk load of the same rows into the same indexed table (COPY on PostGIS, one-transaction
executemany on SpatiaLite), then single pings from 16 concurrent clients against the bare
app under the same gunicorn settings. Load and baseline alternate round by round, so drift
(the table growing, the machine's other work) touches both; prints the median of each
figure and every round's ratio, and stops with an error unless every ping sent over HTTP
was stored. PostGIS needs
FIELDAPP_TEST_POSTGRES_URL (an admin URL, as scripts/test.sh sets it), else
postgresql+psycopg://postgres@127.0.0.1:5432/postgres.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import median

import numpy as np
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import drop_database, prepare_database  # noqa: E402

VILLAGE = "410922100201"
GUNICORN = [str(Path(sys.executable).with_name("gunicorn")), "--workers", "2", "--threads", "4",
            "--worker-class", "gthread", "--log-level", "warning"]


def setup_people(url: str, devices: int) -> tuple[list[str], tuple[float, float]]:
    """Migrate, load the demo boundaries, make one cadre per device; return tokens and a point."""
    from flask_migrate import upgrade
    from geoalchemy2.shape import to_shape

    from fieldapp import create_app
    from fieldapp.extensions import db
    from fieldapp.models import Region
    from fieldapp.services.geodata.boundaries import import_features, load_features
    from fieldapp.services.people import registry as people
    from fieldapp.services.people.demo import FILES

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        for level, path, code_field in FILES:
            import_features(load_features(path), level, code_field=code_field)
        tokens = []
        for i in range(devices):
            cadre = people.create_cadre(f"bench{i}", "team_member")
            people.create_assignment(cadre.id, VILLAGE, datetime(2026, 1, 1).date())
            tokens.append(people.create_device(cadre.id)[1])
        point = to_shape(db.session.get(Region, VILLAGE).boundary).representative_point()
        db.engine.dispose()
    return tokens, (point.y, point.x)


def make_pings(n: int, point: tuple[float, float], rng) -> list[dict]:
    start = datetime.now(UTC) - timedelta(days=1)
    lat = point[0] + rng.normal(0, 0.002, n)
    lon = point[1] + rng.normal(0, 0.002, n)
    return [{"id": str(uuid.uuid4()), "recorded_at": (start + timedelta(seconds=i)).isoformat(),
             "lat": float(lat[i]), "lon": float(lon[i]), "accuracy": 15.0, "battery": 80.0}
            for i in range(n)]


class Server:
    def __init__(self, target: str, port: int, env: dict):
        self.port = port
        self.proc = subprocess.Popen([*GUNICORN, "--bind", f"127.0.0.1:{port}", target],
                                     cwd=ROOT, env={**os.environ, **env})
        for _ in range(100):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn {target} did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=20)


def post(conn, body: bytes, token: str) -> float:
    started = time.perf_counter()
    conn.request("POST", "/api/v1/pings", body=body, headers={
        "Content-Type": "application/json", "Authorization": f"Device {token}"})
    response = conn.getresponse()
    payload = response.read()
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status}: {payload[:200]!r}")
    return time.perf_counter() - started


def run_clients(client, tokens: list[str], shares: list[list[bytes]]) -> float:
    """Run client(token, bodies) in one thread per token; return the wall time of all."""
    threads = [threading.Thread(target=client, args=pair)
               for pair in zip(tokens, shares, strict=True)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def batched_http(port: int, bodies: list[bytes], tokens: list[str]) -> float:
    """Send `bodies` from one client per token (each its own cadre), concurrently."""

    def client(token, mine):
        conn = http.client.HTTPConnection("127.0.0.1", port)
        for body in mine:
            post(conn, body, token)

    return run_clients(client, tokens, [bodies[i::len(tokens)] for i in range(len(tokens))])


def single_pings(port: int, tokens: list[str], bodies: list[list[bytes]]) -> dict:
    latencies: list[float] = []
    lock = threading.Lock()

    def client(token, mine):
        conn = http.client.HTTPConnection("127.0.0.1", port)
        local = [post(conn, body, token) for body in mine]
        with lock:
            latencies.extend(local)

    elapsed = run_clients(client, tokens, bodies)
    latencies.sort()
    return {"rps": len(latencies) / elapsed,
            "p50_ms": 1000 * latencies[len(latencies) // 2],
            "p99_ms": 1000 * latencies[int(len(latencies) * 0.99)]}


def raw_load(url: str, pings: list[dict], cadre_id: int) -> float:
    """The ceiling: the same rows, every column the app stores, into the same indexed
    table in one bulk operation."""
    from fieldapp.config import SETTINGS
    from fieldapp.db.engines import sqlite_dbapi
    from fieldapp.services.ingest.ping_insert import INSERT_NAMES, sql_timestamp

    received = sql_timestamp(datetime.now(UTC))
    values = [{"cadre_id": cadre_id, "device_id": cadre_id, "client_id": f"raw-{p['id']}",
               "recorded_at": sql_timestamp(datetime.fromisoformat(p["recorded_at"])),
               "clock": "device", "received_at": received, "lat": p["lat"], "lon": p["lon"],
               "orig_lat": p["lat"], "orig_lon": p["lon"], "crs": "wgs84",
               "accuracy": p["accuracy"], "battery": p["battery"], "village_code": VILLAGE,
               "fence": "inside", "distance_m": 0.0} for p in pings]
    rows = [[v.get(name) for name in INSERT_NAMES] for v in values]  # the app's column order
    lat, lon = INSERT_NAMES.index("lat"), INSERT_NAMES.index("lon")
    columns = ", ".join(INSERT_NAMES) + ", geom"
    if url.startswith("sqlite"):
        conn = sqlite_dbapi().connect(make_url(url).database)
        conn.enable_load_extension(True)
        conn.load_extension("mod_spatialite")
        pages = next(s.default for s in SETTINGS if s.key == "SQLITE_CHECKPOINT_PAGES")
        for pragma in ("synchronous=NORMAL", f"wal_autocheckpoint={pages}"):  # as the app's
            conn.execute(f"PRAGMA {pragma}")
        started = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany(f"INSERT INTO pings ({columns}) VALUES "
                         f"({', '.join('?' * len(INSERT_NAMES))}, MakePoint(?, ?, 4326))",
                         [[*r, r[lon], r[lat]] for r in rows])
        conn.execute("COMMIT")
        elapsed = time.perf_counter() - started
        conn.close()
        return elapsed
    import psycopg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn:
        started = time.perf_counter()
        with conn.cursor() as cur, cur.copy(f"COPY pings ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([*row, f"SRID=4326;POINT({row[lon]} {row[lat]})"])
        conn.commit()
        return time.perf_counter() - started


def check_stored(url: str, sent: int) -> None:
    """Every ping sent over HTTP is in the table: a 200 that stored nothing (a rejected fix,
    a stale sender) would otherwise count as fast."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM pings "
                                   "WHERE client_id NOT LIKE 'raw-%'")).scalar_one()
    engine.dispose()
    if stored != sent:
        raise SystemExit(f"{stored} of {sent} pings sent over HTTP were stored")


def run_backend(backend: str, args, rng) -> None:
    """Alternate the measured load and its baseline, round by round, on one database."""
    with tempfile.TemporaryDirectory() as tmp:
        url = prepare_database(backend, Path(tmp))
        try:
            tokens, point = setup_people(url, 16)
            env = {"FIELDAPP_DATABASE_URL": url, "FIELDAPP_SECRET_KEY": "bench",
                   "FIELDAPP_MAX_BACKFILL_DAYS": "14",
                   "FIELDAPP_COLLECTION": "track"}  # every ping stored: bench/collection.py
            app = Server("wsgi:app", args.port, env)
            bare = Server("bench.bare_app:app", args.port + 1, {})
            try:
                warm = [json.dumps({"pings": make_pings(500, point, rng)}).encode()
                        for _ in range(2)]
                batched_http(args.port, warm, tokens[:2])  # caches, imports, pool
                batched, raw, app_single, bare_single = [], [], [], []
                for _ in range(args.rounds):
                    batches = [make_pings(500, point, rng) for _ in range(args.batches)]
                    bodies = [json.dumps({"pings": b}).encode() for b in batches]
                    n = 500 * args.batches
                    batched.append(n / batched_http(args.port, bodies,
                                                    tokens[:args.batch_clients]))
                    raw.append(n / raw_load(url, [p for b in batches for p in b], 1))
                for _ in range(args.rounds):
                    app_single.append(single_pings(args.port, tokens,
                                                   _single_bodies(args, point, rng)))
                    bare_single.append(single_pings(args.port + 1, tokens,
                                                    _single_bodies(args, point, rng)))
            finally:
                app.stop()
                bare.stop()
            sent = 500 * (len(warm) + args.rounds * args.batches) + 16 * args.rounds * args.singles
            check_stored(url, sent)
        finally:
            drop_database(url)
    ceiling = "COPY" if backend == "postgis" else "executemany, one transaction"
    print(f"\n== {backend} == (median of {args.rounds} alternating rounds)")
    print(f"batched HTTP (500/request, {args.batch_clients} clients): "
          f"{median(batched):9.0f} pings/s")
    print(f"raw bulk load ({ceiling}): {median(raw):9.0f} rows/s")
    print(f"  ratio batched/raw: {_ratios(batched, raw)}")
    print(f"single pings, 16 clients: {_latency(app_single)}")
    print(f"bare Flask, same load:    {_latency(bare_single)}")
    print(f"  ratio single/bare: "
          f"{_ratios([r['rps'] for r in app_single], [r['rps'] for r in bare_single])}")


def _single_bodies(args, point, rng) -> list[list[bytes]]:
    return [[json.dumps(p).encode() for p in make_pings(args.singles, point, rng)]
            for _ in range(16)]


def _ratios(measured: list[float], baseline: list[float]) -> str:
    ratios = sorted(m / b for m, b in zip(measured, baseline, strict=True))
    return f"{median(ratios):.2f} (rounds: {', '.join(f'{r:.2f}' for r in ratios)})"


def _latency(rounds: list[dict]) -> str:
    return (f"{median(r['rps'] for r in rounds):7.0f} req/s  "
            f"p50 {median(r['p50_ms'] for r in rounds):.1f} ms  "
            f"p99 {median(r['p99_ms'] for r in rounds):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="spatialite,postgis")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batches", type=int, default=40, help="batches of 500 per round")
    parser.add_argument("--batch-clients", type=int, default=2,
                        help="concurrent clients sending batches (one per worker)")
    parser.add_argument("--singles", type=int, default=400,
                        help="requests per client per round")
    parser.add_argument("--port", type=int, default=8911)
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    print(f"gunicorn: {' '.join(GUNICORN[1:])}; {os.cpu_count()} cores")
    for backend in args.backends.split(","):
        run_backend(backend, args, rng)


if __name__ == "__main__":
    main()
