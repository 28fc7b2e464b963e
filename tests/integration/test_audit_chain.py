"""The audit chain covers what a finding asserts: a finding edited in plain SQL, with no
event touched, is named by `flask audit verify`; the untouched chain verifies; events
written before migration 0007 (version 1) keep verifying after it."""
from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text

from fieldapp.extensions import db
from fieldapp.models import Finding, FindingEvent

from .test_findings_api import flags, move, queue  # noqa: F401  (queue is a fixture)


def verify(app):
    db.session.commit()
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def latest_event(flag_id: int) -> int:
    return db.session.scalar(select(FindingEvent.id).where(FindingEvent.flag_id == flag_id)
                             .order_by(FindingEvent.id.desc()).limit(1))


def not_resident(client, queue) -> int:  # noqa: F811
    return flags(client, queue["insp"], "?kind=not_resident")["items"][0]["id"]


def set_present_nights(nights: int) -> str:
    """SQL that rewrites one count inside a finding's evidence, as someone with database
    access would."""
    if db.engine.dialect.name == "postgresql":
        return ("UPDATE flags SET evidence = jsonb_set(evidence::jsonb, "
                f"'{{counts,present_nights}}', '{nights}')::json WHERE id = :id")
    return f"UPDATE flags SET evidence = json_set(evidence, '$.counts.present_nights', {nights}) " \
           "WHERE id = :id"


TAMPERING = {
    "evidence": (lambda: set_present_nights(4), "evidence"),
    "summary": (lambda: "UPDATE flags SET summary = 'all nights present' WHERE id = :id",
                "summary"),
    "status": (lambda: "UPDATE flags SET status = 'dismissed' WHERE id = :id", "status"),
    "kind": (lambda: "UPDATE flags SET kind = 'late_upload' WHERE id = :id", "kind"),
    "subject": (lambda: "UPDATE flags SET region_code = '410922200201' WHERE id = :id",
                "region_code"),
    "period": (lambda: "UPDATE flags SET period_end = period_start WHERE id = :id",
               "period_end"),
}


@pytest.mark.parametrize("field", list(TAMPERING))
def test_a_finding_edited_in_sql_is_named_by_verify(app, client, queue, field):  # noqa: F811
    flag_id = not_resident(client, queue)
    assert move(client, queue["insp"], flag_id, "assign").status_code == 200
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert "intact: 3 events; 2 findings match their latest event" in result.output
    sql, named = TAMPERING[field]
    db.session.execute(text(sql()), {"id": flag_id})
    result = verify(app)
    event_id = latest_event(flag_id)
    assert result.exit_code == 1, result.output
    assert f"broken at event {event_id} after 3 good events" in result.output
    assert f"finding {flag_id} no longer matches" in result.output
    assert f"({named} differ)" in result.output


def test_the_evidence_an_event_records_is_what_the_finding_held_then(app, client, queue):  # noqa: F811
    flag_id = not_resident(client, queue)
    finding = db.session.get(Finding, flag_id)
    (raised,) = db.session.scalars(select(FindingEvent).where(FindingEvent.flag_id == flag_id))
    canonical = json.dumps(finding.evidence, sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"))
    assert raised.version == 3
    assert raised.evidence_sha256 == hashlib.sha256(canonical.encode()).hexdigest()
    assert (raised.kind, raised.cadre_id, raised.region_code, raised.summary,
            raised.period_start, raised.period_end, raised.to_status) == (
        finding.kind, finding.cadre_id, finding.region_code, finding.summary,
        finding.period_start, finding.period_end, finding.status)


def test_rewriting_the_recorded_state_on_the_event_breaks_its_hash(app, client, queue):  # noqa: F811
    flag_id = not_resident(client, queue)
    db.session.execute(text("UPDATE flags SET summary = 'fine' WHERE id = :id"), {"id": flag_id})
    db.session.execute(text("UPDATE flag_events SET summary = 'fine' WHERE flag_id = :id"),
                       {"id": flag_id})
    result = verify(app)
    event_id = latest_event(flag_id)
    assert result.exit_code == 1
    assert f"broken at event {event_id}" in result.output and "its hash" in result.output


def test_a_finding_inserted_in_sql_without_an_event_is_named(app, client, queue):  # noqa: F811
    cadre_id = queue["silent"].id
    db.session.execute(text(
        "INSERT INTO flags (key, cadre_id, region_code, kind, severity, status, summary, "
        "evidence, created_at, updated_at) VALUES ('forged', :c, '410922100201', "
        "'not_resident', 3, 'confirmed', 'forged', '{}', :now, :now)"),
        {"c": cadre_id, "now": datetime.now(UTC).replace(tzinfo=None)})
    forged = db.session.scalar(select(Finding.id).where(Finding.key == "forged"))
    result = verify(app)
    assert result.exit_code == 1
    assert f"broken at finding {forged}" in result.output and "no event" in result.output


def test_moves_and_appeals_keep_every_finding_matching(app, client, queue):  # noqa: F811
    flag_id = not_resident(client, queue)
    for action in ("assign", "confirm"):
        assert move(client, queue["insp"], flag_id, action).status_code == 200
    assert client.post(f"/api/v1/flags/{flag_id}/appeal", headers=queue["cadre"],
                       json={"text": "I slept at the village committee"}).status_code == 200
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert "intact: 5 events; 2 findings match" in result.output


# -- events written before 0007 ----------------------------------------------------------

def v1_hash(fields: dict) -> str:
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@pytest.fixture()
def fresh_database(backend, tmp_path, request):
    """An empty database of the backend under test, for running the migrations on."""
    from tests.conftest import empty_database

    with empty_database(backend, tmp_path, request) as url:
        yield url


def test_upgrading_to_0007_keeps_old_events_verifying_and_attests_every_finding(
        fresh_database, tmp_path):
    from tests.conftest import _create_app, _dispose

    app = _create_app(fresh_database, str(tmp_path / "uploads"))
    at = datetime(2026, 11, 2, 3, 4, 5, 678901, tzinfo=UTC)
    naive = at.replace(tzinfo=None)
    with app.app_context():
        upgrade(revision="0006")
        engine = create_engine(fresh_database)
        with engine.begin() as conn:  # a finding and its v1 event, as the old code wrote them
            conn.execute(text("INSERT INTO cadres (id, name, role, created_at) VALUES "
                              "(1, 'old', 'first_secretary', :at)"), {"at": naive})
            conn.execute(text(
                "INSERT INTO flags (id, key, cadre_id, region_code, kind, severity, status, "
                "period_start, period_end, summary, evidence, created_at, updated_at) VALUES "
                "(7, 'old', 1, '410922100201', 'no_data', 1, 'open', :d, :d, 'silent', "
                "'{\"counts\": {\"no_data_days\": 7}}', :at, :at)"),
                {"d": date(2026, 11, 2), "at": naive})
            fields = {"flag_id": 7, "at": at.isoformat(), "actor_id": None, "action": "raise",
                      "from": None, "to": "open", "note": "raised", "prev": "0" * 64}
            old_id = conn.execute(text(
                "INSERT INTO flag_events (flag_id, at, action, to_status, note, prev_hash, "
                "hash) VALUES (7, :at, 'raise', 'open', 'raised', :prev, :hash) RETURNING id"),
                {"at": naive, "prev": "0" * 64, "hash": v1_hash(fields)}).scalar()
            conn.execute(text("INSERT INTO audit_head (id, last_event_id, last_hash) VALUES "
                              "(1, :e, :h)"), {"e": old_id, "h": v1_hash(fields)})
        upgrade()
        db.session.remove()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "intact: 2 events; 1 findings match" in result.output
    with engine.begin() as conn:
        attest = conn.execute(text("SELECT max(id) FROM flag_events")).scalar()
        versions = conn.execute(text("SELECT id, version, action FROM flag_events "
                                     "ORDER BY id")).all()
        assert [tuple(v) for v in versions] == [(old_id, 1, "raise"), (attest, 2, "attest")]
        conn.execute(text("UPDATE flags SET summary = 'present' WHERE id = 7"))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"broken at event {attest}" in result.output, result.output
    engine.dispose()
    _dispose(app)
