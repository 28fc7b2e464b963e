"""Hostile input never reaches a 5xx: bodies capped by the bytes read (through gunicorn
too, with chunked bodies), nesting depth, integer ranges, the supported date range, unknown
cadres, an unreachable database (503 with Retry-After), and `nosniff` on every answer."""
from __future__ import annotations

import base64
import contextlib
import http.client
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from flask_jwt_extended import create_access_token
from sqlalchemy import func, select

from fieldapp.errors import HOLDS_NUL, HOLDS_SURROGATE, NUMBER_TOO_LONG
from fieldapp.extensions import db
from fieldapp.models import Cadre, Leave, Ping, WorkReport
from fieldapp.services.people import registry as people

from .helpers import admin_headers, cadre_login, make_cadre
from .servers import SECRET, free_port, gunicorn

DEEP = b"[" * 100_000
HUGE = [2**31, 2**63, 2**64, 10**30]  # past PostgreSQL's INTEGER, BIGINT, and far past


def assert_error(response, status: int) -> dict:
    """`response` is an error of `status` in the one shape, with nosniff."""
    body = response.get_json()
    assert response.status_code == status, body
    assert set(body) == {"code", "status", "message", "errors"}, body
    assert body["code"] == status and isinstance(body["errors"], dict), body
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    return body


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def device(cadre_id: int) -> dict:
    _, token = people.create_device(cadre_id)
    return {"Authorization": f"Device {token}"}


def a_ping(**extra) -> dict:
    return {"id": str(uuid.uuid4()), "recorded_at": datetime.now(UTC).isoformat(),
            "lat": 36.07, "lon": 115.01, "accuracy": 10, **extra}


# --- nesting depth and invalid JSON -------------------------------------------------------

@pytest.mark.device_paths
def test_deeply_nested_ping_body_is_a_400_on_both_device_paths(client):
    headers = {**device(make_cadre().id), "Content-Type": "application/json"}
    response = client.post("/api/v1/pings", data=DEEP, headers=headers)
    assert_error(response, 400)
    assert count(Ping) == 0


def json_headers(client, who: str | None) -> dict:
    """A JSON request's headers, with the credentials of `who`: a cadre, an admin, an
    OwnTracks device (basic auth), or nobody."""
    headers = {"Content-Type": "application/json"}
    if who == "cadre":
        headers.update(cadre_login(client)[1])
    elif who == "admin":
        headers.update(admin_headers(client))
    elif who == "device":
        found, token = people.create_device(make_cadre().id)
        headers["Authorization"] = "Basic " + base64.b64encode(
            f"{found.id}:{token}".encode()).decode()
    return headers


@pytest.mark.parametrize(("path", "who"), [
    ("/api/v1/auth/token", None), ("/api/v1/leaves", "cadre"), ("/api/v1/reports", "cadre"),
    ("/api/v1/pings", "cadre"), ("/api/v1/evaluations", "admin"), ("/api/v1/cadres", "admin"),
    ("/api/v1/flags/1/transitions", "admin"), ("/api/v1/ingest/owntracks", "device"),
    ("/api/v1/ingest/osmand", None),
])
def test_deeply_nested_json_is_a_400_everywhere(client, path, who):
    body = assert_error(client.post(path, data=DEEP, headers=json_headers(client, who)), 400)
    assert list(body["errors"]) in ([], ["json"]), body


@pytest.mark.parametrize(("path", "who"), [
    ("/api/v1/auth/token", None), ("/api/v1/leaves", "cadre"), ("/api/v1/cadres", "admin")])
def test_a_nul_character_in_json_is_a_400_and_stores_nothing(client, path, who):
    """PostgreSQL cannot hold NUL in text (it was a 500 there, and stored on SQLite)."""
    headers = json_headers(client, who)
    before = count(Cadre), count(Leave)
    body = {"username": "a\u0000b", "password": "x", "name": "王\u0000", "role": "team_member",
            "starts_on": "2026-11-30", "ends_on": "2026-11-30", "kind": "sick",
            "reason": "病\u0000"}
    response = client.post(path, data=json.dumps(body, ensure_ascii=True), headers=headers)
    assert assert_error(response, 400)["errors"] == {"json": [HOLDS_NUL]}
    assert (count(Cadre), count(Leave)) == before


@pytest.mark.parametrize(("path", "who"), [
    ("/api/v1/auth/token", None), ("/api/v1/cadres", "admin"), ("/api/v1/pings", "cadre"),
    ("/api/v1/spotchecks/plans", "admin")])
@pytest.mark.parametrize(("text", "why"), [
    ('"\\ud800"', HOLDS_SURROGATE), ('"a\\udc00b"', HOLDS_SURROGATE),
    ('"x\\ud800\\ud800"', HOLDS_SURROGATE), ("9" * 5000, NUMBER_TOO_LONG)])
def test_lone_surrogates_and_endless_numbers_are_a_400_and_store_nothing(client, path, who,
                                                                         text, why):
    """A lone surrogate cannot be encoded to store or answer (it was stored, then every read
    of it a 500); Python refuses to convert a number of more than 4300 digits."""
    headers = json_headers(client, who)
    before = count(Cadre), count(Leave)
    body = ('{"username": TEXT, "password": "x", "name": TEXT, "role": "team_member", '
            '"region": "410922", "quarter": "2026-Q4", "id": "x", "lat": TEXT}').replace(
                "TEXT", text)
    response = client.post(path, data=body, headers=headers)
    assert assert_error(response, 400)["errors"] == {"json": [why]}
    assert (count(Cadre), count(Leave)) == before


def test_a_surrogate_pair_is_a_character(client):
    headers = json_headers(client, "admin")
    body = '{"name": "\\ud83d\\ude00", "role": "team_member"}'
    response = client.post("/api/v1/cadres", data=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["name"] == "\U0001F600"


@pytest.mark.parametrize("path", ["/api/v1/leaves", "/api/v1/reports"])
def test_invalid_json_errors_are_keyed_by_location(client, path):
    _, headers = cadre_login(client)
    response = client.post(path, data=b"{not json", headers={
        **headers, "Content-Type": "application/json"})
    body = assert_error(response, 400)
    assert body["errors"] == {"json": ["The request body is not valid JSON."]}
    assert body["message"] == "The request body is not valid JSON."


# --- bodies capped by the bytes read --------------------------------------------------

@pytest.mark.device_paths
def test_ping_body_over_the_json_limit_is_a_413(client, configure):
    configure(MAX_JSON_BYTES=1000)
    headers = device(make_cadre().id)
    body = {"pings": [a_ping() for _ in range(20)]}
    assert_error(client.post("/api/v1/pings", json=body, headers=headers), 413)
    assert count(Ping) == 0


@pytest.mark.parametrize("content_type", ["application/json", "text/plain",
                                          "application/x-www-form-urlencoded"])
def test_any_non_multipart_body_is_held_to_the_json_limit(client, configure, content_type):
    configure(MAX_JSON_BYTES=1000)
    _, headers = cadre_login(client)
    response = client.post("/api/v1/leaves", data=b"x" * 2000,
                           headers={**headers, "Content-Type": content_type})
    assert_error(response, 413)


@pytest.fixture()
def server(ctx, database_url, tmp_path):
    """fieldapp under gunicorn (one sync worker) on a free port, on the test's database."""
    with gunicorn(database_url, tmp_path, "--workers", "1") as port:
        yield port


def chunked_post(port: int, path: str, headers: dict, body: bytes):
    """POST `body` with Transfer-Encoding: chunked (no Content-Length); (status, json).
    A server that refuses the body may answer and close before all of it is sent: the
    answer is read all the same."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    chunks = (body[i:i + 65536] for i in range(0, len(body), 65536))
    try:
        # if it stopped reading, its answer is waiting on the socket
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            conn.request("POST", path, body=chunks, encode_chunked=True,
                         headers={**headers, "Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, json.loads(response.read()), response.headers
    finally:
        conn.close()


def test_chunked_bodies_are_capped_by_bytes_read_under_gunicorn(client, server):
    cadre, bearer = cadre_login(client)
    phone = device(cadre.id)
    db.session.commit()
    small = json.dumps({"pings": [a_ping()]}).encode()
    status, body, _ = chunked_post(server, "/api/v1/pings", phone, small)
    assert (status, body["accepted"]) == (200, 1), body  # a chunked body is read at all
    padding = "x" * 3_000_000
    for path, headers, payload in [
        ("/api/v1/pings", phone, {"pings": [a_ping(provider=padding)]}),
        ("/api/v1/pings", bearer, {"pings": [a_ping(provider=padding)]}),
        ("/api/v1/leaves", bearer, {"starts_on": "2026-03-01", "ends_on": "2026-03-02",
                                    "kind": "personal", "reason": padding}),
        ("/api/v1/reports", bearer, {"id": "r1", "kind": "meeting", "summary": padding,
                                     "occurred_at": datetime.now(UTC).isoformat(),
                                     "lat": 36.07, "lon": 115.01}),
    ]:
        status, body, headers_out = chunked_post(server, path, headers,
                                                 json.dumps(payload).encode())
        assert status == 413, (path, body)
        assert set(body) == {"code", "status", "message", "errors"} and body["code"] == 413
        assert headers_out["X-Content-Type-Options"] == "nosniff"
    db.session.rollback()
    assert (count(Ping), count(Leave), count(WorkReport)) == (1, 0, 0)


# --- integer ranges -----------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/api/v1/flags/{n}", "/api/v1/leaves/{n}", "/api/v1/media/{n}", "/api/v1/media/{n}/file",
    "/api/v1/cadres/{n}", "/api/v1/assignments/{n}", "/api/v1/users/{n}",
])
def test_ids_past_the_database_range_are_404(client, path):
    headers = admin_headers(client)
    for n in [*HUGE, -1, 0]:
        assert_error(client.get(path.format(n=n), headers=headers), 404)
    assert_error(client.post(f"/api/v1/flags/{2**63}/transitions", headers=headers,
                             json={"action": "confirm", "note": "x"}), 404)
    assert_error(client.patch(f"/api/v1/devices/{2**64}", headers=headers,
                              json={"label": "x"}), 404)


@pytest.mark.parametrize("path", [
    "/api/v1/presence?cadre_id={n}", "/api/v1/pings?cadre_id={n}",
    "/api/v1/flags?cadre_id={n}", "/api/v1/leaves?cadre_id={n}",
    "/api/v1/reports?cadre_id={n}", "/api/v1/reports/monthly?cadre_id={n}&month=2026-01",
    "/api/v1/assignments?cadre_id={n}", "/api/v1/cadres?page={n}",
    "/api/v1/flags?per_page={n}", "/api/v1/pings?cadre_id=1&page={n}",
])
def test_query_integers_past_their_range_are_422(client, path):
    headers = admin_headers(client)
    for n in [*HUGE, -1, 0]:
        body = assert_error(client.get(path.format(n=n), headers=headers), 422)
        assert set(body["errors"]) <= {"cadre_id", "page", "per_page"}, body


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/api/v1/devices", {"cadre_id": 2**63}, "cadre_id"),
    ("/api/v1/assignments", {"cadre_id": 2**64, "village_code": "410922100201",
                             "starts_on": "2026-01-01"}, "cadre_id"),
    ("/api/v1/users", {"username": "someone", "password": "long-enough-password",
                       "role": "cadre", "cadre_id": 2**63}, "cadre_id"),
    ("/api/v1/flags/1/transitions", {"action": "assign", "note": "x",
                                     "assignee_id": 2**63}, "assignee_id"),
])
def test_body_integers_past_their_range_are_422(client, path, body, field):
    response = client.post(path, json=body, headers=admin_headers(client))
    assert field in assert_error(response, 422)["errors"]


# --- the supported date range -----------------------------------------------------------

@pytest.mark.parametrize("query", [
    "month=0000-01", "month=9999-12", "month=1999-12", "month=2100-01",
])
def test_months_outside_the_supported_range_are_422(client, query):
    cadre, headers = cadre_login(client)
    response = client.get(f"/api/v1/reports/monthly?{query}", headers=headers)
    assert "month" in assert_error(response, 422)["errors"]


@pytest.mark.parametrize("body", [
    {"week": "0001-W01"}, {"week": "9999-W52"}, {"month": "0000-01"}, {"month": "9999-12"},
    {"from": "0001-01-01", "to": "0001-01-07"}, {"from": "9999-12-25", "to": "9999-12-31"},
])
def test_evaluations_outside_the_supported_range_are_422(client, body):
    response = client.post("/api/v1/evaluations", json=body, headers=admin_headers(client))
    assert_error(response, 422)


def test_leave_in_year_9999_is_422(client):
    _, headers = cadre_login(client)
    response = client.post("/api/v1/leaves", headers=headers, json={
        "starts_on": "9999-12-30", "ends_on": "9999-12-31", "kind": "personal",
        "reason": "far away"})
    assert set(assert_error(response, 422)["errors"]) == {"starts_on", "ends_on"}
    assert count(Leave) == 0


@pytest.mark.parametrize("query", [
    "from=0001-01-01T00:00:00%2B14:00", "to=9999-12-31T23:59:59-14:00",
    "from=1999-12-31T15:59:59Z",
])
@pytest.mark.parametrize("path", ["/api/v1/pings", "/api/v1/flags", "/api/v1/reports"])
def test_timestamps_at_the_extremes_are_422(client, path, query):
    cadre, headers = cadre_login(client)
    response = client.get(f"{path}?cadre_id={cadre.id}&{query}", headers=headers)
    assert set(assert_error(response, 422)["errors"]) in ({"from"}, {"to"}, {"from", "to"})


def test_presence_dates_at_the_extremes_are_422(client):
    cadre, headers = cadre_login(client)
    for query in ["from=0001-01-01", "to=9999-12-31"]:
        response = client.get(f"/api/v1/me/presence?{query}", headers=headers)
        assert_error(response, 422)


def test_the_edges_of_the_supported_range_are_accepted(client):
    cadre, headers = cadre_login(client)
    response = client.get("/api/v1/reports/monthly?month=2099-12", headers=headers)
    assert response.status_code == 200, response.get_json()
    response = client.get(
        "/api/v1/pings?from=2000-01-01T00:00:00Z&to=2099-12-31T23:59:59Z", headers=headers)
    assert response.status_code == 200, response.get_json()


# --- unknown cadres -------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/api/v1/presence?cadre_id={n}", "/api/v1/pings?cadre_id={n}",
    "/api/v1/reports/monthly?cadre_id={n}&month=2026-01", "/api/v1/media?cadre_id={n}",
    "/api/v1/cadres/{n}",
])
def test_an_admin_reading_a_cadre_that_does_not_exist_gets_404(client, path):
    headers = admin_headers(client)
    missing = make_cadre().id + 1000
    assert_error(client.get(path.format(n=missing), headers=headers), 404)


# --- nosniff --------------------------------------------------------------------------------

@pytest.mark.device_paths
def test_nosniff_on_every_kind_of_answer(client):
    cadre, headers = cadre_login(client)
    phone = device(cadre.id)
    answers = [
        client.get("/healthz"), client.get("/api/v1/openapi.json"),
        client.get("/api/v1/nowhere"), client.get("/api/v1/me/presence", headers=headers),
        client.get("/api/v1/reports/monthly?month=2026-01&format=csv", headers=headers),
        client.post("/api/v1/pings", json=a_ping(), headers=phone),
        client.post("/api/v1/pings", json={"pings": "no"}, headers=phone),
        client.post("/api/v1/pings", json=a_ping(), headers={"Authorization": "Device nope"}),
    ]
    assert [a.headers.get("X-Content-Type-Options") for a in answers] == ["nosniff"] * 8
    assert [a.status_code for a in answers][:5] == [200, 200, 404, 200, 200]


def test_answers_with_credentials_are_kept_from_shared_caches(client):
    cadre, headers = cadre_login(client)
    private = [client.get("/api/v1/me/presence", headers=headers),
               client.get(f"/api/v1/pings?cadre_id={cadre.id}", headers=headers),
               client.get("/api/v1/flags", headers=headers)]
    assert [a.headers.get("Cache-Control") for a in private] == ["private, no-store"] * 3
    assert "no-store" not in client.get("/api/v1/openapi.json").headers.get("Cache-Control", "")


# --- an unreachable database: 503 with Retry-After -------------------------------------------

@pytest.mark.parametrize("url", [
    f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/postgres?connect_timeout=2",
    "sqlite:////nonexistent-directory/fieldapp.db",
], ids=["postgis-closed-port", "sqlite-unreadable-path"])
def test_an_unreachable_database_answers_503_with_retry_after(url, tmp_path):
    from fieldapp import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "TESTING": True,
                      "UPLOAD_DIR": str(tmp_path)})
    with app.app_context():
        bearer = {"Authorization": f"Bearer {create_access_token(identity='1')}"}
    client = app.test_client()
    answers = [
        client.get("/readyz"),
        client.get("/api/v1/cadres", headers=bearer),
        client.post("/api/v1/auth/token", json={"username": "a", "password": "b"}),
        client.post("/api/v1/pings", json=a_ping(), headers={"Authorization": "Device x"}),
        client.post("/api/v1/pings", json=a_ping(), headers=bearer),
    ]
    for answer in answers:
        assert_error(answer, 503)
        assert answer.headers["Retry-After"] == "5"
    assert client.get("/healthz").status_code == 200


def test_a_past_moment_is_not_rejected_by_the_range_guard(client):
    """The range guard compares without converting: a normal offset still parses."""
    cadre, headers = cadre_login(client)
    moment = (datetime.now(UTC) - timedelta(days=1)).isoformat().replace("+00:00", "%2B08:00")
    response = client.get(f"/api/v1/pings?from={moment}", headers=headers)
    assert response.status_code == 200, response.get_json()
