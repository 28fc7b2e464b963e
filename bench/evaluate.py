"""Evaluation benchmark: a county week of pings, evaluated, against a bare NumPy pass.

    .venv/bin/python bench/evaluate.py [--backends spatialite,postgis] [--interval-min 5]
                                       [--profile FILE]

Loads the demo county (446 cadres) and one finished ISO week of pings every few minutes
with the demo week's mix (services/people/demo_week.py: compliant, commuting — sleeping in
town —, absent, silent, spoofing) straight into the pings table. Then runs `presence
evaluate` for the week in a fresh process and reports its wall time and peak memory
(VmHWM), and two ratios: to a bare pass that only fence-classifies the same pings in memory
with NumPy, and to a raw baseline, that pass plus the plainest read of the columns the
evaluation reads (COPY on PostGIS, a bare SELECT on SpatiaLite) for the same cadres and
time ranges, township by township as the evaluation reads them. `--profile FILE` saves
a cProfile of a third evaluation. PostGIS needs FIELDAPP_TEST_POSTGRES_URL (an admin
URL), as for bench/ingest.py.
"""
from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
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
    return {"monday": monday, "pings": pings, "posts": posts, "reads": reads(settings, posts,
                                                                            monday)}


def reads(settings, posts, monday) -> list[tuple[list[int], datetime, datetime]]:
    """The evaluation's ping reads of the week: per township, its cadres, from the first
    local midnight to the last night's end. Monthly posts make the evaluation's read start
    on the 1st; no fix is older than Monday, so the rows are the same."""
    from fieldapp.domain.dates import end_of, start_of

    start = start_of(monday, settings.zone)
    end = end_of(monday + timedelta(days=6), settings.zone) + timedelta(hours=12)
    townships: dict[str, set[int]] = {}
    for cadre_id, code in posts:
        townships.setdefault(code[:9], set()).add(cadre_id)
    return [(sorted(ids), start, end) for _, ids in sorted(townships.items())]


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


# The columns `presence.ping_arrays` reads, as stored.
RAW_COLUMNS = ("id, cadre_id, recorded_at, received_at, lat, lon, orig_lat, orig_lon, "
               "accuracy, mock")
# A binary COPY row of them without NULLs: a field count, then each field's length and value.
_COPY_ROW = np.dtype([("fields", ">i2")] + [
    field for i, kind in enumerate((">i8", ">i4", ">i8", ">i8", ">f8", ">f8", ">f8", ">f8",
                                    ">f8", "i1"))
    for field in ((f"length{i}", ">i4"), (f"value{i}", kind))])
_COPY_HEADER, _COPY_TRAILER = 19, 2


def raw_read(url: str, reads: list) -> tuple[float, int]:
    """Seconds and rows of the plainest read of the evaluation's columns and rows: on
    PostGIS a binary COPY per read into bytes, unpacked by NumPy without a Python object per
    value; on SpatiaLite a bare SELECT per read and its fetchall. No ORDER BY, no time
    conversion, no NULL handling (the generated pings have no NULL)."""
    app = make_app(url)
    with app.app_context():
        from fieldapp.extensions import db

        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            started = time.perf_counter()
            rows = 0
            for cadre_ids, start, end in reads:
                lo, hi = (t.astimezone(UTC).replace(tzinfo=None) for t in (start, end))
                if db.engine.dialect.name == "postgresql":
                    query = (f"COPY (SELECT {RAW_COLUMNS} FROM pings WHERE cadre_id = ANY(%s) "
                             "AND recorded_at >= %s AND recorded_at < %s) "
                             "TO STDOUT (FORMAT binary)")
                    with cursor.copy(query, (cadre_ids, lo, hi)) as copy:
                        data = b"".join(copy)
                    rows += len(np.frombuffer(data, _COPY_ROW,
                                              offset=_COPY_HEADER,
                                              count=(len(data) - _COPY_HEADER - _COPY_TRAILER)
                                              // _COPY_ROW.itemsize))
                else:
                    marks = ", ".join("?" * len(cadre_ids))
                    rows += len(cursor.execute(
                        f"SELECT {RAW_COLUMNS} FROM pings WHERE cadre_id IN ({marks}) "
                        "AND recorded_at >= ? AND recorded_at < ?",
                        (*cadre_ids, f"{lo:%Y-%m-%d %H:%M:%S.%f}",
                         f"{hi:%Y-%m-%d %H:%M:%S.%f}")).fetchall())
            return time.perf_counter() - started, rows
        finally:
            raw.close()


def app_read(url: str, reads: list) -> float:
    """Seconds of the evaluation's own read (`ping_arrays.read_ping_arrays`) of the same
    rows, columns sorted and times in epoch seconds."""
    from fieldapp.services.presence.ping_arrays import read_ping_arrays

    app = make_app(url)
    with app.app_context():
        started = time.perf_counter()
        for cadre_ids, start, end in reads:
            read_ping_arrays(cadre_ids, start, end)
        return time.perf_counter() - started


def evaluate_child(url: str, week: str, profile: str) -> None:
    """Run in a fresh process so the peak memory is the evaluation's own."""
    from fieldapp.config import app_settings
    from fieldapp.services.presence import evaluation

    app = make_app(url)
    with app.app_context():
        settings, days = app_settings(app), evaluation.parse_range(week=week)
        started = time.perf_counter()
        with cProfile.Profile() if profile else contextlib.nullcontext() as profiler:
            report = evaluation.evaluate(settings, *days).report
        seconds = time.perf_counter() - started
        if profile:
            profiler.dump_stats(profile)
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over the exec from the parent, which holds
    # the generated pings
    status = Path("/proc/self/status").read_text()
    peak = int(status.split("VmHWM:")[1].split()[0]) / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "report": report}))


def run_backend(backend: str, interval_min: int, profile: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = prepare_database(backend, Path(tmp))
        try:
            data = setup(url, interval_min)
            year, number, _ = data["monday"].isocalendar()
            week = f"{year}-W{number:02d}"
            results = []
            # the second run evaluates an already evaluated week; a third, if asked, profiles
            for saved in ["", ""] + ([f"{profile}.{backend}"] if profile else []):
                child = subprocess.run([sys.executable, __file__, "--child", url, week, saved],
                                       capture_output=True, text=True, cwd=ROOT)
                if child.returncode:
                    raise SystemExit(f"evaluation failed:\n{child.stderr}")
                results.append(json.loads(child.stdout.strip().splitlines()[-1]))
            bare = min(bare_pass(url, data["pings"]) for _ in range(3))
            read, rows = min(raw_read(url, data["reads"]) for _ in range(3))
            own_read = min(app_read(url, data["reads"]) for _ in range(3))
            first, again = results[:2]
            how = "binary COPY" if backend == "postgis" else "bare SELECT, fetchall"
            print(f"{backend}: {len(data['pings']['epoch']):,} pings, "
                  f"{len(data['posts'])} cadres, week {week}")
            print(f"  evaluate:  {first['seconds']:.2f} s, peak {first['peak_mb']:.0f} MB "
                  f"(report {first['report']})")
            print(f"  re-run:    {again['seconds']:.2f} s "
                  f"(raised {again['report'].get('raised', 0)})")
            if profile:
                print(f"  profiled re-run: {results[2]['seconds']:.2f} s, "
                      f"saved as {profile}.{backend}")
            print(f"  bare NumPy classification: {bare:.2f} s; "
                  f"evaluation / bare = {first['seconds'] / bare:.1f}x")
            print(f"  raw read ({how}): {read:.2f} s, {rows:,} rows in "
                  f"{len(data['reads'])} reads (the evaluation kept "
                  f"{first['report'].get('pings', 0):,}); the evaluation's own read "
                  f"{own_read:.2f} s")
            print(f"  evaluation / (raw read + bare) = {first['seconds'] / (read + bare):.2f}x")
        finally:
            drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="spatialite,postgis")
    parser.add_argument("--interval-min", type=int, default=5)
    parser.add_argument("--profile", metavar="FILE",
                        help="profile a third evaluation with cProfile into FILE.<backend>")
    parser.add_argument("--child", nargs=3, metavar=("URL", "WEEK", "PROFILE"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        evaluate_child(*args.child)
        return
    for backend in args.backends.split(","):
        run_backend(backend, args.interval_min, args.profile)


if __name__ == "__main__":
    main()
