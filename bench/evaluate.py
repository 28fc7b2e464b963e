"""Evaluation benchmark: a county week of pings, evaluated, against a bare NumPy pass.

    .venv/bin/python bench/evaluate.py [--backends spatialite,postgis] [--interval-min 5]

Loads the demo county (446 cadres) and one finished ISO week of pings every few minutes
for a realistic mix — compliant, commuting (sleeping in town), absent, silent and
spoofing cadres — straight into the pings table. Then runs `presence evaluate` for the
week in a fresh process and reports its wall time and peak memory (max RSS), and the
ratio to a bare pass that only fence-classifies the same pings in memory with NumPy.
PostGIS needs FIELDAPP_TEST_POSTGRES_URL (an admin URL), as for bench/ingest.py.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import drop_database, prepare_database  # noqa: E402

MIX = {"compliant": 0.70, "commuting": 0.10, "absent": 0.08, "silent": 0.07, "spoofing": 0.05}


def make_app(url: str):
    from fieldapp import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})


def setup(url: str, interval_min: int, rng) -> dict:
    """Migrate, load the demo county and people, and a week of pings; return the week and
    the pings as arrays for the bare pass."""
    from flask_migrate import upgrade
    from geoalchemy2.shape import to_shape
    from sqlalchemy import select

    from fieldapp.config import app_settings
    from fieldapp.extensions import db
    from fieldapp.models import Assignment, Region
    from fieldapp.services.people.demo import load_demo
    from fieldapp.services.presence import evaluation

    app = make_app(url)
    settings = app_settings(app)
    with app.app_context():
        upgrade()
        load_demo("bench-password", progress=lambda _: None)
        finished = evaluation.last_finished_day(settings.evaluation.windows.night[1],
                                                settings.zone)
        monday = finished - timedelta(days=finished.weekday() + 7 * (finished.weekday() < 6))
        posts = db.session.execute(select(Assignment.cadre_id, Assignment.region_code)).all()
        shapes = {code: to_shape(b) for code, b in db.session.execute(
            select(Region.code, Region.boundary).where(
                Region.code.in_({p.region_code for p in posts})))}
        db.session.commit()  # SQLite: release the session's write lock for the bulk load
        pings = generate(posts, shapes, monday, interval_min, rng)
        load_rows(db, pings)
    return {"monday": monday, "pings": pings, "posts": posts}


def generate(posts, shapes, monday, interval_min: int, rng) -> dict:
    """Columns of a week of pings for every cadre, by behaviour."""
    start = datetime.combine(monday, datetime.min.time(), UTC) - timedelta(hours=8)
    steps = np.arange(0, 7 * 24 * 60, interval_min) * 60.0
    local_hour = ((steps / 3600.0) % 24)
    night = (local_hour >= 21) | (local_hour < 6)
    kinds = rng.choice(list(MIX), size=len(posts), p=list(MIX.values()))
    columns = {k: [] for k in ("cadre", "epoch", "lat", "lon", "accuracy", "mock", "code")}
    for (cadre_id, code), kind in zip(posts, kinds, strict=True):
        if kind == "silent":
            continue
        home = shapes[code].representative_point()
        town = (home.y + 0.09, home.x + 0.05)  # ~11 km away
        lat = np.full(len(steps), home.y)
        lon = np.full(len(steps), home.x)
        if kind == "commuting":
            lat[night], lon[night] = town
        if kind == "absent":
            lat[:], lon[:] = town
        noise = rng.normal(0, 8e-5, (len(steps), 2))
        if kind == "spoofing":
            noise[:] = 0
        columns["cadre"].append(np.full(len(steps), cadre_id))
        columns["epoch"].append(start.timestamp() + steps + rng.uniform(0, 30, len(steps)))
        columns["lat"].append(lat + noise[:, 0])
        columns["lon"].append(lon + noise[:, 1])
        columns["accuracy"].append(rng.uniform(5, 40, len(steps)))
        columns["mock"].append(np.full(len(steps), kind == "spoofing"))
        columns["code"].append(np.full(len(steps), code))
    return {k: np.concatenate(v) for k, v in columns.items()}


def load_rows(db, pings: dict) -> None:
    """Bulk-load the generated pings (COPY on PostGIS, executemany on SpatiaLite)."""
    stamps = [datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
              for t in pings["epoch"]]
    received = [datetime.fromtimestamp(t + 120, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
                for t in pings["epoch"]]
    rows = zip(pings["cadre"].tolist(), range(len(stamps)), stamps, received,
               pings["lat"].tolist(), pings["lon"].tolist(), pings["accuracy"].tolist(),
               pings["mock"].tolist(), pings["code"].tolist(), strict=True)
    columns = ("cadre_id, client_id, recorded_at, received_at, lat, lon, orig_lat, orig_lon, "
               "crs, accuracy, mock, village_code, fence, geom")
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if db.engine.dialect.name == "postgresql":
            with cursor.copy(f"COPY pings ({columns}) FROM STDIN") as copy:
                for c, i, t, r, la, lo, acc, mock, code in rows:
                    copy.write_row((c, f"b{i}", t, r, la, lo, la, lo, "wgs84", acc, mock, code,
                                    "unassigned", f"SRID=4326;POINT({lo} {la})"))
        else:
            cursor.executemany(
                f"INSERT INTO pings ({columns}) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, 'wgs84', ?, ?, ?, 'unassigned', MakePoint(?, ?, 4326))",
                ((c, f"b{i}", t, r, la, lo, la, lo, acc, mock, code, lo, la)
                 for c, i, t, r, la, lo, acc, mock, code in rows))
        raw.commit()
    finally:
        raw.close()


def bare_pass(url: str, pings: dict) -> float:
    """Seconds to fence-classify the same pings in memory, one vectorised call per village."""
    from fieldapp.config import app_settings
    from fieldapp.domain.fence import fence_masks
    from fieldapp.services.geodata.fences import fences_for

    app = make_app(url)
    with app.app_context():
        fences = fences_for(set(pings["code"].tolist()))
        rules = app_settings(app).fence
        started = time.perf_counter()
        order = np.argsort(pings["code"], kind="stable")
        codes = pings["code"][order]
        bounds = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1], True])
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
            index = order[lo:hi]
            fence = fences[codes[lo]]
            distance = fence.distances_m(pings["lat"][index], pings["lon"][index])
            fence_masks(distance, pings["accuracy"][index], rules)
        return time.perf_counter() - started


def evaluate_child(url: str, week: str) -> None:
    """Run in a fresh process so max RSS is the evaluation's own."""
    from fieldapp.config import app_settings
    from fieldapp.services.presence import evaluation

    app = make_app(url)
    with app.app_context():
        started = time.perf_counter()
        report = evaluation.evaluate(app_settings(app),
                                     *evaluation.parse_range(week=week)).report
        seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "report": report}))


def run_backend(backend: str, interval_min: int, rng) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = prepare_database(backend, Path(tmp))
        try:
            data = setup(url, interval_min, rng)
            year, number, _ = data["monday"].isocalendar()
            week = f"{year}-W{number:02d}"
            results = []
            for _ in range(2):  # the second run evaluates an already evaluated week
                child = subprocess.run([sys.executable, __file__, "--child", url, week],
                                       capture_output=True, text=True, cwd=ROOT)
                if child.returncode:
                    raise SystemExit(f"evaluation failed:\n{child.stderr}")
                results.append(json.loads(child.stdout.strip().splitlines()[-1]))
            bare = min(bare_pass(url, data["pings"]) for _ in range(3))
            first, again = results
            print(f"{backend}: {len(data['pings']['epoch']):,} pings, "
                  f"{len(data['posts'])} cadres, week {week}")
            print(f"  evaluate:  {first['seconds']:.2f} s, peak {first['peak_mb']:.0f} MB "
                  f"(report {first['report']})")
            print(f"  re-run:    {again['seconds']:.2f} s "
                  f"(raised {again['report'].get('raised', 0)})")
            print(f"  bare NumPy classification: {bare:.2f} s; "
                  f"evaluation / bare = {first['seconds'] / bare:.1f}x")
        finally:
            drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="spatialite,postgis")
    parser.add_argument("--interval-min", type=int, default=5)
    parser.add_argument("--child", nargs=2, metavar=("URL", "WEEK"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        evaluate_child(*args.child)
        return
    for backend in args.backends.split(","):
        run_backend(backend, args.interval_min, np.random.default_rng(47))


if __name__ == "__main__":
    main()
