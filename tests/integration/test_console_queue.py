"""The console's queue page and its login, through the Flask test client."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import AccessLog, Finding, FindingEvent

from .helpers import TOWNSHIP, make_cadre, make_user
from .page_helpers import page_login, post_form


def _finding(cadre_id: int, kind: str = "not_resident", status: str = "open",
             severity: int = 3, **extra):
    finding = Finding(key=f"{kind}:{cadre_id}:{status}", cadre_id=cadre_id,
                      region_code="410922100201", kind=kind, severity=severity, status=status,
                      summary="stored", evidence={"counts": {
                          "required_nights": 3, "present_nights": 0, "no_data_nights": 1,
                          "required_days": 5, "present_days": 5, "no_data_days": 0},
                          "period": {"policy": "weekly_5d4n"}},
                      period_start=date(2026, 11, 16), period_end=date(2026, 11, 22), **extra)
    db.session.add(finding)
    db.session.commit()
    return finding


def test_a_page_needs_a_login_and_comes_back_after_it(client):
    answer = client.get("/console/findings?kind=absent")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/console/login?next=")
    make_user("insp", "inspector", regions=[TOWNSHIP])
    form = client.get(answer.headers["Location"])
    from .page_helpers import csrf_token
    logged_in = client.post(answer.headers["Location"], data={
        "username": "insp", "password": "correct-horse-battery",
        "csrf_token": csrf_token(form.get_data(as_text=True))})
    assert logged_in.status_code == 302
    assert logged_in.headers["Location"] == "/console/findings?kind=absent"


def test_queue_lists_names_and_chinese_summary(client):
    cadre = make_cadre(name="李强")
    _finding(cadre.id)
    make_user("insp", "inspector", regions=[TOWNSHIP])
    assert page_login(client, "insp").status_code == 302
    page = client.get("/console/findings").get_data(as_text=True)
    assert 'data-kind="not_resident"' in page and "李强" in page


def test_bulk_assign_needs_the_csrf_token(client):
    cadre = make_cadre()
    finding = _finding(cadre.id)
    make_user("insp", "inspector", regions=[TOWNSHIP])
    page_login(client, "insp")
    refused = client.post("/console/findings/assign", data={"ids": finding.id, "note": "x"})
    assert refused.status_code == 400
    assert db.session.get(Finding, finding.id).status == "open"
    done = post_form(client, "/console/findings", "/console/findings/assign",
                     {"ids": finding.id, "note": "mine"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Finding, finding.id).status == "in_review"



def test_an_htmx_request_carries_the_token_in_its_header(client):
    cadre = make_cadre()
    finding = _finding(cadre.id)
    make_user("insp", "inspector", regions=[TOWNSHIP])
    page_login(client, "insp")
    page = client.get("/console/findings").get_data(as_text=True)
    token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', page)[1]
    answer = client.post("/console/findings/assign", data={"ids": finding.id, "note": "htmx"},
                         headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert answer.status_code == 302
    db.session.expire_all()
    assert db.session.get(Finding, finding.id).status == "in_review"


def test_the_queue_filters_sorts_counts_and_pages(client):
    cadre, other = make_cadre(name="甲"), make_cadre(name="乙")
    urgent = _finding(cadre.id)
    minor = _finding(other.id, kind="late_upload", severity=1)
    done = _finding(other.id, kind="absent", status="dismissed")
    make_user("insp", "inspector", regions=[TOWNSHIP])
    page_login(client, "insp")

    def ids(url):
        return [int(i) for i in re.findall(r'data-finding-id="(\d+)"',
                                           client.get(url).get_data(as_text=True))]

    assert ids("/console/findings") == [urgent.id, done.id, minor.id]
    assert ids("/console/findings?kind=late_upload") == [minor.id]
    assert ids("/console/findings?status=dismissed") == [done.id]
    assert ids(f"/console/findings?cadre_id={other.id}") == [done.id, minor.id]
    assert ids("/console/findings?period=2026-W47") == [urgent.id, done.id, minor.id]
    assert ids("/console/findings?period=2026-W45") == []
    assert ids("/console/findings?mine=1") == []
    def counts(url):
        page = client.get(url).get_data(as_text=True)
        return re.findall(r'data-status-count="(\w+)">[^<]*?(\d+)<', page)

    assert counts("/console/findings?status=open") == [("open", "2"), ("dismissed", "1")]
    assert counts("/console/findings?kind=absent&status=open") == [("dismissed", "1")]


def test_a_finding_named_twice_in_a_bulk_assign_is_assigned_once(client):
    cadre = make_cadre()
    finding = _finding(cadre.id)
    make_user("insp", "inspector", regions=[TOWNSHIP])
    page_login(client, "insp")
    answer = post_form(client, "/console/findings", "/console/findings/assign",
                       {"ids": [finding.id, finding.id], "note": "twice",
                        "back": "https://evil.example/"})
    assert answer.headers["Location"] == "/console/"  # never a host it was handed
    events = db.session.scalars(select(FindingEvent).where(
        FindingEvent.flag_id == finding.id, FindingEvent.action == "assign")).all()
    assert len(events) == 1
    db.session.expire_all()
    assert db.session.get(Finding, finding.id).status == "in_review"


def test_the_access_log_names_the_page_and_its_number(client):
    cadre = make_cadre(name="李强")
    _finding(cadre.id)
    make_user("insp", "inspector", regions=[TOWNSHIP])
    page_login(client, "insp")
    assert client.get("/console/findings?page=1").status_code == 200
    params = db.session.scalars(select(AccessLog.params).where(
        AccessLog.resource == "flags")).one()
    assert (params["page"], params["page_number"]) == ("queue", 1)
