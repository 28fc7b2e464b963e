"""Scale benchmark on PostGIS: several counties, a county quarter, a month's retention.

    .venv/bin/python bench/scale.py [--counties 1,2,4,8] [--weeks-quarter 13] [--interval-min 5]
        [--reads 300] [--cadres 446] [--chunk 10000] [--rounds 2] [--parts counties,quarter]

counties: the demo county, then copies of its regions under new county codes (shifted east
so that none overlaps another) with a copy of its people, each with a finished week of fixes
in the demo week's mix. At each step (1, 2, 4, 8 counties) the new counties' fixes go in
chunks of `--chunk` rows, alternately through the app's insert path
(`ping_insert.insert_pings`, batches of 500 on an autocommit connection) and by a raw COPY
into the same table, and the two rates are compared; the week is evaluated once over every
county (writing the new counties' records), then `--rounds` times each, in fresh processes:
serial (every county in one process) and parallel (the townships split over two).

quarter: the demo county with `--weeks-quarter` weeks of fixes loaded by COPY; `--reads`
random cadre-weeks read through the evaluation's read (`ping_arrays.read_ping_arrays`) and
the console's fix-track read (`fix_tracks.fixes_between`) against a bare psycopg SELECT of
the same rows; then the app's retention purge run as of the moment one month partition
falls due, its statements timed by kind, against a DELETE of as many rows of another month.

Each part runs on its own throw-away database (bench/common.py); FIELDAPP_TEST_POSTGRES_URL
is an admin URL, as for the other scripts.
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from itertools import chain
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import drop_database, migrate_with_demo, prepare_database  # noqa: E402

BATCH = 500
DEMO_COUNTY = "410922"
COPY_PREFIX = 419900  # county k (2..8) is 4199(k): codes the demo boundaries never use
RAW_COLUMNS = ("id, cadre_id, recorded_at, received_at, lat, lon, orig_lat, orig_lon, "
               "accuracy, mock")


def make_app(url: str):
    from fieldapp import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})


def ensure_months(first: date) -> None:
    """The app's partitions from `first`'s month to the next month after today's."""
    from fieldapp.db.partitions import ensure_partitions
    from fieldapp.extensions import db

    ensure_partitions(db.session.connection(), first, datetime.now(UTC).date())
    db.session.commit()


def copy_county(number: int, posts: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """County `number` (2..): the demo county's regions under the code 4199(number), shifted
    east by (number - 1) county widths, and a cadre posted as each of `posts` is (same
    name, role, unit, policy). Returns the new posts in the same order."""
    from sqlalchemy import select, text

    from fieldapp.extensions import db
    from fieldapp.models import Assignment, Cadre
    from fieldapp.services.people import registry
    from fieldapp.services.people.demo import ASSIGNED_FROM

    prefix = str(COPY_PREFIX + number)
    width = db.session.scalar(text(
        "SELECT ST_XMax(boundary) - ST_XMin(boundary) + 0.05 FROM regions WHERE code = :c"),
        {"c": DEMO_COUNTY})
    db.session.execute(text(
        "INSERT INTO regions (code, name, level, parent_code, boundary, updated_at) "
        "SELECT :prefix || substr(code, 7), name || ' ' || :number, level, "
        "CASE WHEN parent_code LIKE :demo THEN :prefix || substr(parent_code, 7) "
        "ELSE parent_code END, ST_Translate(boundary, :dx, 0), now() "
        "FROM regions WHERE code LIKE :demo ORDER BY length(code)"),
        {"prefix": prefix, "number": str(number), "demo": DEMO_COUNTY + "%",
         "dx": width * (number - 1)})
    db.session.commit()
    copied = []
    for i, (cadre_id, village) in enumerate(posts, start=1):
        cadre = db.session.get(Cadre, cadre_id)
        policy = db.session.scalar(select(Assignment.policy).where(
            Assignment.cadre_id == cadre_id, Assignment.region_code == village))
        twin = registry.create_cadre(cadre.name, cadre.role, cadre.unit,
                                     phone=f"139{prefix[2:]}{i:04d}")
        code = prefix + village[6:]
        registry.create_assignment(twin.id, code, ASSIGNED_FROM, policy=policy)
        copied.append((twin.id, code))
    return copied


def week_rows(settings, posts, homes, monday: date, interval_min: int):
    """Each cadre's rows of the week (values in `ping_insert.INSERT_NAMES` order), in the
    demo week's behaviours and fixes, WGS-84, Monday to Sunday."""
    from fieldapp.domain.dates import start_of
    from fieldapp.services.people.demo_week import behaviours, week_fixes

    end = start_of(monday + timedelta(days=7), settings.zone).timestamp()
    for (cadre_id, code), kind in zip(posts, behaviours(len(posts)), strict=True):
        fixes = week_fixes(settings, cadre_id, kind, homes[code], monday, interval_min,
                           crs="wgs84")
        keep = fixes["epoch"] < end
        if not keep.any():
            continue
        epoch = fixes["epoch"][keep]
        stamps = np.datetime_as_string((epoch * 1e6).astype("datetime64[us]"), unit="us")
        received = np.datetime_as_string(((epoch + 120) * 1e6).astype("datetime64[us]"),
                                         unit="us")
        lat, lon = fixes["lat"][keep].tolist(), fixes["lon"][keep].tolist()
        accuracy, battery = fixes["accuracy"][keep].tolist(), fixes["battery"][keep].tolist()
        mock = bool(fixes["mock"])
        yield [[cadre_id, None, str(uuid.uuid4()), t, "device", r, la, lo, la, lo, "wgs84",
                acc, None, None, None, None, bat, mock, None, code, "unassigned", None]
               for t, r, la, lo, acc, bat in zip(stamps.tolist(), received.tolist(), lat,
                                                 lon, accuracy, battery, strict=True)]


def chunks(rows_by_cadre, size: int):
    chunk = []
    for rows in rows_by_cadre:
        chunk += rows
        while len(chunk) >= size:
            yield chunk[:size]
            chunk = chunk[size:]
    if chunk:
        yield chunk


def copy_rows(raw, rows: list[list]) -> None:
    """A raw COPY of `rows` into pings (the app's columns and the point), committed."""
    from fieldapp.services.ingest.ping_insert import INSERT_NAMES

    lat, lon = INSERT_NAMES.index("lat"), INSERT_NAMES.index("lon")
    with raw.cursor() as cursor, cursor.copy(
            f"COPY pings ({', '.join(INSERT_NAMES)}, geom) FROM STDIN") as copy:
        for row in rows:
            copy.write_row((*row, f"SRID=4326;POINT({row[lon]} {row[lat]})"))
    raw.commit()


def ingest_step(settings, counties, homes, monday, interval_min, chunk_rows) -> dict:
    """The step's fixes (each county's posts in `counties` with the demo's mix of
    behaviours), chunk by chunk alternately through insert_pings and by COPY."""
    from sqlalchemy import text

    from fieldapp.db.connections import autocommit_connection
    from fieldapp.extensions import db
    from fieldapp.services.ingest.ping_insert import insert_pings

    seconds, rows = {"app": 0.0, "copy": 0.0}, {"app": 0, "copy": 0}
    raw = db.engine.raw_connection()
    try:
        with autocommit_connection() as conn:
            version = conn.scalar(text("SELECT version FROM sender_version"))
            for number, chunk in enumerate(chunks(
                    chain.from_iterable(week_rows(settings, posts, homes, monday, interval_min)
                                        for posts in counties), chunk_rows)):
                path = "app" if number % 2 == 0 else "copy"
                started = time.perf_counter()
                if path == "app":
                    stored = sum(len(insert_pings(conn, chunk[i:i + BATCH], version))
                                 for i in range(0, len(chunk), BATCH))
                    if stored != len(chunk):
                        raise SystemExit(f"insert_pings stored {stored} of {len(chunk)}")
                else:
                    copy_rows(raw.driver_connection, chunk)
                seconds[path] += time.perf_counter() - started
                rows[path] += len(chunk)
    finally:
        raw.close()
    return {"app_rate": rows["app"] / seconds["app"], "copy_rate": rows["copy"] / seconds["copy"],
            "rows": rows["app"] + rows["copy"]}


def townships(regions: list[str]) -> list[tuple[str, int]]:
    """(township, assignments in it) of the counties `regions`."""
    from sqlalchemy import func, select

    from fieldapp.extensions import db
    from fieldapp.models import Assignment
    from fieldapp.services.presence.evaluation import townships_of

    township = func.substr(Assignment.region_code, 1, 9)
    posted = dict(db.session.execute(select(township, func.count()).group_by(township)).all())
    db.session.commit()
    return [(t, posted.get(t, 0)) for region in regions for t in townships_of(region)]


def halves(parts: list[tuple[str, int]]) -> list[list[str]]:
    """Two lists of townships with about as many assignments each (largest first, each to
    the half with fewer assignments, then fewer townships)."""
    split: list[list[str]] = [[], []]
    load = [0, 0]
    for code, count in sorted(parts, key=lambda p: -p[1]):
        lighter = min((0, 1), key=lambda i: (load[i], len(split[i])))
        split[lighter].append(code)
        load[lighter] += count
    return split


def evaluate_children(url: str, first: date, last: date, groups: list[list[str]]) -> dict:
    """Evaluate each group of regions in a fresh process of its own, all started together
    once every child is ready; wall time from the first start to the last end."""
    children = [subprocess.Popen(
        [sys.executable, __file__, "--child", url, first.isoformat(), last.isoformat(),
         ",".join(group)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        for group in groups]
    for child in children:
        if child.stdout.readline().strip() != "ready":
            raise SystemExit("an evaluation child failed to start")
    for child in children:
        child.stdin.write("go\n")
        child.stdin.flush()
    results = []
    for child in children:
        out, _ = child.communicate()
        if child.returncode:
            raise SystemExit("an evaluation child failed")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return {"wall": max(r["end"] for r in results) - min(r["start"] for r in results),
            "each": [r["end"] - r["start"] for r in results],
            "cpu": sum(r["cpu"] for r in results),
            "pings": sum(r["pings"] for r in results),
            "raised": sum(r["raised"] for r in results)}


def evaluate_child(url: str, first: str, last: str, regions: str) -> None:
    """Run in a fresh process: evaluate each region over [first, last] when told to go."""
    from fieldapp.config import app_settings
    from fieldapp.services.presence import evaluation

    app = make_app(url)
    with app.app_context():
        settings = app_settings(app)
        print("ready", flush=True)
        sys.stdin.readline()
        pings = raised = 0
        start, cpu = time.time(), time.process_time()
        for region in regions.split(","):
            report = evaluation.evaluate(settings, date.fromisoformat(first),
                                         date.fromisoformat(last), region).report
            pings += report.get("pings", 0)
            raised += report.get("raised", 0)
        end, cpu = time.time(), time.process_time() - cpu
    print(json.dumps({"start": start, "end": end, "cpu": cpu, "pings": pings, "raised": raised}))


def walls(runs: list[dict]) -> str:
    return ", ".join(f"{run['wall']:.2f}" for run in runs)


def table_bytes(names: list[str]) -> dict[str, int]:
    """pg_total_relation_size of each table, summed over its partitions."""
    from sqlalchemy import text

    from fieldapp.extensions import db

    sizes = {name: db.session.scalar(text(
        "SELECT coalesce((SELECT sum(pg_total_relation_size(relid)) "
        "FROM pg_partition_tree(CAST(:t AS regclass))), pg_total_relation_size(:t))"),
        {"t": name}) for name in names}
    db.session.commit()
    return sizes


def run_counties(sizes: list[int], cadres: int, interval_min: int, chunk_rows: int,
                 rounds: int) -> None:
    from fieldapp.config import app_settings
    from fieldapp.extensions import db
    from fieldapp.services.people.demo import demo_posts
    from fieldapp.services.people.demo_week import home_points
    from fieldapp.services.presence import evaluation

    with tempfile.TemporaryDirectory() as tmp:
        url = prepare_database("postgis", Path(tmp))
        try:
            app = make_app(url)
            settings = app_settings(app)
            results = {}
            with app.app_context():
                migrate_with_demo(cadres)
                first, last = evaluation.last_finished_week(settings)
                ensure_months(first)
                demo = demo_posts()
                counties, total = [], 0
                print(f"counties: week {first}..{last}, {len(demo)} cadres a county, "
                      f"a fix every {interval_min} min", flush=True)
                for size in sizes:
                    started = time.perf_counter()
                    added = []
                    while len(counties) < size:
                        number = len(counties) + 1
                        added.append(demo if number == 1 else copy_county(number, demo))
                        counties.append(DEMO_COUNTY if number == 1
                                        else str(COPY_PREFIX + number))
                    homes = home_points({code for posts in added for _, code in posts})
                    step = ingest_step(settings, added, homes, first, interval_min, chunk_rows)
                    total += step["rows"]
                    db.session.execute(db.text("ANALYZE pings"))
                    db.session.commit()
                    load_s = time.perf_counter() - started
                    written = evaluate_children(url, first, last, [counties])
                    serials, parallels = [], []
                    for turn in range(rounds):  # alternating which goes first
                        for way in (("serial", "parallel") if turn % 2 == 0
                                    else ("parallel", "serial")):
                            if way == "serial":
                                serials.append(evaluate_children(url, first, last, [counties]))
                            else:
                                parallels.append(evaluate_children(
                                    url, first, last, halves(townships(counties))))
                    serial = min(serials, key=lambda r: r["wall"])
                    parallel = min(parallels, key=lambda r: r["wall"])
                    results[size] = {"serial": serial["wall"], "parallel": parallel["wall"]}
                    print(f"{size} counties ({len(counties) * len(demo)} cadres; "
                          f"{total:,} fixes stored, {step['rows']:,} this step, {load_s:.0f} s)")
                    print(f"  ingest: insert_pings {step['app_rate']:,.0f} fixes/s, "
                          f"raw COPY {step['copy_rate']:,.0f} rows/s, "
                          f"ingest/COPY {step['app_rate'] / step['copy_rate']:.2f}")
                    print(f"  evaluation writing the new counties' records: "
                          f"{written['wall']:.2f} s ({written['pings']:,} fixes, "
                          f"{written['raised']} raised)")
                    print(f"  evaluation serial, evaluated week, best of {rounds}: "
                          f"{serial['wall']:.2f} s ({serial['wall'] / size:.2f} s a county-week; "
                          f"all {walls(serials)} s; its process's CPU {serial['cpu']:.2f} s)")
                    print(f"  evaluation parallel, 2 processes, best of {rounds}: "
                          f"{parallel['wall']:.2f} s (its halves "
                          f"{', '.join(f'{t:.2f}' for t in parallel['each'])} s; "
                          f"all {walls(parallels)} s; their CPU {parallel['cpu']:.2f} s); "
                          f"parallel/serial {parallel['wall'] / serial['wall']:.2f}")
                sizes_now = table_bytes(["pings", "ping_keys", "presence_days",
                                         "presence_periods", "flags"])
            print(f"  storage at {len(counties)} county-weeks: " + ", ".join(
                f"{name} {size / 2**20:,.0f} MB" for name, size in sizes_now.items()))
            if 1 in results:
                for size in sizes[1:]:
                    ratio = results[size]["serial"] / results[1]["serial"]
                    goal = "" if size != 8 else "; goal <= 8.5x: " + (
                        "holds" if ratio <= 8.5 else "does not hold")
                    print(f"serial {size} counties / 1 county: {ratio:.2f}x{goal}")
            for size, result in results.items():
                ratio = result["parallel"] / result["serial"]
                print(f"parallel/serial at {size} counties: {ratio:.2f} "
                      f"(goal <= 0.6: {'holds' if ratio <= 0.6 else 'does not hold'})")
        finally:
            drop_database(url)


def read_samples(reads: int, posts, mondays, zone) -> list[tuple[int, datetime, datetime]]:
    from fieldapp.domain.dates import start_of

    rng = random.Random(19)
    return [(cadre_id, start_of(monday, zone), start_of(monday + timedelta(days=7), zone))
            for cadre_id, monday in ((rng.choice(posts)[0], rng.choice(mondays))
                                     for _ in range(reads))]


def time_reads(settings, samples) -> dict[str, list[float]]:
    """Milliseconds of each cadre-week read three ways, taking turns sample by sample."""
    from sqlalchemy import select

    from fieldapp.extensions import db
    from fieldapp.models import User
    from fieldapp.services.access.scope import Scope
    from fieldapp.services.ingest.fix_tracks import fixes_between
    from fieldapp.services.presence.ping_arrays import read_ping_arrays
    from fieldapp.web.maps import MAX_FIXES_DRAWN

    admin = db.session.scalar(select(User).where(User.role == "admin").order_by(User.id))
    scope = Scope(admin, settings.zone)
    windows = settings.evaluation.windows
    raw = db.engine.raw_connection()
    cursor = raw.driver_connection.cursor()
    bare_sql = (f"SELECT {RAW_COLUMNS} FROM pings WHERE cadre_id = %s "
                "AND recorded_at >= %s AND recorded_at < %s ORDER BY recorded_at, id")

    def bare(cadre_id, start, end):
        lo, hi = (t.astimezone(UTC).replace(tzinfo=None) for t in (start, end))
        return len(cursor.execute(bare_sql, (cadre_id, lo, hi)).fetchall())

    ways = {"bare SELECT": bare,
            "ping_arrays": lambda c, s, e: len(read_ping_arrays([c], s, e)["id"]),
            "fix_tracks": lambda c, s, e: fixes_between(scope, c, s, e, windows, settings.zone,
                                                        MAX_FIXES_DRAWN)[1]}
    timings = {name: [] for name in ways}
    counts = {name: 0 for name in ways}
    try:
        for turn, sample in enumerate(samples):
            names = list(ways)
            names = names[turn % 3:] + names[:turn % 3]
            for name in names:
                started = time.perf_counter()
                counts[name] += ways[name](*sample)
                timings[name].append((time.perf_counter() - started) * 1000)
                db.session.commit()
    finally:
        raw.close()
    if len(set(counts.values())) != 1:
        raise SystemExit(f"the reads disagree on the rows: {counts}")
    return timings


def month_rows(name: str) -> int:
    from sqlalchemy import text

    from fieldapp.extensions import db

    return db.session.scalar(text(f"SELECT count(*) FROM {name}"))


class StatementClock:
    """Seconds inside cursor executes, by the kind of statement (the purge's steps)."""

    KINDS = (("keys", "DELETE FROM ping_keys"), ("detach", "ALTER TABLE pings DETACH"),
             ("drop", "DROP TABLE"), ("count", "SELECT count(*) FROM pings_"),
             ("unlink", "UPDATE challenges"))

    def __init__(self):
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        self.seconds: dict[str, float] = {}
        self._listeners = [(Engine, "before_cursor_execute", self._before),
                           (Engine, "after_cursor_execute", self._after)]
        for target, name, listener in self._listeners:
            event.listen(target, name, listener)

    def _before(self, conn, _cursor, statement, *_args):
        kind = next((k for k, start in self.KINDS if statement.startswith(start)), "other")
        conn.info.setdefault("scale_started", []).append((kind, time.perf_counter()))

    def _after(self, conn, *_args):
        kind, started = conn.info["scale_started"].pop()
        self.seconds[kind] = self.seconds.get(kind, 0.0) + time.perf_counter() - started

    def stop(self) -> None:
        from sqlalchemy import event

        for target, name, listener in self._listeners:
            event.remove(target, name, listener)


def purge_at(settings, cutoff: datetime) -> tuple[float, dict[str, float], object]:
    """The app's retention purge run as of the moment that puts the fixes' cutoff at
    `cutoff`: its wall time, its statements' time by kind, and its report."""
    from fieldapp.services.retention.purge import purge

    clock = StatementClock()
    started = time.perf_counter()
    try:
        report = purge(settings, now=cutoff + timedelta(days=settings.retention.ping_days))
    finally:
        clock.stop()
    return time.perf_counter() - started, clock.seconds, report


def delete_like(part, rows: int) -> tuple[float, int]:
    """Seconds and rows of a DELETE of `part`'s first `rows` fixes by time range, through
    the parent table (its row trigger frees each key)."""
    from sqlalchemy import text

    from fieldapp.extensions import db

    lo = part.first.replace(tzinfo=None)
    hi = db.session.scalar(text(
        f"SELECT recorded_at FROM {part.name} ORDER BY recorded_at OFFSET :n LIMIT 1"),
        {"n": rows})
    hi = hi or part.last.replace(tzinfo=None)
    db.session.commit()
    started = time.perf_counter()
    deleted = db.session.execute(text(
        "DELETE FROM pings WHERE recorded_at >= :lo AND recorded_at < :hi"),
        {"lo": lo, "hi": hi}).rowcount
    db.session.commit()
    return time.perf_counter() - started, deleted


def run_quarter(weeks: int, cadres: int, interval_min: int, reads: int) -> None:
    from fieldapp.config import app_settings
    from fieldapp.db.partitions import month_partitions
    from fieldapp.extensions import db
    from fieldapp.services.people.demo import demo_posts
    from fieldapp.services.people.demo_week import behaviours, home_points
    from fieldapp.services.presence import evaluation

    with tempfile.TemporaryDirectory() as tmp:
        url = prepare_database("postgis", Path(tmp))
        try:
            app = make_app(url)
            settings = app_settings(app)
            with app.app_context():
                migrate_with_demo(cadres)
                last_monday = evaluation.last_finished_week(settings)[0]
                mondays = [last_monday - timedelta(weeks=k) for k in reversed(range(weeks))]
                ensure_months(mondays[0])
                posts = demo_posts()
                homes = home_points({code for _, code in posts})
                raw = db.engine.raw_connection()
                started, rows = time.perf_counter(), 0
                try:
                    for monday in mondays:
                        for chunk in chunks(week_rows(settings, posts, homes, monday,
                                                      interval_min), 100_000):
                            copy_rows(raw.driver_connection, chunk)
                            rows += len(chunk)
                finally:
                    raw.close()
                load_s = time.perf_counter() - started
                db.session.execute(db.text("ANALYZE pings"))
                db.session.commit()
                stored = table_bytes(["pings", "ping_keys"])
                print(f"quarter: {len(posts)} cadres, {weeks} weeks from {mondays[0]}, "
                      f"{rows:,} fixes by COPY in {load_s:.0f} s ({rows / load_s:,.0f} rows/s)")
                print("  storage: " + ", ".join(f"{n} {b / 2**20:,.0f} MB"
                                                for n, b in stored.items())
                      + f"; {sum(stored.values()) / rows:.0f} bytes a fix; a county-year "
                      f"~{sum(stored.values()) / 2**30 * 365 / (7 * weeks):.1f} GB")
                active = [post for post, kind in zip(posts, behaviours(len(posts)),
                                                     strict=True) if kind != "silent"]
                timings = time_reads(settings, read_samples(reads, active, mondays,
                                                            settings.zone))
                bare = np.percentile(timings["bare SELECT"], [50, 95])
                for name, ms in timings.items():
                    p50, p95 = np.percentile(ms, [50, 95])
                    goal = "" if name == "bare SELECT" else (
                        f"; p95/bare {p95 / bare[1]:.2f}; goal p95 <= 20 ms: "
                        + ("holds" if p95 <= 20 else "does not hold"))
                    print(f"  cadre-week read, {name}: p50 {p50:.2f} ms, p95 {p95:.2f} ms "
                          f"({len(ms)} reads{goal})")
                filled = sorted(((month_rows(p.name), p) for p in month_partitions(
                    db.session.connection())), key=lambda x: -x[0])[:2]
                db.session.commit()
                if len(filled) < 2 or not filled[1][0]:
                    raise SystemExit("the quarter needs fixes in two months: more weeks")
                (_, deleted_part), (dropped_rows, dropped_part) = filled
                if dropped_part.first > deleted_part.first:
                    raise SystemExit("the month to drop must be the older of the two")
                before, _, early = purge_at(settings, dropped_part.first)  # older months
                drop_s, steps, report = purge_at(settings, dropped_part.last)
                delete_s, deleted = delete_like(deleted_part, dropped_rows)
                print(f"  retention: a purge dropping the months before {dropped_part.name} "
                      f"({early.months_dropped}, {early.pings:,} fixes) {before:.2f} s; then "
                      f"the purge dropping {dropped_part.name} ({report.months_dropped} month, "
                      f"{report.pings:,} fixes) {drop_s:.2f} s, its statements "
                      + ", ".join(f"{name} {t:.2f}" for name, t in sorted(steps.items()))
                      + f" s; DELETE of {deleted:,} fixes of {deleted_part.name} "
                      f"{delete_s:.2f} s; purge/DELETE {drop_s / delete_s:.3f}")
                held = sum(t for name, t in steps.items() if name in ("unlink", "count",
                                                                      "detach", "drop"))
                print(f"  the drop's own transaction (unlink, count, detach, drop) {held:.2f} s;"
                      " goal drop < 1 s: " + ("holds" if held < 1 else "does not hold"))
        finally:
            drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--counties", default="1,2,4,8")
    parser.add_argument("--weeks-quarter", type=int, default=13)
    parser.add_argument("--interval-min", type=int, default=5)
    parser.add_argument("--reads", type=int, default=300)
    parser.add_argument("--cadres", type=int, default=446, help="posts kept a county")
    parser.add_argument("--chunk", type=int, default=10_000,
                        help="rows a turn of the ingest and COPY, taken in turn")
    parser.add_argument("--rounds", type=int, default=2,
                        help="serial and parallel evaluations a size, alternating")
    parser.add_argument("--parts", default="counties,quarter")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        evaluate_child(*args.child)
        return
    parts = args.parts.split(",")
    if "counties" in parts:
        run_counties(sorted(int(n) for n in args.counties.split(",")), args.cadres,
                     args.interval_min, args.chunk, args.rounds)
    if "quarter" in parts:
        run_quarter(args.weeks_quarter, args.cadres, args.interval_min, args.reads)


if __name__ == "__main__":
    main()
