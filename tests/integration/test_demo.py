"""`flask demo load` builds the demo county, simulates its last finished week through the
ingest service and evaluates it, and is safe to run twice."""
import re
from datetime import timedelta

from sqlalchemy import func, select

from fieldapp.config import app_settings
from fieldapp.extensions import db
from fieldapp.models import (
    Assignment,
    Cadre,
    Device,
    Finding,
    Leave,
    Ping,
    PresenceDay,
    Region,
    User,
)
from fieldapp.services.people.demo import demo_posts
from fieldapp.services.presence import evaluation

from .page_helpers import page_login

QUICK = ["demo", "load", "--cadres", "6", "--interval-min", "30"]


def counts():
    """Row counts, read in a transaction that is ended at once (SQLite writers wait for it)."""
    found = {
        "townships": db.session.scalar(select(func.count()).where(Region.level == "township")),
        "villages": db.session.scalar(select(func.count()).where(Region.level == "village")),
        "first": db.session.scalar(select(func.count()).where(Cadre.role == "first_secretary")),
        "members": db.session.scalar(select(func.count()).where(Cadre.role == "team_member")),
        "assignments": db.session.scalar(select(func.count()).select_from(Assignment)),
        "users": db.session.scalar(select(func.count()).select_from(User)),
    }
    db.session.commit()
    return found


def every_table_count() -> dict[str, int]:
    found = {table.name: db.session.scalar(select(func.count()).select_from(table))
             for table in db.metadata.sorted_tables}
    db.session.commit()
    return found


def test_demo_load_twice_changes_nothing(ctx):
    runner = ctx.test_cli_runner()
    first = runner.invoke(args=["demo", "load", "--no-pings"])
    assert first.exit_code == 0, first.output
    assert "inspector1" in first.output and "discipline" in first.output
    password = ctx.config["DEMO_PASSWORD"]
    assert re.search(rf"inspector1 +inspector +{password} ", first.output), first.output
    after_first = counts()
    assert after_first == {"townships": 17, "villages": 503, "first": 178, "members": 268,
                           "assignments": 446, "users": 6}
    assert db.session.scalar(select(func.count()).select_from(Ping)) == 0
    second = runner.invoke(args=["demo", "load", "--no-pings"])
    assert second.exit_code == 0, second.output
    assert "503 unchanged" in second.output
    # existing logins keep their own passwords: the second run does not claim to know them
    assert re.search(r"inspector1 +inspector +\(unchanged\) ", second.output), second.output
    assert password not in second.output
    assert counts() == after_first


def test_demo_week_goes_through_ingest_and_is_evaluated(ctx, client):
    runner = ctx.test_cli_runner()
    done = runner.invoke(args=QUICK)
    assert done.exit_code == 0, done.output
    commuter, compliant, absent, silent, spoofing, on_leave = (c for c, _ in demo_posts(6))
    kinds = {}
    for cadre_id, kind, status in db.session.execute(
            select(Finding.cadre_id, Finding.kind, Finding.status)):
        kinds.setdefault(cadre_id, set()).add(kind)
        assert status == "open"
    assert "not_resident" in kinds[commuter] and "absent" not in kinds[commuter]
    assert {"absent", "not_resident"} <= kinds[absent]
    assert kinds[silent] == {"no_data"}
    assert {"mock_location", "static_location"} <= kinds[spoofing]
    assert compliant not in kinds and on_leave not in kinds

    first, last = evaluation.last_finished_week(app_settings(ctx))
    pings = db.session.execute(select(
        Ping.cadre_id, Ping.device_id, Ping.recorded_at, Ping.received_at, Ping.fence,
        Ping.crs, Ping.lat, Ping.orig_lat)).all()
    devices = dict(db.session.execute(select(Device.cadre_id, Device.id)).all())
    assert len(devices) == 6 and len(pings) > 300  # `minimal`: the spoofer's every mock fix
    assert {p.cadre_id for p in pings} == {commuter, compliant, absent, spoofing, on_leave}
    for p in pings:  # as a phone's POST /pings stores them
        assert p.device_id == devices[p.cadre_id]
        assert p.recorded_at < p.received_at < p.recorded_at + timedelta(hours=7)
        assert p.fence in ("inside", "outside")
    assert {p.crs for p in pings} == {"wgs84", "gcj02"}  # GCJ-02 phones, converted on the way in
    assert all(p.lat != p.orig_lat for p in pings if p.crs == "gcj02")
    fences = {(p.cadre_id, p.fence) for p in pings}
    assert (compliant, "outside") not in fences and (absent, "inside") not in fences

    excused = db.session.scalars(select(PresenceDay.day).where(
        PresenceDay.cadre_id == on_leave, PresenceDay.day_status == "excused")).all()
    assert sorted(excused) == [first + timedelta(days=1), first + timedelta(days=2)]
    waiting = db.session.execute(select(Leave.cadre_id, Leave.status)).all()
    assert (compliant, "pending") in waiting and (on_leave, "approved") in waiting
    db.session.commit()

    # the README's first step: inspector1 opens the queue; the commuter's finding leads it
    commuter_village = dict(demo_posts(1))[commuter]
    assert commuter_village[:9] in db.session.get(User, _user_id("inspector1")).region_codes
    db.session.commit()
    assert page_login(client, "inspector1", ctx.config["DEMO_PASSWORD"]).status_code == 302
    queue = client.get("/console/findings").get_data(as_text=True)
    first_row = re.search(r'<tr data-finding-id="(\d+)" data-kind="(\w+)"', queue)
    assert first_row and first_row[2] == "not_resident"
    assert db.session.get(Finding, int(first_row[1])).cadre_id == commuter


def test_demo_week_twice_changes_no_row_and_no_status(ctx):
    runner = ctx.test_cli_runner()
    assert runner.invoke(args=QUICK).exit_code == 0
    before = every_table_count()
    statuses = dict(db.session.execute(select(Finding.id, Finding.status)).all())
    db.session.commit()
    assert before["pings"] > 300 and before["flags"] >= 6 and before["leaves"] == 2
    again = runner.invoke(args=QUICK)
    assert again.exit_code == 0, again.output
    assert f"0 stored, {before['pings']:,} duplicates, 0 rejected" in again.output
    assert every_table_count() == before
    assert dict(db.session.execute(select(Finding.id, Finding.status)).all()) == statuses


def _user_id(username: str) -> int:
    return db.session.scalar(select(User.id).where(User.username == username))


def test_csv_import_all_or_nothing(ctx, tmp_path):
    runner = ctx.test_cli_runner()
    good = tmp_path / "good.csv"
    good.write_text("name,role,unit,phone,region_code,starts_on,ends_on,policy\n"
                    "刘洋,first_secretary,县委组织部,13900000001,410922100201,2026-03-01,,\n"
                    "陈静,county_leader,县政府,,410922100,2026-03-01,,\n", encoding="utf-8")
    assert runner.invoke(args=["people", "import-csv", str(good)]).exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("name,role,unit,phone,region_code,starts_on,ends_on,policy\n"
                   "好人,team_member,,,410922100202,2026-03-01,,\n"
                   ",team_member,,,410922100202,2026-03-01,,\n"
                   "坏日期,team_member,,,410922100202,03/01/2026,,\n", encoding="utf-8")
    result = runner.invoke(args=["people", "import-csv", str(bad)])
    assert result.exit_code == 1 and "line 3" in result.output and "line 4" in result.output
    assert db.session.scalar(select(func.count()).select_from(Cadre)) == 2
