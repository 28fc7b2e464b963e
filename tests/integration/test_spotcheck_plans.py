"""Spot-check plans through the API: the pool, sources, commitment, quota and cycle state
frozen when a plan is made; the draw checked against the commitment and the sources; the
secret kept until the reveal, which waits for the quarter's end; the export that `flask
spotcheck verify` re-derives (and refuses when tampered); coverage; the cycle carried from
one quarter's plan to the next; scope by role and region; hostile input leaving nothing
stored."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from fieldapp.config import app_settings
from fieldapp.domain.dates import local_date
from fieldapp.domain.draw import commitment_of, permutation, stratified_sample
from fieldapp.extensions import db
from fieldapp.models import SpotCheckPlan
from fieldapp.models.types import utcnow
from fieldapp.services.people import registry as people
from fieldapp.services.spotchecks.plans import quarter_bounds

from .helpers import (
    OTHER_VILLAGE,
    TOWNSHIP,
    admin_headers,
    at_once,
    login,
    make_cadre,
    make_user,
)

PLANS = "/api/v1/spotchecks/plans"
COUNTY = "410922"
SECOND_TOWNSHIP = "410922101"
SECRET = "县纪委监委督查室 第四季度 口令"
SOURCES = [[3, 1, 9], [2, 5, 12, 8, 10]]
# posted villages: 6 in the first township, 3 in the second, 1 in a third
POSTED = ([f"{TOWNSHIP}{n}" for n in (201, 202, 203, 204, 205, 206)]
          + [f"{SECOND_TOWNSHIP}{n}" for n in (201, 202, 203)] + [OTHER_VILLAGE])


def today() -> date:
    return local_date(utcnow(), app_settings().zone)


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def this_quarter() -> str:
    return quarter_of(today())


def next_quarter() -> str:
    return quarter_of(quarter_bounds(this_quarter())[1] + timedelta(days=1))


def previous_quarter() -> str:
    return quarter_of(quarter_bounds(this_quarter())[0] - timedelta(days=1))


def plan_body(**changes) -> dict:
    body = {"region": COUNTY, "quarter": this_quarter(), "quota": 0.5,
            "sources": [{"name": "福彩3D 开奖", "due": today().isoformat()},
                        {"name": "体彩排列5 开奖", "due": today().isoformat()}],
            "commitment": commitment_of(SECRET)}
    return {**body, **changes}


def plan_count() -> int:
    return db.session.scalar(select(func.count()).select_from(SpotCheckPlan))


@pytest.fixture()
def postings(ctx):
    """Cadres posted at POSTED since before the quarter; one posted only after the
    quarter's first day, one whose posting ended before it (neither counts for the pool)."""
    first = quarter_bounds(this_quarter())[0]
    cadres = {code: make_cadre(code, name=f"驻村{code[-3:]}",
                               starts_on=first - timedelta(days=60)).id for code in POSTED}
    make_cadre(f"{TOWNSHIP}207", name="后到", starts_on=first + timedelta(days=1))
    gone = make_cadre(f"{TOWNSHIP}208", name="已离任", starts_on=first - timedelta(days=90))
    assignment = gone.assignments[0]
    people.update_assignment(assignment, {"ends_on": first - timedelta(days=1)})
    return cadres


def make_plan(client, headers, status: int = 201, **changes) -> dict:
    response = client.post(PLANS, json=plan_body(**changes), headers=headers)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def draw(client, headers, plan_id: int, sources=SOURCES, secret: str = SECRET,
         status: int = 200) -> dict:
    response = client.post(f"{PLANS}/{plan_id}/draw", json={"sources": sources,
                                                             "secret": secret},
                           headers=headers)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def drawn_plan(client, headers, **changes) -> dict:
    return draw(client, headers, make_plan(client, headers, **changes)["id"])


def into_the_past(plan_id: int) -> None:
    """Time passing, for a test: the plan's quarter becomes the one before this."""
    first, last = quarter_bounds(previous_quarter())
    db.session.execute(update(SpotCheckPlan).where(SpotCheckPlan.id == plan_id).values(
        quarter=previous_quarter(), first_day=first, last_day=last))
    db.session.commit()


def test_a_plan_freezes_its_pool_sources_commitment_and_quota(client, postings):
    headers = admin_headers(client)
    plan = make_plan(client, headers, commitment=commitment_of(SECRET).upper())
    assert [v["village_code"] for v in plan["pool"]] == sorted(POSTED)
    assert all(v["township_code"] == v["village_code"][:9] for v in plan["pool"])
    assert plan["commitment"] == commitment_of(SECRET)
    assert plan["state"] == "committed" and plan["quota"] == 0.5
    assert plan["sources"] == [{"name": "福彩3D 开奖", "due": today().isoformat(),
                                "numbers": None},
                               {"name": "体彩排列5 开奖", "due": today().isoformat(),
                                "numbers": None}]
    assert plan["cycle_state_before"] == {} and plan["sample"] is None
    assert plan["secret"] is None and plan["pool_size"] == len(POSTED)
    first, last = quarter_bounds(this_quarter())
    assert (plan["first_day"], plan["last_day"]) == (first.isoformat(), last.isoformat())
    assert client.get(f"{PLANS}/{plan['id']}", headers=headers).get_json() == plan
    # a cadre posted later, or no longer, does not make a village part of the pool
    make_cadre(f"{TOWNSHIP}209", starts_on=quarter_bounds(this_quarter())[0])
    assert client.get(f"{PLANS}/{plan['id']}", headers=headers).get_json()["pool"] == \
        plan["pool"]
    township = make_plan(client, headers, region=TOWNSHIP)
    assert [v["village_code"] for v in township["pool"]] == sorted(
        [c for c in POSTED if c.startswith(TOWNSHIP)] + [f"{TOWNSHIP}209"])


def test_one_plan_per_region_and_quarter(client, postings):
    headers = admin_headers(client)
    make_plan(client, headers)
    again = make_plan(client, headers, status=409, quota=0.7)
    assert "quarter" in again["errors"]
    assert plan_count() == 1
    body = plan_body(region=TOWNSHIP)
    db.session.rollback()  # the test's reads hold SQLite's write lock until then
    answers = at_once(lambda: client.post(PLANS, json=body, headers=headers).status_code)
    assert sorted(answers) == [201, 409, 409, 409]
    assert plan_count() == 2


@pytest.mark.parametrize("changes, field", [
    ({"quarter": "2026-Q5"}, "quarter"), ({"quarter": "1999-Q4"}, "quarter"),
    ({"quarter": "2100-Q1"}, "quarter"), ({"quarter": "2026Q4"}, "quarter"),
    ({"quarter": "２０２６-Q4"}, "quarter"), ({"quarter": 2026}, "quarter"),
    ({"quota": 0}, "quota"), ({"quota": 1.5}, "quota"), ({"quota": -0.1}, "quota"),
    ({"quota": True}, "quota"), ({"quota": "half"}, "quota"),
    ({"commitment": "ab" * 31}, "commitment"), ({"commitment": "zz" * 32}, "commitment"),
    ({"commitment": commitment_of(SECRET) + "0"}, "commitment"),
    ({"sources": []}, "sources"), ({"sources": [{"name": "", "due": "2099-01-01"}]},
                                   "sources"),
    ({"sources": [{"name": "x"}]}, "sources"),
    ({"sources": [{"name": "x", "due": "2026-02-30"}]}, "sources"),
    ({"region": "41092"}, "region"),
])
def test_hostile_plans_are_refused_and_store_nothing(client, postings, changes, field):
    response = client.post(PLANS, json=plan_body(**changes), headers=admin_headers(client))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert plan_count() == 0


def test_a_nan_quota_is_refused(client, postings):
    text = json.dumps(plan_body(quota=0.5)).replace("0.5", "NaN")
    response = client.post(PLANS, data=text, content_type="application/json",
                           headers=admin_headers(client))
    assert response.status_code == 422 and "quota" in response.get_json()["errors"]
    assert plan_count() == 0


def test_plans_that_could_be_fitted_or_sample_nothing_are_refused(client, postings):
    headers = admin_headers(client)
    yesterday = (today() - timedelta(days=1)).isoformat()
    late = make_plan(client, headers, status=422, sources=[{"name": "昨日开奖",
                                                             "due": yesterday}])
    assert "past" in late["message"] or "before today" in late["message"]
    assert make_plan(client, headers, status=422, quarter=previous_quarter())["errors"] == {
        "quarter": ["already over"]}
    assert make_plan(client, headers, status=422, region=POSTED[0])["errors"] == {
        "region": ["not a county or township"]}
    assert make_plan(client, headers, status=422, region="410922106")["errors"] == {
        "region": ["empty pool"]}
    assert make_plan(client, headers, status=404, region="410923")
    assert plan_count() == 0


def test_the_draw_is_the_domain_draw_and_happens_once(client, postings):
    headers = admin_headers(client)
    plan = drawn_plan(client, headers)
    order = permutation(len(POSTED), SOURCES, SECRET)
    sample, after = stratified_sample(plan["pool"], order, 0.5, {})
    assert plan["permutation"] == order
    assert plan["sample"] == sample and plan["cycle_state_after"] == after
    # ⌈0.5 × 6⌉ + ⌈0.5 × 3⌉ + ⌈0.5 × 1⌉ villages
    assert len(sample) == 3 + 2 + 1 and plan["sample_size"] == 6
    assert [s["numbers"] for s in plan["sources"]] == SOURCES
    assert plan["state"] == "drawn" and plan["secret"] == SECRET
    again = draw(client, headers, plan["id"], status=409)
    assert "drawn" in again["message"]
    assert client.get(f"{PLANS}/{plan['id']}", headers=headers).get_json()["sample"] == sample


def test_a_plan_drawn_twice_at_once_is_drawn_once(client, postings):
    headers = admin_headers(client)
    plan = make_plan(client, headers)
    db.session.rollback()  # the test's reads hold SQLite's write lock until then
    answers = at_once(lambda: client.post(f"{PLANS}/{plan['id']}/draw", json={
        "sources": SOURCES, "secret": SECRET}, headers=headers))
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409]
    assert db.session.get(SpotCheckPlan, plan["id"]).sample == next(
        a.get_json()["sample"] for a in answers if a.status_code == 200)


@pytest.mark.parametrize("sources, secret", [
    ([[3, 1, 9]], SECRET),                       # a named source without its numbers
    ([], SECRET),
    ([[3, 1, 9], []], SECRET),                   # an empty source
    ([[3, 1, 9], [2, -5]], SECRET),              # negative
    ([[3, 1, 9], ["2", 5]], SECRET),             # not numbers
    ([[3, 1, 9], [2.5]], SECRET),
    ([[3, 1, 9], [True]], SECRET),
    ([[3, 1, 9], [10**16]], SECRET),             # past what a lottery gives
    ([[3, 1, 9], [2, 5], [7]], SECRET),          # a source the plan does not name
    (SOURCES, SECRET + " "),                     # not the committed secret
    (SOURCES, "县纪委监委督查室"),
])
def test_a_draw_without_every_source_or_the_committed_secret_is_refused(
        client, postings, sources, secret):
    headers = admin_headers(client)
    plan = make_plan(client, headers)
    refused = draw(client, headers, plan["id"], sources=sources, secret=secret, status=422)
    assert refused["errors"], refused
    stored = db.session.get(SpotCheckPlan, plan["id"])
    assert stored.drawn_at is None and stored.secret is None and stored.sample is None
    assert [s["numbers"] for s in stored.sources] == [None, None]


def test_a_source_not_due_yet_cannot_be_drawn(client, postings):
    headers = admin_headers(client)
    tomorrow = (today() + timedelta(days=1)).isoformat()
    plan = make_plan(client, headers, sources=[{"name": "明日开奖", "due": tomorrow}])
    refused = draw(client, headers, plan["id"], sources=[[1, 2, 3]], status=422)
    assert "do not exist yet" in refused["message"]


def test_the_secret_is_kept_until_the_quarter_is_over_then_revealed(client, postings):
    admin = admin_headers(client)
    make_user("county-insp", "inspector", regions=[COUNTY])
    make_user("township-insp", "inspector", regions=[TOWNSHIP])
    make_user("disc", "discipline", regions=[COUNTY])
    plan = drawn_plan(client, admin)
    url = f"{PLANS}/{plan['id']}"
    county, township, discipline = (login(client, u) for u in ("county-insp",
                                                               "township-insp", "disc"))
    assert client.get(url, headers=county).get_json()["secret"] == SECRET
    for reader in (township, discipline):
        read = client.get(url, headers=reader)
        assert read.status_code == 200 and read.get_json()["secret"] is None
        assert read.get_json()["sample"] == plan["sample"]
    export = client.get(f"{url}/export", headers=county)
    assert export.get_json()["secret"] is None
    early = client.post(f"{url}/reveal", headers=county)
    assert early.status_code == 409 and "ends on" in early.get_json()["message"]
    into_the_past(plan["id"])
    assert client.post(f"{url}/reveal", headers=township).status_code == 403
    assert client.post(f"{url}/reveal", headers=discipline).status_code == 403
    revealed = client.post(f"{url}/reveal", headers=county)
    assert revealed.status_code == 200 and revealed.get_json()["state"] == "revealed"
    assert client.post(f"{url}/reveal", headers=county).status_code == 409
    for reader in (township, discipline):
        assert client.get(url, headers=reader).get_json()["secret"] == SECRET
        assert client.get(f"{url}/export", headers=reader).get_json()["secret"] == SECRET


def test_an_undrawn_plan_cannot_be_revealed(client, postings):
    headers = admin_headers(client)
    plan = make_plan(client, headers)
    into_the_past(plan["id"])
    assert client.post(f"{PLANS}/{plan['id']}/reveal", headers=headers).status_code == 409
    assert db.session.get(SpotCheckPlan, plan["id"]).revealed_at is None


def verify(ctx, path):
    return ctx.test_cli_runner().invoke(args=["spotcheck", "verify", str(path)])


def test_the_export_round_trips_through_flask_spotcheck_verify(ctx, client, postings,
                                                               tmp_path):
    headers = admin_headers(client)
    plan = drawn_plan(client, headers)
    into_the_past(plan["id"])
    assert client.post(f"{PLANS}/{plan['id']}/reveal", headers=headers).status_code == 200
    response = client.get(f"{PLANS}/{plan['id']}/export", headers=headers)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="spotcheck-plan-{COUNTY}-{previous_quarter()}.json"')
    export = json.loads(response.get_data())
    assert export["format"] == "fieldapp-spotcheck-plan/1" and export["secret"] == SECRET
    assert export["sample"] == plan["sample"] and export["pool"] == plan["pool"]
    good = tmp_path / "plan.json"
    good.write_bytes(response.get_data())
    result = verify(ctx, good)
    assert result.exit_code == 0, result.output
    assert f"plan {COUNTY} {previous_quarter()} verified: 6 villages sampled" in result.stdout
    sampled = {s["village_code"] for s in export["sample"]}
    position = next(i for i, s in enumerate(export["sample"]) if s["township_code"] == TOWNSHIP)
    unsampled = next(v["village_code"] for v in export["pool"]
                     if v["village_code"] not in sampled and v["township_code"] == TOWNSHIP)
    tampered = json.loads(good.read_text())
    tampered["sample"][position]["village_code"] = unsampled
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(tampered, ensure_ascii=False), encoding="utf-8")
    result = verify(ctx, bad)
    assert result.exit_code == 1 and "sample rank" in result.stderr
    other_secret = json.loads(good.read_text())
    other_secret["secret"] = SECRET + "!"
    bad.write_text(json.dumps(other_secret, ensure_ascii=False), encoding="utf-8")
    assert verify(ctx, bad).exit_code == 1


def test_an_export_before_the_draw_is_the_published_plan(client, postings):
    headers = admin_headers(client)
    plan = make_plan(client, headers)
    export = client.get(f"{PLANS}/{plan['id']}/export", headers=headers).get_json()
    assert export["sample"] == [] and export["cycle_state_after"] is None
    assert export["commitment"] == commitment_of(SECRET) and export["secret"] is None
    assert [s["numbers"] for s in export["sources"]] == [None, None]


def test_the_next_quarter_continues_the_cycle(client, postings):
    headers = admin_headers(client)
    first = make_plan(client, headers, region=TOWNSHIP)
    blocked = make_plan(client, headers, status=409, region=TOWNSHIP, quarter=next_quarter())
    assert "not drawn yet" in blocked["message"]
    first = draw(client, headers, first["id"])
    second = make_plan(client, headers, region=TOWNSHIP, quarter=next_quarter())
    assert second["cycle_state_before"] == first["cycle_state_after"] != {}
    second = draw(client, headers, second["id"])
    # the next quarter's pool holds the village whose cadre came after this quarter began:
    # 7 villages, 4 a quarter, the 4 this cycle has not taken
    assert second["pool_size"] == 7 and len(first["sample"]) == 3
    taken = {s["village_code"] for s in first["sample"]}
    assert taken.isdisjoint(s["village_code"] for s in second["sample"])
    assert len(taken | {s["village_code"] for s in second["sample"]}) == 7
    assert second["cycle_state_after"] == {TOWNSHIP: sorted(
        v["village_code"] for v in second["pool"])}
    # a plan made after a later quarter's would change what that one continued from
    make_plan(client, headers, region=SECOND_TOWNSHIP, quarter=next_quarter())
    earlier = make_plan(client, headers, status=409, region=SECOND_TOWNSHIP)
    assert earlier["errors"] == {"quarter": [f"{next_quarter()} planned"]}


def test_coverage_before_any_visit(client, postings):
    headers = admin_headers(client)
    plan = make_plan(client, headers)
    before = client.get(f"{PLANS}/{plan['id']}/coverage", headers=headers).get_json()
    assert [t["sampled"] for t in before["townships"]] == [0, 0, 0]
    draw(client, headers, plan["id"])
    cover = client.get(f"{PLANS}/{plan['id']}/coverage", headers=headers).get_json()
    rows = {t["township_code"]: t for t in cover["townships"]}
    assert rows[TOWNSHIP] | {"township_name": None} == {
        "township_code": TOWNSHIP, "township_name": None, "pool_size": 6, "required": 3,
        "sampled": 3, "visited": 0, "quota_met": False}
    assert rows[TOWNSHIP]["township_name"]
    assert (rows[SECOND_TOWNSHIP]["pool_size"], rows[SECOND_TOWNSHIP]["required"]) == (3, 2)
    assert cover["totals"] == {"pool_size": 10, "required": 6, "sampled": 6, "visited": 0,
                               "quota_met": False}


def test_who_may_plan_read_and_draw(client, postings):
    make_user("township-insp", "inspector", regions=[TOWNSHIP])
    make_user("other-insp", "inspector", regions=[OTHER_VILLAGE[:9]])
    make_user("disc", "discipline", regions=[COUNTY])
    cadre_id = postings[POSTED[0]]
    make_user("cadre", "cadre", cadre_id=cadre_id)
    township, other, discipline, cadre = (login(client, u) for u in (
        "township-insp", "other-insp", "disc", "cadre"))
    # the county is above the township inspector's regions: readable, not theirs to plan
    assert client.post(PLANS, json=plan_body(), headers=township).status_code == 403
    assert client.post(PLANS, json=plan_body(region="410922200"),
                       headers=township).status_code == 404
    assert client.post(PLANS, json=plan_body(), headers=discipline).status_code == 403
    assert client.post(PLANS, json=plan_body(), headers=cadre).status_code == 404
    assert plan_count() == 0
    own = make_plan(client, township, region=TOWNSHIP)
    county = make_plan(client, admin_headers(client))
    for reader in (other, cadre):
        assert client.get(f"{PLANS}/{own['id']}", headers=reader).status_code == 404
        for suffix in ("", "/export", "/coverage"):
            assert client.get(f"{PLANS}/{own['id']}{suffix}",
                              headers=reader).status_code == 404
        assert client.post(f"{PLANS}/{own['id']}/draw", json={"sources": SOURCES,
                                                              "secret": SECRET},
                           headers=reader).status_code == 404
    assert client.get(PLANS, headers=cadre).status_code == 404
    listed = client.get(PLANS, headers=other).get_json()
    assert [p["id"] for p in listed["items"]] == [county["id"]] and listed["total"] == 1
    assert {p["id"] for p in client.get(PLANS, headers=township).get_json()["items"]} == {
        own["id"], county["id"]}
    assert client.post(f"{PLANS}/{county['id']}/draw", json={
        "sources": SOURCES, "secret": SECRET}, headers=township).status_code == 403
    assert client.post(f"{PLANS}/{own['id']}/draw", json={
        "sources": SOURCES, "secret": SECRET}, headers=discipline).status_code == 403
    assert db.session.get(SpotCheckPlan, county["id"]).drawn_at is None
    assert client.get(f"{PLANS}/{own['id']}", headers=discipline).status_code == 200
    assert client.get(f"{PLANS}/999999", headers=township).status_code == 404
    filtered = client.get(PLANS, query_string={"region": TOWNSHIP}, headers=township)
    assert [p["id"] for p in filtered.get_json()["items"]] == [own["id"]]
    assert client.get(PLANS, query_string={"quarter": "2026-Q9"},
                      headers=township).status_code == 422
