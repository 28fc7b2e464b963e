"""A cadre's phone acts for its cadre on the cadre-self endpoints (leave, own presence and
findings, appeals, who looked at my data, the work record), with its device token and
nothing else; everywhere else a device token is refused."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Appeal, Device, Leave
from fieldapp.services.access import enrolment
from fieldapp.services.access.scope import Scope
from fieldapp.services.people import registry as people

from .helpers import TOWNSHIP, VILLAGE, login, make_cadre, make_user
from .ping_helpers import page_phone, phone, ping, village_points
from .presence_helpers import east_of, inside, iso_week, last_full_week, send, week_of


def _leave(client, headers, starts_in_days=3):
    start = date.today() + timedelta(days=starts_in_days)
    return client.post("/api/v1/leaves", headers=headers, json={
        "kind": "personal", "starts_on": start.isoformat(),
        "ends_on": start.isoformat(), "reason": "家中有事"})


def test_a_phone_without_a_login_asks_reads_and_cancels_its_own_leave(client, ctx):
    cadre, device = page_phone()
    asked = _leave(client, device)
    assert asked.status_code == 201, asked.get_json()
    leave = asked.get_json()
    assert leave["cadre_id"] == cadre.id and leave["status"] == "pending"
    listed = client.get("/api/v1/leaves", headers=device).get_json()
    assert [item["id"] for item in listed["items"]] == [leave["id"]]
    assert client.get(f"/api/v1/leaves/{leave['id']}", headers=device).status_code == 200
    cancelled = client.post(f"/api/v1/leaves/{leave['id']}/cancel", headers=device)
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert client.get("/api/v1/me/presence", headers=device).status_code == 200
    assert client.get("/api/v1/access-log", headers=device).status_code == 200
    month = f"{date.today():%Y-%m}"
    assert client.get(f"/api/v1/reports/monthly?month={month}",
                      headers=device).status_code == 200


def test_a_phone_sees_only_its_cadres_data(client, ctx):
    _, device = page_phone()
    other, other_device = page_phone(name="李娜")
    _leave(client, other_device)
    (theirs,) = db.session.scalars(select(Leave.id).where(Leave.cadre_id == other.id))
    assert client.get("/api/v1/leaves", headers=device).get_json()["total"] == 0
    assert client.get(f"/api/v1/leaves/{theirs}", headers=device).status_code in (403, 404)
    assert client.post(f"/api/v1/leaves/{theirs}/cancel",
                       headers=device).status_code in (403, 404)
    presence = client.get(f"/api/v1/presence?cadre_id={other.id}", headers=device)
    assert presence.status_code == 401  # not a cadre-self endpoint: bearer tokens only


@pytest.mark.parametrize("path", ["/api/v1/cadres", "/api/v1/users", "/api/v1/presence",
                                  "/api/v1/spotchecks/plans", "/api/v1/audits/presence"])
def test_a_device_token_opens_nothing_but_the_cadre_self_endpoints(client, ctx, path):
    _, device = page_phone()
    assert client.get(path, headers=device).status_code == 401


@pytest.mark.parametrize("path", ["/api/v1/me/presence", "/api/v1/me/export", "/api/v1/flags",
                                  "/api/v1/leaves", "/api/v1/access-log",
                                  "/api/v1/me/collection"])
def test_a_device_made_for_the_phone_apps_sends_fixes_but_reads_nothing(client, ctx, path):
    """Whoever enrolled OwnTracks or Traccar Client (or made a device by the API) holds its
    token: it must not open the cadre's own data nor speak for them."""
    _, app_device = phone()
    assert client.get(path, headers=app_device).status_code == 403
    assert client.post("/api/v1/leaves", headers=app_device, json={
        "kind": "personal", "starts_on": "2026-12-20", "ends_on": "2026-12-20",
        "reason": "x"}).status_code == 403
    (lat, lon), _ = village_points()
    assert client.post("/api/v1/pings", headers=app_device,
                       json=ping(lat, lon)).status_code == 200


def test_a_revoked_or_unknown_phone_is_refused(client, ctx):
    cadre, device = page_phone()
    for device_row in db.session.scalars(select(Device).where(Device.cadre_id == cadre.id)):
        people.revoke_device(device_row)
    assert _leave(client, device).status_code == 401
    assert client.get("/api/v1/me/presence", headers={
        "Authorization": "Device not-a-token"}).status_code == 401
    assert db.session.scalar(select(Leave.id)) is None


@pytest.fixture()
def confirmed(client, ctx, configure):
    """A commuter's confirmed not_resident finding; the commuter has a phone, and a
    login unless the test says `login=False`."""
    configure(MAX_BACKFILL_DAYS=60, LATE_UPLOAD_HOURS=24 * 90.0)

    def make(with_login: bool):
        week = last_full_week()
        commuter = make_cadre(name="通勤")
        if with_login:
            make_user("commuter", "cadre", cadre_id=commuter.id)
        made = enrolment.create_enrolment(timedelta(minutes=5), Scope(make_user(
            "enroller", "admin")), commuter.id)
        token = enrolment.redeem(made.code).token
        send(commuter.id, week_of(week, inside(VILLAGE), east_of(VILLAGE, 5000)))
        make_user("admin", "admin")
        make_user("insp", "inspector", regions=[TOWNSHIP])
        admin, insp = login(client, "admin"), login(client, "insp")
        assert client.post("/api/v1/evaluations", headers=admin,
                           json={"week": iso_week(week)}).status_code == 200
        (flag,) = client.get("/api/v1/flags?kind=not_resident",
                             headers=insp).get_json()["items"]
        for action in ("assign", "confirm"):
            moved = client.post(f"/api/v1/flags/{flag['id']}/transitions", headers=insp,
                                json={"action": action, "note": "checked on site"})
            assert moved.status_code == 200, moved.get_json()
        return flag["id"], {"Authorization": f"Device {token}"}, insp

    return make


@pytest.mark.parametrize("with_login", [True, False], ids=["with-login", "phone-only"])
def test_a_phone_appeals_its_cadres_confirmed_finding(client, confirmed, with_login):
    flag_id, device, insp = confirmed(with_login)
    mine = client.get("/api/v1/flags", headers=device).get_json()["items"]
    assert [f["id"] for f in mine] == [flag_id]
    assert client.get(f"/api/v1/flags/{flag_id}", headers=device).status_code == 200
    appealed = client.post(f"/api/v1/flags/{flag_id}/appeal", headers=device,
                           json={"text": "我住在村委会宿舍"})
    assert appealed.status_code == 200, appealed.get_json()
    assert appealed.get_json()["status"] == "appealed"
    appeal = db.session.scalars(select(Appeal)).one()
    login_id = db.session.execute(select(db.text("id FROM users WHERE username = 'commuter'"))
                                  ).scalar() if with_login else None
    assert appeal.submitted_by == login_id
    detail = client.get(f"/api/v1/flags/{flag_id}", headers=insp).get_json()
    assert detail["appeals"][0]["text"] == "我住在村委会宿舍"
