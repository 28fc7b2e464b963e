"""The console's summaries page: the numbers and weekly trend of the API per township or
village, ordered by code; the region and period pickers; scope; nothing about rankings
while they are off, the red and black lists with their formula when they are on."""
from __future__ import annotations

import re

import pytest

from fieldapp.config import app_settings
from fieldapp.web.console.summaries import last_finished_month

from .helpers import TOWNSHIP, VILLAGE, make_user
from .page_helpers import page_login
from .test_summaries import COUNTY, OTHER_TOWNSHIP, SECOND_VILLAGE, known_setup

PAGE = "/console/summaries"


@pytest.fixture()
def two_townships(ctx):
    return known_setup()


def page(client, status: int = 200, **query) -> str:
    answer = client.get(PAGE, query_string=query)
    assert answer.status_code == status, answer.status_code
    return answer.get_data(as_text=True)


def rows(html: str) -> dict[str, dict]:
    """The table's rows by code: cadres, without findings, share, findings, weekly trend."""
    found = {}
    for code, cadres, without, share, body in re.findall(
            r'<tr data-code="(\d+)" data-cadres="(\d+)" data-without="(\d+)" '
            r'data-share="([\d.]*)">(.*?)</tr>', html, re.S):
        found[code] = {
            "cadres": int(cadres), "without": int(without), "share": share,
            "findings": {(kind, status): int(count) for kind, status, count in re.findall(
                r'data-kind="(\w+)" data-status="(\w+)" data-count="(\d+)"', body)},
            "weekly": [(week, int(c), int(f)) for week, c, f in re.findall(
                r'data-week="([\dW-]+)" data-week-cadres="(\d+)" data-week-findings="(\d+)"',
                body)]}
    return found


def log_in(client, username: str, role: str, regions=None) -> None:
    make_user(username, role, regions=regions)
    assert page_login(client, username).status_code == 302


def test_a_county_by_week_with_its_numbers_in_code_order(client, two_townships):
    log_in(client, "admin", "admin")
    week_1, week_2 = two_townships["weeks"]
    html = page(client, region=COUNTY, week=week_2)
    assert 'data-entry-level="township"' in html and f'data-period="{week_2}"' in html
    found = rows(html)
    assert list(found) == sorted(found) and len(found) == 17
    a, b = found[TOWNSHIP], found[OTHER_TOWNSHIP]
    # week 2: A2's confirmed absent (A1's open finding is in week 1)
    assert (a["cadres"], a["without"], a["share"]) == (4, 3, "0.75")
    assert a["findings"] == {("absent", "confirmed"): 1, ("absent", "withdrawn"): 1,
                             ("no_data", "open"): 1}
    assert a["weekly"] == [(week_2, 1, 3)]
    assert (b["cadres"], b["without"]) == (4, 3)
    assert found["410922101"]["share"] == ""
    totals = re.search(r'<tr id="totals" data-cadres="(\d+)" data-without="(\d+)"', html)
    assert totals.groups() == ("8", "6")
    assert f'href="/console/summaries?region={TOWNSHIP}&amp;week={week_2}"' in html
    assert f'rel="prev" data-period="{week_1}"' in html


def test_a_township_by_month_and_the_default_period(client, two_townships):
    log_in(client, "insp", "inspector", regions=[TOWNSHIP])
    html = page(client)  # the inspector's township, the last finished month
    month = last_finished_month(app_settings()).name
    assert f'data-period="{month}"' in html and 'data-unit="month"' in html
    assert 'data-entry-level="village"' in html and f'data-region="{TOWNSHIP}"' in html
    found = rows(html)
    assert all(code.startswith(TOWNSHIP) for code in found)
    assert {VILLAGE, SECOND_VILLAGE} <= set(found)
    assert 'rel="next"' not in html  # the next month has not finished
    assert f'<option value="{TOWNSHIP}" selected>' in html
    assert f'<option value="{OTHER_TOWNSHIP}"' not in html


def test_scope_and_bad_queries(client, two_townships):
    week = two_townships["weeks"][1]
    log_in(client, "insp", "inspector", regions=[OTHER_TOWNSHIP])
    county = rows(page(client, region=COUNTY, week=week))
    assert list(county) == [OTHER_TOWNSHIP]
    page(client, 404, region=TOWNSHIP, week=week)
    page(client, 400, region="41092", week=week)
    page(client, 400, region=COUNTY, week="2026-W99")
    page(client, 400, region=COUNTY, week=week, month="2026-11")
    page(client, 422, region=COUNTY, week="2099-W01")
    for hostile, status in (({"region": "\x00"}, 400), ({"region": "4" * 10_000}, 400),
                            ({"region": "４１０９２２"}, 400),
                            ({"region": COUNTY, "month": "x" * 5000}, 400),
                            ({"region": COUNTY, "week": week, "endpoint": "x",
                              "_anchor": "x"}, 200)):
        assert client.get(PAGE, query_string=hostile).status_code == status, hostile
    cadre = client.application.test_client()
    make_user("cad", "cadre", cadre_id=two_townships["cadres"]["A1"])
    assert page_login(cadre, "cad").status_code == 302
    page(cadre, 404, region=COUNTY, week=week)


def test_no_trace_of_rankings_while_they_are_off(client, two_townships):
    log_in(client, "disc", "discipline", regions=[COUNTY])
    html = page(client, region=COUNTY, week=two_townships["weeks"][1])
    assert rows(html)[OTHER_TOWNSHIP]["findings"] == {("not_resident", "escalated"): 1}
    for trace in ('id="rankings"', "data-formula", "data-list", "data-level", "红榜", "黑榜"):
        assert trace not in html


def test_red_and_black_lists_with_the_formula_when_on(client, configure, two_townships):
    configure(RANKINGS=True)
    log_in(client, "admin", "admin")
    html = page(client, region=TOWNSHIP, week=two_townships["weeks"][1])
    section = re.search(r'<section class="card" id="rankings">(.*?)</section>', html, re.S)[1]
    assert ('data-formula="cadres with a confirmed absent or not_resident finding ÷ cadres '
            'posted"') in section
    assert "÷ 派驻干部数" in section  # the formula in the reader's language (Chinese)
    lists = {}
    for part in section.split('<div class="ranking" data-level="')[1:]:
        level, body = part.split('"', 1)
        for name, table in re.findall(r'<table class="ranking-list" data-list="(\w+)">(.*?)'
                                      r'</table>', body, re.S):
            lists[level, name] = re.findall(
                r'data-code="(\d*)" data-name="([^"]*)" data-rank="(\d+)" data-tied="(\w+)"',
                table)
    # the county's townships and units, whatever region the table shows
    assert lists["township", "red"] == [(TOWNSHIP, "城关镇", "1", "yes")]
    assert [code for code, *_ in lists["township", "black"]] == [OTHER_TOWNSHIP]
    assert [name for _, name, *_ in lists["unit", "red"]] == ["B县教育局", "D县水利局"]
    assert [name for _, name, *_ in lists["unit", "black"]] == ["A县交通局", "C县卫健委"]
    assert 'data-without-unit="1"' in section
