"""The console's leave page: pending leave in scope with names, oldest request first;
approve and reject through its forms (CSRF, a note to reject, once only); leave the reader
may not decide is shown without forms and refused when posted anyway."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from fieldapp.config import app_settings
from fieldapp.domain.dates import local_date
from fieldapp.extensions import db
from fieldapp.models import Leave, Region
from fieldapp.models.types import utcnow
from fieldapp.services.access.scope import Scope
from fieldapp.services.people import registry as people
from fieldapp.services.presence import leaves

from .helpers import OTHER_VILLAGE, TOWNSHIP, VILLAGE, login, make_cadre, make_user
from .page_helpers import csrf_token, page_login, post_form

ROW = re.compile(r'<tr data-leave-id="(\d+)" data-status="(\w+)" data-decidable="([01])">'
                 r'(.*?)</tr>', re.S)
PAGE = "/console/leaves"


def today() -> date:
    return local_date(utcnow(), app_settings().zone)


def ask(cadre_id: int, first: int, last: int, reason: str = "家中有事") -> int:
    """A leave from today+first to today+last (days), through the service cadres use."""
    return leaves.request_leave(app_settings(), cadre_id, today() + timedelta(days=first),
                                today() + timedelta(days=last), "personal", reason).id


def rows(client, query: str = "") -> list[tuple[int, str, str, str]]:
    """(leave id, status, decidable 0/1, the row's HTML) of each row the page lists."""
    answer = client.get(PAGE + query)
    assert answer.status_code == 200, answer.status_code
    return [(int(i), s, d, html) for i, s, d, html in ROW.findall(answer.get_data(as_text=True))]


def stored(leave_id: int) -> Leave:
    db.session.expire_all()
    return db.session.get(Leave, leave_id)


def error_page(answer) -> str | None:
    """The code an error page shows, None for any other page."""
    found = re.search(r'data-error="(\d+)"', answer.get_data(as_text=True))
    return found and found[1]


def decide(client, leave_id: int, decision: str, note: str = ""):
    return post_form(client, PAGE, f"{PAGE}/{leave_id}/decision",
                     {"decision": decision, "note": note})


@pytest.fixture()
def inspector(client):
    """The client, logged in as an inspector of the cadres' township."""
    make_user("insp", "inspector", regions=[TOWNSHIP])
    assert page_login(client, "insp").status_code == 302
    return client


def test_pending_leave_with_names_oldest_request_first_and_in_scope_only(inspector, client):
    first = make_cadre(name="李强")
    second = make_cadre(name="王芳", role="team_member")
    elsewhere = make_cadre(village=OTHER_VILLAGE, name="赵六")
    asked_later = ask(first.id, 3, 4, reason="孩子生病")
    asked_earlier = ask(second.id, -2, -2)
    decided = ask(second.id, 10, 10)
    far_away = ask(elsewhere.id, 3, 3)
    leaves.decide(Scope(make_user("root", "admin"), app_settings().zone), decided, "approve",
                  None)
    # asked second by id, first by time: the page orders by when a leave was asked
    db.session.get(Leave, asked_earlier).requested_at = utcnow() - timedelta(hours=5)
    db.session.commit()

    listed = rows(inspector)
    assert [r[0] for r in listed] == [asked_earlier, asked_later]
    assert [(r[1], r[2]) for r in listed] == [("pending", "1"), ("pending", "1")]
    village, township = (db.session.get(Region, code).name for code in (VILLAGE, TOWNSHIP))
    html = listed[1][3]
    for shown in ("李强", village, township, "孩子生病", 'data-days="2"',
                  'data-action="approve"', 'data-action="reject"', 'name="note"',
                  'name="csrf_token"'):
        assert shown in html, shown
    asked_at = stored(asked_later).requested_at.astimezone(app_settings().zone)
    assert asked_at.strftime("%Y-%m-%d %H:%M") in html
    assert "王芳" in listed[0][3] and "data-retroactive" in listed[0][3]
    assert "data-retroactive" not in html
    assert [r[0] for r in rows(inspector, "?show=decided")] == [decided]

    make_user("far", "inspector", regions=[OTHER_VILLAGE[:9]])
    page_login(client, "far")
    assert [r[0] for r in rows(client)] == [far_away]
    assert rows(client, "?show=decided") == []


def test_approve_through_the_form_and_the_api_shows_it(inspector, client):
    cadre = make_cadre(name="李强")
    leave_id = ask(cadre.id, 2, 3)
    done = decide(inspector, leave_id, "approve", "同意，按时销假")
    assert done.status_code == 302 and done.headers["Location"] == PAGE
    assert "李强" in client.get(PAGE).get_data(as_text=True)  # the flash message
    api = client.get(f"/api/v1/leaves/{leave_id}", headers=login(client, "insp")).get_json()
    assert (api["status"], api["decision_note"], api["decided_by_name"], api["cadre_name"]) == (
        "approved", "同意，按时销假", "insp", "李强")
    assert rows(inspector) == []
    [(shown_id, status, _, html)] = rows(inspector, "?show=decided")
    assert (shown_id, status) == (leave_id, "approved")
    assert "同意，按时销假" in html and ">insp<" in html and "<form" not in html


def test_reject_needs_the_csrf_token_and_a_note(inspector, client):
    leave_id = ask(make_cadre().id, 2, 2)
    refused = client.post(f"{PAGE}/{leave_id}/decision",
                          data={"decision": "reject", "note": "不符合规定"})
    assert refused.status_code == 400
    assert stored(leave_id).status == "pending"
    for note in ("", "   "):
        no_note = decide(inspector, leave_id, "reject", note)
        assert (no_note.status_code, error_page(no_note)) == (422, "422")
        assert stored(leave_id).status == "pending"
    done = decide(inspector, leave_id, "reject", "不符合规定")
    assert done.status_code == 302
    leave = stored(leave_id)
    assert (leave.status, leave.decision_note) == ("rejected", "不符合规定")


def test_deciding_twice_is_a_409_page_and_changes_nothing(inspector):
    leave_id = ask(make_cadre().id, 2, 2)
    assert decide(inspector, leave_id, "approve", "好").status_code == 302
    again = decide(inspector, leave_id, "reject", "改主意了")
    assert (again.status_code, error_page(again)) == (409, "409")
    leave = stored(leave_id)
    assert (leave.status, leave.decision_note) == ("approved", "好")


def test_leave_posted_elsewhere_on_some_day_has_no_forms_and_is_refused(inspector, client):
    moved = people.create_cadre(name="钱七", role="first_secretary", unit="县交通局")
    people.create_assignment(moved.id, VILLAGE, date(2026, 1, 1), today() + timedelta(days=3))
    people.create_assignment(moved.id, OTHER_VILLAGE, today() + timedelta(days=4))
    across = ask(moved.id, 3, 4)
    [(shown_id, _, decidable, html)] = rows(inspector)
    assert (shown_id, decidable) == (across, "0")
    assert "<form" not in html and "data-not-decidable" in html and "钱七" in html
    refused = decide(inspector, across, "approve", "同意")
    assert (refused.status_code, error_page(refused)) == (404, "404")
    assert stored(across).status == "pending"
    make_user("root", "admin")
    page_login(client, "root")
    assert [(r[0], r[2]) for r in rows(client)] == [(across, "1")]


def test_bad_ids_and_arguments_are_error_pages(inspector, client):
    elsewhere = ask(make_cadre(village=OTHER_VILLAGE).id, 2, 2)
    for leave_id in ("999999", "0", "2147483648", "99999999999999999999", "x"):
        answer = decide(inspector, leave_id, "approve", "同意")
        assert (answer.status_code, error_page(answer)) == (404, "404"), leave_id
    out_of_scope = decide(inspector, elsewhere, "approve", "同意")
    assert (out_of_scope.status_code, error_page(out_of_scope)) == (404, "404")
    assert stored(elsewhere).status == "pending"
    mine = ask(make_cadre().id, 2, 2)
    for decision in ("", "approved", "delete"):
        bogus = decide(inspector, mine, decision, "同意")
        assert (bogus.status_code, error_page(bogus)) == (400, "400"), decision
    too_long = decide(inspector, mine, "approve", "长" * 2001)
    assert (too_long.status_code, error_page(too_long)) == (422, "422")
    assert stored(mine).status == "pending"
    for query in ("?page=0", "?page=abc", "?page=100001", "?show=everything"):
        answer = client.get(PAGE + query)
        assert (answer.status_code, error_page(answer)) == (400, "400"), query
    assert rows(client, "?page=7") == []


def test_only_inspectors_and_admins_have_the_page(client):
    cadre = make_cadre()
    make_user("jiwei", "discipline", regions=["410922"])
    make_user("self", "cadre", cadre_id=cadre.id)
    for username in ("jiwei", "self"):
        page_login(client, username)
        answer = client.get(PAGE)
        assert (answer.status_code, error_page(answer)) == (404, "404"), username
    client.post("/console/logout", data={"csrf_token": csrf_token(
        client.get("/console/login").get_data(as_text=True))})
    assert client.get(PAGE).status_code == 302  # to the login page


def test_the_page_reads_with_as_many_queries_for_30_leaves_as_for_3(inspector):
    """Names and "may decide" are read for the whole page at once. (Counted: SELECTs; the
    access log writes a row per cadre read, which SQLite inserts one by one.)"""

    def add(count: int) -> None:
        for _ in range(count):
            ask(make_cadre(name="干部").id, 2, 3)

    def page_queries(count: int) -> int:
        seen: list[str] = []

        def record(conn, cursor, statement, *args):
            if statement.lstrip().upper().startswith("SELECT"):
                seen.append(statement)

        rows(inspector)  # the same warm caches each time
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            listed = rows(inspector)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        assert len(listed) == count and {r[2] for r in listed} == {"1"}
        return len(seen)

    add(3)
    few = page_queries(3)
    add(27)
    assert page_queries(30) == few
