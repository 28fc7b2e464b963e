"""The supervision queue over HTTP, the workflow, appeals, and the audit chain."""
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from fieldapp.extensions import db
from fieldapp.models import AccessLog, EvaluationRun, Finding, FindingEvent, User
from tests import media_files

from .helpers import OTHER_VILLAGE, TOWNSHIP, VILLAGE, cadre_login, login, make_cadre, make_user
from .presence_helpers import east_of, inside, iso_week, last_full_week, send, week_of
from .test_media import post as post_media


@pytest.fixture()
def queue(client, ctx, configure):
    """A commuter (not_resident) and a silent phone (no_data) in one township, evaluated
    by an admin over the API; returns the logins."""
    configure(MAX_BACKFILL_DAYS=60, LATE_UPLOAD_HOURS=24 * 90.0)
    week = last_full_week()
    silent = make_cadre(name="silent")
    commuter, cadre_headers = cadre_login(client, "commuter")
    send(commuter.id, week_of(week, inside(VILLAGE), east_of(VILLAGE, 5000)))
    make_user("admin", "admin")
    make_user("insp", "inspector", regions=[TOWNSHIP])
    make_user("far", "inspector", regions=[OTHER_VILLAGE[:9]])
    make_user("jiwei", "discipline", regions=["410922"])
    admin = login(client, "admin")
    response = client.post("/api/v1/evaluations", headers=admin, json={"week": iso_week(week)})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["report"]["raised"] == 2
    return {"admin": admin, "insp": login(client, "insp"), "far": login(client, "far"),
            "jiwei": login(client, "jiwei"), "cadre": cadre_headers, "week": week,
            "commuter": commuter, "silent": silent}


def flags(client, headers, query=""):
    response = client.get(f"/api/v1/flags{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def move(client, headers, flag_id, action, note="checked on site", **extra):
    return client.post(f"/api/v1/flags/{flag_id}/transitions", headers=headers,
                       json={"action": action, "note": note, **extra})


def test_queue_is_sorted_and_scoped(client, queue):
    listed = flags(client, queue["insp"])
    assert [f["kind"] for f in listed["items"]] == ["not_resident", "no_data"]
    assert listed["total"] == 2
    assert flags(client, queue["far"])["total"] == 0
    assert flags(client, queue["jiwei"])["total"] == 0  # nothing escalated yet
    mine = flags(client, queue["cadre"])["items"]
    assert [f["cadre_id"] for f in mine] == [queue["commuter"].id]
    assert flags(client, queue["insp"], "?kind=no_data")["items"][0]["cadre_id"] == \
        queue["silent"].id
    assert client.get("/api/v1/flags?kind=bogus", headers=queue["insp"]).status_code == 422


def test_detail_has_evidence_and_a_map_and_is_access_logged(client, queue):
    flag_id = flags(client, queue["insp"], "?kind=not_resident")["items"][0]["id"]
    detail = client.get(f"/api/v1/flags/{flag_id}", headers=queue["insp"]).get_json()
    assert detail["evidence"]["counts"]["required_nights"] == 4
    roles = [f["properties"]["role"] for f in detail["map"]["features"]]
    assert roles[0] == "post" and roles.count("evidence") == 7  # a night's first outside
    assert detail["events"][0]["action"] == "raise"
    logged = db.session.scalars(select(AccessLog.resource)).all()
    assert "flag" in logged
    assert client.get(f"/api/v1/flags/{flag_id}", headers=queue["far"]).status_code == 404


def test_workflow_appeal_and_escalation(client, queue):
    flag_id = flags(client, queue["insp"], "?kind=not_resident")["items"][0]["id"]
    assert move(client, queue["insp"], flag_id, "confirm").status_code == 409
    assert move(client, queue["insp"], flag_id, "assign", note="").status_code == 422
    assert move(client, queue["far"], flag_id, "assign").status_code == 404
    far_reviewer = db.session.scalar(select(User.id).where(User.username == "far"))
    assert move(client, queue["insp"], flag_id, "assign",
                assignee_id=far_reviewer).status_code == 422
    assert move(client, queue["insp"], 999999, "assign").status_code == 404
    assert move(client, queue["insp"], flag_id, "assign").get_json()["status"] == "in_review"
    assert move(client, queue["insp"], flag_id, "confirm").get_json()["status"] == "confirmed"
    unknown = client.post(f"/api/v1/flags/{flag_id}/appeal", headers=queue["cadre"],
                          json={"text": "see photo", "media_ids": ["not-uploaded"]})
    assert unknown.status_code == 422
    photo = post_media(client, queue["cadre"], media_files.png(), id="night-photo")
    appeal = client.post(f"/api/v1/flags/{flag_id}/appeal", headers=queue["cadre"],
                         json={"text": "I slept at the village committee; phone was off",
                               "media_ids": [photo.get_json()["client_id"]]})
    assert appeal.status_code == 200 and appeal.get_json()["status"] == "appealed"
    rejected = move(client, queue["insp"], flag_id, "reject_appeal", note="neighbours deny")
    assert rejected.get_json()["status"] == "appeal_rejected"
    assert move(client, queue["insp"], flag_id, "escalate").get_json()["status"] == "escalated"
    assert [f["id"] for f in flags(client, queue["jiwei"])["items"]] == [flag_id]
    assert move(client, queue["insp"], flag_id, "reopen").status_code == 409
    assert move(client, queue["jiwei"], flag_id, "dismiss").status_code == 403
    detail = client.get(f"/api/v1/flags/{flag_id}", headers=queue["insp"]).get_json()
    assert [e["action"] for e in detail["events"]] == [
        "raise", "assign", "confirm", "appeal", "reject_appeal", "escalate"]
    assert detail["appeals"][0]["outcome"] == "appeal_rejected"
    assert detail["appeals"][0]["media_ids"] == ["night-photo"]


def test_appeal_rules(client, queue):
    flag_id = flags(client, queue["insp"], "?kind=not_resident")["items"][0]["id"]
    body = {"text": "not fair"}
    url = f"/api/v1/flags/{flag_id}/appeal"
    assert client.post(url, headers=queue["cadre"], json=body).status_code == 409  # open
    move(client, queue["insp"], flag_id, "assign")
    move(client, queue["insp"], flag_id, "confirm")
    flag = db.session.get(Finding, flag_id)
    flag.confirmed_at -= timedelta(days=16)
    db.session.commit()
    assert client.post(url, headers=queue["cadre"], json=body).status_code == 409  # too late
    assert client.post(url, headers=queue["insp"], json=body).status_code == 403
    assert client.post(url, headers=queue["cadre"], json={"text": ""}).status_code == 422


def test_evaluations_are_for_admins_and_validated(client, queue):
    week = iso_week(queue["week"])
    assert client.post("/api/v1/evaluations", headers=queue["insp"],
                       json={"week": week}).status_code == 403
    for body, status in (({"week": "2026-W99"}, 422), ({"month": "2026-13"}, 422), ({}, 422),
                         ({"week": week, "month": "2026-11"}, 422),
                         ({"from": "2026-01-01", "to": "2026-12-31"}, 422),  # over 93 days
                         ({"week": week, "region": "999999"}, 404)):
        response = client.post("/api/v1/evaluations", headers=queue["admin"], json=body)
        assert response.status_code == status, (body, response.get_json())
    again = client.post("/api/v1/evaluations", headers=queue["admin"], json={"week": week})
    assert again.get_json()["report"].get("raised", 0) == 0
    run = db.session.get(EvaluationRun, again.get_json()["id"])  # the run is stored whole
    assert run.report == again.get_json()["report"] and run.finished_at is not None


def test_my_presence(client, queue):
    week = queue["week"]
    response = client.get(f"/api/v1/me/presence?from={week}&to={week + timedelta(days=6)}",
                          headers=queue["cadre"])
    body = response.get_json()
    assert [d["night"] for d in body["days"]] == ["absent"] * 7
    assert body["days"][0]["night_centroid"]["distance_m"] > 4000
    assert body["periods"][0]["present_days"] == 7
    assert [f["kind"] for f in body["flags"]] == ["not_resident"]
    assert client.get("/api/v1/me/presence", headers=queue["insp"]).status_code == 403
    other = client.get(f"/api/v1/presence?cadre_id={queue['silent'].id}",
                       headers=queue["cadre"])
    assert other.status_code == 403


def test_audit_chain_verifies_and_catches_tampering(app, queue):
    runner = app.test_cli_runner()
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact: 2 events" in result.output
    first = db.session.scalars(select(FindingEvent).order_by(FindingEvent.id)).first()
    db.session.execute(text("UPDATE flag_events SET note = 'nothing to see' WHERE id = :i"),
                       {"i": first.id})
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"event {first.id}" in result.output


def test_removed_event_breaks_the_chain(app, queue):
    runner = app.test_cli_runner()
    events = db.session.scalars(select(FindingEvent.id).order_by(FindingEvent.id)).all()
    db.session.execute(text("DELETE FROM flag_events WHERE id = :i"), {"i": events[-1]})
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "removed" in result.output


def test_cli_evaluate_prints_a_summary(app, queue):
    db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["presence", "evaluate", "--week", iso_week(queue["week"])])
    assert result.exit_code == 0, result.output
    assert "0 raised" in result.output and "2 assignments" in result.output
    bad = app.test_cli_runner().invoke(args=["presence", "evaluate", "--week", "soon"])
    assert bad.exit_code == 1 and "2026-W47" in bad.output


def user_id(username: str) -> int:
    return db.session.scalar(select(User.id).where(User.username == username))


def test_an_inspector_reads_a_cadres_presence_and_the_read_is_logged(client, queue):
    week, commuter = queue["week"], queue["commuter"]
    span = {"cadre_id": commuter.id, "from": week.isoformat(),
            "to": (week + timedelta(days=6)).isoformat()}
    response = client.get("/api/v1/presence", headers=queue["insp"], query_string=span)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["cadre_id"], body["from"], body["to"]) == (commuter.id, span["from"], span["to"])
    assert [d["date"] for d in body["days"]] == [
        (week + timedelta(days=i)).isoformat() for i in range(7)]
    assert {(d["day"], d["night"]) for d in body["days"]} == {("present", "absent")}
    (period,) = body["periods"]
    assert (period["start"], period["present_days"], period["present_nights"],
            period["required_nights"]) == (span["from"], 7, 0, 4)
    assert [f["kind"] for f in body["flags"]] == ["not_resident"]
    assert client.get("/api/v1/presence", headers=queue["far"],
                      query_string=span).status_code == 403
    logged = db.session.execute(select(AccessLog.viewer_user_id, AccessLog.subject_cadre_id,
                                       AccessLog.resource, AccessLog.params)).all()
    assert logged == [(user_id("insp"), commuter.id, "presence",
                       {"from": span["from"], "to": span["to"]})]


def test_an_upheld_appeal_closes_the_finding_for_the_cadre(app, client, queue):
    flag_id = flags(client, queue["insp"], "?kind=not_resident")["items"][0]["id"]
    for action in ("assign", "confirm"):
        assert move(client, queue["insp"], flag_id, action).status_code == 200
    appeal = client.post(f"/api/v1/flags/{flag_id}/appeal", headers=queue["cadre"],
                         json={"text": "I slept at the village committee"})
    assert appeal.status_code == 200
    upheld = move(client, queue["insp"], flag_id, "uphold_appeal", note="duty roster agrees")
    assert upheld.status_code == 200 and upheld.get_json()["status"] == "appeal_upheld"
    detail = client.get(f"/api/v1/flags/{flag_id}", headers=queue["insp"]).get_json()
    assert detail["status"] == "appeal_upheld"
    (decided,) = detail["appeals"]
    assert (decided["outcome"], decided["decided_by"], decided["decision_note"]) == (
        "appeal_upheld", user_id("insp"), "duty roster agrees")
    assert decided["decided_at"] is not None
    last = detail["events"][-1]
    assert (last["action"], last["from_status"], last["to_status"], last["actor_id"]) == (
        "uphold_appeal", "appealed", "appeal_upheld", user_id("insp"))
    assert move(client, queue["insp"], flag_id, "escalate").status_code == 409
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact: 6 events" in result.output, result.output
