"""Leave over HTTP: ask, decide within scope, cancel before the start, retroactive entry."""
from datetime import timedelta

from fieldapp.config import app_settings
from fieldapp.domain.dates import local_date
from fieldapp.models.types import utcnow

from .helpers import OTHER_VILLAGE, TOWNSHIP, cadre_login, login, make_user


def ask(client, headers, start, end, kind="personal"):
    return client.post("/api/v1/leaves", headers=headers, json={
        "starts_on": start.isoformat(), "ends_on": end.isoformat(), "kind": kind,
        "reason": "family matter"})


def test_request_decide_and_list(client):
    cadre, headers = cadre_login(client)
    make_user("insp", "inspector", regions=[TOWNSHIP])
    inspector = login(client, "insp")
    start = local_date(utcnow(), app_settings().zone) + timedelta(days=3)
    response = ask(client, headers, start, start + timedelta(days=1))
    assert response.status_code == 201, response.get_json()
    leave = response.get_json()
    assert (leave["status"], leave["retroactive"]) == ("pending", False)
    decided = client.post(f"/api/v1/leaves/{leave['id']}/decision", headers=inspector,
                          json={"decision": "approve", "note": "ok"})
    assert decided.status_code == 200 and decided.get_json()["status"] == "approved"
    again = client.post(f"/api/v1/leaves/{leave['id']}/decision", headers=inspector,
                        json={"decision": "reject", "note": "changed my mind"})
    assert again.status_code == 409
    listed = client.get("/api/v1/leaves?status=approved", headers=headers).get_json()
    assert [item["id"] for item in listed["items"]] == [leave["id"]]
    assert listed["total"] == 1


def test_inspector_outside_the_cadres_township_cannot_decide(client):
    _, headers = cadre_login(client)
    make_user("far", "inspector", regions=[OTHER_VILLAGE[:9]])
    start = local_date(utcnow(), app_settings().zone) + timedelta(days=1)
    leave = ask(client, headers, start, start).get_json()
    response = client.post(f"/api/v1/leaves/{leave['id']}/decision",
                           headers=login(client, "far"), json={"decision": "approve"})
    assert response.status_code == 403
    assert client.get("/api/v1/leaves", headers=login(client, "far")).get_json()["total"] == 0


def test_bad_leave_requests(client):
    _, headers = cadre_login(client)
    today = local_date(utcnow(), app_settings().zone)
    assert ask(client, headers, today, today - timedelta(days=1)).status_code == 422
    assert ask(client, headers, today, today, kind="holiday").status_code == 422
    assert ask(client, headers, today - timedelta(days=400), today).status_code == 422
    assert client.post("/api/v1/leaves", headers=headers, data="{",
                       content_type="application/json").status_code == 400
    assert ask(client, headers, today + timedelta(days=5), today + timedelta(days=6)
               ).status_code == 201
    clash = ask(client, headers, today + timedelta(days=6), today + timedelta(days=8))
    assert clash.status_code == 409


def test_rejection_needs_a_note(client):
    _, headers = cadre_login(client)
    make_user("insp", "inspector", regions=[TOWNSHIP])
    start = local_date(utcnow(), app_settings().zone) + timedelta(days=2)
    leave = ask(client, headers, start, start).get_json()
    response = client.post(f"/api/v1/leaves/{leave['id']}/decision",
                           headers=login(client, "insp"), json={"decision": "reject"})
    assert response.status_code == 422


def test_retroactive_leave_is_marked_and_cancel_only_before_start(client):
    _, headers = cadre_login(client)
    today = local_date(utcnow(), app_settings().zone)
    past = ask(client, headers, today - timedelta(days=3), today - timedelta(days=2)).get_json()
    assert past["retroactive"] is True
    assert client.post(f"/api/v1/leaves/{past['id']}/cancel", headers=headers).status_code == 409
    future = ask(client, headers, today + timedelta(days=4), today + timedelta(days=4)).get_json()
    response = client.post(f"/api/v1/leaves/{future['id']}/cancel", headers=headers)
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    stored = client.get(f"/api/v1/leaves/{future['id']}", headers=headers).get_json()
    assert stored["status"] == "cancelled"


def test_a_cadre_cannot_cancel_or_see_anothers_leave(client):
    _, first = cadre_login(client, "first")
    _, second = cadre_login(client, "second")
    start = local_date(utcnow(), app_settings().zone) + timedelta(days=2)
    leave = ask(client, first, start, start).get_json()
    assert client.post(f"/api/v1/leaves/{leave['id']}/cancel", headers=second).status_code == 403
    assert client.get(f"/api/v1/leaves/{leave['id']}", headers=second).status_code == 403
    assert client.post("/api/v1/leaves/999999/cancel", headers=second).status_code == 404
