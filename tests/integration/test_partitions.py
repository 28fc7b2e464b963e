"""The pings table by month on PostGIS: the migration of a filled table, partitions made
ahead, client-id idempotency across partitions (and under concurrent duplicates), the purge
dropping a month no hold reaches into, and cadre_id in every hot table's primary key.
SpatiaLite keeps one table: the idempotency tests run on both."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select, text

from fieldapp.config import app_settings
from fieldapp.db.connections import autocommit_connection
from fieldapp.db.partitions import (
    DEFAULT,
    create_month,
    ensure_partitions,
    is_partitioned,
    month_partitions,
)
from fieldapp.extensions import db
from fieldapp.jobs.handlers import partitions_ahead
from fieldapp.models import Finding, MediaItem, Ping
from fieldapp.services.ingest.ping_insert import INSERT_NAMES, insert_pings, sql_timestamp
from fieldapp.services.retention.purge import purge

from .helpers import VILLAGE, at_once, make_cadre
from .ping_helpers import phone, ping, village_points

HOT_TABLES = ("pings", "presence_days", "media", "flags")
postgis_only = pytest.mark.usefixtures("postgis_backend")


@pytest.fixture()
def postgis_backend(backend):
    if backend != "postgis":
        pytest.skip("partitions are PostgreSQL's; SpatiaLite keeps one pings table")


@pytest.fixture()
def fresh_database(backend, tmp_path, request):
    from tests.conftest import empty_database

    with empty_database(backend, tmp_path, request) as url:
        yield url


def fix(cadre_id: int, client_id: str, moment: datetime, lat=35.9, lon=115.1) -> list:
    """A row for `insert_pings`."""
    values = {"cadre_id": cadre_id, "device_id": None, "client_id": client_id,
              "recorded_at": sql_timestamp(moment), "clock": "device",
              "received_at": sql_timestamp(moment), "lat": lat, "lon": lon, "orig_lat": lat,
              "orig_lon": lon, "crs": "wgs84", "accuracy": 10.0, "fence": "inside"}
    return [values.get(name) for name in INSERT_NAMES]


def stored(cadre_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Ping).where(
        Ping.cadre_id == cadre_id))


def partition_rows(name: str) -> int:
    return db.session.scalar(text(f"SELECT count(*) FROM {name}"))


def test_upgrading_a_filled_table_partitions_it_by_month_and_downgrading_undoes_it(
        fresh_database, tmp_path, backend, capfd):
    from tests.conftest import _create_app, _dispose

    app = _create_app(fresh_database, str(tmp_path / "uploads"))
    months = [datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 10, 15, tzinfo=UTC),
              datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC)]
    with app.app_context():
        upgrade(revision="0015")
        engine = db.engine  # SpatiaLite's functions loaded
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO cadres (id, name, role, created_at) VALUES "
                              "(1, 'old', 'first_secretary', CURRENT_TIMESTAMP)"))
        with autocommit_connection() as conn:  # 3 × 600 fixes of it, going back 50 hours each
            for n, start in enumerate(months):
                insert_pings(conn, [fix(1, f"{n}-{i}", start - timedelta(minutes=5 * i))
                                    for i in range(600)])
            insert_pings(conn, [fix(1, "stray", datetime(2031, 1, 9, tzinfo=UTC))])
            before = conn.execute(text("SELECT id, client_id, recorded_at FROM pings "
                                       "ORDER BY id")).all()
        per_month = dict(sorted(Counter(str(row.recorded_at)[:7] for row in before).items()))
        capfd.readouterr()
        upgrade()
        progress = capfd.readouterr().err
        with engine.begin() as conn:
            after = conn.execute(text("SELECT id, client_id, recorded_at FROM pings "
                                      "ORDER BY id")).all()
            assert after == before
            if backend == "spatialite":
                assert "fixes copied" not in progress
                assert {c["name"] for c in inspect(conn).get_unique_constraints("pings")} == {
                    "uq_pings_cadre_client"}
            else:
                assert "1,801 of 1,801 fixes copied" in progress, progress
                names = {p.name for p in month_partitions(conn)}
                today = datetime.now(UTC).date()
                following = date(today.year + today.month // 12, today.month % 12 + 1, 1)
                previous = today.replace(day=1) - timedelta(days=1)
                around = {f"pings_{m:%Y%m}" for m in (previous, today, following)}
                assert around <= names
                assert names - around == {f"pings_{month.replace('-', '')}"
                                          for month in per_month} - around  # none between
                for month, rows in per_month.items():
                    partition = f"pings_{month.replace('-', '')}"
                    assert conn.scalar(text(f"SELECT count(*) FROM {partition}")) == rows
                assert conn.scalar(text(f"SELECT count(*) FROM {DEFAULT}")) == 0
                assert conn.scalar(text("SELECT count(*) FROM ping_keys")) == 1801
        with autocommit_connection() as conn:  # sent again with another time, another month
            assert insert_pings(conn, [fix(1, "0-0", months[1])]) == set()
            assert insert_pings(conn, [fix(1, "new", months[1])]) == {"new"}
        downgrade(revision="0015")
        with engine.begin() as conn:
            assert conn.scalar(text("SELECT count(*) FROM pings")) == 1802
            assert {c["name"] for c in inspect(conn).get_unique_constraints("pings")} == {
                "uq_pings_cadre_client"}
        upgrade()
        db.session.remove()
    _dispose(app)


def test_the_same_client_id_with_another_time_is_a_duplicate_in_any_partition(ctx):
    cadre_id = make_cadre().id  # read before the commit: a read after begins (SQLite) a write
    db.session.commit()
    with autocommit_connection() as conn:
        if is_partitioned(conn):
            create_month(conn, date(2026, 6, 1))
        june, july = datetime(2026, 6, 30, 23, tzinfo=UTC), datetime(2026, 7, 1, 1, tzinfo=UTC)
        assert insert_pings(conn, [fix(cadre_id, "a", june)]) == {"a"}
        assert insert_pings(conn, [fix(cadre_id, "a", july)]) == set()  # default partition
        assert insert_pings(conn, [fix(cadre_id, "a", june + timedelta(days=3))]) == set()
        assert insert_pings(conn, [fix(cadre_id, "b", july), fix(cadre_id, "a", july)]) == {"b"}
    other_id = make_cadre(name="李娜").id
    db.session.commit()
    with autocommit_connection() as conn:  # the id is the cadre's own: another's is new
        assert insert_pings(conn, [fix(other_id, "a", july)]) == {"a"}
    assert stored(cadre_id) == 2 and stored(other_id) == 1


def test_a_resent_fix_with_another_time_is_answered_duplicate_over_http(client):
    _, headers = phone()
    (lat, lon), _ = village_points()
    first = ping(lat, lon, minutes_ago=60 * 24 * 10)
    answer = client.post("/api/v1/pings", json=first, headers=headers).get_json()
    assert answer["accepted"] == 1
    again = {**first, "recorded_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat()}
    answer = client.post("/api/v1/pings", json=again, headers=headers).get_json()
    assert answer["duplicates"] == 1 and answer["accepted"] == 0


def test_concurrent_duplicates_across_months_store_one(app, ctx):
    cadre_id = make_cadre().id  # read before the commit: a read after begins (SQLite) a write
    db.session.commit()
    with autocommit_connection() as conn:
        if is_partitioned(conn):
            for month in (date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)):
                create_month(conn, month)
    moments = iter([datetime(2026, 3, 31, 23, 59, tzinfo=UTC) + timedelta(days=15 * n)
                    for n in range(8)])
    lock = threading.Lock()

    def send():
        with lock:
            moment = next(moments)
        with app.app_context(), autocommit_connection() as conn:
            return insert_pings(conn, [fix(cadre_id, "same", moment),
                                       fix(cadre_id, f"own-{moment:%m%d}", moment)])

    answers = at_once(send, times=8)
    assert sum("same" in a for a in answers) == 1
    assert all(len(a) == 2 - ("same" not in a) for a in answers)
    assert stored(cadre_id) == 9


@postgis_only
def test_partitions_are_made_ahead_and_take_over_what_the_default_partition_held(ctx):
    cadre_id = make_cadre().id  # read before the commit: a read after begins (SQLite) a write
    db.session.commit()
    with autocommit_connection() as conn:
        stray = datetime(2031, 2, 14, 12, tzinfo=UTC)  # no partition yet: the default one
        insert_pings(conn, [fix(cadre_id, "stray", stray)])
    assert partition_rows(DEFAULT) == 1
    db.session.rollback()
    made = ensure_partitions(db.session.connection(), date(2031, 1, 20), date(2031, 1, 31))
    db.session.commit()
    assert made == ["pings_203101", "pings_203102"]
    assert partition_rows(DEFAULT) == 0 and partition_rows("pings_203102") == 1
    with autocommit_connection() as conn:  # the key went with the fix: still a duplicate
        assert insert_pings(conn, [fix(cadre_id, "stray", stray)]) == set()
    assert ensure_partitions(db.session.connection(), date(2031, 1, 20), date(2031, 1, 31)) == []
    db.session.rollback()
    today = datetime.now(UTC).date()
    partitions_ahead(app_settings())  # what the worker does as it starts and every day
    names = {p.name for p in month_partitions(db.session.connection())}
    oldest = today - timedelta(days=app_settings().ingest.max_backfill.days)
    following = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    assert {f"pings_{oldest:%Y%m}", f"pings_{today:%Y%m}", f"pings_{following:%Y%m}"} <= names


@postgis_only
def test_a_fix_sent_while_a_month_moves_out_of_the_default_partition_is_stored_once(app, ctx):
    cadre_id = make_cadre().id  # read before the commit: a read after begins (SQLite) a write
    db.session.commit()
    moment = datetime(2034, 7, 3, tzinfo=UTC)  # no partition: these go to the default one
    with autocommit_connection() as conn:
        insert_pings(conn, [fix(cadre_id, f"early-{i}", moment + timedelta(minutes=i))
                            for i in range(5)])
    moving = db.engine.connect()
    transaction = moving.begin()
    create_month(moving, date(2034, 7, 1))  # holds its lock on pings until the commit
    answers = []

    def send():
        with app.app_context(), autocommit_connection() as conn:
            answers.append(insert_pings(conn, [fix(cadre_id, "late", moment),
                                               fix(cadre_id, "early-0", moment)]))

    sender = threading.Thread(target=send)
    sender.start()
    sender.join(timeout=1)
    assert sender.is_alive()  # waiting for the move
    transaction.commit()
    moving.close()
    sender.join(timeout=30)
    assert answers == [{"late"}]
    assert partition_rows("pings_203407") == 6 and partition_rows(DEFAULT) == 0


@postgis_only
def test_a_month_with_more_held_fixes_than_a_drop_puts_back_goes_row_by_row(ctx, monkeypatch):
    from fieldapp.services.retention import purge as purging

    monkeypatch.setattr(purging, "PUT_BACK_MAX", 5)
    held, free = make_cadre().id, make_cadre(name="李娜").id
    db.session.commit()
    may = datetime(2025, 5, 10, 12, tzinfo=UTC)
    with autocommit_connection() as conn:
        create_month(conn, date(2025, 5, 1))
        for cadre_id in (held, free):
            insert_pings(conn, [fix(cadre_id, f"may-{i}", may + timedelta(minutes=5 * i))
                                for i in range(10)])
    db.session.add(Finding(key="held:may", cadre_id=held, region_code=VILLAGE, kind="absent",
                           severity=2, status="open", period_start=may.date(),
                           period_end=may.date(), summary="held", evidence={}))
    db.session.commit()
    report = purge(app_settings(), now=datetime(2026, 1, 1, tzinfo=UTC))
    assert (report.pings, report.months_dropped) == (10, 0)
    assert partition_rows("pings_202505") == 10 and stored(held) == 10


@postgis_only
def test_a_dropped_months_media_still_go_with_their_own_retention(ctx, configure):
    cadre_id = make_cadre().id
    db.session.commit()
    march = datetime(2025, 3, 10, 12, tzinfo=UTC)
    with autocommit_connection() as conn:
        create_month(conn, date(2025, 3, 1))
        insert_pings(conn, [fix(cadre_id, "march", march)])
    db.session.add(MediaItem(
        cadre_id=cadre_id, client_id="photo", sha256="0" * 64, kind="photo", format="jpeg",
        size_bytes=1, recorded_at=march, received_at=march, exif_missing=True, width=1,
        height=1, phash=0, phash_b0=0, phash_b1=0, phash_b2=0, phash_b3=0, checks={}))
    db.session.commit()
    configure(MEDIA_RETENTION_DAYS=30)
    dry = purge(app_settings(), now=datetime(2026, 1, 1, tzinfo=UTC), dry_run=True)
    assert (dry.pings, dry.photos, dry.months_dropped) == (1, 1, 1)
    report = purge(app_settings(), now=datetime(2026, 1, 1, tzinfo=UTC))
    assert (report.pings, report.photos, report.months_dropped) == (1, 1, 1)


@postgis_only
def test_a_drop_stuck_behind_a_long_read_purges_the_month_row_by_row(ctx, monkeypatch):
    from fieldapp.db import partitions

    monkeypatch.setattr(partitions, "LOCK_WAIT", "200ms")
    cadre_id = make_cadre().id
    db.session.commit()
    with autocommit_connection() as conn:
        create_month(conn, date(2025, 2, 1))
        insert_pings(conn, [fix(cadre_id, f"feb-{i}", datetime(2025, 2, 3, tzinfo=UTC)
                                + timedelta(minutes=i)) for i in range(3)])
    with db.engine.connect() as reader, reader.begin():
        reader.execute(text("SELECT count(*) FROM pings"))  # its lock lasts to its end
        report = purge(app_settings(), now=datetime(2026, 1, 1, tzinfo=UTC))
    assert (report.pings, report.months_dropped) == (3, 0)
    assert "pings_202502" in {p.name for p in month_partitions(db.session.connection())}
    assert partition_rows("pings_202502") == 0


@postgis_only
def test_two_workers_making_the_same_partitions_at_once_both_succeed(app, ctx):
    def make():
        with app.app_context(), db.engine.begin() as conn:
            return ensure_partitions(conn, date(2033, 5, 1), date(2033, 5, 2))

    made = at_once(make, times=2)
    assert sorted(made, key=len) == [[], ["pings_203305", "pings_203306"]]


@postgis_only
def test_the_purge_drops_past_months_putting_back_the_fixes_a_hold_keeps(ctx):
    held = make_cadre().id
    others = [make_cadre(name=f"李娜{n}").id for n in range(4)]  # the held one: a fifth
    free = others[0]
    db.session.commit()
    march, april = datetime(2025, 3, 10, 12, tzinfo=UTC), datetime(2025, 4, 10, 12, tzinfo=UTC)
    with autocommit_connection() as conn:
        for month in (date(2025, 3, 1), date(2025, 4, 1)):
            create_month(conn, month)
        for cadre_id in (held, *others):
            for moment in (march, april):
                insert_pings(conn, [fix(cadre_id, f"{moment:%m}-{i}", moment + timedelta(
                    minutes=5 * i)) for i in range(100)])
    db.session.add(Finding(key="held:april", cadre_id=held, region_code=VILLAGE,
                           kind="absent", severity=2, status="open",
                           period_start=april.date(), period_end=april.date(),
                           summary="held", evidence={}))
    db.session.commit()
    now = datetime(2026, 1, 1, tzinfo=UTC)  # both months past 180 days
    dry = purge(app_settings(), now=now, dry_run=True)
    assert (dry.pings, dry.months_dropped) == (900, 2)
    assert partition_rows("pings_202503") == 500 and partition_rows("pings_202504") == 500
    report = purge(app_settings(), now=now)
    assert (report.pings, report.months_dropped) == (900, 2)
    names = {p.name for p in month_partitions(db.session.connection())}
    assert not names & {"pings_202503", "pings_202504"}
    # the held cadre's April (its whole held day) was put back, into the default partition
    assert stored(held) == 100 and db.session.scalar(text(
        f"SELECT count(*) FROM {DEFAULT} WHERE cadre_id = {held}")) == 100
    assert not any(stored(cadre_id) for cadre_id in others)
    assert db.session.scalar(text(
        "SELECT count(*) FROM ping_keys WHERE recorded_at < '2025-05-01'")) == 100
    db.session.rollback()
    with autocommit_connection() as conn:  # a purged fix's key is free, a kept one is not
        assert insert_pings(conn, [fix(free, "04-0", april), fix(held, "04-0", april)]
                            ) == {"04-0"}
    assert stored(held) == 100
    db.session.execute(text(f"UPDATE flags SET status = 'dismissed', updated_at = "
                            f"'2025-04-20' WHERE cadre_id = {held}"))
    db.session.commit()
    later = purge(app_settings(), now=datetime(2026, 6, 1, tzinfo=UTC))  # the hold has ended
    assert later.pings == 101 and stored(held) == 0


@postgis_only
def test_every_hot_table_carries_cadre_id_in_its_primary_key(ctx):
    conn = db.session.connection()
    inspector = inspect(conn)
    for table in HOT_TABLES:
        key = inspector.get_pk_constraint(table)["constrained_columns"]
        assert key[0] == "cadre_id" and "id" in key, (table, key)
    assert inspector.get_pk_constraint("pings")["constrained_columns"] == [
        "cadre_id", "recorded_at", "id"]
    assert inspector.get_pk_constraint("ping_keys")["constrained_columns"] == [
        "cadre_id", "client_id"]
    strategy, columns = conn.execute(text(
        "SELECT partstrat, pg_get_partkeydef('pings'::regclass) FROM pg_partitioned_table "
        "WHERE partrelid = 'pings'::regclass")).one()
    assert (strategy, columns) == ("r", "RANGE (recorded_at)")
    for reference in ("regions", "users", "user_regions"):  # Citus reference tables
        assert "cadre_id" not in inspector.get_pk_constraint(reference)["constrained_columns"]
