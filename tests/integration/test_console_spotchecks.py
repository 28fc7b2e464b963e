"""The console's spot-check pages: the plans in the reader's regions; a plan's coverage and
sample by township with a visit form per sampled village (the cadres posted there, CSRF);
a visit recorded through that form raising its finding, shown on the page and counted in
the coverage, once however often the form is sent; refusals as error pages that store
nothing; the export downloaded through the session; scope (another township's inspector,
the discipline office and cadres get the 404 page)."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import AccessLog, Finding, SpotCheckVisit

from .helpers import OTHER_VILLAGE, TOWNSHIP, admin_headers, login, make_user
from .page_helpers import page_login
from .presence_helpers import east_of, inside
from .test_spotcheck_plans import POSTED, draw, make_plan, postings  # noqa: F401

PAGE = "/console/spotchecks"


def error_page(answer) -> str | None:
    found = re.search(r'data-error="(\d+)"', answer.get_data(as_text=True))
    return found and found[1]


def visits() -> int:
    return db.session.scalar(select(func.count()).select_from(SpotCheckVisit))


@pytest.fixture()
def township_plan(client, postings):  # noqa: F811 (the fixture imported above)
    """A drawn plan of the first township, and a page session of its inspector."""
    make_user("insp", "inspector", regions=[TOWNSHIP])
    headers = login(client, "insp")
    plan = draw(client, headers, make_plan(client, headers, region=TOWNSHIP)["id"])
    page_login(client, "insp")
    return plan


def plan_page(client, plan_id: int) -> str:
    answer = client.get(f"{PAGE}/{plan_id}")
    assert answer.status_code == 200, answer.status_code
    return answer.get_data(as_text=True)


def visit_form(html: str, village: str) -> dict:
    """The hidden fields and the cadres' outcome fields of a village's visit form."""
    form = re.search(rf'<form [^>]*data-visit-form="{village}">(.*?)</form>', html, re.S)
    assert form, f"no visit form for {village}"
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form[1]))
    fields["cadres"] = [int(c) for c in re.findall(r'name="outcome-(\d+)"', form[1])]
    return fields


def send_form(client, plan_id: int, form: dict, **values):
    lat, lon = inside(form["village_code"])
    data = {"csrf_token": form["csrf_token"], "id": form["id"],
            "village_code": form["village_code"], "visited_at": values.pop("visited_at", None)
            or "", "lat": str(lat), "lon": str(lon), "accuracy": "15", **values}
    return client.post(f"{PAGE}/{plan_id}/visits", data=data)


def now_local(html: str) -> str:
    return re.search(r'name="visited_at" value="([^"]+)"', html)[1]


def test_the_plans_page_lists_the_plans_of_the_readers_regions(client, township_plan):
    county = make_plan(client, admin_headers(client))
    make_user("other", "inspector", regions=[OTHER_VILLAGE[:9]])
    page_login(client, "insp")
    html = client.get(PAGE).get_data(as_text=True)
    listed = dict(re.findall(r'data-plan-id="(\d+)" data-state="(\w+)"', html))
    assert listed == {str(township_plan["id"]): "drawn", str(county["id"]): "committed"}
    page_login(client, "other")
    html = client.get(PAGE).get_data(as_text=True)
    assert re.findall(r'data-plan-id="(\d+)"', html) == [str(county["id"])]
    answer = client.get(f"{PAGE}/{township_plan['id']}")
    assert (answer.status_code, error_page(answer)) == (404, "404")


def test_the_plan_page_shows_coverage_and_a_form_per_sampled_village(client, township_plan):
    html = plan_page(client, township_plan["id"])
    sampled = [s["village_code"] for s in township_plan["sample"]]
    assert re.findall(r'class="sampled" data-village="(\d+)"', html) == sampled
    assert re.findall(r'data-visit-form="(\d+)"', html) == sampled
    for code in sampled:
        form = visit_form(html, code)
        assert form["cadres"] == [postings_of(code)]
        assert form["csrf_token"] and form["id"]
    row = re.search(rf'<tr data-township="{TOWNSHIP}" ([^>]*)>', html)[1]
    assert 'data-sampled="3"' in row and 'data-visited="0"' in row
    assert 'data-quota-met="0"' in row
    assert 'data-locate' in html and "navigator.geolocation" in html


def postings_of(code: str) -> int:
    from fieldapp.models import Assignment

    return db.session.scalar(select(Assignment.cadre_id).where(Assignment.region_code == code))


def test_a_visit_recorded_through_the_form(client, township_plan):
    html = plan_page(client, township_plan["id"])
    code = township_plan["sample"][0]["village_code"]
    form = visit_form(html, code)
    (cadre,) = form["cadres"]
    answer = send_form(client, township_plan["id"], form, visited_at=now_local(html),
                       **{f"outcome-{cadre}": "absent", f"note-{cadre}": "宿舍无人，电话未接"})
    assert answer.status_code == 302, error_page(answer)
    assert answer.headers["Location"].startswith(f"{PAGE}/{township_plan['id']}#visit-")
    visit = db.session.scalars(select(SpotCheckVisit)).one()
    assert (visit.village_code, visit.plan_id, visit.fence) == (code, township_plan["id"],
                                                                "inside")
    (outcome,) = visit.outcomes
    assert (outcome.cadre_id, outcome.outcome, outcome.note) == (cadre, "absent",
                                                                 "宿舍无人，电话未接")
    finding = db.session.get(Finding, outcome.finding_id)
    assert finding.kind == "absent_at_spot_check"
    html = plan_page(client, township_plan["id"])
    assert f'data-visit-id="{visit.id}"' in html
    assert (f'data-cadre-id="{cadre}" data-outcome="absent" '
            f'data-finding-id="{finding.id}"') in html
    row = re.search(rf'<tr data-township="{TOWNSHIP}" ([^>]*)>', html)[1]
    assert 'data-visited="1"' in row
    assert re.search(rf'data-village="{code}" data-rank="\d+" data-visits="1"', html)
    assert "督查时不在岗" in client.get(f"/console/findings/{finding.id}").get_data(as_text=True)
    # the same form sent again stores nothing more
    again = send_form(client, township_plan["id"], form, visited_at=now_local(html),
                      **{f"outcome-{cadre}": "absent"})
    assert again.status_code == 302 and visits() == 1
    assert db.session.scalar(select(func.count()).select_from(Finding)) == 1
    # the page's read of the outcome is in the cadre's access log
    assert db.session.scalars(select(AccessLog.subject_cadre_id).where(
        AccessLog.resource == "spot_check_visits")).all() == [cadre]


def test_refused_forms_are_error_pages_and_store_nothing(client, township_plan):
    html = plan_page(client, township_plan["id"])
    code = township_plan["sample"][0]["village_code"]
    form = visit_form(html, code)
    (cadre,) = form["cadres"]
    when = now_local(html)
    absent = {f"outcome-{cadre}": "absent"}
    lat, lon = east_of(code, 3000)
    cases = [
        ({"visited_at": when, "lat": str(lat), "lon": str(lon), **absent}, 422),
        ({"visited_at": when, "accuracy": "-5", **absent}, 422),
        ({"visited_at": when, "lat": "nan", **absent}, 400),
        ({"visited_at": when, "lat": "", **absent}, 400),
        ({"visited_at": "yesterday", **absent}, 400),
        ({"visited_at": "2101-01-01T10:00", **absent}, 400),
        ({"visited_at": when}, 422),                                    # nobody recorded
        ({"visited_at": when, f"outcome-{cadre}": "asleep"}, 400),
        ({"visited_at": when, "outcome-99999999999": "absent"}, 400),
        ({"visited_at": when, f"outcome-{postings_of(POSTED[6])}": "absent"}, 422),
        ({"visited_at": when, "id": "not a form id!", **absent}, 400),
        ({"visited_at": when, "village_code": OTHER_VILLAGE, **absent}, 404),
    ]
    for values, status in cases:
        answer = send_form(client, township_plan["id"], form, **values)
        assert (answer.status_code, error_page(answer)) == (status, str(status)), values
    no_token = client.post(f"{PAGE}/{township_plan['id']}/visits", data={
        "id": form["id"], "village_code": code, "visited_at": when, "lat": "1", "lon": "1",
        "accuracy": "1", **absent})
    assert no_token.status_code == 400
    assert visits() == 0


def test_the_fence_refusal_says_why_in_the_readers_language(client, township_plan):
    html = plan_page(client, township_plan["id"])
    code = township_plan["sample"][0]["village_code"]
    form = visit_form(html, code)
    lat, lon = east_of(code, 3000)
    answer = send_form(client, township_plan["id"], form, visited_at=now_local(html),
                       lat=str(lat), lon=str(lon), **{f"outcome-{form['cadres'][0]}": "present"})
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    assert "您的位置判定为“在村外”" in text and "走访只能在现场记录" in text
    assert visits() == 0


def test_the_export_downloads_through_the_session(client, township_plan):
    answer = client.get(f"{PAGE}/{township_plan['id']}/export")
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"].startswith(
        'attachment; filename="spotcheck-plan-410922100-')
    export = json.loads(answer.get_data())
    assert export["sample"] == township_plan["sample"] and export["secret"] is None


def test_only_inspectors_and_admins_of_the_region_get_the_pages(client, township_plan,
                                                               postings):  # noqa: F811
    make_user("disc", "discipline", regions=["410922"])
    make_user("cadre", "cadre", cadre_id=postings[POSTED[0]])
    plan_id = township_plan["id"]
    for username in ("disc", "cadre"):
        page_login(client, username)
        for url in (PAGE, f"{PAGE}/{plan_id}", f"{PAGE}/{plan_id}/export"):
            answer = client.get(url)
            assert (answer.status_code, error_page(answer)) == (404, "404"), (username, url)
    make_user("root", "admin")
    page_login(client, "root")
    html = plan_page(client, plan_id)
    assert len(re.findall(r"data-visit-form=", html)) == 3
    assert client.get(f"{PAGE}/999999").status_code == 404
    assert client.get(f"{PAGE}?page=0").status_code == 400
    fresh = client.application.test_client()
    assert fresh.get(f"{PAGE}/{plan_id}").status_code == 302
