"""Evaluation benchmark: a county week of pings, evaluated, against a bare NumPy pass.

    .venv/bin/python bench/evaluate.py [--backends spatialite,postgis] [--interval-min 5]

Loads the demo county (446 cadres) and one finished ISO week of pings every few minutes
with the demo week's mix (services/people/demo_week.py: compliant, commuting — sleeping in
town —, absent, silent, spoofing) straight into the pings table. Then runs `presence
evaluate` for the week in a fresh process and reports its wall time and peak memory (max
RSS), and the ratio to a bare pass that only fence-classifies the same pings in memory
with NumPy. PostGIS needs FIELDAPP_TEST_POSTGRES_URL (an admin URL), as for
bench/ingest.py.
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


def make_app(url: str):
    from fieldapp import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})


def setup(url: str, interval_min: int) -> dict:
    """Migrate, load the demo county and people, and a week of pings; return the week and
    the pings as arrays for the bare pass."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from fieldapp.config import app_settings
    from fieldapp.extensions import db
    from fieldapp.models import Assignment
    from fieldapp.services.people.demo import load_demo
    from fieldapp.services.people.demo_week import home_points
    from fieldapp.services.presence import evaluation

    app = make_app(url)
    settings = app_settings(app)
    with app.app_context():
        upgrade()
        load_demo("bench-password", progress=lambda _: None)
        monday = evaluation.last_finished_week(settings)[0]
        posts = db.session.execute(select(Assignment.cadre_id, Assignment.region_code)).all()
        homes = home_points({p.region_code for p in posts})  # commits: SQLite's write lock
        pings = generate(settings, posts, homes, monday, interval_min)
        load_rows(db, pings)
    return {"monday": monday, "pings": pings, "posts": posts}


def generate(settings, posts, homes, monday, interval_min: int) -> dict:
    """Columns of a week of pings for every cadre in `posts`, with the demo week's
    behaviours and fixes (services/people/demo_week.py), in WGS-84, Monday to Sunday."""
    from fieldapp.domain.dates import start_of
    from fieldapp.services.people.demo_week import behaviours, week_fixes

    end = start_of(monday + timedelta(days=7), settings.zone).timestamp()
    columns = {k: [] for k in ("cadre", "epoch", "lat", "lon", "accuracy", "mock", "code")}
    for (cadre_id, code), kind in zip(posts, behaviours(len(posts)), strict=True):
        fixes = week_fixes(settings, cadre_id, kind, homes[code], monday, interval_min,
                           crs="wgs84")
        keep = fixes["epoch"] < end  # the next Monday's early hours belong to the next week
        count = int(keep.sum())
        if not count:
            continue
        columns["cadre"].append(np.full(count, cadre_id))
        for name in ("epoch", "lat", "lon", "accuracy"):
            columns[name].append(fixes[name][keep])
        columns["mock"].append(np.full(count, fixes["mock"]))
        columns["code"].append(np.full(count, code))
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


def run_backend(backend: str, interval_min: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = prepare_database(backend, Path(tmp))
        try:
            data = setup(url, interval_min)
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
        run_backend(backend, args.interval_min)


if __name__ == "__main__":
    main()
