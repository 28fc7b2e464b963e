"""Spot-check visits through the API: the inspector's own fix fence-tested against the
village (outside or uncertain is refused with the verdict and distance); outcomes only for
cadres posted there that day, once each; an unexcused absence raising an
absent_at_spot_check finding in the queue and the audit chain; a presence stored as the
cadre's fix, which the next evaluation counts; a resent visit stored once; coverage; scope;
the access log."""
from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time, timedelta

import numpy as np
import pytest
from sqlalchemy import func, select

from fieldapp.config import app_settings
from fieldapp.domain.coords import wgs84_to_gcj02
from fieldapp.extensions import db
from fieldapp.models import (
    AccessLog,
    Finding,
    FindingEvent,
    Ping,
    PresenceDay,
    SpotCheckOutcome,
    SpotCheckVisit,
)
from fieldapp.models.types import utcnow
from fieldapp.services.findings import audit_chain
from fieldapp.services.presence import leaves

from .helpers import OTHER_VILLAGE, TOWNSHIP, admin_headers, at_once, login, make_cadre, make_user
from .presence_helpers import ZONE, east_of, inside, last_full_week, send
from .test_presence import evaluate
from .test_spotcheck_plans import PLANS, SECOND_TOWNSHIP, draw, make_plan, postings  # noqa: F401

VISITS = "/api/v1/spotchecks/visits"
VILLAGE = f"{TOWNSHIP}201"
POSTED_SINCE = utcnow().date() - timedelta(days=120)  # before this quarter and the last


@pytest.fixture()
def village(ctx, configure):
    """Three cadres posted at VILLAGE, one at the next village; an inspector of the
    township."""
    configure(MAX_BACKFILL_DAYS=120)
    cadres = [make_cadre(VILLAGE, name=name, starts_on=POSTED_SINCE, role=role).id
              for name, role in (("张伟", "first_secretary"), ("李娜", "team_member"),
                                 ("王强", "team_member"))]
    neighbour = make_cadre(f"{TOWNSHIP}202", name="赵敏", starts_on=POSTED_SINCE).id
    make_user("insp", "inspector", regions=[TOWNSHIP])
    return {"cadres": cadres, "neighbour": neighbour}


def visit_body(cadre_outcomes, where=None, at=None, **changes) -> dict:
    lat, lon = where or inside(VILLAGE)
    body = {"id": str(uuid.uuid4()), "village_code": VILLAGE,
            "visited_at": (at or utcnow() - timedelta(hours=1)).isoformat(),
            "lat": lat, "lon": lon, "accuracy": 12.0,
            "outcomes": [{"cadre_id": cadre, "outcome": outcome, "note": f"{outcome} 说明"}
                         for cadre, outcome in cadre_outcomes]}
    return {**body, **changes}


def post_visit(client, headers, body, status: int = 201) -> dict:
    response = client.post(VISITS, json=body, headers=headers)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def stored() -> tuple[int, int, int, int]:
    """Visits, outcomes, findings and pings stored."""
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (SpotCheckVisit, SpotCheckOutcome, Finding, Ping))


def test_a_visit_records_each_outcome_and_what_it_raises(client, village):
    headers = login(client, "insp")
    present, absent, explained = village["cadres"]
    visit = post_visit(client, headers, visit_body(
        [(present, "present"), (absent, "absent"), (explained, "explained")]))
    assert visit["fence"] == "inside" and visit["distance_m"] == 0
    assert visit["inspector_name"] == "insp" and visit["village_name"]
    assert visit["township_code"] == TOWNSHIP and visit["crs"] == "wgs84"
    outcomes = {o["cadre_id"]: o for o in visit["outcomes"]}
    assert {c: o["outcome"] for c, o in outcomes.items()} == {
        present: "present", absent: "absent", explained: "explained"}
    assert outcomes[present]["finding_id"] is None is outcomes[explained]["finding_id"]
    assert outcomes[absent]["cadre_name"] == "李娜"
    finding = db.session.get(Finding, outcomes[absent]["finding_id"])
    assert (finding.kind, finding.severity, finding.status) == ("absent_at_spot_check", 3,
                                                                "open")
    assert finding.cadre_id == absent and finding.region_code == VILLAGE
    visited_at = datetime.fromisoformat(visit["visited_at"])
    assert finding.period_start == finding.period_end == visited_at.astimezone(ZONE).date()
    assert finding.evidence | {"lat": 0, "lon": 0} == {
        "visit_id": visit["id"], "visited_at": visited_at.isoformat(),
        "village_code": VILLAGE, "lat": 0, "lon": 0, "accuracy": 12.0, "distance_m": 0.0,
        "inspector_id": visit["inspector_id"], "inspector": "insp", "plan_id": None,
        "note": "absent 说明"}
    (event,) = db.session.scalars(select(FindingEvent).where(FindingEvent.flag_id == finding.id))
    assert (event.action, event.to_status, event.actor_id) == ("raise", "open",
                                                               visit["inspector_id"])
    assert audit_chain.verify().ok
    (fix,) = db.session.scalars(select(Ping))
    assert (fix.cadre_id, fix.provider) == (present, "spot_check")
    assert re.fullmatch(rf"spot-check:{visit['id']}:[0-9a-f]{{16}}", fix.client_id)
    assert fix.recorded_at == visited_at and fix.fence == "inside"
    assert fix.village_code == VILLAGE and fix.device_id is None
    assert (fix.lat, fix.lon, fix.accuracy) == (visit["lat"], visit["lon"], 12.0)
    # the finding is in the queue like any other, with its summary from the evidence
    queue = client.get("/api/v1/flags", headers={**headers, "Accept-Language": "en"})
    (flag,) = queue.get_json()["items"]
    assert flag["kind"] == "absent_at_spot_check" and flag["cadre_id"] == absent
    local = visited_at.astimezone(ZONE).strftime("%Y-%m-%d %H:%M")
    assert flag["summary"] == f"Not in the village when a supervision group visited at {local}"
    chinese = client.get("/api/v1/flags", headers=headers).get_json()["items"][0]["summary"]
    assert local in chinese and "督查" in chinese


def test_an_absence_on_approved_leave_raises_nothing(client, village):
    away, _, _ = village["cadres"]
    today = utcnow().astimezone(ZONE).date()
    leave = leaves.request_leave(app_settings(), away, today - timedelta(days=1), today,
                                 "official_business", "县里开会")
    leave.status = "approved"
    db.session.commit()
    visit = post_visit(client, login(client, "insp"), visit_body([(away, "absent")]))
    assert visit["outcomes"][0]["finding_id"] is None
    assert stored() == (1, 1, 0, 0)


def test_a_resent_visit_is_stored_once(client, village):
    headers = login(client, "insp")
    present, absent, _ = village["cadres"]
    body = visit_body([(present, "present"), (absent, "absent")])
    first = post_visit(client, headers, body)
    again = post_visit(client, headers, body, status=200)
    assert again == first
    assert stored() == (1, 2, 1, 1)
    moved = post_visit(client, headers, {**body, "village_code": f"{TOWNSHIP}202"},
                       status=409)
    assert moved["errors"] == {"id": ["used for another visit"]}
    # another inspector's id is theirs: the same text is another visit
    make_user("insp2", "inspector", regions=[TOWNSHIP])
    post_visit(client, login(client, "insp2"), body)
    assert stored() == (2, 4, 2, 2)


def test_a_visit_sent_twice_at_once_is_stored_once(client, village):
    headers = login(client, "insp")
    body = visit_body([(village["cadres"][0], "present"), (village["cadres"][1], "absent")])
    db.session.rollback()  # the test's reads hold SQLite's write lock until then
    answers = at_once(lambda: client.post(VISITS, json=body, headers=headers))
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 201]
    assert len({a.get_json()["id"] for a in answers}) == 1
    assert stored() == (1, 2, 1, 1)


@pytest.mark.parametrize("metres, accuracy, verdict", [
    (5000, 12.0, "outside"),     # in the county town
    (150, 180.0, "uncertain"),   # a coarse fix just off the edge
    (50, 250.0, "uncertain"),    # near enough, but too coarse to count
])
def test_a_visit_not_made_inside_the_village_is_refused(client, village, metres, accuracy,
                                                        verdict):
    body = visit_body([(village["cadres"][1], "absent")], where=east_of(VILLAGE, metres),
                      accuracy=accuracy)
    refused = post_visit(client, login(client, "insp"), body, status=422)
    assert refused["errors"]["verdict"] == [verdict]
    assert float(refused["errors"]["distance_m"][0]) == pytest.approx(metres, rel=0.1)
    assert "who was not there" in refused["message"]
    assert stored() == (0, 0, 0, 0)


def test_a_gcj02_fix_is_converted_before_the_fence_test(client, village):
    lat, lon = inside(VILLAGE)
    shifted = wgs84_to_gcj02(np.array([lat]), np.array([lon]))
    body = visit_body([(village["cadres"][0], "present")],
                      where=(float(shifted[0][0]), float(shifted[1][0])), crs="gcj02")
    visit = post_visit(client, login(client, "insp"), body)
    assert visit["lat"] == pytest.approx(lat, abs=1e-6) and visit["fence"] == "inside"
    assert visit["orig_lat"] == body["lat"] != visit["lat"] and visit["crs"] == "gcj02"


def test_hostile_visits_are_refused_and_store_nothing(client, village, ctx):
    headers = login(client, "insp")
    one, two, _ = village["cadres"]
    ended = make_cadre(VILLAGE, name="离任", starts_on=POSTED_SINCE)
    ended.assignments[0].ends_on = utcnow().date() - timedelta(days=10)
    db.session.commit()
    now = utcnow()
    cases = [
        ({"outcomes": [{"cadre_id": one, "outcome": "present"},
                       {"cadre_id": one, "outcome": "absent"}]}, 422, "outcomes"),
        ({"outcomes": []}, 422, "outcomes"),
        ({"outcomes": [{"cadre_id": one, "outcome": "asleep"}]}, 422, "outcomes"),
        ({"outcomes": [{"cadre_id": village["neighbour"], "outcome": "absent"}]}, 422,
         "outcomes"),
        ({"outcomes": [{"cadre_id": ended.id, "outcome": "absent"}]}, 422, "outcomes"),
        ({"outcomes": [{"cadre_id": 2**31, "outcome": "absent"}]}, 422, "outcomes"),
        ({"outcomes": [{"cadre_id": one, "outcome": "absent", "note": "x" * 2001}]}, 422,
         "outcomes"),
        ({"visited_at": (now + timedelta(hours=2)).isoformat()}, 422, "visited_at"),
        ({"visited_at": (now - timedelta(days=121)).isoformat()}, 422, "visited_at"),
        ({"visited_at": "2026-12-01T10:00:00"}, 422, "visited_at"),
        ({"lat": 91}, 422, "lat"), ({"lon": "east"}, 422, "lon"),
        ({"accuracy": -1}, 422, "accuracy"), ({"accuracy": None}, 422, "accuracy"),
        ({"crs": "bd10"}, 422, "crs"), ({"id": ""}, 422, "id"), ({"id": "x" * 65}, 422, "id"),
        ({"village_code": "4109221002"}, 422, "village_code"),
        ({"village_code": "410922100299"}, 404, None),
        ({"village_code": TOWNSHIP + "000"}, 404, None),
        ({"media_ids": [1, 1]}, 422, "media_ids"), ({"media_ids": [12345]}, 422, "media_ids"),
        ({"media_ids": [True]}, 422, "media_ids"),
        ({"plan_id": 99999}, 404, None),
        ({"unknown": 1}, 422, "unknown"),
    ]
    for changes, status, field in cases:
        body = visit_body([(two, "absent")], **changes)
        answer = post_visit(client, headers, body, status=status)
        if field:
            assert field in answer["errors"], (changes, answer)
    nan = visit_body([(two, "absent")], accuracy=17.25)
    text = client.application.json.dumps(nan).replace('"accuracy": 17.25', '"accuracy": NaN')
    assert "NaN" in text
    response = client.post(VISITS, data=text, content_type="application/json", headers=headers)
    assert response.status_code == 422 and "accuracy" in response.get_json()["errors"]
    assert stored() == (0, 0, 0, 0)


def test_a_visit_in_a_plan_must_be_to_a_sampled_village_in_its_quarter(client, village):
    admin = admin_headers(client)
    plan = make_plan(client, admin, region=TOWNSHIP)
    cadre_at = {VILLAGE: village["cadres"][0], f"{TOWNSHIP}202": village["neighbour"]}
    assert [v["village_code"] for v in plan["pool"]] == sorted(cadre_at)

    def body(code, **changes):
        return visit_body([(cadre_at[code], "present")], where=inside(code), village_code=code,
                          plan_id=plan["id"], **changes)

    assert post_visit(client, admin, body(VILLAGE), status=422)["errors"] == {
        "plan_id": ["not drawn"]}
    plan = draw(client, admin, plan["id"])
    (sampled,) = [s["village_code"] for s in plan["sample"]]  # ⌈0.5 × 2⌉
    (unsampled,) = set(cadre_at) - {sampled}
    assert post_visit(client, admin, body(unsampled), status=422)["errors"] == {
        "plan_id": ["village not sampled"]}
    last_quarter = datetime.combine(date.fromisoformat(plan["first_day"]) - timedelta(days=1),
                                    time(10), ZONE)
    assert post_visit(client, admin, body(sampled, at=last_quarter), status=422)["errors"] == {
        "visited_at": ["outside the quarter"]}
    assert stored() == (0, 0, 0, 0)
    assert post_visit(client, admin, body(sampled))["plan_id"] == plan["id"]


def test_coverage_counts_the_sampled_villages_visited_in_the_quarter(
        client, postings, configure):  # noqa: F811 (the fixture imported above)
    configure(MAX_BACKFILL_DAYS=60)
    admin = admin_headers(client)
    plan = draw(client, admin, make_plan(client, admin)["id"])
    first_township = [s for s in plan["sample"] if s["township_code"] == TOWNSHIP]
    for entry in first_township[:2]:
        code = entry["village_code"]
        post_visit(client, admin, visit_body([(postings[code], "present")], where=inside(code),
                                             village_code=code, plan_id=plan["id"]))
    # a visit to a village outside the sample does not count towards the quota
    outside = next(v["village_code"] for v in plan["pool"] if v["township_code"] == TOWNSHIP
                   and v["village_code"] not in {s["village_code"] for s in plan["sample"]})
    post_visit(client, admin, visit_body([(postings[outside], "present")],
                                         where=inside(outside), village_code=outside))
    cover = client.get(f"{PLANS}/{plan['id']}/coverage", headers=admin).get_json()
    rows = {t["township_code"]: t for t in cover["townships"]}
    assert (rows[TOWNSHIP]["sampled"], rows[TOWNSHIP]["visited"]) == (3, 2)
    assert not rows[TOWNSHIP]["quota_met"]
    last = first_township[2]["village_code"]
    post_visit(client, admin, visit_body([(postings[last], "explained")], where=inside(last),
                                         village_code=last))  # no plan named: still counts
    rows = {t["township_code"]: t for t in client.get(
        f"{PLANS}/{plan['id']}/coverage", headers=admin).get_json()["townships"]}
    assert rows[TOWNSHIP]["visited"] == 3 and rows[TOWNSHIP]["quota_met"]
    assert rows[SECOND_TOWNSHIP]["visited"] == 0 and not rows[SECOND_TOWNSHIP]["quota_met"]
    listed = client.get(VISITS, query_string={"plan_id": plan["id"]}, headers=admin).get_json()
    assert listed["total"] == 2
    assert {v["village_code"] for v in listed["items"]} == {
        e["village_code"] for e in first_township[:2]}


def test_a_presence_counts_as_that_days_evidence(client, village, configure):
    configure(LATE_UPLOAD_HOURS=24 * 90.0)
    monday = last_full_week()
    cadre = village["cadres"][0]
    day = monday + timedelta(days=2)
    here = inside(VILLAGE)
    # only an afternoon fix from the phone that day: the morning window is empty
    send(cadre, [(datetime.combine(day, time(15), ZONE).isoformat(), here, 15.0)])
    evaluate(monday)
    assert day_status(cadre, day) != "present"
    visit = post_visit(client, login(client, "insp"), visit_body(
        [(cadre, "present")], at=datetime.combine(day, time(10, 30), ZONE)))
    evaluate(monday)
    assert day_status(cadre, day) == "present"
    # taken in person at the visit, so never a late upload of the cadre's phone
    fix = db.session.scalar(select(Ping).where(Ping.provider == "spot_check"))
    assert fix.client_id.startswith(f"spot-check:{visit['id']}:")
    assert fix.received_at == fix.recorded_at == datetime.fromisoformat(visit["visited_at"])


def day_status(cadre_id, day) -> str:
    db.session.expire_all()
    return db.session.scalar(select(PresenceDay.day_status).where(
        PresenceDay.cadre_id == cadre_id, PresenceDay.day == day))


def test_who_may_record_and_read_visits(client, village):
    make_user("other", "inspector", regions=[OTHER_VILLAGE[:9]])
    make_user("disc", "discipline", regions=["410922"])
    make_user("cadre", "cadre", cadre_id=village["cadres"][0])
    other, discipline, cadre = (login(client, u) for u in ("other", "disc", "cadre"))
    body = visit_body([(village["cadres"][1], "absent")])
    assert post_visit(client, other, body, status=404)
    assert post_visit(client, discipline, body, status=403)
    assert post_visit(client, cadre, body, status=404)
    assert stored() == (0, 0, 0, 0)
    inspector = login(client, "insp")
    visit = post_visit(client, inspector, body)
    assert client.get(VISITS, headers=other).get_json()["items"] == []
    assert client.get(VISITS, headers=cadre).status_code == 404
    raised = {}
    for name, reader in (("inspector", inspector), ("discipline", discipline)):
        listed = client.get(VISITS, query_string={"village_code": VILLAGE}, headers=reader)
        assert [v["id"] for v in listed.get_json()["items"]] == [visit["id"]]
        raised[name] = listed.get_json()["items"][0]["outcomes"][0]["finding_id"]
    # the absence finding is open: the discipline office is not told it exists
    assert raised["inspector"] is not None and raised["discipline"] is None
    assert client.get(VISITS, query_string={"village_code": f"{TOWNSHIP}202"},
                      headers=inspector).get_json()["total"] == 0
    logged = db.session.scalars(select(AccessLog).where(
        AccessLog.resource == "spot_check_visits")).all()
    assert {(e.subject_cadre_id, tuple(e.params["ids"])) for e in logged} == {
        (village["cadres"][1], (visit["id"],))}
    assert len(logged) == 2  # the inspector's read and the discipline office's


def test_a_phone_cannot_take_the_id_of_a_visits_fix_first(client, village, configure):
    configure(COLLECTION="track")  # the phone's three fixes stored, whatever the hour
    headers = login(client, "insp")
    cadre = village["cadres"][0]
    first = post_visit(client, headers, visit_body([(cadre, "present")]))
    # the cadre's phone sends fixes under the ids the next visits would be likely to use
    guesses = [{"id": f"spot-check:{first['id'] + n}", "recorded_at": utcnow().isoformat(),
                "lat": inside(VILLAGE)[0], "lon": inside(VILLAGE)[1]} for n in range(1, 4)]
    answer = client.post("/api/v1/pings", json={"pings": guesses},
                         headers=login_cadre(client, cadre))
    assert answer.status_code == 200 and answer.get_json()["accepted"] == 3
    second = post_visit(client, headers, visit_body([(cadre, "present")]))
    assert second["id"] == first["id"] + 1
    fixes = db.session.scalars(select(Ping.client_id).where(Ping.provider == "spot_check"))
    assert sorted(f.rsplit(":", 1)[0] for f in fixes) == [f"spot-check:{first['id']}",
                                                         f"spot-check:{second['id']}"]


def login_cadre(client, cadre_id: int) -> dict:
    make_user(f"cadre-{cadre_id}", "cadre", cadre_id=cadre_id)
    return login(client, f"cadre-{cadre_id}")
