"""Collection benchmark: fixes stored per cadre-day under `minimal` and `track`, and the
time `minimal` takes to ingest the same week against `track`.

    .venv/bin/python bench/collection.py [--backends spatialite,postgis] [--cadres 12]
                                         [--rounds 3] [--interval-min 5]

For each database: the demo's week of fixes (services/people/demo_week.week_fixes, one every
`--interval-min` minutes, day and night) for cadres of every demo behaviour, uploaded as a
phone does (its buffer every six hours, 500 fixes a request at most) through the ingest
service, once under each profile on fresh cadres of the same database. Rounds alternate
which profile goes first, so the table growing touches both; prints fixes stored per
cadre-day by behaviour and profile, and the median and every round's ratio of ingest time
minimal/track. PostGIS needs FIELDAPP_TEST_POSTGRES_URL (an admin URL), as for
bench/ingest.py.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import drop_database, prepare_database  # noqa: E402

VILLAGE = "410922100201"
PROFILES = ("minimal", "track")


def make_apps(url: str) -> dict:
    from fieldapp import create_app

    return {profile: create_app({"DATABASE_URL": url, "SECRET_KEY": "bench",
                                 "COLLECTION": profile}) for profile in PROFILES}


def setup(app) -> None:
    from flask_migrate import upgrade

    from fieldapp.services.geodata.boundaries import import_features, load_features
    from fieldapp.services.people.demo import FILES

    with app.app_context():
        upgrade()
        for level, path, code_field in FILES:
            import_features(load_features(path), level, code_field=code_field)


def one_profile(app, label: str, cadres: int, interval_min: int
                ) -> tuple[float, dict[str, list[int]]]:
    """Seconds to ingest a week for `cadres` new cadres, and fixes stored by behaviour."""

    from fieldapp.config import app_settings
    from fieldapp.db.connections import autocommit_connection
    from fieldapp.extensions import db
    from fieldapp.services.ingest import senders
    from fieldapp.services.ingest.pings import ingest
    from fieldapp.services.people import registry as people
    from fieldapp.services.people.demo_week import (
        behaviours,
        home_points,
        phone_uploads,
        week_fixes,
    )
    from fieldapp.services.presence import evaluation

    with app.app_context():
        settings = app_settings(app)
        monday, _ = evaluation.last_finished_week(settings)
        home = home_points({VILLAGE})[VILLAGE]
        work = []
        for kind in behaviours(cadres):
            cadre = people.create_cadre(f"{label}-{kind}", "team_member")
            people.create_assignment(cadre.id, VILLAGE, monday - timedelta(days=30))
            _, token = people.create_device(cadre.id)
            leave = (monday + timedelta(days=1), monday + timedelta(days=2))
            fixes = week_fixes(settings, cadre.id, kind, home, monday, interval_min,
                               leave if kind == "on_leave" else ())
            work.append((kind, token, list(phone_uploads(fixes, settings.ingest.batch_max))))
        db.session.commit()  # reading the new rows began a transaction: SQLite's writers wait
        stored: dict[str, list[int]] = defaultdict(list)
        started = time.perf_counter()
        with autocommit_connection() as conn:
            for kind, token, batches in work:
                sender = senders.by_device(settings, conn, token)
                kept = 0
                for received, items in batches:
                    kept += ingest(settings, conn, sender, items,
                                   received_at=received).as_dict()["accepted"]
                stored[kind].append(kept)
        return time.perf_counter() - started, stored


def run_backend(backend: str, args) -> None:
    from fieldapp.extensions import db

    with tempfile.TemporaryDirectory() as tmp:
        url = prepare_database(backend, Path(tmp))
        try:
            apps = make_apps(url)
            setup(apps["track"])
            seconds, stored = defaultdict(list), {p: defaultdict(list) for p in PROFILES}
            for r in range(args.rounds):
                for profile in PROFILES if r % 2 == 0 else PROFILES[::-1]:
                    elapsed, kept = one_profile(apps[profile], f"{profile}{r}", args.cadres,
                                                 args.interval_min)
                    seconds[profile].append(elapsed)
                    for kind, counts in kept.items():
                        stored[profile][kind].extend(counts)
            for app in apps.values():
                with app.app_context():
                    db.engine.dispose()
        finally:
            drop_database(url)
    print(f"\n{backend}: fixes stored per cadre-day, one fix sent every "
          f"{args.interval_min} min ({24 * 60 // args.interval_min} a day)")
    print(f"  {'behaviour':<10} {'cadres':>6} {'minimal':>9} {'track':>9}")
    for kind in sorted(stored["track"]):
        per_day = {p: sum(stored[p][kind]) / (7 * len(stored[p][kind])) for p in PROFILES}
        print(f"  {kind:<10} {len(stored['track'][kind]):>6} {per_day['minimal']:>9.1f} "
              f"{per_day['track']:>9.1f}")
    totals = {p: sum(sum(v) for v in stored[p].values()) for p in PROFILES}
    days = 7 * sum(len(v) for v in stored["track"].values())
    print(f"  {'all':<10} {days // 7:>6} {totals['minimal'] / days:>9.1f} "
          f"{totals['track'] / days:>9.1f}")
    ratios = [m / t for m, t in zip(seconds["minimal"], seconds["track"], strict=True)]
    print(f"  ingest time minimal/track: median {median(ratios):.2f} "
          f"(rounds: {', '.join(f'{r:.2f}' for r in ratios)}; track median "
          f"{median(seconds['track']):.2f} s, minimal {median(seconds['minimal']):.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="spatialite,postgis")
    parser.add_argument("--cadres", type=int, default=12,
                        help="cadres a profile a round (the demo's behaviours, in order)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--interval-min", type=int, default=5)
    args = parser.parse_args()
    for backend in args.backends.split(","):
        run_backend(backend, args)


if __name__ == "__main__":
    main()
