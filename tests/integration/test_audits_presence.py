"""GET /api/v1/audits/presence: a township's or a cadre's posts over a finished range, counted
from the day records, agreeing with /presence and the findings; prorated partial periods;
scope; CSV with Chinese headers that a spreadsheet cannot run; the access log."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import AccessLog
from fieldapp.services.people import registry as people

from .helpers import OTHER_VILLAGE, TOWNSHIP, VILLAGE, admin_headers, login, make_cadre, make_user
from .presence_helpers import east_of, inside, iso_week, last_full_week, send, week_of
from .test_presence import evaluate

SECOND_VILLAGE = "410922100202"
AUDIT = "/api/v1/audits/presence"


@pytest.fixture()
def township_week(ctx, configure):
    """Three cadres evaluated over the latest finished week: a commuter who sleeps 5 km
    away and a resident in one township, a resident in another township."""
    configure(MAX_BACKFILL_DAYS=60, LATE_UPLOAD_HOURS=24 * 90.0)
    monday = last_full_week()
    commuter = make_cadre(VILLAGE, name="=HYPERLINK(\"http://evil.example\")")
    resident = make_cadre(SECOND_VILLAGE, name="李娜")
    elsewhere = make_cadre(OTHER_VILLAGE, name="王强")
    send(commuter.id, week_of(monday, inside(VILLAGE), east_of(VILLAGE, 5000)))
    send(resident.id, week_of(monday, inside(SECOND_VILLAGE), inside(SECOND_VILLAGE)))
    send(elsewhere.id, week_of(monday, inside(OTHER_VILLAGE), inside(OTHER_VILLAGE)))
    evaluate(monday)
    return {"monday": monday, "commuter": commuter.id, "resident": resident.id,
            "elsewhere": elsewhere.id}


def audit(client, headers, **query):
    response = client.get(AUDIT, query_string=query, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response


def test_township_week_agrees_with_presence_and_findings(client, township_week):
    headers = admin_headers(client)
    week = iso_week(township_week["monday"])
    result = audit(client, headers, region=TOWNSHIP, week=week).get_json()
    assert result["region"] == TOWNSHIP and result["from"] == township_week["monday"].isoformat()
    rows = {row["cadre_id"]: row for row in result["rows"]}
    assert set(rows) == {township_week["commuter"], township_week["resident"]}
    for cadre_id, row in rows.items():
        presence = client.get("/api/v1/presence", headers=headers, query_string={
            "cadre_id": cadre_id, "from": result["from"], "to": result["to"]}).get_json()
        (period,) = presence["periods"]
        for name in ("required_days", "present_days", "no_data_days", "required_nights",
                     "present_nights", "no_data_nights"):
            assert row[name] == period[name], (cadre_id, name)
        assert row["excused_days"] == period["excused_days"]
        counted = {}
        for flag in presence["flags"]:
            counted.setdefault(flag["kind"], {}).setdefault(flag["status"], 0)
            counted[flag["kind"]][flag["status"]] += 1
        assert row["findings"] == counted
    commuter = rows[township_week["commuter"]]
    assert (commuter["present_days"], commuter["present_nights"]) == (7, 0)
    assert commuter["findings"]["not_resident"] == {"open": 1}
    assert commuter["township_code"] == TOWNSHIP and commuter["village_code"] == VILLAGE
    assert commuter["village_name"] and commuter["township_name"]
    assert rows[township_week["resident"]]["findings"] == {}
    (township,) = result["townships"]
    assert township["totals"]["present_nights"] == 7 == result["totals"]["present_nights"]
    assert result["totals"]["cadres"] == 2
    assert result["totals"]["findings"]["not_resident"] == {"open": 1}


def test_a_range_cutting_a_week_is_prorated(client, township_week):
    headers = admin_headers(client)
    wednesday = township_week["monday"] + timedelta(days=2)
    sunday = township_week["monday"] + timedelta(days=6)
    result = audit(client, headers, cadre_id=township_week["resident"],
                   **{"from": wednesday.isoformat(), "to": sunday.isoformat()}).get_json()
    (row,) = result["rows"]
    # 5 of the week's 7 days: ⌈5 × 5/7⌉ = 4 days and ⌈4 × 5/7⌉ = 3 nights
    assert (row["posted_days"], row["required_days"], row["required_nights"]) == (5, 4, 3)
    assert (row["present_days"], row["present_nights"]) == (5, 5)
    assert result["region"] is None and result["cadre_id"] == township_week["resident"]


def test_dates_without_a_day_record_are_unevaluated_not_absent(client, township_week):
    headers = admin_headers(client)
    before = township_week["monday"] - timedelta(days=7)
    result = audit(client, headers, region=TOWNSHIP, week=iso_week(before)).get_json()
    for row in result["rows"]:
        assert row["unevaluated_days"] == 7 and row["present_days"] == 0
        assert row["no_data_days"] == 0


def test_scope_and_bad_ranges(client, township_week):
    make_user("insp", "inspector", regions=[OTHER_VILLAGE[:9]])
    make_user("disc", "discipline", regions=["410922"])
    cadre = people.create_cadre(name="某人", role="first_secretary", unit="x")
    make_user("cad", "cadre", cadre_id=cadre.id)
    week = iso_week(township_week["monday"])
    inspector = login(client, "insp")
    county = audit(client, inspector, region="410922", week=week).get_json()
    assert [row["cadre_id"] for row in county["rows"]] == [township_week["elsewhere"]]
    assert client.get(AUDIT, query_string={"region": TOWNSHIP, "week": week},
                      headers=inspector).status_code == 404
    assert client.get(AUDIT, query_string={"cadre_id": township_week["commuter"],
                                           "week": week}, headers=inspector).status_code == 403
    discipline = audit(client, login(client, "disc"), region="410922", week=week).get_json()
    assert discipline["totals"]["cadres"] == 3
    assert client.get(AUDIT, query_string={"region": TOWNSHIP, "week": week},
                      headers=login(client, "cad")).status_code == 403
    admin = admin_headers(client)
    tomorrow = date.today() + timedelta(days=1)
    for query in ({"region": TOWNSHIP}, {"week": week},
                  {"region": TOWNSHIP, "cadre_id": township_week["commuter"], "week": week},
                  {"region": TOWNSHIP, "from": "2026-01-01", "to": "2026-12-31"},
                  {"region": TOWNSHIP, "from": tomorrow.isoformat(),
                   "to": tomorrow.isoformat()},
                  {"region": TOWNSHIP, "week": week, "month": "2026-11"},
                  {"region": TOWNSHIP, "week": week, "format": "docx"}):
        response = client.get(AUDIT, query_string=query, headers=admin)
        assert response.status_code == 422, (query, response.get_json())
    assert client.get(AUDIT, query_string={"region": "410922999", "week": week},
                      headers=admin).status_code == 404


def test_csv_has_chinese_headers_and_cannot_run(client, township_week):
    headers = admin_headers(client)
    response = audit(client, headers, region=TOWNSHIP, week=iso_week(township_week["monday"]),
                     format="csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert "姓名" in lines[0] and "应在村夜数" in lines[0]
    names = [line[lines[0].index("姓名")] for line in lines[1:]]
    assert "'=HYPERLINK(\"http://evil.example\")" in names
    assert any(line[0] == "合计" for line in lines[1:])


def test_each_cadre_read_is_access_logged(client, township_week):
    headers = admin_headers(client)
    audit(client, headers, region=TOWNSHIP, week=iso_week(township_week["monday"]))
    subjects = set(db.session.scalars(select(AccessLog.subject_cadre_id).where(
        AccessLog.resource == "audit_presence")))
    assert subjects == {township_week["commuter"], township_week["resident"]}
