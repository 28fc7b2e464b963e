"""OwnTracks and OsmAnd / Traccar Client payloads, shaped as the apps send them."""
import base64
import time
from datetime import UTC, datetime, timedelta

from geoalchemy2.shape import to_shape
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import Ping, Region

from .helpers import VILLAGE, admin_headers, cadre_login


def registered_device(client):
    admin = admin_headers(client)
    cadre, _ = cadre_login(client)
    device = client.post("/api/v1/devices", json={"cadre_id": cadre.id},
                         headers=admin).get_json()
    point = to_shape(db.session.get(Region, VILLAGE).boundary).representative_point()
    db.session.commit()
    return device, round(point.y, 6), round(point.x, 6)


def basic(user, password):
    raw = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def rows():
    found = db.session.scalars(select(Ping).order_by(Ping.recorded_at)).all()
    db.session.commit()
    return found


def test_owntracks_location_and_other_types(client):
    device, lat, lon = registered_device(client)
    auth = basic(device["id"], device["token"])
    tst = int(time.time()) - 600
    message = {"_type": "location", "tid": "JJ", "tst": tst, "lat": lat, "lon": lon, "acc": 12,
               "alt": 35, "batt": 76, "bs": 1, "conn": "m", "t": "p", "vel": 18,
               "created_at": tst + 30, "topic": "owntracks/jane/phone"}
    response = client.post("/api/v1/ingest/owntracks", json=message, headers=auth)
    assert response.status_code == 200 and response.get_json() == []
    stored = rows()[0]
    assert stored.accuracy == 12 and abs(stored.speed - 5.0) < 1e-9 and stored.battery == 76
    assert stored.fence == "inside" and stored.recorded_at == datetime.fromtimestamp(tst, UTC)
    # zero fields omitted by the app; other _types and empty bodies are accepted and ignored
    sparse = {"_type": "location", "tst": tst + 60, "lat": lat, "lon": lon, "batt": 75}
    assert client.post("/api/v1/ingest/owntracks", json=sparse, headers=auth).status_code == 200
    assert rows()[1].accuracy is None and rows()[1].speed == 0
    for other in ({"_type": "lwt", "tst": tst}, {"_type": "transition", "event": "enter"}):
        assert client.post("/api/v1/ingest/owntracks", json=other, headers=auth).get_json() == []
    assert client.post("/api/v1/ingest/owntracks", data=b"", headers=auth).status_code == 200
    # the same device, tst, lat, lon again is stored once
    client.post("/api/v1/ingest/owntracks", json=message, headers=auth)
    assert len(rows()) == 2


def test_owntracks_refuses_bad_credentials_and_bad_messages(client):
    device, lat, lon = registered_device(client)
    message = {"_type": "location", "tst": int(time.time()), "lat": lat, "lon": lon}
    for auth in (basic(device["id"], "wrong"), basic(999, device["token"]), {}):
        assert client.post("/api/v1/ingest/owntracks", json=message,
                           headers=auth).status_code == 401
    auth = basic(device["id"], device["token"])
    bad = {"_type": "location", "tst": int(time.time()), "lat": "north", "lon": lon}
    assert client.post("/api/v1/ingest/owntracks", json=bad, headers=auth).status_code == 400
    future = {**message, "tst": int(time.time()) + 3600}
    assert client.post("/api/v1/ingest/owntracks", json=future, headers=auth).status_code == 400
    assert rows() == []


def test_osmand_query_form_and_timestamp_forms(client):
    device, lat, lon = registered_device(client)
    now = datetime.now(UTC).replace(microsecond=0)
    seconds = int((now - timedelta(minutes=30)).timestamp())
    millis = int((now - timedelta(minutes=20)).timestamp() * 1000)
    iso = (now - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    plain = (now - timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M:%S")
    base = {"id": device["token"], "lat": lat, "lon": lon, "speed": "10", "bearing": "0",
            "altitude": "12.5", "accuracy": "8", "batt": "76"}
    assert client.get("/api/v1/ingest/osmand",
                      query_string={**base, "timestamp": seconds}).status_code == 200
    assert client.get("/api/v1/ingest/osmand",
                      query_string={**base, "timestamp": millis}).status_code == 200
    assert client.post("/api/v1/ingest/osmand", data={**base, "timestamp": iso}).status_code == 200
    located = {k: v for k, v in base.items() if k not in ("lat", "lon")}
    assert client.get("/api/v1/ingest/osmand", query_string={
        **located, "location": f"{lat},{lon}", "timestamp": plain}).status_code == 200
    stored = rows()
    assert len(stored) == 4
    assert [r.recorded_at for r in stored] == [
        now - timedelta(minutes=m) for m in (30, 20, 10, 5)]
    assert abs(stored[0].speed - 10 * 0.514444) < 1e-3 and stored[0].fence == "inside"


def test_osmand_bad_requests_store_nothing(client):
    device, lat, lon = registered_device(client)
    ts, token = int(time.time()), device["token"]
    for params, status in (({"id": "unknown", "lat": lat, "lon": lon, "timestamp": ts}, 401),
                           ({"lat": lat, "lon": lon, "timestamp": ts}, 401),  # no token
                           ({"id": token, "lat": "x", "lon": lon, "timestamp": ts}, 400),
                           ({"id": token, "lat": lat, "lon": lon, "timestamp": "soon"}, 400),
                           ({"id": token, "lat": 95, "lon": lon, "timestamp": ts}, 400),
                           ({"id": token, "lat": lat, "lon": lon}, 400)):
        response = client.get("/api/v1/ingest/osmand", query_string=params)
        assert response.status_code == status, (params, response.get_json())
    assert rows() == []


def test_traccar_client_json_and_out_of_order_replay(client):
    device, lat, lon = registered_device(client)
    now = datetime.now(UTC)

    def body(minutes_ago, **location):
        stamp = (now - timedelta(minutes=minutes_ago)).isoformat(timespec="milliseconds")
        return {"location": {"timestamp": stamp.replace("+00:00", "Z"),
                             "coords": {"latitude": lat, "longitude": lon, "accuracy": 8,
                                        "speed": 0.4, "heading": -1, "altitude": 12.5},
                             "is_moving": False, "odometer": 0, "event": "motionchange",
                             "battery": {"level": 0.79, "is_charging": False},
                             "activity": {"type": "still"}, "extras": {}, **location},
                "device_id": device["token"]}

    # a buffer replayed newest-first, with one fix sent twice
    for minutes in (5, 15, 25, 15):
        assert client.post("/api/v1/ingest/osmand", json=body(minutes)).status_code == 200
    assert client.post("/api/v1/ingest/osmand", json=body(1, mock=True)).status_code == 200
    stored = rows()
    assert len(stored) == 4
    assert stored[0].battery == 79 and stored[0].heading is None and stored[0].speed == 0.4
    assert stored[-1].mock is True
    revoked = {**body(2), "device_id": "not-a-token"}
    assert client.post("/api/v1/ingest/osmand", json=revoked).status_code == 401
    broken = body(3)
    broken["location"]["coords"] = {"latitude": lat}
    assert client.post("/api/v1/ingest/osmand", json=broken).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Ping)) == 4


def test_a_traccar_buffer_with_one_bad_fix_is_refused_whole(client):
    """The app resends a refused buffer, so a bad fix among good ones stores none of them."""
    device, lat, lon = registered_device(client)
    now = datetime.now(UTC)

    def location(minutes_ago):
        stamp = (now - timedelta(minutes=minutes_ago)).isoformat(timespec="milliseconds")
        return {"timestamp": stamp, "coords": {"latitude": lat, "longitude": lon,
                                               "accuracy": 8}}

    future = location(-60)  # an hour ahead of the server clock
    answer = client.post("/api/v1/ingest/osmand", json={
        "device_id": device["token"], "location": [location(5), future, location(3)]})
    assert answer.status_code == 400 and "future" in answer.get_json()["message"]
    assert rows() == []
    buffer = [location(5), location(4), location(3)]
    assert client.post("/api/v1/ingest/osmand", json={
        "device_id": device["token"], "location": buffer}).status_code == 200
    assert len(rows()) == 3
