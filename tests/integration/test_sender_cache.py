"""A worker's cached device senders: used only while the sender version holds, so a
revoked device or a changed post takes effect on the very next ping.

The cache is the device fast path's; the ping tests also run through the Flask route
(`device_paths`), which reads the sender afresh on every request, and must answer alike.
"""
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import event, func, select, text

from fieldapp.db.engines import AUTOCOMMIT_ENGINE
from fieldapp.extensions import db
from fieldapp.models import Assignment, Ping, Region, SenderVersion
from fieldapp.services.people import registry as people

from .helpers import OTHER_VILLAGE, VILLAGE, make_cadre


@pytest.fixture(autouse=True)
def keep_every_fix(configure):
    """Storing every fix is the subject here: the `track` collection profile keeps them."""
    configure(COLLECTION="track")


def point_in(code: str) -> tuple[float, float]:
    inside = to_shape(db.session.get(Region, code).boundary).representative_point()
    return inside.y, inside.x


def ping(lat_lon, **extra) -> dict:
    moment = datetime.now(UTC) - timedelta(minutes=10)
    return {"id": str(uuid.uuid4()), "recorded_at": moment.isoformat(), "lat": lat_lon[0],
            "lon": lat_lon[1], "accuracy": 10, **extra}


def sender_version() -> int:
    version = db.session.scalar(select(SenderVersion.version))
    db.session.commit()
    return version


def stored() -> int:
    count = db.session.scalar(select(func.count()).select_from(Ping))
    db.session.commit()
    return count


@pytest.fixture()
def phone(ctx):
    """A cadre posted to VILLAGE since ten days ago, and the headers of their phone."""
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    cadre = make_cadre(starts_on=today - timedelta(days=10))
    device, token = people.create_device(cadre.id)
    db.session.commit()
    return cadre, device, {"Authorization": f"Device {token}"}


@pytest.fixture()
def statements(app):
    """The SQL statements the app runs through SQLAlchemy, on either engine, and its
    connection checkouts ("checkout"), while the test does (the ping path's autocommit
    engine is a pool of its own on PostgreSQL)."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    def checkout(*_args):
        seen.append("checkout")

    with app.app_context():
        engines = {db.engine, app.extensions[AUTOCOMMIT_ENGINE]}
    pools = {engine.pool for engine in engines}  # SQLite's two engines share one
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    for pool in pools:
        event.listen(pool, "checkout", checkout)
    yield seen
    for engine in engines:
        event.remove(engine, "before_cursor_execute", record)
    for pool in pools:
        event.remove(pool, "checkout", checkout)


def test_every_change_to_devices_posts_or_boundaries_raises_the_version(phone):
    cadre, device, _ = phone
    changes = {
        "register a device": lambda: people.create_device(cadre.id),
        "revoke a device": lambda: people.revoke_device(device),
        "end a post": lambda: people.update_assignment(db.session.scalar(
            select(Assignment).where(Assignment.region_code == VILLAGE)),
            {"ends_on": datetime(2029, 1, 1).date()}),
        "post a cadre": lambda: people.create_assignment(
            cadre.id, OTHER_VILLAGE, datetime(2030, 1, 1).date()),
        "plain SQL on a boundary": lambda: db.session.execute(text(
            "UPDATE regions SET name = name WHERE code = :code"), {"code": VILLAGE}),
        "plain SQL deleting posts": lambda: db.session.execute(text(
            "DELETE FROM assignments WHERE cadre_id = :id"), {"id": cadre.id}),
    }
    for name, change in changes.items():
        before = sender_version()
        change()
        db.session.commit()
        assert sender_version() > before, name


@pytest.mark.fast_path_only
def test_a_cached_sender_is_not_read_again(client, phone, statements):
    """About the fast path's cache (the Flask route reads the sender on every request), so
    with the fast path on only."""
    _, _, headers = phone
    assert client.post("/api/v1/pings", json=ping(point_in(VILLAGE)),
                       headers=headers).status_code == 200
    body, before = ping(point_in(VILLAGE)), sender_version()
    statements.clear()
    answer = client.post("/api/v1/pings", json=body, headers=headers)
    assert answer.get_json()["results"][0]["status"] == "accepted"
    # No read of the sender; the INSERT runs on the driver's cursor, on SQLite on the
    # process's writer connection, so that there no connection is even checked out.
    sqlite = db.engine.dialect.name == "sqlite"
    assert statements == ([] if sqlite else ["checkout"])
    assert sender_version() == before  # storing pings changes no sender
    assert stored() == 2


@pytest.mark.device_paths
def test_a_revoked_device_is_refused_at_once_though_cached(client, phone):
    _, device, headers = phone
    for _ in range(2):
        assert client.post("/api/v1/pings", json=ping(point_in(VILLAGE)),
                           headers=headers).status_code == 200
    people.revoke_device(device)
    db.session.commit()
    answer = client.post("/api/v1/pings", json=ping(point_in(VILLAGE)), headers=headers)
    assert answer.status_code == 401
    assert "revoked" in answer.get_json()["message"]
    # the sender's 401 comes before anything wrong with the body, as on the route
    assert client.post("/api/v1/pings", json=[1], headers=headers).status_code == 401
    assert client.post("/api/v1/pings", json={"pings": [{"id": 5}]},
                       headers=headers).status_code == 401
    assert stored() == 2


@pytest.mark.device_paths
def test_a_changed_post_applies_to_the_next_ping_though_cached(client, phone):
    cadre, _, headers = phone
    other = point_in(OTHER_VILLAGE)
    first = client.post("/api/v1/pings", json=ping(other), headers=headers).get_json()
    assert (first["results"][0]["village_code"], first["results"][0]["fence"]) == (
        VILLAGE, "outside")
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    post = db.session.scalar(select(Assignment).where(Assignment.cadre_id == cadre.id))
    people.update_assignment(post, {"ends_on": today - timedelta(days=1)})
    people.create_assignment(cadre.id, OTHER_VILLAGE, today)
    db.session.commit()
    moved = client.post("/api/v1/pings", json=ping(other), headers=headers).get_json()
    assert (moved["results"][0]["village_code"], moved["results"][0]["fence"]) == (
        OTHER_VILLAGE, "inside")


@pytest.mark.device_paths
def test_resent_and_rejected_pings_are_answered_though_cached(client, phone):
    _, _, headers = phone
    sent = ping(point_in(VILLAGE))
    assert client.post("/api/v1/pings", json=sent, headers=headers).status_code == 200
    again = client.post("/api/v1/pings", json=sent, headers=headers).get_json()
    assert (again["duplicates"], again["results"][0]["id"]) == (1, sent["id"])
    bad = client.post("/api/v1/pings", json=ping((91, 0)), headers=headers).get_json()
    assert bad["rejected"] == 1 and bad["accepted"] == 0
    assert stored() == 1
