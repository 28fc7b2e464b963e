"""The retention purge: old fixes and media go, recent ones stay, what a finding under hold
rests on stays until its hold ends, shared files go with their last row, a dry run changes
nothing, every purge is logged, and only admins read the log."""
from __future__ import annotations

import io
import uuid
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from fieldapp.config import app_settings
from fieldapp.extensions import db
from fieldapp.media.storage import LocalStorage
from fieldapp.models import (
    Challenge,
    ChallengeBatch,
    Finding,
    MediaItem,
    Ping,
    PresenceDay,
    PurgeLog,
    User,
)
from fieldapp.models.types import utcnow
from fieldapp.services.retention.purge import purge
from tests import media_files as files

from .helpers import TOWNSHIP, VILLAGE, cadre_login, login, make_cadre, make_user
from .page_helpers import page_login
from .ping_helpers import phone
from .presence_helpers import ZONE, east_of, inside, iso_week, last_full_week, send, week_of

NOW = utcnow().replace(microsecond=0)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def pings_of(cadre_id: int) -> int:
    return count(Ping, Ping.cadre_id == cadre_id)


def upload(client, headers, data: bytes, recorded_at=None, **fields) -> dict:
    response = client.post("/api/v1/media", headers=headers, data={
        "id": str(uuid.uuid4()), "recorded_at": (recorded_at or NOW).isoformat(), **fields,
        "file": (io.BytesIO(data), "photo.jpg")}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def stored(ctx, sha256: str) -> list[str]:
    """Which of the original and its thumbnail are in the store."""
    store = LocalStorage(ctx.config["UPLOAD_DIR"])
    return [key for key in (sha256, sha256 + ".thumb.jpg") if store.exists(key)]


def move(client, headers, flag_id: int, action: str, **extra) -> None:
    moved = client.post(f"/api/v1/flags/{flag_id}/transitions", headers=headers,
                        json={"action": action, "note": "checked", **extra})
    assert moved.status_code == 200, moved.get_json()


@pytest.fixture()
def commuter(client, ctx, configure):
    """Last full week of a commuter (in the village by day, 5 km east by night) with its
    not_resident finding raised, and of a neighbour who kept the rule; evaluated."""
    configure(MAX_BACKFILL_DAYS=60, LATE_UPLOAD_HOURS=24 * 90.0)
    week = last_full_week()
    cadre = make_cadre(name="通勤")
    neighbour = make_cadre(name="李娜")
    make_user("commuter", "cadre", cadre_id=cadre.id)
    send(cadre.id, week_of(week, inside(VILLAGE), east_of(VILLAGE, 5000)))
    send(neighbour.id, week_of(week, inside(VILLAGE), inside(VILLAGE)))
    make_user("admin", "admin")
    make_user("insp", "inspector", regions=[TOWNSHIP])
    make_user("discipline", "discipline", regions=["410922"])
    admin = login(client, "admin")
    assert client.post("/api/v1/evaluations", headers=admin,
                       json={"week": iso_week(week)}).status_code == 200
    (flag_id,) = db.session.scalars(select(Finding.id).where(
        Finding.cadre_id == cadre.id, Finding.kind == "not_resident"))
    return {"cadre": cadre, "neighbour": neighbour, "flag_id": flag_id, "admin": admin,
            "insp": login(client, "insp"), "week": week}


def test_old_fixes_go_recent_ones_stay_and_day_records_stay(client, ctx, commuter, configure):
    configure(PING_RETENTION_DAYS=3)
    neighbour = commuter["neighbour"]
    send(neighbour.id, [(NOW.isoformat(), inside(VILLAGE), 10.0)])
    days_before, cutoff = count(PresenceDay), NOW - timedelta(days=3)
    old = count(Ping, Ping.cadre_id == neighbour.id, Ping.recorded_at < cutoff)
    recent = pings_of(neighbour.id) - old
    assert old > 0 and recent > 0
    report = purge(app_settings(), now=NOW)
    assert report.ping_cutoff == cutoff and report.pings == old  # the commuter's are held
    assert pings_of(neighbour.id) == recent
    assert count(Ping, Ping.cadre_id == neighbour.id, Ping.recorded_at < cutoff) == 0
    assert count(PresenceDay) == days_before > 0
    assert count(Finding) > 0


def test_a_findings_evidence_stays_while_it_is_open_appealed_escalated_and_held(
        client, ctx, commuter, configure):
    configure(PING_RETENTION_DAYS=1, EVIDENCE_HOLD_DAYS=30)
    cadre, flag_id, insp = commuter["cadre"], commuter["flag_id"], commuter["insp"]
    evidence = pings_of(cadre.id)
    purge(app_settings())  # open
    assert pings_of(commuter["neighbour"].id) == 0  # no finding rests on the neighbour's
    assert pings_of(cadre.id) == evidence
    move(client, insp, flag_id, "assign")
    move(client, insp, flag_id, "confirm")
    purge(app_settings(), now=NOW + timedelta(days=29))  # confirmed less than the hold ago
    assert pings_of(cadre.id) == evidence
    appealed = client.post(f"/api/v1/flags/{flag_id}/appeal", headers=login(client, "commuter"),
                           json={"text": "我住在村委会宿舍"})
    assert appealed.status_code == 200, appealed.get_json()
    purge(app_settings(), now=NOW + timedelta(days=400))  # appealed: held however long
    assert pings_of(cadre.id) == evidence
    move(client, insp, flag_id, "reject_appeal")
    move(client, insp, flag_id, "escalate")
    purge(app_settings(), now=NOW + timedelta(days=400))  # escalated: held however long
    assert pings_of(cadre.id) == evidence
    move(client, login(client, "discipline"), flag_id, "dispose", disposition="reminder_talk")
    purge(app_settings(), now=NOW + timedelta(days=29))  # disposed less than the hold ago
    assert pings_of(cadre.id) == evidence
    report = purge(app_settings(), now=NOW + timedelta(days=31))  # the hold has ended
    assert pings_of(cadre.id) == 0 and report.pings == evidence
    assert db.session.get(Finding, flag_id).status == "disposed"  # the finding stays


def test_a_held_period_keeps_the_cadres_media_and_appeal_media(client, ctx, commuter,
                                                               configure):
    configure(MEDIA_RETENTION_DAYS=1, EVIDENCE_HOLD_DAYS=30)
    flag_id, insp = commuter["flag_id"], commuter["insp"]
    headers = login(client, "commuter")
    in_period = upload(client, headers, files.png(files.scene(3)),
                       recorded_at=datetime.combine(commuter["week"], time(10), ZONE))
    for_appeal = upload(client, headers, files.png(files.scene(4)))
    move(client, insp, flag_id, "assign")
    move(client, insp, flag_id, "confirm")
    assert client.post(f"/api/v1/flags/{flag_id}/appeal", headers=headers, json={
        "text": "宿舍照片", "media_ids": [for_appeal["client_id"]]}).status_code == 200
    purge(app_settings(), now=NOW + timedelta(days=400))
    assert {m.id for m in db.session.scalars(select(MediaItem))} == {in_period["id"],
                                                                   for_appeal["id"]}
    move(client, insp, flag_id, "uphold_appeal")
    report = purge(app_settings(), now=NOW + timedelta(days=400))
    assert count(MediaItem) == 0 and (report.photos, report.files) == (2, 2)
    assert stored(ctx, in_period["sha256"]) == stored(ctx, for_appeal["sha256"]) == []


def test_a_reused_photo_holds_the_other_cadres_earlier_upload(client, ctx, configure):
    configure(MEDIA_RETENTION_DAYS=1, EVIDENCE_HOLD_DAYS=30)
    _, first = cadre_login(client, "first")
    _, second = cadre_login(client, "second", name="王芳")
    data = files.png(files.scene(5))
    earlier = upload(client, first, data, recorded_at=NOW - timedelta(minutes=5))
    later = upload(client, second, data)
    (finding,) = db.session.scalars(select(Finding).where(Finding.kind == "photo_reused"))
    assert finding.evidence["check"]["media_id"] == earlier["id"]
    purge(app_settings(), now=NOW + timedelta(days=400))
    assert count(MediaItem) == 2 and stored(ctx, earlier["sha256"])
    make_user("insp", "inspector", regions=[TOWNSHIP])
    insp = login(client, "insp")
    move(client, insp, finding.id, "assign")
    move(client, insp, finding.id, "dismiss")
    report = purge(app_settings(), now=NOW + timedelta(days=400))
    assert count(MediaItem) == 0 and report.photos == 2
    assert report.files == 1 and stored(ctx, later["sha256"]) == []  # one shared file


def test_a_shared_file_stays_while_a_row_names_it(client, ctx, configure):
    configure(MEDIA_RETENTION_DAYS=1)
    _, headers = cadre_login(client)
    data = files.png(files.scene(6))
    first = upload(client, headers, data, recorded_at=NOW - timedelta(minutes=2))
    second = upload(client, headers, data, recorded_at=NOW - timedelta(minutes=1))
    assert first["sha256"] == second["sha256"] and count(Finding) == 0  # same day, same cadre
    between = NOW - timedelta(minutes=2) + timedelta(days=1, seconds=30)
    report = purge(app_settings(), now=between)
    assert (report.photos, report.files) == (1, 0)
    assert [m.id for m in db.session.scalars(select(MediaItem))] == [second["id"]]
    assert len(stored(ctx, first["sha256"])) == 2
    report = purge(app_settings(), now=NOW + timedelta(days=2))
    assert (report.photos, report.files) == (1, 1) and stored(ctx, first["sha256"]) == []


def test_a_dry_run_changes_nothing_and_counts_what_a_purge_then_removes(
        client, ctx, commuter, configure):
    configure(PING_RETENTION_DAYS=1, MEDIA_RETENTION_DAYS=1)
    _, headers = cadre_login(client, "photographer", name="赵强")
    data = files.png(files.scene(7))
    upload(client, headers, data, recorded_at=NOW - timedelta(minutes=2))
    item = upload(client, headers, data, recorded_at=NOW - timedelta(minutes=1))
    later = NOW + timedelta(days=2)
    pings, media = count(Ping), count(MediaItem)
    preview = purge(app_settings(), now=later, dry_run=True)
    assert (count(Ping), count(MediaItem), count(PurgeLog)) == (pings, media, 0)
    assert stored(ctx, item["sha256"])
    assert preview.dry_run and preview.log_id is None
    assert preview.pings > 0 and (preview.photos, preview.files) == (2, 1)
    done = purge(app_settings(), now=later)
    assert (done.pings, done.photos, done.videos, done.files) == (
        preview.pings, preview.photos, preview.videos, preview.files)
    assert done.findings_holding == preview.findings_holding == 1  # the commuter's, open


def test_each_purge_is_logged_and_a_second_finds_nothing_more(client, ctx, commuter,
                                                              configure):
    configure(PING_RETENTION_DAYS=1)
    first = purge(app_settings(), run_by=db.session.scalars(
        select(User).where(User.username == "admin")).one())
    again = purge(app_settings())
    assert first.pings > 0 and again.pings == 0
    logs = db.session.scalars(select(PurgeLog).order_by(PurgeLog.id)).all()
    assert [(log.pings, log.run_by is not None) for log in logs] == [(first.pings, True),
                                                                     (0, False)]
    assert all(log.finished_at is not None and log.pending_files == [] for log in logs)
    assert (logs[0].ping_cutoff, logs[0].media_cutoff) == (first.ping_cutoff,
                                                           first.media_cutoff)
    listed = client.get("/api/v1/retention/purges", headers=commuter["admin"])
    assert listed.status_code == 200
    body = listed.get_json()
    assert body["total"] == 2 and [i["id"] for i in body["items"]] == [logs[1].id, logs[0].id]
    assert body["items"][1]["run_by"]["username"] == "admin"
    assert body["items"][0]["run_by"] is None
    assert body["items"][1]["pings"] == first.pings
    assert body["items"][1]["findings_holding"] == 1


def test_files_a_cut_off_purge_left_are_removed_by_the_next(client, ctx):
    _, headers = cadre_login(client)
    item = upload(client, headers, files.png(files.scene(8)))
    db.session.query(MediaItem).delete()
    db.session.add(PurgeLog(started_at=NOW, ping_cutoff=NOW, media_cutoff=NOW,
                            evidence_hold_days=365, findings_holding=0, pings=0, photos=1,
                            videos=0, files=0, challenge_answers_unlinked=0,
                            pending_files=[item["sha256"]]))
    db.session.commit()
    assert stored(ctx, item["sha256"])
    purge(app_settings())
    assert stored(ctx, item["sha256"]) == []
    cut_off = db.session.scalars(select(PurgeLog).order_by(PurgeLog.id)).first()
    assert (cut_off.files, cut_off.pending_files) == (1, [])


def test_a_purged_challenge_answer_leaves_the_challenge_its_outcome(client, ctx, configure):
    configure(PING_RETENTION_DAYS=1)
    cadre, _ = phone()
    send(cadre.id, [((NOW - timedelta(minutes=5)).isoformat(), inside(VILLAGE), 10.0)])
    answer = db.session.scalars(select(Ping.id)).one()
    inspector = make_user("insp", "inspector", regions=[TOWNSHIP])
    batch = ChallengeBatch(issued_by=inspector.id, issued_at=NOW - timedelta(minutes=10),
                           deadline=NOW, deadline_minutes=10)
    db.session.add(batch)
    db.session.flush()
    db.session.add(Challenge(batch_id=batch.id, cadre_id=cadre.id, village_code=VILLAGE,
                             issued_at=batch.issued_at, deadline=batch.deadline,
                             status="answered_inside", answer_ping_id=answer, settled_at=NOW))
    db.session.commit()
    report = purge(app_settings(), now=NOW + timedelta(days=2))
    assert (report.pings, report.challenge_answers_unlinked) == (1, 1)
    challenge = db.session.scalars(select(Challenge)).one()
    assert (challenge.status, challenge.answer_ping_id) == ("answered_inside", None)


def test_the_command_purges_and_names_who_ran_it(client, ctx, commuter, configure):
    configure(PING_RETENTION_DAYS=1)
    runner = ctx.test_cli_runner()
    preview = runner.invoke(args=["retention", "purge", "--dry-run"])
    assert preview.exit_code == 0, preview.output
    assert "would remove" in preview.output and count(PurgeLog) == 0
    refused = runner.invoke(args=["retention", "purge", "--user", "insp"])
    assert refused.exit_code == 1 and "only admins" in refused.output
    assert count(PurgeLog) == 0
    done = runner.invoke(args=["retention", "purge", "--user", "admin"])
    assert done.exit_code == 0 and "removed" in done.output
    log = db.session.scalars(select(PurgeLog)).one()
    assert log.runner.username == "admin" and log.pings == pings_removed(done.output)
    assert pings_of(commuter["neighbour"].id) == 0


def pings_removed(output: str) -> int:
    return int(output.split("removed ", 1)[1].split(" ", 1)[0])


@pytest.mark.parametrize("role", ["inspector", "discipline", "cadre"])
def test_only_admins_read_the_purge_log(client, ctx, role):
    cadre = make_cadre() if role == "cadre" else None
    make_user("someone", role, cadre_id=cadre.id if cadre else None,
              regions=None if cadre else ["410922"])
    assert client.get("/api/v1/retention/purges",
                      headers=login(client, "someone")).status_code == 403


def test_the_purge_log_refuses_no_login_and_device_tokens(client, ctx):
    _, device = phone()
    assert client.get("/api/v1/retention/purges").status_code == 401
    assert client.get("/api/v1/retention/purges", headers=device).status_code == 401


@pytest.mark.parametrize("query", ["page=0", "page=abc", "per_page=-1", "per_page=1e9",
                                   "page=99999999999999999999", "per_page=NaN"])
def test_hostile_page_arguments_are_a_422(client, ctx, query):
    make_user("admin", "admin")
    response = client.get(f"/api/v1/retention/purges?{query}", headers=login(client, "admin"))
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["code"] == 422


def test_before_any_purge_the_log_is_an_empty_page(client, ctx):
    make_user("admin", "admin")
    body = client.get("/api/v1/retention/purges", headers=login(client, "admin")).get_json()
    assert (body["items"], body["total"]) == ([], 0)


def test_the_console_page_lists_the_purges_for_admins(client, ctx, commuter, configure):
    configure(PING_RETENTION_DAYS=1)
    report = purge(app_settings())
    assert page_login(client, "admin").status_code in (302, 303)
    body = client.get("/console/retention").get_data(as_text=True)
    assert f'data-purge-id="{report.log_id}" data-pings="{report.pings}"' in body
    assert 'data-retention="1,365,365"' in body
    assert client.get("/console/retention?page=0").status_code == 400
    assert client.get("/console/retention?page=abc").status_code == 400


@pytest.mark.parametrize("username", ["insp", "discipline", "commuter"])
def test_the_console_page_is_for_admins_only(client, ctx, commuter, username):
    assert page_login(client, username).status_code in (302, 303)
    assert client.get("/console/retention").status_code == 404


def test_the_console_page_asks_for_a_login(client, ctx):
    answer = client.get("/console/retention")
    assert answer.status_code == 302 and "/console/login" in answer.headers["Location"]


def test_periods_whose_fixes_were_purged_are_not_evaluated_again(ctx):
    from fieldapp.errors import Unprocessable
    from fieldapp.models import PurgeLog
    from fieldapp.services.presence.evaluation import evaluate

    now = utcnow()
    cutoff = now - timedelta(days=200)
    db.session.add(PurgeLog(started_at=now, finished_at=now, ping_cutoff=cutoff,
                            media_cutoff=cutoff, evidence_hold_days=365, pings=5))
    db.session.commit()
    today = datetime.now(ZONE).date()
    with pytest.raises(Unprocessable, match="purged by retention"):
        evaluate(app_settings(), today - timedelta(days=180), today - timedelta(days=180))
    run = evaluate(app_settings(), today - timedelta(days=160), today - timedelta(days=160))
    assert run.finished_at is not None
