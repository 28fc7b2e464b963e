"""GET /api/v1/summaries: a county's townships and a township's villages over a finished
range, against a known setup of cadres and findings in two townships; live attendance
findings only in the share; order by code; scope; bad ranges; a number of queries that
does not grow with the cadres."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event

from fieldapp.config import app_settings
from fieldapp.extensions import db
from fieldapp.models import Finding
from fieldapp.services.access.scope import Scope, operator
from fieldapp.services.audits.summaries import summarise_region
from fieldapp.services.people import registry as people

from .helpers import OTHER_VILLAGE, TOWNSHIP, VILLAGE, admin_headers, login, make_user
from .presence_helpers import iso_week, last_full_week

SECOND_VILLAGE = "410922100202"
OTHER_TOWNSHIP = OTHER_VILLAGE[:9]
COUNTY = "410922"
SUMMARIES = "/api/v1/summaries"


def add_cadre(name: str, village: str, unit: str | None, starts_on: date = date(2026, 1, 1),
              ends_on: date | None = None) -> int:
    cadre = people.create_cadre(name=name, role="first_secretary", unit=unit)
    people.create_assignment(cadre.id, village, starts_on, ends_on)
    return cadre.id


def add_finding(cadre_id: int, village: str, kind: str, status: str, monday: date,
                days: int = 7) -> None:
    db.session.add(Finding(
        key=f"{kind}:{cadre_id}:{monday}:{status}", cadre_id=cadre_id, region_code=village,
        kind=kind, severity=3, status=status, summary="stored", evidence={},
        period_start=monday, period_end=monday + timedelta(days=days - 1)))
    db.session.commit()


@pytest.fixture()
def two_townships(ctx):
    return known_setup()


def known_setup() -> dict:
    """Two finished ISO weeks; township A (two villages, four cadres) and township B (one
    village, four cadres, one without a unit), and their findings:

    A1 open not_resident in week 1 (live, not confirmed); A2 confirmed absent in week 2;
    A3 dismissed not_resident (week 1), withdrawn absent and open no_data (week 2); A4 none;
    B1 escalated not_resident in week 2; B2 none; B3 appeal_upheld not_resident in week 1;
    B4 none. Outside the range: a cadre whose post ended before it (with a confirmed
    finding then) and one posted after it."""
    second = last_full_week()
    first = second - timedelta(days=7)
    c = {
        "A1": add_cadre("A1", VILLAGE, "A县交通局"),
        "A2": add_cadre("A2", VILLAGE, "A县交通局"),
        "A3": add_cadre("A3", SECOND_VILLAGE, "B县教育局"),
        "A4": add_cadre("A4", SECOND_VILLAGE, "B县教育局"),
        "B1": add_cadre("B1", OTHER_VILLAGE, "C县卫健委"),
        "B2": add_cadre("B2", OTHER_VILLAGE, "C县卫健委"),
        "B3": add_cadre("B3", OTHER_VILLAGE, "D县水利局"),
        "B4": add_cadre("B4", OTHER_VILLAGE, None),
        "gone": add_cadre("gone", VILLAGE, "A县交通局", ends_on=first - timedelta(days=10)),
        "later": add_cadre("later", OTHER_VILLAGE, "C县卫健委",
                           starts_on=second + timedelta(days=7)),
    }
    add_finding(c["A1"], VILLAGE, "not_resident", "open", first)
    add_finding(c["A2"], VILLAGE, "absent", "confirmed", second)
    add_finding(c["A3"], SECOND_VILLAGE, "not_resident", "dismissed", first)
    add_finding(c["A3"], SECOND_VILLAGE, "absent", "withdrawn", second)
    add_finding(c["A3"], SECOND_VILLAGE, "no_data", "open", second)
    add_finding(c["B1"], OTHER_VILLAGE, "not_resident", "escalated", second)
    add_finding(c["B3"], OTHER_VILLAGE, "not_resident", "appeal_upheld", first)
    add_finding(c["gone"], VILLAGE, "not_resident", "confirmed", first - timedelta(days=21))
    return {"cadres": c, "weeks": (iso_week(first), iso_week(second)),
            "range": {"from": first.isoformat(),
                      "to": (second + timedelta(days=6)).isoformat()}}


def summary(client, headers, status: int = 200, **query):
    response = client.get(SUMMARIES, query_string=query, headers=headers)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def weekly(entry: dict) -> list[tuple[str, int, int]]:
    return [(w["week"], w["cadres_with_attendance_findings"], w["findings"])
            for w in entry["weekly"]]


def test_a_county_has_a_township_each_with_known_numbers(client, two_townships):
    result = summary(client, admin_headers(client), region=COUNTY, **two_townships["range"])
    week_1, week_2 = two_townships["weeks"]
    assert result["entry_level"] == "township"
    codes = [entry["code"] for entry in result["entries"]]
    assert codes == sorted(codes) and len(codes) == 17
    entries = {entry["code"]: entry for entry in result["entries"]}
    a, b = entries[TOWNSHIP], entries[OTHER_TOWNSHIP]
    # A1 (open) and A2 (confirmed) have a live attendance finding; A3's are dismissed and
    # withdrawn, and its no_data finding is not an attendance finding
    assert (a["cadres"], a["cadres_without_attendance_findings"]) == (4, 2)
    assert a["share_without_attendance_findings"] == 0.5
    assert a["findings"] == {"not_resident": {"open": 1, "dismissed": 1},
                             "absent": {"confirmed": 1, "withdrawn": 1},
                             "no_data": {"open": 1}}
    assert weekly(a) == [(week_1, 1, 2), (week_2, 1, 3)]
    # B3's appeal was upheld: only B1 counts
    assert (b["cadres"], b["cadres_without_attendance_findings"]) == (4, 3)
    assert b["share_without_attendance_findings"] == 0.75
    assert b["findings"] == {"not_resident": {"escalated": 1, "appeal_upheld": 1}}
    assert weekly(b) == [(week_1, 0, 1), (week_2, 1, 1)]
    empty = entries["410922101"]
    assert (empty["cadres"], empty["share_without_attendance_findings"]) == (0, None)
    assert weekly(empty) == [(week_1, 0, 0), (week_2, 0, 0)]
    totals = result["totals"]
    assert (totals["cadres"], totals["cadres_without_attendance_findings"]) == (8, 5)
    assert totals["share_without_attendance_findings"] == round(5 / 8, 4)
    assert totals["findings"]["not_resident"] == {"open": 1, "dismissed": 1, "escalated": 1,
                                                  "appeal_upheld": 1}
    assert weekly(totals) == [(week_1, 1, 3), (week_2, 2, 4)]


def test_a_township_has_a_village_each_and_a_village_itself(client, two_townships):
    headers = admin_headers(client)
    result = summary(client, headers, region=TOWNSHIP, **two_townships["range"])
    assert result["entry_level"] == "village"
    codes = [entry["code"] for entry in result["entries"]]
    assert codes == sorted(codes) and all(c.startswith(TOWNSHIP) and len(c) == 12
                                          for c in codes)
    entries = {entry["code"]: entry for entry in result["entries"]}
    first, second = entries[VILLAGE], entries[SECOND_VILLAGE]
    assert (first["cadres"], first["cadres_without_attendance_findings"]) == (2, 0)
    assert first["share_without_attendance_findings"] == 0.0
    assert (second["cadres"], second["cadres_without_attendance_findings"]) == (2, 2)
    assert second["share_without_attendance_findings"] == 1.0
    assert result["totals"]["cadres"] == 4
    village = summary(client, headers, region=SECOND_VILLAGE, **two_townships["range"])
    assert [entry["code"] for entry in village["entries"]] == [SECOND_VILLAGE]
    assert village["entries"][0]["findings"] == second["findings"]


def test_a_post_on_the_township_itself_comes_first(client, two_townships):
    leader = people.create_cadre(name="县领导", role="county_leader", unit=None)
    people.create_assignment(leader.id, TOWNSHIP, date(2026, 1, 1))
    result = summary(client, admin_headers(client), region=TOWNSHIP, **two_townships["range"])
    assert result["entries"][0]["code"] == TOWNSHIP
    assert result["entries"][0]["cadres"] == 1 and result["totals"]["cadres"] == 5


def test_a_week_counts_only_its_own_findings(client, two_townships):
    week_1, _ = two_townships["weeks"]
    result = summary(client, admin_headers(client), region=TOWNSHIP, week=week_1)
    (trend,) = result["totals"]["weekly"]
    assert (trend["week"], trend["cadres_with_attendance_findings"], trend["findings"]) == (
        week_1, 1, 2)
    assert result["totals"]["cadres_without_attendance_findings"] == 3
    assert result["totals"]["findings"] == {"not_resident": {"open": 1, "dismissed": 1}}


def test_scope(client, two_townships):
    make_user("insp", "inspector", regions=[OTHER_TOWNSHIP])
    make_user("disc", "discipline", regions=[COUNTY])
    make_user("cad", "cadre", cadre_id=two_townships["cadres"]["A1"])
    span = two_townships["range"]
    inspector = login(client, "insp")
    county = summary(client, inspector, region=COUNTY, **span)
    assert [entry["code"] for entry in county["entries"]] == [OTHER_TOWNSHIP]
    assert county["totals"]["cadres"] == 4
    summary(client, inspector, 404, region=TOWNSHIP, **span)
    summary(client, inspector, 404, region=VILLAGE, **span)
    # the discipline office sees the escalated findings only, so only B1's counts
    discipline = summary(client, login(client, "disc"), region=COUNTY, **span)
    assert discipline["totals"]["findings"] == {"not_resident": {"escalated": 1}}
    assert discipline["totals"]["cadres_without_attendance_findings"] == 7
    summary(client, login(client, "cad"), 403, region=TOWNSHIP, **span)
    assert client.get(SUMMARIES, query_string={"region": COUNTY, **span}).status_code == 401


def test_bad_queries_are_422_and_unknown_regions_404(client, two_townships):
    headers = admin_headers(client)
    week = two_townships["weeks"][0]
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    for query in ({"week": week}, {"region": "4109", "week": week},
                  {"region": COUNTY, "week": week, "month": "2026-11"},
                  {"region": COUNTY},
                  {"region": COUNTY, "from": "2026-01-01", "to": "2026-12-31"},
                  {"region": COUNTY, "from": tomorrow, "to": tomorrow},
                  {"region": COUNTY, "from": "2026-11-10", "to": "2026-11-01"},
                  {"region": COUNTY, "from": "2026-11-01"},
                  {"region": COUNTY, "week": "2026-W60"},
                  {"region": COUNTY, "month": "1999-12"}):
        response = client.get(SUMMARIES, query_string=query, headers=headers)
        assert response.status_code == 422, (query, response.get_json())
        assert response.get_json()["message"]
    summary(client, headers, 404, region="410922999", week=week)
    summary(client, headers, 404, region="999999", week=week)


def test_the_queries_do_not_grow_with_the_cadres(ctx, two_townships):
    first = date.fromisoformat(two_townships["range"]["from"])
    last = date.fromisoformat(two_townships["range"]["to"])

    def statements() -> int:
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            summarise_region(app_settings(), Scope(operator(), app_settings().zone), COUNTY,
                             first, last)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        db.session.rollback()
        return len(seen)

    before = statements()
    for n in range(6):
        cadre = add_cadre(f"more{n}", OTHER_VILLAGE, "C县卫健委")
        add_finding(cadre, OTHER_VILLAGE, "absent", "open", first)
    assert statements() == before <= 6
