"""The discipline office disposes of escalated findings over the API: every disposition, only
from escalated, only with a disposition and a note, only by the discipline office and
admins, only in scope; the event records the disposition and the chain hashes it (version
3), while version 2 events keep verifying; the cadre sees the outcome."""
from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text

from fieldapp.config import app_settings
from fieldapp.domain.findings import DISPOSITIONS, TRANSITIONS
from fieldapp.domain.notes import NOTE_MAX_CHARS
from fieldapp.errors import Unprocessable
from fieldapp.extensions import db
from fieldapp.models import Assignment, Finding, FindingEvent, User
from fieldapp.services.access.scope import Scope
from fieldapp.services.findings import workflow
from fieldapp.services.people import registry as people

from .helpers import OTHER_VILLAGE, TOWNSHIP, login, make_user
from .page_helpers import page_login
from .test_findings_api import flags, move, queue  # noqa: F401  (queue is a fixture)


def escalate(client, queue, kind: str = "not_resident") -> int:  # noqa: F811
    """The finding of `kind`, taken, confirmed and escalated by the inspector."""
    flag_id = flags(client, queue["insp"], f"?kind={kind}")["items"][0]["id"]
    for action in ("assign", "confirm", "escalate"):
        answer = move(client, queue["insp"], flag_id, action)
        assert answer.status_code == 200, answer.get_json()
    return flag_id


def dispose(client, headers, flag_id, disposition="reminder_talk", note="talked to him",
            **extra):
    body = {"action": "dispose", "note": note, **extra}
    if disposition is not None:
        body["disposition"] = disposition
    return client.post(f"/api/v1/flags/{flag_id}/transitions", headers=headers, json=body)


def verify(app):
    db.session.commit()
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def events_of(flag_id: int) -> list[FindingEvent]:
    return list(db.session.scalars(select(FindingEvent).where(FindingEvent.flag_id == flag_id)
                                   .order_by(FindingEvent.id)))


def unchanged(flag_id: int, status: str, events: int) -> bool:
    finding = db.session.get(Finding, flag_id)
    db.session.refresh(finding)
    return (finding.status, finding.disposition, len(events_of(flag_id))) == (
        status, None, events)


@pytest.mark.parametrize("disposition", DISPOSITIONS)
def test_every_disposition_closes_the_finding_in_the_chain(app, client, queue, disposition):  # noqa: F811
    flag_id = escalate(client, queue)
    answer = dispose(client, queue["jiwei"], flag_id, disposition, note="决定：" + disposition)
    assert answer.status_code == 200, answer.get_json()
    assert (answer.get_json()["status"], answer.get_json()["disposition"]) == (
        "disposed", disposition)
    finding = db.session.get(Finding, flag_id)
    assert (finding.status, finding.disposition) == ("disposed", disposition)
    last = events_of(flag_id)[-1]
    jiwei = db.session.scalar(select(User.id).where(User.username == "jiwei"))
    assert (last.action, last.from_status, last.to_status, last.actor_id, last.disposition,
            last.version, last.note) == ("dispose", "escalated", "disposed", jiwei,
                                         disposition, 3, "决定：" + disposition)
    detail = client.get(f"/api/v1/flags/{flag_id}", headers=queue["jiwei"]).get_json()
    assert detail["events"][-1]["disposition"] == disposition
    assert [e["disposition"] for e in detail["events"][:-1]] == [None] * 4
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert "intact: 6 events; 2 findings match" in result.output


def test_admins_dispose_too_and_the_discipline_office_keeps_seeing_what_it_closed(
        client, queue):  # noqa: F811
    first, second = escalate(client, queue), escalate(client, queue, "no_data")
    assert dispose(client, queue["admin"], first, "referred").status_code == 200
    assert dispose(client, queue["jiwei"], second, "no_action").status_code == 200
    seen = {f["id"]: (f["status"], f["disposition"]) for f in flags(
        client, queue["jiwei"])["items"]}
    assert seen == {first: ("disposed", "referred"), second: ("disposed", "no_action")}
    assert flags(client, queue["jiwei"], "?status=disposed")["total"] == 2


def test_only_an_escalated_finding_is_disposed_of(client, queue):  # noqa: F811
    open_id = flags(client, queue["insp"], "?kind=no_data")["items"][0]["id"]
    assert dispose(client, queue["admin"], open_id).status_code == 409
    for action in ("assign", "confirm"):
        move(client, queue["insp"], open_id, action)
    refused = dispose(client, queue["admin"], open_id)
    assert refused.status_code == 409 and "confirmed" in refused.get_json()["message"]
    assert unchanged(open_id, "confirmed", 3)
    assert dispose(client, queue["jiwei"], open_id).status_code == 404  # not escalated: unseen
    flag_id = escalate(client, queue)
    assert dispose(client, queue["jiwei"], flag_id).status_code == 200
    again = dispose(client, queue["jiwei"], flag_id, "referred")
    assert again.status_code == 409
    assert db.session.get(Finding, flag_id).disposition == "reminder_talk"
    for action in TRANSITIONS:  # nothing moves a disposed finding
        if action != "dispose":
            assert move(client, queue["admin"], flag_id, action).status_code == 409, action
    appeal = client.post(f"/api/v1/flags/{flag_id}/appeal", headers=queue["cadre"],
                         json={"text": "I was there"})
    assert appeal.status_code == 409


@pytest.mark.parametrize(("body", "field"), [
    ({"disposition": None}, "disposition"),         # dispose without one
    ({"disposition": "fired"}, "disposition"),      # not one of DISPOSITIONS
    ({"disposition": ""}, "disposition"),
    ({"disposition": "Referred"}, "disposition"),
    ({"disposition": 3}, "disposition"),
    ({"disposition": "referred", "note": ""}, "note"),
    ({"disposition": "referred", "note": "x" * (NOTE_MAX_CHARS + 1)}, "note"),
], ids=["missing", "unknown", "empty", "case", "number", "no-note", "long-note"])
def test_a_dispose_without_a_right_disposition_or_note_is_422(client, queue, body, field):  # noqa: F811
    flag_id = escalate(client, queue)
    payload = {"action": "dispose", "note": "decided", **body}
    if payload["disposition"] is None:
        del payload["disposition"]
    answer = client.post(f"/api/v1/flags/{flag_id}/transitions", headers=queue["jiwei"],
                         json=payload)
    assert answer.status_code == 422, answer.get_json()
    assert field in json.dumps(answer.get_json()["errors"])
    assert unchanged(flag_id, "escalated", 4)


def test_a_note_of_the_limit_is_taken(client, queue):  # noqa: F811
    flag_id = escalate(client, queue)
    answer = dispose(client, queue["jiwei"], flag_id, "no_action", note="长" * NOTE_MAX_CHARS)
    assert answer.status_code == 200, answer.get_json()
    assert events_of(flag_id)[-1].note == "长" * NOTE_MAX_CHARS


def test_a_disposition_with_any_other_move_is_422(client, queue):  # noqa: F811
    flag_id = flags(client, queue["insp"], "?kind=not_resident")["items"][0]["id"]
    answer = move(client, queue["insp"], flag_id, "assign", disposition="no_action")
    assert answer.status_code == 422 and "disposition" in answer.get_json()["errors"]
    assert move(client, queue["insp"], flag_id, "assign", disposition=None).status_code == 422
    assert unchanged(flag_id, "open", 1)


def test_the_service_holds_the_same_rules_without_the_schema(client, queue):  # noqa: F811
    flag_id = escalate(client, queue)
    jiwei = Scope(db.session.scalar(select(User).where(User.username == "jiwei")),
                  app_settings().zone)
    for disposition, note in ((None, "ok"), ("fired", "ok"), ("referred", "  "),
                              ("referred", "x" * (NOTE_MAX_CHARS + 1))):
        with pytest.raises(Unprocessable):
            workflow.transition(jiwei, flag_id, "dispose", note, disposition=disposition)
    admin = Scope(db.session.scalar(select(User).where(User.username == "admin")),
                  app_settings().zone)
    with pytest.raises(Unprocessable):
        workflow.transition(admin, flag_id, "reopen", "ok", disposition="referred")
    db.session.rollback()
    assert unchanged(flag_id, "escalated", 4)


def test_an_inspector_does_not_dispose_and_the_office_makes_no_other_move(client, queue):  # noqa: F811
    flag_id = escalate(client, queue)
    refused = dispose(client, queue["insp"], flag_id)
    assert refused.status_code == 403
    assert "discipline office" in refused.get_json()["message"]
    for action in TRANSITIONS:
        if action == "dispose":
            continue
        answer = move(client, queue["jiwei"], flag_id, action)
        assert answer.status_code == 403, (action, answer.get_json())
        assert "inspectors and admins" in answer.get_json()["message"]
    assert dispose(client, queue["cadre"], flag_id).status_code == 403
    assert unchanged(flag_id, "escalated", 4)


def test_outside_the_scope_is_404_in_space_and_in_time(client, queue):  # noqa: F811
    flag_id = escalate(client, queue)
    make_user("jiwei-far", "discipline", regions=[OTHER_VILLAGE[:9]])
    far = login(client, "jiwei-far")
    assert dispose(client, far, flag_id).status_code == 404
    assert client.get(f"/api/v1/flags/{flag_id}", headers=far).status_code == 404
    assert dispose(client, queue["jiwei"], 999_999_999).status_code == 404
    assert unchanged(flag_id, "escalated", 4)
    assert dispose(client, queue["jiwei"], flag_id).status_code == 200
    make_user("jiwei-town", "discipline", regions=[TOWNSHIP])
    town = login(client, "jiwei-town")
    assert client.get(f"/api/v1/flags/{flag_id}", headers=town).status_code == 200
    posting = db.session.scalars(select(Assignment).where(
        Assignment.cadre_id == queue["commuter"].id)).one()
    people.update_assignment(posting, {"starts_on": queue["week"] + timedelta(days=7)})
    db.session.commit()  # the cadre's period is now before their posting there
    assert client.get(f"/api/v1/flags/{flag_id}", headers=town).status_code == 404
    assert flags(client, town)["total"] == 0


def test_the_cadre_sees_the_outcome(client, queue):  # noqa: F811
    flag_id = escalate(client, queue)
    assert dispose(client, queue["jiwei"], flag_id, "criticism_education").status_code == 200
    mine = {f["id"]: f for f in flags(client, queue["cadre"])["items"]}
    assert (mine[flag_id]["status"], mine[flag_id]["disposition"]) == (
        "disposed", "criticism_education")
    detail = client.get(f"/api/v1/flags/{flag_id}", headers=queue["cadre"]).get_json()
    assert detail["events"][-1]["disposition"] == "criticism_education"
    page_login(client, "commuter")
    month = queue["week"].strftime("%Y-%m")
    body = client.get(f"/console/cadres/{queue['commuter'].id}?month={month}").get_data(
        as_text=True)
    row = re.search(rf'<tr data-finding-id="{flag_id}"[^>]*>.*?</tr>', body, re.S)[0]
    assert 'data-status="disposed"' in row
    assert 'data-disposition="criticism_education"' in row and "批评教育" in row
    dossier = client.get(f"/console/findings/{flag_id}").get_data(as_text=True)
    assert '<dd data-disposition="criticism_education">' in dossier


# -- the chain ---------------------------------------------------------------------------

def test_changing_a_disposition_in_sql_breaks_verify(app, client, queue):  # noqa: F811
    flag_id = escalate(client, queue)
    assert dispose(client, queue["jiwei"], flag_id, "reminder_talk").status_code == 200
    assert verify(app).exit_code == 0
    db.session.execute(text("UPDATE flags SET disposition = 'no_action' WHERE id = :id"),
                       {"id": flag_id})
    result = verify(app)
    disposed = events_of(flag_id)[-1].id
    assert result.exit_code == 1, result.output
    assert f"broken at event {disposed}" in result.output
    assert f"finding {flag_id} no longer matches" in result.output
    assert "(disposition differ)" in result.output
    db.session.execute(text("UPDATE flag_events SET disposition = 'no_action' WHERE id = :id"),
                       {"id": disposed})  # the event rewritten to match: its hash breaks
    result = verify(app)
    assert result.exit_code == 1 and f"broken at event {disposed}" in result.output
    assert "its hash" in result.output


def test_a_disposition_on_a_finding_never_disposed_breaks_verify(app, client, queue):  # noqa: F811
    flag_id = escalate(client, queue)
    db.session.execute(text("UPDATE flags SET disposition = 'no_action' WHERE id = :id"),
                       {"id": flag_id})
    result = verify(app)
    assert result.exit_code == 1 and "(disposition differ)" in result.output, result.output


def v2_hash(fields: dict) -> str:
    """A version 2 event's hash as migration 0007 defines it, written out here."""
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@pytest.fixture()
def fresh_database(backend, tmp_path, request):
    from tests.conftest import empty_database

    with empty_database(backend, tmp_path, request) as url:
        yield url


def test_a_version_2_chain_keeps_verifying_after_0008(fresh_database, tmp_path):
    """A finding and its version 2 event written at revision 0007; after 0008 the chain
    still verifies, a disposition later appended is a version 3 event on top of it, and a
    disposition set in SQL on a finding whose latest event is version 2 is named."""
    from tests.conftest import _create_app, _dispose

    app = _create_app(fresh_database, str(tmp_path / "uploads"))
    at = datetime(2026, 11, 2, 3, 4, 5, 678901, tzinfo=UTC)
    naive, day = at.replace(tzinfo=None), date(2026, 11, 2)
    evidence = {"counts": {"no_data_days": 7}}
    fields = {"flag_id": 7, "at": at.isoformat(), "actor_id": None, "action": "raise",
              "from": None, "to": "escalated", "note": "raised", "prev": "0" * 64,
              "version": 2, "kind": "no_data", "cadre_id": 1, "region_code": "410922100201",
              "period_start": day.isoformat(), "period_end": day.isoformat(),
              "summary": "silent", "evidence_sha256": v2_hash(evidence)}
    with app.app_context():
        upgrade(revision="0007")
        engine = create_engine(fresh_database)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO cadres (id, name, role, created_at) VALUES "
                              "(1, 'old', 'first_secretary', :at)"), {"at": naive})
            conn.execute(text(
                "INSERT INTO flags (id, key, cadre_id, region_code, kind, severity, status, "
                "period_start, period_end, summary, evidence, created_at, updated_at) VALUES "
                "(7, 'old', 1, '410922100201', 'no_data', 1, 'escalated', :d, :d, 'silent', "
                "'{\"counts\": {\"no_data_days\": 7}}', :at, :at)"), {"d": day, "at": naive})
            event_id = conn.execute(text(
                "INSERT INTO flag_events (flag_id, at, action, to_status, note, prev_hash, "
                "hash, version, kind, cadre_id, region_code, period_start, period_end, "
                "summary, evidence_sha256) VALUES (7, :at, 'raise', 'escalated', 'raised', "
                ":prev, :hash, 2, 'no_data', 1, '410922100201', :d, :d, 'silent', :sha) "
                "RETURNING id"), {"at": naive, "prev": "0" * 64, "hash": v2_hash(fields),
                                  "d": day, "sha": fields["evidence_sha256"]}).scalar()
            conn.execute(text("INSERT INTO audit_head (id, last_event_id, last_hash) VALUES "
                              "(1, :e, :h)"), {"e": event_id, "h": v2_hash(fields)})
        upgrade()
        db.session.remove()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "intact: 1 events; 1 findings match" in result.output
    with engine.begin() as conn:
        conn.execute(text("UPDATE flags SET disposition = 'referred' WHERE id = 7"))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"broken at event {event_id}" in result.output
    assert "(disposition differ)" in result.output
    with engine.begin() as conn:
        conn.execute(text("UPDATE flags SET disposition = NULL WHERE id = 7"))
    with app.app_context():
        admin = people.create_user("root", "correct-horse-battery", "admin")
        workflow.transition(Scope(admin, app_settings().zone), 7, "dispose", "closed",
                            disposition="referred")
        db.session.remove()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "intact: 2 events; 1 findings match" in result.output
    with engine.begin() as conn:
        versions = conn.execute(text("SELECT version, disposition FROM flag_events "
                                     "ORDER BY id")).all()
        assert [tuple(v) for v in versions] == [(2, None), (3, "referred")]
    engine.dispose()
    _dispose(app)


def test_disposals_sent_at_once_dispose_once(app, client, queue):  # noqa: F811
    """Two officers of the discipline office submit the same finding's form together: one
    disposition is recorded, the others are told it is no longer escalated."""
    from .helpers import at_once

    flag_id = escalate(client, queue)
    answers = at_once(lambda: dispose(client, queue["jiwei"], flag_id).status_code)
    assert sorted(answers) == [200, 409, 409, 409]
    assert [e.action for e in events_of(flag_id)].count("dispose") == 1
    assert verify(app).exit_code == 0
