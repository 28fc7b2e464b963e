"""What a hostile pass over the phone apps' endpoints found, each answered 4xx and storing
nothing: integers of hundreds of digits, dates out of range, a null speed, device ids that
are digits only to Unicode, a Traccar buffer past the batch limit; a made-up challenge id
keeps no track under minimal; a request without a timestamp sent again later is a fix of
its own; no page can be framed, and a made-up HTTP method makes no metric series."""
import json
import time
from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from fieldapp.domain import phone_apps
from fieldapp.extensions import db
from fieldapp.models import Ping

from .ping_helpers import phone, ping, village_points
from .test_phone_apps import basic, registered_device

HUGE = "9" * 401


def stored() -> int:
    count = db.session.scalar(select(func.count()).select_from(Ping))
    db.session.rollback()
    return count


def raw_json(client, url, text, headers):
    return client.post(url, data=text, content_type="application/json", headers=headers)


@pytest.mark.device_paths
def test_integers_of_hundreds_of_digits_are_refused(client, ctx):
    _, device = phone()
    (lat, lon), _ = village_points()
    body = json.dumps(ping(lat, lon)).replace(f'"lat": {lat}', f'"lat": {HUGE}')
    for sent in (body, '{"pings": [' + body + "]}"):
        answered = raw_json(client, "/api/v1/pings", sent, device)
        assert answered.status_code == 200, answered.get_data(as_text=True)
        assert answered.get_json()["results"][0]["status"] == "rejected"
    assert stored() == 0


def test_the_phone_apps_refuse_what_they_cannot_read(client, ctx, configure):
    configure(COLLECTION="track")
    device, lat, lon = registered_device(client)
    token, auth = device["token"], basic(device["id"], device["token"])
    now = int(time.time()) - 60
    osmand = "/api/v1/ingest/osmand"
    for timestamp in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", HUGE):
        query = urlencode({"id": token, "lat": lat, "lon": lon, "timestamp": timestamp})
        assert client.get(f"{osmand}?{query}").status_code == 400, timestamp
    traccar = '{"device_id": "%s", "location": {"timestamp": "%s", "coords": ' \
              '{"latitude": %s, "longitude": %s}}}'
    iso = datetime.now().astimezone().isoformat()
    assert raw_json(client, osmand, traccar % (token, iso, HUGE, lon), {}).status_code == 400
    assert raw_json(client, osmand, traccar % (token, "0001-01-01T00:00:00+01:00", lat, lon),
                    {}).status_code == 400
    owntracks = "/api/v1/ingest/owntracks"
    message = '{"_type": "location", "tst": %s, "lat": %s, "lon": %s, "vel": null}'
    assert raw_json(client, owntracks, message % (HUGE, lat, lon), auth).status_code == 400
    assert stored() == 0
    assert raw_json(client, owntracks, message % (now, lat, lon), auth).status_code == 200
    for user in ("999999999999999999999999999999", "²", "٣"):
        assert raw_json(client, owntracks, message % (now, lat, lon),
                        basic(user, token)).status_code == 401, user
    assert stored() == 1


def test_a_traccar_buffer_past_the_batch_limit_is_refused(client, ctx, configure):
    configure(COLLECTION="track", PING_BATCH_MAX=5)
    device, lat, lon = registered_device(client)
    iso = datetime.now().astimezone().isoformat()
    location = {"timestamp": iso, "coords": {"latitude": lat, "longitude": lon}}
    body = {"device_id": device["token"], "location": [location] * 6}
    assert client.post("/api/v1/ingest/osmand", json=body).status_code == 413
    assert stored() == 0


def test_a_made_up_challenge_id_keeps_no_track(client, ctx, configure):
    configure(CHECKIN_WINDOWS="00:00-23:59", NIGHT_WINDOW="23:59-00:00")
    _, device = phone()
    (lat, lon), _ = village_points()
    first = client.post("/api/v1/pings", headers=device, json=ping(lat, lon, minutes_ago=3))
    assert first.get_json()["accepted"] == 1
    again = client.post("/api/v1/pings", headers=device,
                        json=ping(lat, lon, minutes_ago=2, challenge_id=424242))
    assert again.status_code in (200, 422), again.get_json()
    assert stored() == 1


def test_a_request_without_timestamp_sent_again_later_is_a_fix_of_its_own(
        client, ctx, configure, monkeypatch):
    configure(COLLECTION="track")
    device, lat, lon = registered_device(client)
    query = urlencode({"id": device["token"], "lat": lat, "lon": lon, "batt": 100})
    assert client.get(f"/api/v1/ingest/osmand?{query}").status_code == 200
    assert client.get(f"/api/v1/ingest/osmand?{query}").status_code == 200  # a resend
    assert stored() == 1
    later = datetime.now().astimezone() + timedelta(seconds=phone_apps.RESEND_SLOT_S)
    monkeypatch.setattr("fieldapp.services.ingest.phone_apps.utcnow", lambda: later)
    assert client.get(f"/api/v1/ingest/osmand?{query}").status_code == 200
    assert stored() == 2


def test_no_answer_may_be_framed_and_made_up_methods_make_no_series(client, ctx):
    assert client.get("/console/login").headers["X-Frame-Options"] == "DENY"
    assert client.get("/healthz").headers["X-Frame-Options"] == "DENY"
    for method in ("FOOBAR1", "FOOBAR2"):
        client.open("/api/v1/jobs", method=method)
    text = client.get("/metrics").get_data(as_text=True)
    assert "FOOBAR" not in text and 'method="other"' in text
