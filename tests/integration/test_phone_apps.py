"""OwnTracks and OsmAnd / Traccar Client payloads, shaped as the apps send them.

The OsmAnd forms are those of Traccar's own decoder test (OsmAndProtocolDecoderTest.java),
with their times moved to now and their coordinates into the test village. Storing every
form is the subject here, so these run under the `track` profile, except the last ones,
which check what `minimal` answers the apps."""
import base64
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import Ping, Region

from .helpers import VILLAGE, admin_headers, cadre_login, login

ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def track(configure):
    configure(COLLECTION="track")


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


def test_owntracks_location_and_other_types(client, track):
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


def test_owntracks_refuses_bad_credentials_and_bad_messages(client, track):
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


def test_osmand_query_form_and_timestamp_forms(client, track):
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


def test_osmand_bad_requests_store_nothing(client, track):
    device, lat, lon = registered_device(client)
    ts, token = int(time.time()), device["token"]
    for params, status in (({"id": "unknown", "lat": lat, "lon": lon, "timestamp": ts}, 401),
                           ({"lat": lat, "lon": lon, "timestamp": ts}, 401),  # no token
                           ({"id": token, "lat": "x", "lon": lon, "timestamp": ts}, 400),
                           ({"id": token, "lat": lat, "lon": lon, "timestamp": "soon"}, 400),
                           ({"id": token, "lat": 95, "lon": lon, "timestamp": ts}, 400),
                           ({"id": token, "lat": lat, "lon": lon, "timestamp": "nan"}, 400),
                           ({"id": token, "lat": lat, "lon": lon, "timestamp": "1e400"}, 400),
                           ({"id": token, "lat": lat, "lon": lon,
                             "timestamp": "9999-12-31 23:59:59"}, 400)):
        response = client.get("/api/v1/ingest/osmand", query_string=params)
        assert response.status_code == status, (params, response.get_json())
    assert rows() == []


def test_traccar_client_json_and_out_of_order_replay(client, track):
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


def test_a_traccar_buffer_with_one_bad_fix_is_refused_whole(client, track):
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


# (Traccar's test request, what it stores): {token} {lat} {lon} {s} {ms} {iso} {plain} are
# filled in; `at` names the timestamp form (None: absent, the time of receipt).
OSMAND_FORMS = [
    ("id={token}&lat={lat}&lon={lon}&timestamp={iso}&hdop=6.0&altitude=224.0&speed=0.0",
     {"at": "iso", "altitude": 224.0, "speed": 0.0}),
    ("id={token}&lat={lat}&lon={lon}&timestamp={ms}&hdop=6.0&altitude=224.0&speed=0.0",
     {"at": "ms"}),
    ("lat={lat}&lon={lon}&timestamp={plain}&altitude=384.7&speed=0.0&id={token}",
     {"at": "plain", "altitude": 384.7}),
    ("id={token}&timestamp={s}&lat={lat}&lon={lon}&speed=0.0&bearing=0.0&altitude=0&hdop=0.0",
     {"at": "s", "heading": 0.0}),
    ("id={token}&timestamp={s}&lat={lat}&lon={lon}", {"at": "s", "accuracy": None}),
    ("lat={lat}&lon={lon}&speed=0.0&heading=0.0&vacc=0&hacc=0&altitude=0&deviceid={token}",
     {"at": None, "heading": 0.0, "accuracy": None}),
    ("id={token}&lat={lat}&lon={lon}&altitude=350.059479&speed=0.000000&batt=87",
     {"at": None, "battery": 87.0}),
    ("id={token}&timestamp={s}&location={lat},{lon}", {"at": "s"}),
    ("id={token}&timestamp={s}&lat={lat}&lon={lon}&bearing=7.19889788244&speed=40"
     "&ignition=true&rpm=933&fuel=24", {"at": "s", "heading": 7.19889788244,
                                        "speed": 40 * 1852 / 3600}),
    ("id={token}&timestamp={s}&lat={lat}&lon={lon}&hacc=8&batt=-1&bearing=-1&speed=-1",
     {"at": "s", "accuracy": 8.0, "battery": None, "heading": None, "speed": None}),
]
REFUSED_FORMS = [  # no coordinates (Traccar would reuse the last ones), no device
    ("id={token}&timestamp={s}&cell=257,02,16,2224&cell=257,02,16,2223,-90"
     "&wifi=00-14-22-01-23-45,-80&wifi=00-1C-B3-09-85-15,-70", 400),
    ("timestamp={s}&lat={lat}&lon={lon}", 401),
]


def _filled(form: str, token: str, lat: float, lon: float, moment: datetime) -> str:
    """The form with its placeholders filled, `moment` in each timestamp form."""
    values = {"token": token, "lat": lat, "lon": lon, "s": int(moment.timestamp()),
              "ms": int(moment.timestamp() * 1000),
              "iso": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
              "plain": moment.strftime("%Y-%m-%d %H:%M:%S")}
    pairs = [part.split("=", 1) for part in form.split("&")]
    return urlencode([(k, v.format(**values)) for k, v in pairs])


def _send(client, how: str, query: str):
    if how == "query":
        return client.get(f"/api/v1/ingest/osmand?{query}")
    if how == "form":  # Traccar Client 10's default
        return client.post("/api/v1/ingest/osmand", data=query,
                           content_type="application/x-www-form-urlencoded")
    return client.post("/api/v1/ingest/osmand", data=query)  # a body with no form type


@pytest.mark.parametrize("how", ["query", "form", "body"])
def test_every_osmand_form_traccar_accepts(client, track, how):
    device, lat, lon = registered_device(client)
    for index, (form, expected) in enumerate(OSMAND_FORMS):
        moment = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=index + 1)
        before = datetime.now(UTC)
        response = _send(client, how, _filled(form, device["token"], lat, lon, moment))
        assert response.status_code == 200, (form, response.get_data(as_text=True))
        stored = db.session.scalars(select(Ping).order_by(Ping.id.desc())).first()
        db.session.commit()
        assert (stored.lat, stored.lon, stored.fence) == (lat, lon, "inside"), form
        if expected["at"] is None:
            assert stored.clock == "receipt", form
            assert before - timedelta(seconds=1) <= stored.recorded_at <= datetime.now(UTC)
            assert stored.recorded_at == stored.received_at
        else:
            assert (stored.clock, stored.recorded_at) == ("device", moment), form
        for name in ("accuracy", "altitude", "speed", "heading", "battery"):
            if name in expected:
                assert getattr(stored, name) == pytest.approx(expected[name]), (form, name)
    assert len(rows()) == len(OSMAND_FORMS)
    for form, status in REFUSED_FORMS:
        response = _send(client, how, _filled(form, device["token"], lat, lon,
                                              datetime.now(UTC)))
        assert response.status_code == status, form
    assert len(rows()) == len(OSMAND_FORMS)


def test_a_resent_osmand_request_without_timestamp_is_stored_once(client, track):
    device, lat, lon = registered_device(client)
    query = urlencode({"id": device["token"], "lat": lat, "lon": lon, "batt": 80})
    for _ in range(2):
        assert client.get(f"/api/v1/ingest/osmand?{query}").status_code == 200
    assert len(rows()) == 1
    moved = urlencode({"id": device["token"], "lat": lat, "lon": lon, "batt": 79})
    assert client.post("/api/v1/ingest/osmand", data=moved,
                       content_type="application/x-www-form-urlencoded").status_code == 200
    assert [r.clock for r in rows()] == ["receipt", "receipt"]
    listed = client.get("/api/v1/pings", headers=login(client, "cadre")).get_json()
    assert {item["clock"] for item in listed["items"]} == {"receipt"}


# Traccar's decoder test's JSON bodies (Traccar Client 9), their times moved to now
TRACCAR_JSON = [
    ({"timestamp": "{iso}", "coords": {"latitude": "{lat}", "longitude": "{lon}",
                                       "accuracy": 5, "speed": 0, "heading": -1,
                                       "altitude": 5},
      "is_moving": False, "odometer": 0, "event": "motionchange",
      "battery": {"level": 1, "is_charging": False}, "activity": {"type": "still"},
      "extras": {}, "_": "&id=48241179&lat=37.4219983&lon=-122.084&timestamp=x&"},
     {"accuracy": 5.0, "speed": 0.0, "heading": None, "battery": 100.0, "mock": None}),
    ({"timestamp": "{iso}", "coords": {"latitude": "{lat}", "longitude": "{lon}",
                                       "accuracy": 5, "speed": 0, "heading": -1,
                                       "altitude": 5},
      "battery": {"level": 1, "is_charging": False}, "extras": {
          "device_string_test": "long_device_id", "device_bool_test": True,
          "device_integer_twelve_test": 12, "device_very_long_double_test": 1763636.3442}},
     {"altitude": 5.0}),
    ({"extras": {}, "mock": True, "coords": {
        "speed_accuracy": -1, "speed": -1, "longitude": "{lon}", "ellipsoidal_altitude": 0,
        "floor": None, "heading_accuracy": -1, "latitude": "{lat}", "accuracy": 5,
        "altitude_accuracy": -1, "altitude": 0, "heading": -1},
      "is_moving": False, "age": 188, "odometer": 0,
      "uuid": "2FB04C65-99CF-42AB-8DD3-EBCB4B108BF8", "event": "motionchange",
      "battery": {"level": -1, "is_charging": False},
      "activity": {"type": "unknown", "confidence": 100}, "timestamp": "{iso}"},
     {"speed": None, "heading": None, "battery": None, "mock": True}),
    ({"event": "motionchange", "is_moving": False,
      "uuid": "0e9a2473-a9a7-4c00-997b-fb97d2154e75", "timestamp": "{iso}", "odometer": 0,
      "coords": {"latitude": "{lat}", "longitude": "{lon}", "accuracy": 3.8, "speed": 18.67,
                 "speed_accuracy": 0.26, "heading": 63, "heading_accuracy": 0.28,
                 "altitude": 35.7, "altitude_accuracy": 3.8},
      "activity": {"type": "still", "confidence": 100},
      "battery": {"is_charging": False, "level": 0.79}, "extras": {}},
     {"accuracy": 3.8, "speed": 18.67, "heading": 63.0, "battery": 79.0}),
]


def _location(template, lat: float, lon: float, stamp: str):
    if isinstance(template, dict):
        return {k: _location(v, lat, lon, stamp) for k, v in template.items()}
    return {"{iso}": stamp, "{lat}": lat, "{lon}": lon}.get(template, template) \
        if isinstance(template, str) else template


def test_every_traccar_json_body_traccar_accepts(client, track):
    device, lat, lon = registered_device(client)
    for index, (template, expected) in enumerate(TRACCAR_JSON):
        moment = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=index + 1)
        stamp = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        body = {"location": _location(template, lat, lon, stamp), "device_id": device["token"]}
        response = client.post("/api/v1/ingest/osmand", json=body)
        assert response.status_code == 200, (index, response.get_data(as_text=True))
        stored = db.session.scalars(select(Ping).order_by(Ping.id.desc())).first()
        db.session.commit()
        assert (stored.recorded_at, stored.clock, stored.fence) == (moment, "device", "inside")
        for name, value in expected.items():
            assert getattr(stored, name) == pytest.approx(value), (index, name)


def _local(day_offset: int, hour: int, minute: int = 0) -> datetime:
    """A local moment `day_offset` days from today, in UTC."""
    today = datetime.now(ZONE).date()
    return datetime.combine(today + timedelta(days=day_offset),
                            datetime.min.time(), ZONE).replace(hour=hour, minute=minute
                                                              ).astimezone(UTC)


def test_minimal_answers_the_apps_200_and_keeps_the_first_fix_of_a_window(client):
    """Under `minimal` a discarded fix is no error (the app would resend it for ever): 200,
    nothing stored; the first inside fix of yesterday's morning window is kept."""
    device, lat, lon = registered_device(client)
    auth = basic(device["id"], device["token"])
    for moment in (_local(-1, 9), _local(-1, 9, 5), _local(-1, 19)):  # 19:00: no window
        query = urlencode({"id": device["token"], "lat": lat, "lon": lon,
                           "timestamp": int(moment.timestamp()), "accuracy": 8})
        assert client.get(f"/api/v1/ingest/osmand?{query}").status_code == 200
        message = {"_type": "location", "tst": int(moment.timestamp()) + 30, "lat": lat,
                   "lon": lon, "acc": 8}
        answer = client.post("/api/v1/ingest/owntracks", json=message, headers=auth)
        assert answer.status_code == 200 and answer.get_json() == []
    assert [r.recorded_at for r in rows()] == [_local(-1, 9)]
    # a Traccar buffer: the afternoon's first fix kept, the rest of it answered 200
    buffer = [{"timestamp": (_local(-1, 14) + timedelta(minutes=m)).isoformat(),
               "coords": {"latitude": lat, "longitude": lon, "accuracy": 8}} for m in (5, 0)]
    assert client.post("/api/v1/ingest/osmand", json={
        "device_id": device["token"], "location": buffer}).status_code == 200
    assert [r.recorded_at for r in rows()] == [_local(-1, 9), _local(-1, 14)]
