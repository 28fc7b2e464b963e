"""Native ping ingest: validation, idempotency, fence verdicts, reads and the access log.

Each test runs twice (`device_paths`): with the device fast path on, and with it off, so a
phone's ping goes through the Flask route. Pings are sent with a device token, as a phone
sends them (a cadre's bearer login never takes the fast path).
"""
import json
import math
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import func, select

from fieldapp.domain.coords import wgs84_to_bd09, wgs84_to_gcj02
from fieldapp.extensions import db
from fieldapp.models import AccessLog, Assignment, Ping, Region, User
from fieldapp.services.ingest import pings as ingest
from fieldapp.services.people import registry as people

from .helpers import (
    OTHER_VILLAGE,
    TOWNSHIP,
    VILLAGE,
    admin_headers,
    at_once,
    cadre_login,
    login,
    make_cadre,
    make_user,
)
from .ping_helpers import phone, ping, village_points

pytestmark = pytest.mark.device_paths


@pytest.fixture(autouse=True)
def keep_every_fix(configure):
    """Storing every fix is the subject here: the `track` collection profile keeps them."""
    configure(COLLECTION="track")


def stored() -> int:
    count = db.session.scalar(select(func.count()).select_from(Ping))
    db.session.commit()
    return count


def test_single_and_batch_with_fence_verdicts(client):
    _, headers = phone()
    (ilat, ilon), (olat, olon) = village_points()
    one = client.post("/api/v1/pings", json=ping(ilat, ilon), headers=headers).get_json()
    assert one["accepted"] == 1 and one["results"][0]["fence"] == "inside"
    assert one["results"][0]["village_code"] == VILLAGE
    batch = client.post("/api/v1/pings", headers=headers, json={"pings": [
        ping(olat, olon), ping(ilat, ilon, accuracy=None),
        ping(ilat, ilon, accuracy=1500)]}).get_json()
    assert [r["fence"] for r in batch["results"]] == ["outside", "inside", "uncertain"]
    assert batch["results"][0]["distance_m"] > 1500
    assert stored() == 4


def test_a_single_ping_is_stored_as_the_same_ping_in_a_batch(client):
    """One row goes to the database as bind parameters, a batch as one JSON parameter:
    both must store every column alike, the empty ones too."""
    _, headers = phone()
    (lat, lon), _ = village_points()
    full = {"altitude": 120.5, "speed": 1.25, "heading": 270.0, "provider": "gps",
            "battery": 55.0, "mock": False, "challenge_id": "c-1", "crs": "gcj02"}
    for extra in (full, {"accuracy": None}):
        alone = ping(lat, lon, **extra)
        batch = [dict(alone, id=str(uuid.uuid4())), ping(lat, lon)]
        client.post("/api/v1/pings", json=alone, headers=headers)
        client.post("/api/v1/pings", json={"pings": batch}, headers=headers)
        rows = {r.client_id: r for r in db.session.scalars(
            select(Ping).where(Ping.client_id.in_([alone["id"], batch[0]["id"]])))}
        first, second = (_columns(rows[alone["id"]]), _columns(rows[batch[0]["id"]]))
        assert first == second and first["fence"] == "inside"
        assert first["crs"] == extra.get("crs", "wgs84")
        db.session.commit()


def _columns(row: Ping) -> dict:
    values = {c.key: getattr(row, c.key) for c in Ping.__table__.columns
              if c.key not in ("id", "client_id", "received_at", "geom")}
    return {**values, "geom": to_shape(row.geom).wkt}


def test_chinese_coordinates_are_converted_and_kept(client):
    _, headers = phone()
    (ilat, ilon), _ = village_points()
    glat, glon = wgs84_to_gcj02(ilat, ilon)
    blat, blon = wgs84_to_bd09(ilat, ilon)
    body = client.post("/api/v1/pings", headers=headers, json={"pings": [
        ping(float(glat), float(glon), crs="gcj02"), ping(float(blat), float(blon), crs="bd09"),
        ping(float(glat), float(glon))]}).get_json()  # GCJ-02 sent as WGS-84: ~540 m off
    assert [r["fence"] for r in body["results"][:2]] == ["inside", "inside"]
    row = db.session.scalar(select(Ping).where(Ping.crs == "gcj02"))
    assert math.isclose(row.lat, ilat, abs_tol=1e-6) and row.orig_lat == float(glat)


def test_each_bad_item_is_rejected_alone_with_a_reason(client):
    _, headers = phone()
    (lat, lon), _ = village_points()
    now = datetime.now(UTC)
    bad = [
        {"recorded_at": now.isoformat(), "lat": lat, "lon": lon},               # no id
        ping(91, lon), ping(lat, 181), ping(lat, lon, crs="utm"),
        ping(lat, lon, accuracy=-5), ping("35.9", lon), ping(lat, lon, mock="yes"),
        {**ping(lat, lon), "recorded_at": (now + timedelta(minutes=10)).isoformat()},
        {**ping(lat, lon), "recorded_at": (now - timedelta(days=15)).isoformat()},
        {**ping(lat, lon), "recorded_at": "2026-11-22T08:00:00"},               # no offset
        {**ping(lat, lon), "recorded_at": "yesterday"},
        [1, 2], None,
    ]
    body = client.post("/api/v1/pings", headers=headers,
                       json={"pings": [*bad, ping(lat, lon)]}).get_json()
    assert body["rejected"] == len(bad) and body["accepted"] == 1
    reasons = [r["reason"] for r in body["results"][:-1]]
    for expected in ("id is required", "lat 91", "lon 181", "unknown crs", "accuracy -5",
                     "lat must be a number", "mock must be", "in the future", "backfill",
                     "UTC offset", "not ISO-8601", "JSON object"):
        assert any(expected in r for r in reasons), expected
    assert stored() == 1


def test_nan_and_infinity_are_rejected(client):
    _, headers = phone()
    now = datetime.now(UTC).isoformat()
    raw = (f'{{"pings": [{{"id": "a", "recorded_at": "{now}", "lat": NaN, "lon": 115.1}},'
           f' {{"id": "b", "recorded_at": "{now}", "lat": 35.9, "lon": Infinity}}]}}')
    body = client.post("/api/v1/pings", data=raw, content_type="application/json",
                       headers=headers).get_json()
    assert body["rejected"] == 2 and stored() == 0


def test_malformed_and_oversized_bodies(client):
    _, headers = phone()
    assert client.post("/api/v1/pings", data="{oops", content_type="application/json",
                       headers=headers).status_code == 400
    assert client.post("/api/v1/pings", json=[1], headers=headers).status_code == 400
    assert client.post("/api/v1/pings", json={"pings": 5}, headers=headers).status_code == 422
    (lat, lon), _ = village_points()
    too_many = {"pings": [ping(lat, lon) for _ in range(1001)]}
    response = client.post("/api/v1/pings", json=too_many, headers=headers)
    assert response.status_code == 413 and "1000" in response.get_json()["message"]
    assert stored() == 0


def test_resending_is_duplicate_never_stored_twice(client):
    _, headers = phone()
    (lat, lon), _ = village_points()
    batch = {"pings": [ping(lat, lon, minutes_ago=m) for m in (30, 20, 10)]}
    first = client.post("/api/v1/pings", json=batch, headers=headers).get_json()
    again = client.post("/api/v1/pings", json=batch, headers=headers).get_json()
    assert first["accepted"] == 3 and again["duplicates"] == 3 and again["accepted"] == 0
    twice = client.post("/api/v1/pings", headers=headers,
                        json={"pings": [batch["pings"][0], batch["pings"][0]]}).get_json()
    assert twice["duplicates"] == 2
    assert stored() == 3


def test_concurrent_identical_batches_store_once(app, ctx):
    _, headers = phone()
    (lat, lon), _ = village_points()
    db.session.commit()
    batch = {"pings": [ping(lat, lon, minutes_ago=m) for m in range(1, 41)]}

    def send():
        response = app.test_client().post("/api/v1/pings", json=batch, headers=headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    answers = at_once(send)
    assert sum(a["accepted"] for a in answers) == 40
    assert all(a["accepted"] + a["duplicates"] == 40 for a in answers)
    assert stored() == 40


def test_unassigned_when_no_post_that_day(client):
    _, headers = phone(starts_on=datetime.now(UTC).date() + timedelta(days=3))
    (lat, lon), _ = village_points()
    body = client.post("/api/v1/pings", json=ping(lat, lon), headers=headers).get_json()
    assert body["results"][0]["fence"] == "unassigned"
    assert body["results"][0]["village_code"] is None


def test_each_fix_is_tested_against_the_post_of_its_own_date(client):
    """A cadre moved village four days ago: a buffered batch spanning the move is judged
    fix by fix, and a post ended between two requests applies to the very next one."""
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    cadre, headers = phone(starts_on=today - timedelta(days=10))
    first = db.session.scalar(select(Assignment).where(Assignment.cadre_id == cadre.id))
    people.update_assignment(first, {"ends_on": today - timedelta(days=5)})
    second = people.create_assignment(cadre.id, OTHER_VILLAGE, today - timedelta(days=4))
    (lat, lon), _ = village_points()
    other = to_shape(db.session.get(Region, OTHER_VILLAGE).boundary).representative_point()
    week_ago = 7 * 24 * 60
    body = client.post("/api/v1/pings", headers=headers, json={"pings": [
        ping(lat, lon, minutes_ago=week_ago), ping(lat, lon, minutes_ago=60),
        ping(other.y, other.x, minutes_ago=60)]}).get_json()
    assert [(r["village_code"], r["fence"]) for r in body["results"]] == [
        (VILLAGE, "inside"), (OTHER_VILLAGE, "outside"), (OTHER_VILLAGE, "inside")]
    people.update_assignment(second, {"ends_on": today - timedelta(days=1)})
    # taken now, so on `today` even just after local midnight
    body = client.post("/api/v1/pings", json=ping(other.y, other.x, minutes_ago=0),
                       headers=headers).get_json()
    assert body["results"][0]["fence"] == "unassigned"


def test_device_auth_and_revocation(client):
    admin = admin_headers(client)
    cadre, _ = cadre_login(client)
    device = client.post("/api/v1/devices", json={"cadre_id": cadre.id}, headers=admin).get_json()
    (lat, lon), _ = village_points()
    dev = {"Authorization": f"Device {device['token']}"}
    assert client.post("/api/v1/pings", json=ping(lat, lon), headers=dev).status_code == 200
    client.patch(f"/api/v1/devices/{device['id']}", json={"revoked": True}, headers=admin)
    assert client.post("/api/v1/pings", json=ping(lat, lon), headers=dev).status_code == 401
    assert client.post("/api/v1/pings", json=ping(lat, lon),
                       headers={"Authorization": "Device nope"}).status_code == 401
    assert client.post("/api/v1/pings", json=ping(lat, lon), headers=admin).status_code == 403


@pytest.mark.fast_path_only
def test_device_path_answers_as_the_flask_route_does(app, client, monkeypatch):
    """Device-token posts are answered beneath Flask; every answer, good or bad, matches
    the Flask route's, and nothing is stored by a refused request. About the fast path
    itself (it checks which requests never reached Flask), so run with it on only."""
    from werkzeug.test import Client

    cadre = make_cadre()
    _, token = people.create_device(cadre.id)
    old_device, revoked = people.create_device(cadre.id)
    people.revoke_device(old_device)
    (lat, lon), (olat, olon) = village_points()
    db.session.commit()
    flask_route = Client(app.wsgi_app.flask_wsgi, app.response_class)
    routed_to_flask = []
    flask_wsgi = app.wsgi_app.flask_wsgi
    monkeypatch.setattr(app.wsgi_app, "flask_wsgi",
                        lambda environ, start: routed_to_flask.append(1) or flask_wsgi(environ,
                                                                                       start))
    limit = app.config["MAX_JSON_BYTES"]
    cases = {
        "one ping": lambda: {"json": ping(lat, lon)},
        "a batch with a bad item": lambda: {"json": {"pings": [
            ping(lat, lon), ping(olat, olon), ping(91, lon), {"id": 5}]}},
        "not JSON": lambda: {"data": "{oops", "content_type": "application/json"},
        "not an object": lambda: {"json": [1]},
        "pings not a list": lambda: {"json": {"pings": 5}},
        "too many": lambda: {"json": {"pings": [ping(lat, lon) for _ in range(1001)]}},
        "body too large": lambda: {"data": " " * (limit + 1),
                                   "content_type": "application/json"},
        "revoked device": lambda: {"json": ping(lat, lon), "token": revoked},
        "unknown device": lambda: {"json": ping(lat, lon), "token": "nope"},
    }
    for name, make in cases.items():
        answers = []
        for sender in (client, flask_route):
            kwargs = make()
            headers = {"Authorization": f"Device {kwargs.pop('token', token)}"}
            db.session.commit()
            response = sender.post("/api/v1/pings", headers=headers, **kwargs)
            answers.append((response.status_code, response.headers["Content-Type"],
                            len(response.data),  # the same bytes: client ids are UUIDs
                            _without_ids(response.get_json())))
        assert answers[0] == answers[1], name
    assert routed_to_flask == []
    assert stored() == 2 * 3  # per path: "one ping" and the two good pings of the batch

    device = {"Authorization": f"Device {token}"}
    response = client.post("/api/v1/pings", data="{}", content_type="text/plain", headers=device)
    assert response.status_code == 400 and routed_to_flask == [1]  # not JSON: the route's turn
    response = client.post("/api/v1/pings", data=json.dumps(ping(lat, lon)), headers=device,
                           content_type="Application/JSON; charset=utf-8")
    assert response.status_code == 200 and routed_to_flask == [1]  # JSON all the same: ours
    chunked = {**device, "Transfer-Encoding": "chunked"}  # decoded, as WSGI servers pass it
    response = client.post("/api/v1/pings", json=ping(lat, lon), headers=chunked,
                           environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 200 and routed_to_flask == [1, 1]  # no length: the route's

    def broken(*_args):
        raise RuntimeError("database went away")

    monkeypatch.setattr(ingest, "ingest", broken)
    answers = [sender.post("/api/v1/pings", json=ping(lat, lon), headers=device)
               for sender in (client, flask_route)]
    assert [(a.status_code, a.get_json()) for a in answers] == 2 * [(500, {
        "code": 500, "status": "Internal Server Error", "errors": {},
        "message": "Internal error; it has been logged."})]
    assert stored() == 2 * 3 + 2


def _without_ids(body: dict) -> dict:
    """An answer with the client ids (fresh per request) left out."""
    if "results" in body:
        body["results"] = [{k: v for k, v in r.items() if k != "id"} for r in body["results"]]
    return body


def test_a_disabled_cadre_login_cannot_send(client):
    admin = admin_headers(client)
    cadre, headers = cadre_login(client)
    (lat, lon), _ = village_points()
    user_id = db.session.scalar(select(User.id).where(User.cadre_id == cadre.id))
    client.patch(f"/api/v1/users/{user_id}", json={"active": False}, headers=admin)
    response = client.post("/api/v1/pings", json=ping(lat, lon), headers=headers)
    assert response.status_code == 401 and "disabled" in response.get_json()["message"]
    assert stored() == 0


def test_reads_are_scoped_paginated_geojson_and_logged(client):
    cadre, headers = cadre_login(client)
    (lat, lon), _ = village_points()
    client.post("/api/v1/pings", headers=headers,
                json={"pings": [ping(lat, lon, minutes_ago=m) for m in (50, 40, 30, 20, 10)]})
    own = client.get("/api/v1/pings?per_page=2", headers=headers).get_json()
    assert own["total"] == 5 and len(own["items"]) == 2
    assert own["items"][0]["recorded_at"] > own["items"][1]["recorded_at"]
    item = own["items"][0]
    assert {"id", "lat", "lon", "original", "accuracy", "recorded_at", "received_at", "fence",
            "distance_m", "village_code"} <= set(item)
    assert db.session.scalar(select(func.count()).select_from(AccessLog)) == 0

    make_user("insp", "inspector", regions=[TOWNSHIP])
    inspector = login(client, "insp")
    geo = client.get(f"/api/v1/pings?cadre_id={cadre.id}",
                     headers={**inspector, "Accept": "application/geo+json"})
    assert geo.mimetype == "application/geo+json"
    assert geo.get_json()["features"][0]["geometry"]["type"] == "Point"
    log = db.session.scalars(select(AccessLog)).all()
    assert len(log) == 1 and log[0].subject_cadre_id == cadre.id

    make_user("far", "inspector", regions=["410922200"])
    far = login(client, "far")
    assert client.get(f"/api/v1/pings?cadre_id={cadre.id}", headers=far).status_code == 403
    since = (datetime.now(UTC) - timedelta(minutes=25)).isoformat()
    ranged = client.get("/api/v1/pings", query_string={"from": since}, headers=headers)
    assert ranged.get_json()["total"] == 2
    naive = client.get("/api/v1/pings?from=2026-11-01T00:00:00", headers=headers)
    assert naive.status_code == 422
