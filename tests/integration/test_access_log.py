"""Every read of another person's location-bearing data is in the access log, and
GET /api/v1/access-log shows it: admins everything, discipline users their scope, each
cadre the reads of their own data; inspectors are refused."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import AccessLog, User
from fieldapp.models.types import utcnow
from tests import media_files

from .helpers import OTHER_VILLAGE, TOWNSHIP, cadre_login, login, make_user
from .test_leaves_api import ask
from .test_media import post as post_media
from .test_reports import report


def user_id(username: str) -> int:
    return db.session.scalar(select(User.id).where(User.username == username))


@pytest.fixture()
def cadre_data(client):
    """A cadre with a ping, a photo, a report and a leave, and an inspector of the
    cadre's township; returns the logins and ids."""
    cadre, headers = cadre_login(client)
    now = utcnow()
    ping = client.post("/api/v1/pings", headers=headers, json={
        "id": "p-1", "recorded_at": (now - timedelta(minutes=5)).isoformat(),
        "lat": 36.075, "lon": 115.0125, "accuracy": 15})
    assert ping.status_code == 200, ping.get_json()
    media = post_media(client, headers, media_files.png(), id="m-1")
    assert media.status_code == 201, media.get_json()
    made = report(client, headers, id="r-1")
    assert made.status_code == 201, made.get_json()
    today = now.date()
    leave = ask(client, headers, today + timedelta(days=3), today + timedelta(days=4))
    assert leave.status_code == 201, leave.get_json()
    make_user("insp", "inspector", regions=[TOWNSHIP])
    return {"cadre": cadre, "cadre_headers": headers, "insp": login(client, "insp"),
            "media_id": media.get_json()["id"], "leave_id": leave.get_json()["id"],
            "month": now.astimezone().strftime("%Y-%m")}


def reads(cadre_id: int, viewer: int) -> list[tuple[str, dict]]:
    return [tuple(r) for r in db.session.execute(
        select(AccessLog.resource, AccessLog.params).where(
            AccessLog.subject_cadre_id == cadre_id, AccessLog.viewer_user_id == viewer)
        .order_by(AccessLog.id))]


def read_everything(client, headers, data, cadre_query: str):
    """Every endpoint that answers a cadre's location-bearing data; all must be 200."""
    c, m = cadre_query, data["media_id"]
    urls = [f"/api/v1/pings?{c}", f"/api/v1/presence?{c}", f"/api/v1/media?{c}",
            f"/api/v1/media/{m}", f"/api/v1/media/{m}/file", f"/api/v1/media/{m}/thumbnail",
            "/api/v1/reports", f"/api/v1/reports?{c}",
            f"/api/v1/reports/monthly?{c}&month={data['month']}",
            f"/api/v1/reports/monthly?{c}&month={data['month']}&format=csv",
            "/api/v1/leaves", f"/api/v1/leaves?{c}", f"/api/v1/leaves/{data['leave_id']}"]
    for url in urls:
        response = client.get(url.replace("?&", "?"), headers=headers)
        assert response.status_code == 200, (url, response.get_json())


EXPECTED = ["pings", "presence", "media", "media", "media_file", "media_thumbnail",
            "reports", "reports", "reports_monthly", "reports_monthly", "leaves", "leaves",
            "leave"]


def test_every_read_of_a_cadres_data_by_someone_else_is_logged(client, cadre_data):
    cadre = cadre_data["cadre"]
    read_everything(client, cadre_data["insp"], cadre_data, f"cadre_id={cadre.id}")
    logged = reads(cadre.id, user_id("insp"))
    assert [resource for resource, _ in logged] == EXPECTED
    report_id, = db.session.scalars(select(AccessLog.params).where(
        AccessLog.resource == "reports")).first()["ids"]
    assert isinstance(report_id, int)
    monthly = [p for r, p in logged if r == "reports_monthly"]
    assert [p["format"] for p in monthly] == ["json", "csv"]
    leaves = [p for r, p in logged if r == "leaves"]
    assert [p["ids"] for p in leaves] == [[cadre_data["leave_id"]]] * 2


def test_a_cadre_reading_their_own_data_is_not_logged(client, cadre_data):
    read_everything(client, cadre_data["cadre_headers"], cadre_data, "")
    assert db.session.scalar(select(AccessLog.id)) is None


def test_a_list_spanning_cadres_logs_each_cadre_whose_rows_it_returned(client, cadre_data):
    other, other_headers = cadre_login(client, "other", name="李娜")
    assert report(client, other_headers, id="r-2").status_code == 201
    assert report(client, other_headers, id="r-3").status_code == 201
    listed = client.get("/api/v1/reports", headers=cadre_data["insp"]).get_json()
    assert listed["total"] == 3
    by_cadre = dict(db.session.execute(select(AccessLog.subject_cadre_id, AccessLog.params)
                                       .where(AccessLog.resource == "reports")).all())
    assert set(by_cadre) == {cadre_data["cadre"].id, other.id}
    assert len(by_cadre[other.id]["ids"]) == 2 and by_cadre[other.id]["page"] == 1
    # an empty page still records that the cadre's reports were asked for
    client.get(f"/api/v1/reports?cadre_id={other.id}&kind=meeting", headers=cadre_data["insp"])
    asked = db.session.scalars(select(AccessLog.params).where(
        AccessLog.resource == "reports", AccessLog.subject_cadre_id == other.id)).all()
    assert asked[-1]["ids"] == [] and asked[-1]["kind"] == "meeting"


def test_reading_a_cadre_that_does_not_exist_is_a_404(client, cadre_data):
    make_user("boss", "admin")
    boss = login(client, "boss")
    for url in ("/api/v1/pings?cadre_id=987654", "/api/v1/media?cadre_id=987654",
                f"/api/v1/reports/monthly?cadre_id=987654&month={cadre_data['month']}"):
        response = client.get(url, headers=boss)
        assert response.status_code == 404, (url, response.get_json())
    assert client.get("/api/v1/reports?cadre_id=987654", headers=boss).status_code == 200


def log_page(client, headers, query=""):
    response = client.get(f"/api/v1/access-log{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_who_looked_at_me(client, cadre_data):
    cadre = cadre_data["cadre"]
    other, other_headers = cadre_login(client, "other", village=OTHER_VILLAGE, name="李娜")
    make_user("boss", "admin")
    make_user("jiwei", "discipline", regions=[TOWNSHIP])
    boss, jiwei = login(client, "boss"), login(client, "jiwei")
    read_everything(client, cadre_data["insp"], cadre_data, f"cadre_id={cadre.id}")
    assert client.get(f"/api/v1/pings?cadre_id={other.id}", headers=boss).status_code == 200

    mine = log_page(client, cadre_data["cadre_headers"])
    assert mine["total"] == len(EXPECTED)
    assert {e["cadre_id"] for e in mine["items"]} == {cadre.id}
    newest = mine["items"][0]
    assert newest["viewer"] == {"id": user_id("insp"), "username": "insp", "role": "inspector"}
    assert newest["resource"] == "leave" and newest["params"] == {
        "leave_id": cadre_data["leave_id"]}
    assert log_page(client, other_headers)["total"] == 1

    everything = log_page(client, boss)
    assert everything["total"] == len(EXPECTED) + 1
    assert log_page(client, boss, f"?cadre_id={other.id}")["items"][0]["viewer"]["id"] == \
        user_id("boss")
    assert log_page(client, boss, f"?viewer={user_id('insp')}")["total"] == len(EXPECTED)
    page = log_page(client, boss, "?per_page=5&page=2")
    assert (page["page"], page["per_page"], len(page["items"])) == (2, 5, 5)
    after = (utcnow() + timedelta(minutes=1)).isoformat()
    assert client.get("/api/v1/access-log", headers=boss,
                      query_string={"from": after}).get_json()["total"] == 0
    assert client.get("/api/v1/access-log", headers=boss,
                      query_string={"to": after}).get_json()["total"] == len(EXPECTED) + 1

    scoped = log_page(client, jiwei)  # discipline: the cadres posted in their township
    assert scoped["total"] == len(EXPECTED)
    assert log_page(client, jiwei, f"?cadre_id={other.id}")["total"] == 0
    assert client.get("/api/v1/access-log", headers=cadre_data["insp"]).status_code == 403
    assert client.get("/api/v1/access-log?viewer=0", headers=boss).status_code == 422
    # reading the log is not itself a read of location-bearing data
    assert db.session.scalar(select(AccessLog.id).where(
        AccessLog.subject_cadre_id == other.id, AccessLog.viewer_user_id != user_id("boss")
    )) is None
