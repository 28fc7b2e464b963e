"""Console pages benchmark: server time of four pages on a county-month, against /healthz.

    .venv/bin/python bench/pages.py [--backends spatialite,postgis] [--weeks 4]
                                    [--interval-min 5] [--requests 30] [--user inspector1]

Loads the demo county (446 cadres) and `--weeks` finished ISO weeks of pings every few
minutes in the demo week's mix (bench/evaluate.py's `generate`), bulk-loaded straight into
the pings table, and evaluates them. Then, logged in through /console/login, it requests
each page `--requests` times through the Flask test client (in process: no HTTP server, no
network) and prints p50 and p95 of the time each request took, the share of it spent in
database cursors, and the ratio to /healthz requested the same way in the same run. A page
that does not answer 200 is reported FAILED and the run exits 1. PostGIS needs
FIELDAPP_TEST_POSTGRES_URL (an admin URL), as for bench/ingest.py.
"""
from __future__ import annotations

import argparse
import logging
import re
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import drop_database, prepare_database  # noqa: E402
from bench.evaluate import generate, load_rows  # noqa: E402

PASSWORD = "bench-password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class DatabaseClock:
    """Seconds spent in cursor executes, on every engine (SQLAlchemy's cursor events)."""

    def __init__(self):
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        self.seconds, self.statements = 0.0, 0
        event.listen(Engine, "before_cursor_execute", self._before)
        event.listen(Engine, "after_cursor_execute", self._after)

    def _before(self, conn, *_args):
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def _after(self, conn, *_args):
        self.seconds += time.perf_counter() - conn.info["bench_started"].pop()
        self.statements += 1

    def reset(self) -> None:
        self.seconds, self.statements = 0.0, 0


def make_app(url: str):
    from fieldapp import create_app

    return create_app({"DATABASE_URL": url,
                       "SECRET_KEY": "bench-pages-secret-key-long-enough-for-hs256"})


def fill(app, weeks: int, interval_min: int) -> dict:
    """Migrate; load the demo county, `weeks` finished weeks of pings and their evaluation.
    Returns what was loaded and the evaluation's seconds."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from fieldapp.config import app_settings
    from fieldapp.extensions import db
    from fieldapp.models import Assignment
    from fieldapp.services.people.demo import load_demo
    from fieldapp.services.people.demo_week import home_points
    from fieldapp.services.presence import evaluation

    settings = app_settings(app)
    with app.app_context():
        logging.disable(logging.INFO)  # Alembic's line per revision
        upgrade()
        logging.disable(logging.NOTSET)
        load_demo(PASSWORD, progress=lambda _: None)
        last_monday, last_sunday = evaluation.last_finished_week(settings)
        mondays = [last_monday - timedelta(weeks=k) for k in reversed(range(weeks))]
        posts = db.session.execute(select(Assignment.cadre_id, Assignment.region_code)).all()
        homes = home_points({p.region_code for p in posts})  # commits: SQLite's write lock
        parts = [generate(settings, posts, homes, monday, interval_min) for monday in mondays]
        pings = {column: np.concatenate([part[column] for part in parts])
                 for column in parts[0]}
        load_rows(db, pings)  # one load, so its client ids stay unique per cadre
        started = time.perf_counter()
        report = evaluation.evaluate(settings, mondays[0], last_sunday).report
        seconds = time.perf_counter() - started
    return {"first": mondays[0], "last": last_sunday, "pings": len(pings["epoch"]),
            "cadres": len(posts), "evaluation_s": seconds, "report": report}


def targets(app, username: str, first, last) -> dict[str, str]:
    """The URL of each page: a not_resident finding the user sees, its cadre's month (the
    month holding most of the loaded days) and its township's last loaded week."""
    from sqlalchemy import select

    from fieldapp.config import app_settings
    from fieldapp.extensions import db
    from fieldapp.models import Finding, User
    from fieldapp.services.access.scope import Scope

    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        scope = Scope(user, app_settings(app).zone)
        finding = db.session.scalar(select(Finding).where(
            Finding.kind == "not_resident", scope.findings_clause())
            .order_by(Finding.id).limit(1))
        if finding is None:
            raise SystemExit(f"{username} sees no not_resident finding to open")
        days = [first + timedelta(days=d) for d in range((last - first).days + 1)]
        month = Counter(f"{d.year}-{d.month:02d}" for d in days).most_common(1)[0][0]
        year, week, _ = last.isocalendar()
        return {"bare /healthz": "/healthz",
                "queue": "/console/findings",
                "dossier": f"/console/findings/{finding.id}",
                "cadre month": f"/console/cadres/{finding.cadre_id}?month={month}",
                "township week": f"/console/townships/{finding.region_code[:9]}"
                                 f"?week={year}-W{week:02d}"}


def log_in(client, username: str) -> None:
    form = client.get("/console/login").get_data(as_text=True)
    answer = client.post("/console/login", data={
        "username": username, "password": PASSWORD, "csrf_token": CSRF.search(form)[1]})
    if answer.status_code != 302:
        raise SystemExit(f"logging in as {username} answered {answer.status_code}")


class PageFailed(Exception):
    """A page did not answer 200 (a 404 too: the logged-in user should see it)."""


def measure(client, clock: DatabaseClock, url: str, requests: int) -> dict:
    """p50/p95 milliseconds of `requests` GETs of `url` after two warm-ups, the database
    share, statements and bytes per request."""
    for _ in range(2):
        answer = client.get(url)
        if answer.status_code != 200:
            raise PageFailed(answer.status_code)
    total, in_db, statements = [], 0.0, 0
    for _ in range(requests):
        clock.reset()
        started = time.perf_counter()
        answer = client.get(url)
        total.append(time.perf_counter() - started)
        in_db += clock.seconds
        statements += clock.statements
        if answer.status_code != 200:
            raise PageFailed(answer.status_code)
    ms = np.array(total) * 1000
    return {"p50": float(np.percentile(ms, 50)), "p95": float(np.percentile(ms, 95)),
            "db_share": in_db / sum(total), "statements": statements / requests,
            "kb": len(answer.get_data()) / 1024}


def run_backend(backend: str, args, clock: DatabaseClock) -> bool:
    """Fill a database of `backend` and measure each page; False if one failed."""
    with tempfile.TemporaryDirectory() as tmp:
        url = prepare_database(backend, Path(tmp))
        try:
            app = make_app(url)
            started = time.perf_counter()
            loaded = fill(app, args.weeks, args.interval_min)
            print(f"{backend}: {loaded['pings']:,} pings, {loaded['cadres']} cadres, "
                  f"{loaded['first']}..{loaded['last']} (filled in "
                  f"{time.perf_counter() - started:.0f} s; evaluated in "
                  f"{loaded['evaluation_s']:.1f} s, {loaded['report'].get('raised', 0)} "
                  f"findings); {args.requests} requests a page as {args.user}")
            pages = targets(app, args.user, loaded["first"], loaded["last"])
            client = app.test_client()
            log_in(client, args.user)
            bare, ok = None, True
            for name, page_url in pages.items():
                try:
                    figures = measure(client, clock, page_url, args.requests)
                except PageFailed as failed:
                    print(f"  {name:<14} {page_url:<52} FAILED: answered {failed}")
                    ok = False
                    continue
                bare = bare or figures["p50"]
                print(f"  {name:<14} {page_url:<52} p50 {figures['p50']:7.1f} ms  "
                      f"p95 {figures['p95']:7.1f} ms  db {figures['db_share']:4.0%}  "
                      f"{figures['statements']:5.1f} statements  {figures['kb']:6.1f} KB  "
                      f"p50/bare {figures['p50'] / bare:6.1f}x")
            return ok
        finally:
            drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="spatialite,postgis")
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--interval-min", type=int, default=5)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--user", default="inspector1", help="a demo login: inspector or admin")
    args = parser.parse_args()
    clock = DatabaseClock()
    results = [run_backend(backend, args, clock) for backend in args.backends.split(",")]
    if not all(results):
        raise SystemExit("a page failed: see FAILED above")


if __name__ == "__main__":
    main()
