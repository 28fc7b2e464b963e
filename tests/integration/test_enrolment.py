"""Enrolling a phone: a one-time code made by an admin or an inspector in scope, redeemed
once (even at once); logging in once on a phone, throttled as /auth/token is; and a device
registered by a login dying with that login, on the Flask route and the fast path."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from fieldapp.extensions import db
from fieldapp.models import Device, PhoneEnrolment, SenderVersion, User
from fieldapp.services.people import registry as people

from .helpers import (
    OTHER_VILLAGE,
    PASSWORD,
    TOWNSHIP,
    admin_headers,
    at_once,
    login,
    make_cadre,
    make_user,
)
from .ping_helpers import ping, village_points

OTHER_TOWNSHIP = OTHER_VILLAGE[:9]


def enrol(client, headers, cadre_id, **extra):
    return client.post("/api/v1/enrolments", headers=headers, json={"cadre_id": cadre_id,
                                                                    **extra})


def redeem(client, code, **extra):
    return client.post("/api/v1/enrolments/redeem", json={"code": code, **extra})


def device_login(client, username, password=PASSWORD, **extra):
    return client.post("/api/v1/auth/device", json={"username": username,
                                                    "password": password, **extra})


def device(token: str) -> dict:
    return {"Authorization": f"Device {token}"}


def count(model) -> int:
    n = db.session.scalar(select(func.count()).select_from(model))
    db.session.commit()
    return n


def test_an_admin_enrols_a_phone_and_its_code_redeems_once(client, ctx):
    cadre = make_cadre()
    made = enrol(client, admin_headers(client), cadre.id, label="张伟的手机")
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert (body["cadre_id"], body["cadre_name"]) == (cadre.id, "张伟")
    assert len(body["code"]) >= 22  # 128 bits at least, base64url
    assert body["phone_url"] == f"http://localhost/m/enrol#{body['code']}"
    assert body["server_url"] == "http://localhost"
    assert body["owntracks_config"]["url"] == "http://localhost/api/v1/ingest/owntracks"
    assert body["owntracks_config"]["password"] == body["device_token"]
    assert body["traccar_server_url"] == "http://localhost/api/v1/ingest/osmand"
    # the code and the token are stored as digests only
    row = db.session.scalar(select(PhoneEnrolment))
    assert row.device_id == body["device_id"] and row.created_by is not None
    dumped = " ".join(str(v) for v in db.session.execute(text(
        "SELECT * FROM phone_enrolments")).one()) + " ".join(str(v) for v in db.session.execute(
        text("SELECT * FROM devices")).one())
    assert body["code"] not in dumped and body["device_token"] not in dumped
    db.session.commit()

    redeemed = redeem(client, body["code"], label="微信浏览器")
    assert redeemed.status_code == 201, redeemed.get_json()
    phone = redeemed.get_json()
    assert (phone["cadre_id"], phone["cadre_name"]) == (cadre.id, "张伟")
    assert phone["device_id"] != body["device_id"] and phone["token"] != body["device_token"]
    assert client.get("/api/v1/leaves", headers=device(phone["token"])).status_code == 200
    # the enrolment's own device is the phone apps': it sends fixes, it reads nothing
    assert client.get("/api/v1/leaves", headers=device(body["device_token"])).status_code == 403

    again = redeem(client, body["code"])
    assert again.status_code == 410 and "used" in again.get_json()["message"]
    assert count(Device) == 2


def test_the_public_url_setting_makes_the_links(client, configure):
    configure(PUBLIC_URL="https://fieldapp.example.cn/")
    cadre = make_cadre()
    body = enrol(client, admin_headers(client), cadre.id).get_json()
    assert body["phone_url"].startswith("https://fieldapp.example.cn/m/enrol#")
    assert body["server_url"] == "https://fieldapp.example.cn"


def test_an_unknown_code_is_a_404_and_an_expired_one_a_410(client, ctx):
    cadre = make_cadre()
    body = enrol(client, admin_headers(client), cadre.id).get_json()
    assert redeem(client, body["code"] + "x").status_code == 404
    db.session.execute(text("UPDATE phone_enrolments SET expires_at = created_at"))
    db.session.commit()
    expired = redeem(client, body["code"])
    assert expired.status_code == 410 and "expired" in expired.get_json()["message"]
    assert count(Device) == 1


def test_the_code_of_a_revoked_device_no_longer_redeems(client, ctx):
    cadre = make_cadre()
    body = enrol(client, admin_headers(client), cadre.id).get_json()
    people.revoke_device(db.session.get(Device, body["device_id"]))
    answer = redeem(client, body["code"])
    assert answer.status_code == 410 and "revoked" in answer.get_json()["message"]


def test_the_ttl_setting_bounds_the_code(client, configure):
    configure(ENROL_TTL_MIN=5)
    cadre = make_cadre()
    enrol(client, admin_headers(client), cadre.id)
    row = db.session.scalar(select(PhoneEnrolment))
    assert row.expires_at - row.created_at == timedelta(minutes=5)


def test_a_code_redeemed_at_once_registers_exactly_one_browser(client, ctx):
    cadre = make_cadre()
    code = enrol(client, admin_headers(client), cadre.id).get_json()["code"]
    codes = at_once(lambda: redeem(client, code).status_code)
    assert sorted(codes) == [201, 410, 410, 410]
    assert count(Device) == 2
    row = db.session.scalar(select(PhoneEnrolment))
    assert row.redeemed_device_id is not None and row.redeemed_at is not None


def test_who_may_enrol(client, ctx):
    cadre = make_cadre()
    other = make_cadre(OTHER_VILLAGE, name="李娜")
    moved = make_cadre(name="王强", starts_on=date(2025, 1, 1))
    people.update_assignment(moved.assignments[0], {"ends_on": date(2025, 12, 31)})
    make_user("inspector", "inspector", regions=[TOWNSHIP])
    make_user("discipline", "discipline", regions=[TOWNSHIP[:6]])
    make_user("cadre", "cadre", cadre_id=cadre.id)
    inspector = login(client, "inspector")
    assert enrol(client, inspector, cadre.id).status_code == 201
    assert enrol(client, inspector, other.id).status_code in (403, 404)  # another township
    assert enrol(client, inspector, moved.id).status_code == 403  # posted there, not now
    assert enrol(client, login(client, "discipline"), cadre.id).status_code == 403
    assert enrol(client, login(client, "cadre"), cadre.id).status_code == 403
    assert client.post("/api/v1/enrolments", json={"cadre_id": cadre.id}).status_code == 401
    assert enrol(client, device(people.create_device(cadre.id)[1]),
                 cadre.id).status_code == 401
    assert enrol(client, admin_headers(client), 999_999).status_code == 404
    assert count(PhoneEnrolment) == 1


@pytest.mark.parametrize("body", [
    {}, {"cadre_id": "1"}, {"cadre_id": 1.5}, {"cadre_id": None}, {"cadre_id": [1]},
    {"cadre_id": 2**31}, {"cadre_id": 0}, {"cadre_id": -1}, {"cadre_id": True},
    {"cadre_id": "CADRE", "label": "x"}, {"label": "x" * 81}, {"label": ["x"]},
])
def test_hostile_enrolment_bodies_are_refused_and_store_nothing(client, ctx, body):
    cadre = make_cadre()
    if "label" in body and "cadre_id" not in body:
        body = {**body, "cadre_id": cadre.id}
    answer = client.post("/api/v1/enrolments", headers=admin_headers(client), json=body)
    assert answer.status_code == 422, answer.get_json()
    assert count(PhoneEnrolment) == 0 and count(Device) == 0


@pytest.mark.parametrize("body", [
    {}, {"code": None}, {"code": 12345}, {"code": ""}, {"code": "x" * 10_000},
    {"code": ["a"]}, {"code": {"$ne": ""}}, {"code": "abc", "label": 5},
])
def test_hostile_redeem_bodies_are_refused_and_store_nothing(client, ctx, body):
    cadre = make_cadre()
    enrol(client, admin_headers(client), cadre.id)
    answer = client.post("/api/v1/enrolments/redeem", json=body)
    assert answer.status_code == 422, answer.get_json()
    assert count(Device) == 1
    assert db.session.scalar(select(PhoneEnrolment.redeemed_at)) is None


def test_a_redeem_that_is_not_json_is_refused(client, ctx):
    answer = client.post("/api/v1/enrolments/redeem", data="code=abc",
                         content_type="application/x-www-form-urlencoded")
    assert answer.status_code in (400, 415, 422)
    assert count(Device) == 0


# ---- logging in once on a phone ------------------------------------------------------------

def test_a_cadre_logs_in_once_and_the_browser_becomes_their_device(client, ctx):
    cadre = make_cadre()
    make_user("zhangwei", "cadre", cadre_id=cadre.id)
    answer = device_login(client, "zhangwei", label="华为手机")
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert (body["cadre_id"], body["cadre_name"]) == (cadre.id, "张伟")
    stored = db.session.get(Device, body["device_id"])
    user = db.session.scalar(select(User).where(User.username == "zhangwei"))
    assert (stored.user_id, stored.user_token_version, stored.label) == (
        user.id, user.token_version, "华为手机")
    db.session.commit()
    assert client.get("/api/v1/leaves", headers=device(body["token"])).status_code == 200


def test_only_a_cadre_login_registers_a_phone(client, ctx):
    make_user("inspector", "inspector", regions=[TOWNSHIP])
    make_user("admin", "admin")
    assert device_login(client, "inspector").status_code == 403
    assert device_login(client, "admin").status_code == 403
    assert device_login(client, "inspector", "wrong password").status_code == 401
    assert device_login(client, "nobody").status_code == 401
    assert count(Device) == 0


@pytest.mark.parametrize("body", [
    {}, {"username": "zhangwei"}, {"password": PASSWORD}, {"username": 1, "password": 2},
    {"username": "u" * 65, "password": PASSWORD}, {"username": "zhangwei", "password": "p" * 257},
    {"username": "zhangwei", "password": PASSWORD, "label": "x" * 81},
    {"username": ["zhangwei"], "password": PASSWORD},
])
def test_hostile_phone_logins_are_refused_and_store_nothing(client, ctx, body):
    cadre = make_cadre()
    make_user("zhangwei", "cadre", cadre_id=cadre.id)
    assert client.post("/api/v1/auth/device", json=body).status_code == 422
    assert count(Device) == 0


def test_phone_logins_share_the_login_throttle(client, configure):
    configure(LOGIN_RATE_LIMIT="3 per hour")
    cadre = make_cadre()
    make_user("zhangwei", "cadre", cadre_id=cadre.id)
    assert client.post("/api/v1/auth/token", json={"username": "zhangwei",
                                                   "password": "guess"}).status_code == 401
    codes = [device_login(client, "zhangwei", "guess").status_code for _ in range(2)]
    throttled = device_login(client, "zhangwei")  # the right password, but throttled
    assert codes + [throttled.status_code] == [401, 401, 429]
    assert int(throttled.headers["Retry-After"]) > 0
    assert client.post("/api/v1/auth/token", json={"username": "zhangwei",
                                                   "password": PASSWORD}).status_code == 429
    assert count(Device) == 0


# ---- a device registered by a login dies with it ------------------------------------------

def _changes():
    return {
        "password": lambda user: people.update_user(user, {"password": "another-password-1"}),
        "disabled": lambda user: people.update_user(user, {"active": False}),
        "plain SQL": lambda user: db.session.execute(text(
            "UPDATE users SET password_hash = 'x' WHERE id = :id"), {"id": user.id}),
    }


@pytest.mark.device_paths
@pytest.mark.parametrize("change", list(_changes()))
def test_a_login_device_is_refused_once_its_login_changes(client, ctx, change):
    cadre = make_cadre()
    make_user("zhangwei", "cadre", cadre_id=cadre.id)
    token = device_login(client, "zhangwei").get_json()["token"]
    enrolled = enrol(client, admin_headers(client), cadre.id).get_json()["device_token"]
    (lat, lon), _ = village_points()
    for _ in range(2):  # the second answered from the worker's cached sender
        sent = client.post("/api/v1/pings", json=ping(lat, lon), headers=device(token))
        assert sent.status_code == 200, sent.get_json()
    user = db.session.scalar(select(User).where(User.username == "zhangwei"))
    _changes()[change](user)
    db.session.commit()
    refused = client.post("/api/v1/pings", json=ping(lat, lon), headers=device(token))
    assert refused.status_code == 401, refused.get_json()
    assert client.get("/api/v1/leaves", headers=device(token)).status_code == 401
    assert client.post("/api/v1/leaves", headers=device(token), json={
        "kind": "personal", "starts_on": date.today().isoformat(),
        "ends_on": date.today().isoformat(), "reason": "家中有事"}).status_code == 401
    # a device enrolled by an admin is no login's: it goes on
    assert client.post("/api/v1/pings", json=ping(lat, lon),
                       headers=device(enrolled)).status_code == 200


def test_a_new_phone_login_after_a_password_change_works(client, ctx):
    cadre = make_cadre()
    user = make_user("zhangwei", "cadre", cadre_id=cadre.id)
    old = device_login(client, "zhangwei").get_json()["token"]
    people.update_user(user, {"password": "another-password-1"})
    new = device_login(client, "zhangwei", "another-password-1").get_json()["token"]
    assert client.get("/api/v1/leaves", headers=device(old)).status_code == 401
    assert client.get("/api/v1/leaves", headers=device(new)).status_code == 200


def sender_version() -> int:
    version = db.session.scalar(select(SenderVersion.version))
    db.session.commit()
    return version


def test_a_login_change_raises_the_sender_version_and_a_login_does_not(client, ctx):
    """Workers cache device senders under the sender version: every change of a token
    version must raise it (migration 0012), or a cached login device would outlive it."""
    cadre = make_cadre()
    user = make_user("zhangwei", "cadre", cadre_id=cadre.id)
    before = sender_version()
    login(client, "zhangwei")
    device_login(client, "nobody")
    assert sender_version() == before  # logging in changes no user
    for change in ({"password": "another-password-1"}, {"active": False}, {"active": True}):
        before = sender_version()
        people.update_user(user, change)
        db.session.commit()
        assert sender_version() > before, change
    before = sender_version()
    db.session.execute(text("UPDATE users SET username = 'renamed' WHERE id = :id"),
                       {"id": user.id})
    db.session.commit()
    assert sender_version() == before  # a change no token version follows
