"""Work reports over HTTP: fence test, idempotency, media links, monthly record as CSV."""
import csv
import io
import uuid
from datetime import timedelta

from fieldapp.models.types import utcnow
from tests import media_files as files

from .helpers import OTHER_VILLAGE, cadre_login, login, make_user
from .presence_helpers import east_of, inside
from .test_media import post as post_media

VILLAGE = "410922100201"


def report(client, headers, **overrides):
    lat, lon = inside(VILLAGE)
    body = {"id": str(uuid.uuid4()), "kind": "household_visit",
            "occurred_at": (utcnow() - timedelta(hours=1)).isoformat(),
            "summary": "走访脱贫户王某，了解务工情况", "lat": lat, "lon": lon, "accuracy": 10,
            "household_ref": "HH-0012", **overrides}
    return client.post("/api/v1/reports", headers=headers, json=body)


def test_report_is_fence_tested_and_stored_once(client):
    _, headers = cadre_login(client)
    photo = post_media(client, headers, files.png(), id="p-1").get_json()
    first = report(client, headers, id="r-1", media_ids=[photo["client_id"]])
    assert first.status_code == 201, first.get_json()
    assert (first.get_json()["fence"], first.get_json()["village_code"]) == ("inside", VILLAGE)
    again = report(client, headers, id="r-1")
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    lat, lon = east_of(VILLAGE, 4000)
    away = report(client, headers, lat=lat, lon=lon).get_json()
    assert away["fence"] == "outside" and away["distance_m"] > 3500
    listed = client.get("/api/v1/reports?kind=household_visit", headers=headers).get_json()
    assert listed["total"] == 2


def test_bad_reports(client):
    _, headers = cadre_login(client)
    for overrides in ({"kind": "party"}, {"lat": 95}, {"occurred_at": "2026-11-01T10:00:00"},
                      {"occurred_at": (utcnow() + timedelta(hours=2)).isoformat()},
                      {"media_ids": ["never-uploaded"]}, {"summary": ""}, {"crs": "xy"}):
        response = report(client, headers, **overrides)
        assert response.status_code == 422, (overrides, response.get_json())
    assert client.get("/api/v1/reports", headers=headers).get_json()["total"] == 0


def test_monthly_record_json_and_csv(client):
    cadre, headers = cadre_login(client)
    report(client, headers)
    report(client, headers, kind="meeting", summary="村两委会议, \"议题\"")
    month = utcnow().astimezone().strftime("%Y-%m")
    make_user("insp", "inspector", regions=[VILLAGE[:9]])
    inspector = login(client, "insp")
    record = client.get(f"/api/v1/reports/monthly?cadre_id={cadre.id}&month={month}",
                        headers=inspector).get_json()
    assert record["by_kind"] == {"household_visit": 1, "meeting": 1}
    response = client.get(f"/api/v1/reports/monthly?cadre_id={cadre.id}&month={month}",
                          headers={**inspector, "Accept": "text/csv"})
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [r["kind"] for r in rows] == ["household_visit", "meeting"]
    assert rows[1]["summary"] == "村两委会议, \"议题\""
    make_user("far", "inspector", regions=[OTHER_VILLAGE[:9]])
    assert client.get(f"/api/v1/reports/monthly?cadre_id={cadre.id}&month={month}",
                      headers=login(client, "far")).status_code == 403
    assert client.get("/api/v1/reports/monthly?month=2026-13",
                      headers=headers).status_code == 422
