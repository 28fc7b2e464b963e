"""The console's location-challenge page: the list in the reader's regions with its filters,
settled as it is read and access-logged; issuing to the cadres ticked and to a drawn
sample through the forms (CSRF); a refused batch shown in the reader's words with its
status, storing nothing; bad forms; who may see the page."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import AccessLog, Challenge

from .helpers import TOWNSHIP, VILLAGE, login, make_user
from .page_helpers import csrf_token, page_login, post_form
from .presence_helpers import east_of
from .test_challenges import device_of, fix, issue, posted, send  # noqa: F401

PAGE = "/console/challenges"


@pytest.fixture()
def inspector(client, posted):  # noqa: F811 (the fixture imported above)
    page_login(client, "insp")
    return posted


def page(client, query: str = "", status: int = 200) -> str:
    answer = client.get(PAGE + query)
    assert answer.status_code == status, answer.status_code
    return answer.get_data(as_text=True)


def rows(html: str) -> list[tuple[int, str]]:
    """(cadre id, status) of each challenge the page lists."""
    return [(int(cadre), status) for status, cadre in re.findall(
        r'<tr data-challenge-id="\d+" data-status="(\w+)" data-cadre-id="(\d+)"', html)]


def challenged() -> int:
    return db.session.scalar(select(func.count()).select_from(Challenge))


def test_the_list_is_settled_filtered_and_logged(client, inspector):
    headers = login(client, "insp")
    first, second = inspector["here"][:2]
    issue(client, headers, cadre_ids=[first, second])
    (outside,) = send(client, device_of(first), fix(east_of(VILLAGE, 2000)))
    html = page(client)
    assert sorted(rows(html)) == sorted([(first, "answered_outside"), (second, "open")])
    finding = re.search(r'data-finding-id="(\d+)"', html)[1]
    assert f'href="/console/findings/{finding}"' in html
    assert 'data-fence="outside"' in html
    assert rows(page(client, "?status=open")) == [(second, "open")]
    assert rows(page(client, f"?cadre_id={first}")) == [(first, "answered_outside")]
    logged = db.session.scalars(select(AccessLog).where(AccessLog.resource == "challenges"))
    assert {(e.subject_cadre_id, e.params.get("page")) for e in logged} == {
        (first, "console challenges")}
    assert page(client, "?status=bogus", 400)
    # the issue forms offer the cadres posted in the reader's regions today, with what is left
    offered = dict(re.findall(r'<tr data-cadre-id="(\d+)" data-left="(\d+)">', html))
    assert offered == {str(c): "1" if c in (first, second) else "2"
                       for c in [*inspector["here"], inspector["neighbour"]]}
    assert f'<option value="{TOWNSHIP}">' in html


def test_issuing_from_the_forms(client, inspector):
    first, second = inspector["here"][:2]
    answer = post_form(client, PAGE, PAGE, {"mode": "cadres", "cadre_id": [first, second],
                                            "deadline_minutes": "45", "note": "抽查"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(PAGE)
    batch = db.session.scalars(select(Challenge)).all()
    assert sorted(c.cadre_id for c in batch) == [first, second]
    assert batch[0].deadline - batch[0].issued_at == timedelta(minutes=45)
    assert batch[0].batch.note == "抽查"
    shown = page(client)
    assert "2" in re.search(r'<ul class="flashes"><li>([^<]*)</li>', shown)[1]
    answer = post_form(client, PAGE, PAGE, {"mode": "sample", "region": TOWNSHIP,
                                            "sample": "2", "deadline_minutes": "30"})
    assert answer.status_code == 302
    drawn = db.session.scalars(select(Challenge).where(Challenge.rank.is_not(None))).all()
    assert sorted(c.rank for c in drawn) == [1, 2] and challenged() == 4
    assert drawn[0].batch.region_code == TOWNSHIP and len(drawn[0].batch.draw_source) == 6


def test_a_refused_batch_says_why_in_the_readers_words(client, inspector):
    first, second = inspector["here"][:2]
    for _ in range(2):
        assert post_form(client, PAGE, PAGE, {"mode": "cadres", "cadre_id": [first],
                                              "deadline_minutes": "30"}).status_code == 302
    before = challenged()
    answer = post_form(client, PAGE, PAGE, {"mode": "cadres", "cadre_id": [second, first],
                                            "deadline_minutes": "30"})
    assert answer.status_code == 409
    html = answer.get_data(as_text=True)
    assert 'data-refusal="ration"' in html
    assert re.findall(r'data-refused-cadre="(\d+)"', html) == [str(first)]
    refusal = re.search(r'<section class="card" id="refusal"[^>]*>(.*?)</section>', html, re.S)[1]
    assert "张伟" in refusal and "2" in refusal and "本周" in refusal
    assert challenged() == before
    english = client.post(PAGE, data={"mode": "cadres", "cadre_id": [first],
                                      "deadline_minutes": "30",
                                      "csrf_token": csrf_token(html)},
                          headers={"Accept-Language": "en"})
    assert english.status_code == 409
    assert "at most 2 times a week" in english.get_data(as_text=True)
    sample = post_form(client, PAGE, PAGE, {"mode": "sample", "region": TOWNSHIP,
                                            "sample": "4", "deadline_minutes": "30"})
    assert sample.status_code == 409
    assert 'data-refusal="ration_pool"' in sample.get_data(as_text=True)
    assert challenged() == before


@pytest.mark.parametrize("form", [
    {"mode": "cadres", "deadline_minutes": "30"},
    {"mode": "cadres", "cadre_id": ["x"], "deadline_minutes": "30"},
    {"mode": "cadres", "cadre_id": ["1"], "deadline_minutes": "4"},
    {"mode": "cadres", "cadre_id": ["1"], "deadline_minutes": "thirty"},
    {"mode": "cadres", "cadre_id": ["1"], "deadline_minutes": "30", "note": "长" * 2001},
    {"mode": "sample", "region": "x", "sample": "1", "deadline_minutes": "30"},
    {"mode": "sample", "region": TOWNSHIP, "sample": "51", "deadline_minutes": "30"},
    {"mode": "other", "deadline_minutes": "30"},
])
def test_a_bad_form_is_a_400_page_and_sends_nothing(client, inspector, form):
    answer = post_form(client, PAGE, PAGE, form)
    assert answer.status_code == 400
    assert re.search(r'data-error="400"', answer.get_data(as_text=True))
    assert challenged() == 0


def test_without_the_csrf_token_nothing_is_sent(client, inspector):
    answer = client.post(PAGE, data={"mode": "cadres", "cadre_id": [inspector["here"][0]],
                                     "deadline_minutes": "30"})
    assert answer.status_code == 400 and challenged() == 0


def test_only_inspectors_and_admins_see_the_page(client, posted):  # noqa: F811
    headers = login(client, "insp")
    issue(client, headers, cadre_ids=[posted["here"][0]])
    make_user("zhang", "cadre", cadre_id=posted["here"][0])
    for username in ("disc", "zhang"):
        page_login(client, username)
        assert client.get(PAGE).status_code == 404
    page_login(client, "far")
    assert rows(page(client)) == []
    assert "data-issue-form" in page(client)
    make_user("root", "admin")
    page_login(client, "root")
    assert rows(page(client)) == [(posted["here"][0], "open")]
