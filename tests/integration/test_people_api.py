"""Admin API for cadres, assignments, users and devices."""
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import Cadre, Device

from .helpers import (
    OTHER_VILLAGE,
    TOWNSHIP,
    VILLAGE,
    admin_headers,
    cadre_login,
    login,
    make_cadre,
    make_user,
)


def test_create_and_list_cadres_paginated(client):
    admin = admin_headers(client)
    for i in range(7):
        response = client.post("/api/v1/cadres", headers=admin,
                               json={"name": f"干部{i}", "role": "team_member", "unit": "县财政局"})
        assert response.status_code == 201
    page = client.get("/api/v1/cadres?per_page=3&page=3", headers=admin).get_json()
    assert page["total"] == 7 and page["page"] == 3 and len(page["items"]) == 1


def test_cadre_validation(client):
    admin = admin_headers(client)
    bad = client.post("/api/v1/cadres", headers=admin, json={"name": "", "role": "boss"})
    assert bad.status_code == 422 and {"name", "role"} <= set(bad.get_json()["errors"])
    extra = client.post("/api/v1/cadres", headers=admin,
                        json={"name": "a", "role": "team_member", "salary": 1})
    assert extra.status_code == 422 and "salary" in extra.get_json()["errors"]
    assert db.session.scalar(select(func.count()).select_from(Cadre)) == 0


def test_assignment_rules(client):
    admin = admin_headers(client)
    cadre = client.post("/api/v1/cadres", headers=admin,
                        json={"name": "张三", "role": "first_secretary"}).get_json()
    first = client.post("/api/v1/assignments", headers=admin, json={
        "cadre_id": cadre["id"], "village_code": VILLAGE, "starts_on": "2026-01-01"})
    assert first.status_code == 201 and first.get_json()["policy"] == "weekly_5d4n"
    overlap = client.post("/api/v1/assignments", headers=admin, json={
        "cadre_id": cadre["id"], "village_code": OTHER_VILLAGE, "starts_on": "2026-06-01"})
    assert overlap.status_code == 409
    township = client.post("/api/v1/assignments", headers=admin, json={
        "cadre_id": cadre["id"], "region_code": TOWNSHIP, "starts_on": "2030-01-01"})
    assert township.status_code == 422
    unknown = client.post("/api/v1/assignments", headers=admin, json={
        "cadre_id": cadre["id"], "village_code": "410922999999", "starts_on": "2030-01-01"})
    assert unknown.status_code == 404
    ended = client.patch(f"/api/v1/assignments/{first.get_json()['id']}", headers=admin,
                         json={"ends_on": "2026-05-31"})
    assert ended.status_code == 200
    assert client.post("/api/v1/assignments", headers=admin, json={
        "cadre_id": cadre["id"], "village_code": OTHER_VILLAGE,
        "starts_on": "2026-06-01"}).status_code == 201


def test_users_need_their_links(client):
    admin = admin_headers(client)
    no_cadre = client.post("/api/v1/users", headers=admin,
                           json={"username": "c1", "password": "long-enough", "role": "cadre"})
    assert no_cadre.status_code == 422 and "cadre_id" in no_cadre.get_json()["errors"]
    no_region = client.post("/api/v1/users", headers=admin, json={
        "username": "i1", "password": "long-enough", "role": "inspector"})
    assert no_region.status_code == 422
    ok = client.post("/api/v1/users", headers=admin, json={
        "username": "i1", "password": "long-enough", "role": "inspector",
        "regions": [TOWNSHIP]})
    assert ok.status_code == 201 and ok.get_json()["regions"] == [TOWNSHIP]
    assert "password" not in ok.get_json()
    dup = client.post("/api/v1/users", headers=admin, json={
        "username": "i1", "password": "long-enough", "role": "admin"})
    assert dup.status_code == 409


def test_device_token_is_shown_once_and_stored_hashed(client):
    admin = admin_headers(client)
    cadre = client.post("/api/v1/cadres", headers=admin,
                        json={"name": "张三", "role": "team_member"}).get_json()
    created = client.post("/api/v1/devices", headers=admin,
                          json={"cadre_id": cadre["id"], "label": "华为 Mate"}).get_json()
    assert len(created["token"]) >= 40
    stored = db.session.get(Device, created["id"])
    assert created["token"] not in stored.token_hash
    listed = client.get("/api/v1/devices", headers=admin).get_json()["items"]
    assert "token" not in listed[0]
    revoked = client.patch(f"/api/v1/devices/{created['id']}", headers=admin,
                           json={"revoked": True}).get_json()
    assert revoked["revoked_at"] is not None


def test_assignments_list_filters_and_scope(client):
    admin = admin_headers(client)
    here = make_cadre(name="王强")                    # township 410922100
    there = make_cadre(OTHER_VILLAGE, name="赵敏")    # township 410922200
    me, cadre = cadre_login(client)                   # VILLAGE too

    def listed(headers, query=""):
        response = client.get(f"/api/v1/assignments{query}", headers=headers)
        assert response.status_code == 200, response.get_json()
        return [(a["cadre_id"], a["region_code"]) for a in response.get_json()["items"]]

    assert listed(admin) == [(here.id, VILLAGE), (there.id, OTHER_VILLAGE), (me.id, VILLAGE)]
    assert listed(admin, f"?cadre_id={there.id}") == [(there.id, OTHER_VILLAGE)]
    assert listed(admin, f"?region={TOWNSHIP}") == [(here.id, VILLAGE), (me.id, VILLAGE)]
    page = client.get("/api/v1/assignments?per_page=2&page=2", headers=admin).get_json()
    assert (page["total"], len(page["items"])) == (3, 1)
    assert client.get("/api/v1/assignments?region=41", headers=admin).status_code == 422
    make_user("insp", "inspector", regions=[TOWNSHIP])
    assert listed(login(client, "insp")) == [(here.id, VILLAGE), (me.id, VILLAGE)]
    assert listed(login(client, "insp"), f"?cadre_id={there.id}") == []
    assert listed(cadre) == [(me.id, VILLAGE)]
