"""Login, tokens, throttling and scope: who may see what."""
import re

from .helpers import (
    OTHER_VILLAGE,
    PASSWORD,
    TOWNSHIP,
    admin_headers,
    cadre_login,
    login,
    make_cadre,
    make_user,
)


def test_token_has_the_documented_shape(client):
    cadre, _ = cadre_login(client)
    body = client.post("/api/v1/auth/token",
                       json={"username": "cadre", "password": PASSWORD}).get_json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    assert body["user"] == {"id": body["user"]["id"], "role": "cadre", "cadre_id": cadre.id}


def test_unknown_user_and_wrong_password_answer_the_same(client):
    make_user("someone", "admin")
    wrong = client.post("/api/v1/auth/token", json={"username": "someone", "password": "nope"})
    unknown = client.post("/api/v1/auth/token", json={"username": "nobody", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()


def test_password_is_stored_hashed(ctx):
    user = make_user("hashed", "admin")
    assert PASSWORD not in user.password_hash and user.password_hash.startswith("scrypt:")


def test_repeated_failures_are_throttled(client):
    make_user("target", "admin")
    codes = [client.post("/api/v1/auth/token",
                         json={"username": "target", "password": "guess"}).status_code
             for _ in range(12)]
    assert codes == [401] * 10 + [429] * 2
    assert client.post("/api/v1/auth/token",
                       json={"username": "target", "password": PASSWORD}).status_code == 429


def test_every_endpoint_needs_a_token_and_every_page_a_login(client, app):
    """API: 401 without a token. Pages: a GET is sent to the login page, a POST without
    the session's CSRF token is refused (400) before anything else."""
    open_paths = {"/healthz", "/readyz", "/api/v1/auth/token", "/api/v1/openapi.json",
                  "/api/v1/docs", "/api/v1/docs/", "/static/<path:filename>", "/",
                  "/console/login", "/console/lang/<code>",
                  # a phone's way in: a one-time code, or a cadre's password once
                  "/api/v1/enrolments/redeem", "/api/v1/auth/device",
                  # this machine's Prometheus (the test client is 127.0.0.1): test_metrics.py
                  "/metrics"}
    for rule in app.url_map.iter_rules():
        # the phone page's files hold no data; the page calls the API with its device token
        if (rule.rule in open_paths or rule.rule.startswith("/api/v1/docs")
                or rule.rule.startswith("/m/")):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>",
                      lambda m: "410922" if m.group(1) == "code" else "1", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(path, method=method, json={})
            if not path.startswith("/console/"):
                assert response.status_code == 401, (method, path, response.status_code)
            elif method == "GET":
                assert response.status_code == 302, (method, path, response.status_code)
                assert response.headers["Location"].startswith("/console/login?next="), path
            else:
                assert response.status_code == 400, (method, path, response.status_code)


def test_garbage_and_expired_tokens_are_401(client, app):
    from datetime import timedelta

    from flask_jwt_extended import create_access_token

    user = make_user("old", "admin")
    expired = create_access_token(identity=str(user.id), expires_delta=timedelta(seconds=-1))
    for token in ("garbage", expired):
        response = client.get("/api/v1/cadres", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401 and response.get_json()["code"] == 401


def test_disabled_user_loses_access(client):
    admin = admin_headers(client)
    user = make_user("temp", "admin")
    headers = login(client, "temp")
    client.patch(f"/api/v1/users/{user.id}", json={"active": False}, headers=admin)
    assert client.get("/api/v1/cadres", headers=headers).status_code == 401


def test_cadre_cannot_read_another_cadre(client):
    me, headers = cadre_login(client)
    other = make_cadre(OTHER_VILLAGE, name="李娜")
    assert client.get(f"/api/v1/cadres/{me.id}", headers=headers).status_code == 200
    response = client.get(f"/api/v1/cadres/{other.id}", headers=headers)
    assert response.status_code == 403
    listed = client.get("/api/v1/cadres", headers=headers).get_json()
    assert [c["id"] for c in listed["items"]] == [me.id]


def test_inspector_cannot_read_outside_their_townships(client):
    inside = make_cadre(name="王强")                 # township 410922100
    outside = make_cadre(OTHER_VILLAGE, name="赵敏")  # township 410922200
    make_user("insp", "inspector", regions=[TOWNSHIP])
    headers = login(client, "insp")
    assert client.get(f"/api/v1/cadres/{inside.id}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/cadres/{outside.id}", headers=headers).status_code == 403
    listed = client.get("/api/v1/cadres", headers=headers).get_json()
    assert [c["id"] for c in listed["items"]] == [inside.id]
    assert client.get(f"/api/v1/regions/{OTHER_VILLAGE}", headers=headers).status_code == 403
    assert client.get("/api/v1/regions/410922", headers=headers).status_code == 200


def test_only_admin_writes(client):
    _, headers = cadre_login(client)
    response = client.post("/api/v1/cadres", json={"name": "x", "role": "team_member"},
                           headers=headers)
    assert response.status_code == 403
