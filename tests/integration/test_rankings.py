"""GET /api/v1/rankings: 404 while FIELDAPP_RANKINGS is off, whatever the query; when on,
townships and dispatching units ranked by the share of their cadres with a confirmed
absent/not_resident finding (an open one does not count), red and black lists with their
ties marked, the formula in English and Chinese, scope, and 422 for bad levels and
ranges."""
from __future__ import annotations

import re
from datetime import date

import pytest

from .helpers import OTHER_VILLAGE, TOWNSHIP, admin_headers, login, make_user
from .test_summaries import COUNTY, OTHER_TOWNSHIP, add_cadre, add_finding, known_setup

RANKINGS = "/api/v1/rankings"


@pytest.fixture()
def two_townships(ctx):
    return known_setup()


def ranked(client, headers, status: int = 200, **query):
    response = client.get(RANKINGS, query_string=query, headers=headers)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def listed(entries: list[dict]) -> list[tuple]:
    return [(e["code"] or e["name"], e["cadres"], e["cadres_with_confirmed_findings"],
             e["rank"], e["tied"]) for e in entries]


def test_off_by_default_is_404_for_any_query(client, two_townships):
    headers = admin_headers(client)
    for query in ({"level": "township", **two_townships["range"]}, {"level": "bogus"}, {}):
        answer = ranked(client, headers, 404, **query)
        assert "FIELDAPP_RANKINGS" in answer["message"]
    assert client.get(RANKINGS, query_string={"level": "township"}).status_code == 401


def test_townships_tied_one_on_each_list(client, configure, two_townships):
    configure(RANKINGS=True)
    result = ranked(client, admin_headers(client), level="township", **two_townships["range"])
    # A: A2 confirmed of 4 (A1's finding is open); B: B1 escalated of 4 (B3's appeal upheld)
    assert result["ranked"] == 2 and result["list_length"] == 1
    assert listed(result["red_list"]) == [(TOWNSHIP, 4, 1, 1, True)]
    assert listed(result["black_list"]) == [(OTHER_TOWNSHIP, 4, 1, 1, True)]
    assert result["red_list"][0]["share"] == 0.25
    assert result["formula"] == ("cadres with a confirmed absent or not_resident finding ÷ "
                                 "cadres posted")
    assert re.search(r"[\u4e00-\u9fff]", result["formula_zh"]) and "÷" in result["formula_zh"]
    assert result["confirmed_statuses"] == ["confirmed", "escalated", "disposed",
                                            "appeal_rejected"]


def test_units_ranked_with_their_ties_and_the_cadres_without_a_unit(client, configure,
                                                                    two_townships):
    configure(RANKINGS=True)
    headers = admin_headers(client)
    result = ranked(client, headers, level="unit", **two_townships["range"])
    # A县交通局 1/2 (A2), B县教育局 0/2, C县卫健委 1/2 (B1), D县水利局 0/1; B4 has no unit
    assert result["ranked"] == 4 and result["list_length"] == 2
    assert result["cadres_without_unit"] == 1
    assert listed(result["red_list"]) == [("B县教育局", 2, 0, 1, True),
                                          ("D县水利局", 1, 0, 1, True)]
    assert listed(result["black_list"]) == [("A县交通局", 2, 1, 1, True),
                                            ("C县卫健委", 2, 1, 1, True)]
    assert all(e["code"] is None for e in result["red_list"] + result["black_list"])
    configure(RANKINGS=True, RANKING_LIST_LENGTH=1)
    short = ranked(client, headers, level="unit", **two_townships["range"])
    assert [e["name"] for e in short["red_list"]] == ["B县教育局"]
    assert [e["name"] for e in short["black_list"]] == ["A县交通局"]


def test_ranks_follow_shares_and_the_black_list_needs_a_confirmed_finding(
        client, configure, two_townships):
    configure(RANKINGS=True)
    monday = date.fromisoformat(two_townships["range"]["from"])
    # C县卫健委 gets a second confirmed cadre: 2/3, alone at the top
    extra = add_cadre("B5", OTHER_VILLAGE, "C县卫健委")
    add_finding(extra, OTHER_VILLAGE, "absent", "appeal_rejected", monday)
    headers = admin_headers(client)
    result = ranked(client, headers, level="unit", **two_townships["range"])
    assert listed(result["black_list"]) == [("C县卫健委", 3, 2, 1, False),
                                            ("A县交通局", 2, 1, 2, False)]
    configure(RANKINGS=True, RANKING_LIST_LENGTH=5)
    county = ranked(client, headers, level="township", region=COUNTY,
                    **two_townships["range"])
    assert [e["code"] for e in county["red_list"]] == [TOWNSHIP]
    assert [e["code"] for e in county["black_list"]] == [OTHER_TOWNSHIP]


def test_scope_and_bad_queries(client, configure, two_townships):
    configure(RANKINGS=True)
    span = two_townships["range"]
    make_user("insp", "inspector", regions=[OTHER_TOWNSHIP])
    make_user("cad", "cadre", cadre_id=two_townships["cadres"]["A1"])
    inspector = login(client, "insp")
    mine = ranked(client, inspector, level="township", **span)
    assert mine["ranked"] == 1 and mine["red_list"] == [] and mine["black_list"] == []
    units = ranked(client, inspector, level="unit", **span)
    assert units["ranked"] == 2 and units["cadres_without_unit"] == 1
    assert listed(units["red_list"]) == [("D县水利局", 1, 0, 1, False)]
    ranked(client, inspector, 404, level="township", region=TOWNSHIP, **span)
    ranked(client, login(client, "cad"), 403, level="township", **span)
    admin = admin_headers(client)
    for query in ({"level": "village", **span}, {**span}, {"level": "unit"},
                  {"level": "unit", "week": "2026-W47", "month": "2026-11"},
                  {"level": "unit", "from": "2026-01-01", "to": "2026-12-31"},
                  {"level": "unit", "from": "2099-12-01", "to": "2099-12-02"},
                  {"level": "unit", "region": "41", **span}):
        response = client.get(RANKINGS, query_string=query, headers=admin)
        assert response.status_code == 422, (query, response.get_json())
    ranked(client, admin, 404, level="unit", region="410922999", **span)
