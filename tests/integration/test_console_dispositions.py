"""The discipline office's dispositions page: the escalated findings in scope, newest
escalation first, paged, with who escalated them; its form records a disposition (with its
CSRF token, else 400); the disposed tab; refusals change nothing; the page is for the
discipline office and admins only; the dossier's dispose form."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from fieldapp.domain.findings import DISPOSITIONS
from fieldapp.extensions import db
from fieldapp.models import AccessLog, Finding, FindingEvent, User
from fieldapp.web.console import dispositions as dispositions_page

from .helpers import OTHER_VILLAGE, make_user
from .page_helpers import csrf_token, page_login, post_form
from .test_dispositions import escalate
from .test_findings_api import queue  # noqa: F401  (a fixture)

PAGE = "/console/dispositions"
ROW = re.compile(r'<tr data-finding-id="(\d+)" data-kind="(\w+)" data-status="(\w+)" '
                 r'data-disposition="(\w*)">')


def page(client, url: str = PAGE, status: int = 200) -> str:
    answer = client.get(url)
    assert answer.status_code == status, (answer.status_code, answer.get_data(as_text=True))
    return answer.get_data(as_text=True)


def rows(body: str) -> list[tuple[int, str, str, str]]:
    return [(int(i), kind, status, disposition) for i, kind, status, disposition
            in ROW.findall(body)]


def user_id(username: str) -> int:
    return db.session.scalar(select(User.id).where(User.username == username))


def event_count() -> int:
    return db.session.scalar(select(func.count()).select_from(FindingEvent))


@pytest.fixture()
def escalated(client, queue):  # noqa: F811
    """Both findings escalated, the no_data one first; (not_resident id, no_data id)."""
    silent = escalate(client, queue, "no_data")
    commuter = escalate(client, queue, "not_resident")
    return commuter, silent


def test_the_page_lists_escalated_findings_newest_escalation_first(client, escalated):
    commuter, silent = escalated
    page_login(client, "jiwei")
    assert client.get("/console/").headers["Location"] == PAGE
    body = page(client)
    assert rows(body) == [(commuter, "not_resident", "escalated", ""),
                          (silent, "no_data", "escalated", "")]
    first = body[body.index(f'data-finding-id="{commuter}"'):]
    first = first[:first.index("</tr>")]
    assert f'href="/console/findings/{commuter}" data-dossier' in first
    assert f'data-moved-by="{user_id("insp")}">insp<br>' in first
    assert "张伟" in first and 'class="badge sev-3"' in first  # the cadre, the kind
    assert 'data-action="dispose"' in first and 'name="csrf_token"' in first
    options = re.findall(r'<option value="(\w+)">', first)
    assert options == list(DISPOSITIONS)
    for chinese in ("免予处理", "谈话提醒", "批评教育", "通报批评", "组织处理", "移送审查调查"):
        assert chinese in first  # the office reads its own words
    logged = db.session.scalars(select(AccessLog).where(AccessLog.resource == "flags")).all()
    assert {entry.params["page"] for entry in logged} == {"dispositions"}
    assert sorted(i for entry in logged for i in entry.params["ids"]) == sorted(escalated)


def test_the_list_is_paged(client, escalated, monkeypatch):
    commuter, silent = escalated
    monkeypatch.setattr(dispositions_page, "PER_PAGE", 1)
    page_login(client, "jiwei")
    first = page(client)
    assert [r[0] for r in rows(first)] == [commuter]
    assert f'href="{PAGE}?page=2" rel="next"' in first
    assert [r[0] for r in rows(page(client, PAGE + "?page=2"))] == [silent]
    assert rows(page(client, PAGE + "?page=3")) == []
    assert 'data-error="400"' in page(client, PAGE + "?page=0", 400)
    assert 'data-error="400"' in page(client, PAGE + "?show=everything", 400)


def test_posting_the_form_records_the_disposition(client, escalated):
    commuter, silent = escalated
    page_login(client, "jiwei")
    answer = post_form(client, PAGE, f"{PAGE}/{commuter}",
                       {"disposition": "circulated_criticism", "note": "通报全县"})
    assert answer.status_code == 303 and answer.headers["Location"] == PAGE
    finding = db.session.get(Finding, commuter)
    assert (finding.status, finding.disposition) == ("disposed", "circulated_criticism")
    last = db.session.scalars(select(FindingEvent).where(FindingEvent.flag_id == commuter)
                              .order_by(FindingEvent.id.desc())).first()
    assert (last.action, last.disposition, last.note, last.actor_id) == (
        "dispose", "circulated_criticism", "通报全县", user_id("jiwei"))
    assert [r[0] for r in rows(page(client))] == [silent]
    disposed = page(client, PAGE + "?show=disposed")
    assert rows(disposed) == [(commuter, "not_resident", "disposed", "circulated_criticism")]
    assert '<strong>通报批评</strong>' in disposed and "通报全县" in disposed
    assert f'data-moved-by="{user_id("jiwei")}"' in disposed
    assert 'data-action="dispose"' not in disposed


def test_a_form_without_its_csrf_token_is_400_and_changes_nothing(client, escalated):
    commuter, _ = escalated
    page_login(client, "jiwei")
    before = event_count()
    answer = client.post(f"{PAGE}/{commuter}", data={"disposition": "no_action",
                                                     "note": "no token"})
    assert answer.status_code == 400
    answer = client.post(f"{PAGE}/{commuter}", data={"disposition": "no_action",
                                                     "note": "forged", "csrf_token": "x"})
    assert answer.status_code == 400
    assert db.session.get(Finding, commuter).status == "escalated"
    assert event_count() == before


@pytest.mark.parametrize(("data", "status"), [
    ({"disposition": "fired", "note": "x"}, 422),
    ({"note": "no disposition"}, 422),
    ({"disposition": "no_action", "note": "   "}, 422),
    ({"disposition": "no_action", "note": "x" * 2001}, 422),
    ({"disposition": "no_action", "note": "nul\0"}, 400),
], ids=["unknown", "missing", "blank-note", "long-note", "nul"])
def test_a_refused_form_is_an_error_page_and_changes_nothing(client, escalated, data, status):
    commuter, _ = escalated
    page_login(client, "jiwei")
    before = event_count()
    answer = post_form(client, PAGE, f"{PAGE}/{commuter}", data)
    assert answer.status_code == status
    assert f'data-error="{status}"' in answer.get_data(as_text=True)
    assert db.session.get(Finding, commuter).status == "escalated"
    assert event_count() == before


def test_a_finding_disposed_of_already_or_not_seen_is_refused(client, escalated):
    commuter, _ = escalated
    page_login(client, "jiwei")
    form = {"disposition": "no_action", "note": "first"}
    assert post_form(client, PAGE, f"{PAGE}/{commuter}", form).status_code == 303
    again = post_form(client, PAGE, f"{PAGE}/{commuter}", {**form, "disposition": "referred"})
    assert again.status_code == 409 and 'data-error="409"' in again.get_data(as_text=True)
    assert db.session.get(Finding, commuter).disposition == "no_action"
    assert post_form(client, PAGE, f"{PAGE}/999999999", form).status_code == 404
    assert post_form(client, PAGE, f"{PAGE}/{2 ** 63}", form).status_code == 404
    make_user("jiwei-far", "discipline", regions=[OTHER_VILLAGE[:9]])
    page_login(client, "jiwei-far")
    assert rows(page(client)) == []
    _, silent = escalated
    assert post_form(client, PAGE, f"{PAGE}/{silent}", form).status_code == 404
    assert db.session.get(Finding, silent).status == "escalated"


def test_the_page_is_for_the_discipline_office_and_admins(client, escalated):
    commuter, silent = escalated
    page_login(client, "insp")
    assert 'data-error="404"' in page(client, status=404)
    token = csrf_token(page(client, "/console/findings"))
    answer = client.post(f"{PAGE}/{commuter}", data={"disposition": "no_action",
                                                     "note": "not mine",
                                                     "csrf_token": token})
    assert answer.status_code == 404
    assert db.session.get(Finding, commuter).status == "escalated"
    page_login(client, "commuter")
    assert page(client, status=404)
    page_login(client, "admin")
    assert [r[0] for r in rows(page(client))] == [commuter, silent]
    assert post_form(client, PAGE, f"{PAGE}/{silent}",
                     {"disposition": "referred", "note": "移送"}).status_code == 303
    assert db.session.get(Finding, silent).disposition == "referred"


def dossier_actions(body: str) -> list[str]:
    return re.findall(r'<form method="post" action="[^"]+" data-action="(\w+)"', body)


def test_the_dossier_offers_the_office_its_dispose_form_and_shows_the_outcome(
        client, escalated):
    commuter, _ = escalated
    url = f"/console/findings/{commuter}"
    page_login(client, "insp")
    assert dossier_actions(page(client, url)) == []  # nothing is the inspector's to do now
    page_login(client, "jiwei")
    body = page(client, url)
    assert dossier_actions(body) == ["dispose"]
    assert 'name="disposition"' in body and "data-disposition=" not in body
    refused = post_form(client, url, url + "/transitions",
                        {"action": "dispose", "note": "x", "disposition": "fired"})
    assert refused.status_code == 422
    assert 'data-reason="disposition"' in refused.get_data(as_text=True)
    other = post_form(client, url, url + "/transitions", {"action": "reopen", "note": "x"})
    assert other.status_code == 404  # not the office's move: the page does not say more
    assert db.session.get(Finding, commuter).status == "escalated"
    done = post_form(client, url, url + "/transitions",
                     {"action": "dispose", "note": "谈话", "disposition": "reminder_talk"})
    assert done.status_code == 303
    body = page(client, url)
    assert '<dd data-disposition="reminder_talk"><strong>谈话提醒</strong></dd>' in body
    assert dossier_actions(body) == [] and 'data-status="disposed"' in body
    assert 'data-chain="verified"' in body
