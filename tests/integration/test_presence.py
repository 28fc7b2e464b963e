"""Presence evaluation scenarios with known truth, on both databases."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from fieldapp.config import app_settings
from fieldapp.extensions import db
from fieldapp.models import Finding, FindingEvent, PresenceDay, PresencePeriod
from fieldapp.services.presence import evaluation, leaves

from .helpers import VILLAGE, make_cadre
from .presence_helpers import at, east_of, inside, iso_week, last_full_week, send, week_of

COUNTY_TOWN_M = 5000  # sleeping 5 km away


@pytest.fixture()
def week(ctx, configure):
    """The latest finished ISO week, with backfill wide enough to post it today (and such
    posting not counted as a late upload, except where a test says so)."""
    configure(MAX_BACKFILL_DAYS=60, LATE_UPLOAD_HOURS=24 * 90.0)
    return last_full_week()


def evaluate(monday):
    return evaluation.evaluate(app_settings(), *evaluation.parse_range(week=iso_week(monday)))


def kinds(cadre_id):
    return sorted(db.session.scalars(select(Finding.kind).where(Finding.cadre_id == cadre_id)))


def period(cadre_id):
    return db.session.scalars(select(PresencePeriod).where(
        PresencePeriod.cadre_id == cadre_id)).one()


def test_resident_cadre_raises_nothing(week):
    cadre = make_cadre()
    here = inside(VILLAGE)
    send(cadre.id, week_of(week, here, here))
    evaluate(week)
    summary = period(cadre.id)
    assert (summary.present_days, summary.present_nights) == (7, 7)
    assert (summary.required_days, summary.required_nights) == (5, 4)
    assert summary.complete
    assert kinds(cadre.id) == []


def test_day_visitor_sleeping_in_town_is_not_resident_not_absent(week):
    cadre = make_cadre()
    send(cadre.id, week_of(week, inside(VILLAGE), east_of(VILLAGE, COUNTY_TOWN_M)))
    evaluate(week)
    assert kinds(cadre.id) == ["not_resident"]
    flag = db.session.scalars(select(Finding).where(Finding.cadre_id == cadre.id)).one()
    assert flag.evidence["counts"]["present_nights"] == 0
    assert flag.evidence["counts"]["present_days"] == 7
    night = flag.evidence["days"][0]
    assert night["night"] == "absent"
    assert night["night_centroid"]["distance_m"] == pytest.approx(COUNTY_TOWN_M, rel=0.1)
    # the outside night fixes: of 22:00 and 03:00 `minimal` keeps the first of each night
    assert len(flag.evidence["ping_ids"]) == 7


def test_approved_leave_excuses_its_days(week):
    cadre = make_cadre()
    here = inside(VILLAGE)
    away = east_of(VILLAGE, COUNTY_TOWN_M)
    send(cadre.id, week_of(week, away, away, days=range(3)))
    send(cadre.id, week_of(week, here, here, days=range(3, 7)))
    leave = leaves.request_leave(app_settings(), cadre.id, week, week + timedelta(days=2),
                                 "sick", "flu")
    leave.status = "approved"
    db.session.commit()
    evaluate(week)
    summary = period(cadre.id)
    assert (summary.excused_days, summary.required_days, summary.required_nights) == (3, 2, 1)
    assert kinds(cadre.id) == []
    statuses = db.session.scalars(select(PresenceDay.day_status).where(
        PresenceDay.cadre_id == cadre.id).order_by(PresenceDay.day)).all()
    assert statuses == ["excused"] * 3 + ["present"] * 4


def test_unapproved_leave_excuses_nothing(week):
    cadre = make_cadre()
    away = east_of(VILLAGE, COUNTY_TOWN_M)
    send(cadre.id, week_of(week, away, away))
    leaves.request_leave(app_settings(), cadre.id, week, week + timedelta(days=2),
                         "personal", "family")
    evaluate(week)
    assert kinds(cadre.id) == ["absent", "not_resident"]


def test_silent_phone_is_no_data_not_absent(week):
    cadre = make_cadre()
    evaluate(week)
    assert kinds(cadre.id) == ["no_data"]
    summary = period(cadre.id)
    assert (summary.no_data_days, summary.no_data_nights) == (7, 7)


def test_coarse_fix_on_the_edge_counts_neither_way(week):
    cadre = make_cadre()
    edge = east_of(VILLAGE, 150)
    send(cadre.id, [(at(week, 9), edge, 1500.0), (at(week, 22), edge, 1500.0)])
    evaluate(week)
    first = db.session.scalars(select(PresenceDay).where(
        PresenceDay.cadre_id == cadre.id).order_by(PresenceDay.day)).first()
    assert (first.day_status, first.night_status) == ("no_data", "no_data")
    assert first.counts["day"]["uncertain"] == 1 and first.counts["night"]["uncertain"] == 1


def test_evaluating_twice_changes_nothing(week):
    cadre = make_cadre()
    send(cadre.id, week_of(week, inside(VILLAGE), east_of(VILLAGE, COUNTY_TOWN_M)))
    evaluate(week)
    before = _snapshot(cadre.id)
    evaluate(week)
    assert _snapshot(cadre.id) == before


def _snapshot(cadre_id):
    days = db.session.execute(select(PresenceDay.id, PresenceDay.day_status,
                                     PresenceDay.night_status, PresenceDay.counts).where(
        PresenceDay.cadre_id == cadre_id).order_by(PresenceDay.id)).all()
    flags = db.session.execute(select(Finding.id, Finding.status, Finding.updated_at)).all()
    events = db.session.scalar(select(func.count()).select_from(FindingEvent))
    return days, flags, events


def test_late_data_withdraws_an_open_finding(week):
    cadre = make_cadre()
    here = inside(VILLAGE)
    send(cadre.id, week_of(week, here, here, days=range(2)))
    evaluate(week)
    assert kinds(cadre.id) == ["no_data"]
    send(cadre.id, week_of(week, here, here, days=range(2, 7)))  # the buffer arrives
    evaluate(week)
    flag = db.session.scalars(select(Finding).where(Finding.cadre_id == cadre.id)).one()
    assert flag.status == "withdrawn"
    actions = db.session.scalars(select(FindingEvent.action).where(
        FindingEvent.flag_id == flag.id).order_by(FindingEvent.id)).all()
    assert actions == ["raise", "withdraw"]


def test_a_closed_finding_is_never_silently_reopened(week):
    cadre = make_cadre()
    evaluate(week)
    flag = db.session.scalars(select(Finding).where(Finding.cadre_id == cadre.id)).one()
    flag.status = "dismissed"
    db.session.commit()
    send(cadre.id, [(at(week, 9), east_of(VILLAGE, COUNTY_TOWN_M), 10.0)])
    evaluate(week)
    db.session.refresh(flag)
    assert flag.status == "dismissed"
    assert db.session.scalar(select(func.count()).select_from(Finding)) == 1


def test_spoofing_detectors(week, configure):
    """On a whole track: under `minimal` the jump below is not seen (docs/collection.md)."""
    configure(COLLECTION="track")
    cadre = make_cadre()
    here = inside(VILLAGE)
    fixes = week_of(week, here, here)
    send(cadre.id, fixes[:12], jitter=False)                  # static, days 1–3
    send(cadre.id, fixes[12:], mock=True)
    far = (here[0] + 1.0, here[1])                              # 111 km in 10 minutes
    send(cadre.id, [(at(week, 10), far, 10.0), (at(week, 10, 10), here, 10.0)])
    evaluate(week)
    found = kinds(cadre.id)
    assert {"mock_location", "static_location", "implausible_speed"} <= set(found)
    assert "not_resident" not in found and "absent" not in found


def test_late_upload_is_flagged(week, ctx, configure):
    cadre = make_cadre()
    here = inside(VILLAGE)
    send(cadre.id, week_of(week, here, here))  # all sent today, days after the fixes
    evaluate(week)
    assert "late_upload" not in kinds(cadre.id)
    configure(LATE_UPLOAD_HOURS=1.0)
    evaluate(week)
    assert "late_upload" in kinds(cadre.id)


def test_township_leader_is_judged_over_the_month(week):
    cadre = make_cadre(role="township_leader")
    here = inside(VILLAGE)
    send(cadre.id, week_of(week, here, None, days=range(2)))
    run = evaluate(week)
    summaries = db.session.scalars(select(PresencePeriod).where(
        PresencePeriod.cadre_id == cadre.id)).all()
    assert summaries and {(s.period_start.day, s.policy) for s in summaries} == {
        (1, "monthly_8d")}
    assert all(s.required_nights == 0 for s in summaries)
    assert run.report["assignments"] == 1


def test_leave_return_is_recorded_with_the_first_inside_ping(week):
    cadre = make_cadre()
    leave = leaves.request_leave(app_settings(), cadre.id, week, week + timedelta(days=1),
                                 "training", "party school")
    leave.status = "approved"
    db.session.commit()
    send(cadre.id, [(at(week + timedelta(days=2), 7), east_of(VILLAGE, 3000), 10.0),
                    (at(week + timedelta(days=2), 10), inside(VILLAGE), 10.0)])
    evaluate(week)
    db.session.refresh(leave)
    assert leave.returned_at == datetime.fromisoformat(at(week + timedelta(days=2), 10))


def finding(cadre_id, kind):
    return db.session.scalars(select(Finding).where(Finding.cadre_id == cadre_id,
                                                    Finding.kind == kind)).one()


def events(flag):
    return db.session.execute(select(FindingEvent.action, FindingEvent.from_status,
                                     FindingEvent.to_status).where(
        FindingEvent.flag_id == flag.id).order_by(FindingEvent.id)).all()


def test_new_evidence_updates_an_open_finding_in_place(week):
    """Nights away on days 0–3 and silent nights after: not resident. The buffer of night
    4, away too, arrives: the same finding, now with that night's evidence."""
    cadre = make_cadre()
    away = east_of(VILLAGE, COUNTY_TOWN_M)
    send(cadre.id, week_of(week, inside(VILLAGE), None))
    send(cadre.id, week_of(week, None, away, days=range(4)))
    evaluate(week)
    before = finding(cadre.id, "not_resident")
    flag_id, evidence = before.id, before.evidence
    db.session.commit()
    send(cadre.id, week_of(week, None, away, days=[4]))
    run = evaluate(week)
    after = finding(cadre.id, "not_resident")
    assert (after.id, after.status) == (flag_id, "open")
    # a night's first outside fix (22:00; `minimal` keeps no other of that night)
    assert len(evidence["ping_ids"]) == 4 and len(after.evidence["ping_ids"]) == 5
    assert after.evidence["counts"]["no_data_nights"] == 2
    assert events(after) == [("raise", None, "open"), ("update", "open", "open")]
    assert run.report["updated"] == 2  # and no_data's, with one silent night fewer


def test_a_withdrawn_finding_is_raised_again_when_it_holds_again(week):
    """Leave approved for days 0–2 excuses the nights away: withdrawn. Then the nights
    after it, silent until now, turn out to be away too: raised again."""
    cadre = make_cadre()
    away = east_of(VILLAGE, COUNTY_TOWN_M)
    send(cadre.id, week_of(week, inside(VILLAGE), None))
    send(cadre.id, week_of(week, None, away, days=range(4)))
    evaluate(week)
    assert finding(cadre.id, "not_resident").status == "open"
    leave = leaves.request_leave(app_settings(), cadre.id, week, week + timedelta(days=2),
                                 "official_business", "county meeting")
    leave.status = "approved"
    db.session.commit()
    evaluate(week)
    assert finding(cadre.id, "not_resident").status == "withdrawn"
    db.session.commit()
    send(cadre.id, week_of(week, None, away, days=range(4, 7)))
    run = evaluate(week)
    flag = finding(cadre.id, "not_resident")
    assert flag.status == "open" and run.report["reraised"] == 1
    assert events(flag) == [("raise", None, "open"), ("withdraw", "open", "withdrawn"),
                            ("raise", "withdrawn", "open")]
