"""The finding dossier page: the numbers, the calendar and the map of a real not_resident
finding (pings through the ingest service, then evaluation), the moves through its forms,
scope in space and time, and the hash chain's state."""
from __future__ import annotations

import html
import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import render_template_string
from sqlalchemy import func, select, text

from fieldapp.config import app_settings
from fieldapp.domain.coords import wgs84_to_gcj02
from fieldapp.extensions import db
from fieldapp.models import AccessLog, Assignment, Finding, FindingEvent, Ping, PresenceDay
from fieldapp.services.access.scope import Scope
from fieldapp.services.findings.audit_chain import verify_finding
from fieldapp.services.people import registry as people
from fieldapp.services.presence import evaluation, leaves
from fieldapp.services.presence.calendar import calendar_days
from tests import media_files

from .helpers import OTHER_VILLAGE, TOWNSHIP, VILLAGE, login, make_cadre, make_user
from .page_helpers import page_login, post_form
from .presence_helpers import ZONE, at, east_of, inside, iso_week, last_full_week, send, week_of
from .test_media import post as post_media


@pytest.fixture(autouse=True)
def keep_every_fix(configure):
    """The map draws every stored fix: under `track`, every fix sent."""
    configure(COLLECTION="track")


COUNTY_TOWN_M = 11_000  # the cadre sleeps in the county town, 11 km from the village
CELL = re.compile(r'<div class="cell[^"]*" data-date="([\d-]+)" data-day="(\w+)" '
                  r'data-night="(\w+)">')
MAP_DATA = re.compile(r'<script type="application/json" id="map-data">(.*?)</script>', re.S)


def evaluate(monday: date) -> None:
    evaluation.evaluate(app_settings(), *evaluation.parse_range(week=iso_week(monday)))


@pytest.fixture()
def commuter(ctx, configure):
    """A first secretary in the village by day who sleeps in the county town, with one
    coarse fix on the edge (uncertain) and a pending leave request, evaluated; the
    not_resident finding and the logins around it."""
    configure(MAX_BACKFILL_DAYS=60, LATE_UPLOAD_HOURS=24 * 90.0)
    week = last_full_week()
    cadre = make_cadre(name="王磊")
    make_user("commuter", "cadre", cadre_id=cadre.id)
    fixes = week_of(week, inside(VILLAGE), east_of(VILLAGE, COUNTY_TOWN_M))
    coarse = (at(week + timedelta(days=2), 10), east_of(VILLAGE, 150), 400.0)
    send(cadre.id, [*fixes, coarse])
    evaluate(week)
    leave = leaves.request_leave(app_settings(), cadre.id, week + timedelta(days=5),
                                 week + timedelta(days=6), "personal", "family visit")
    make_user("insp", "inspector", regions=[TOWNSHIP])
    make_user("far", "inspector", regions=[OTHER_VILLAGE[:9]])
    make_user("boss", "admin")
    make_user("jiwei", "discipline", regions=["410922"])
    finding = db.session.scalars(select(Finding).where(Finding.cadre_id == cadre.id,
                                                       Finding.kind == "not_resident")).one()
    return {"week": week, "cadre": cadre, "finding": finding.id, "pings": len(fixes) + 1,
            "leave": leave.id, "url": f"/console/findings/{finding.id}"}


def page(client, url: str, status: int = 200) -> str:
    answer = client.get(url)
    assert answer.status_code == status, (answer.status_code, answer.get_data(as_text=True))
    return answer.get_data(as_text=True)


def map_of(body: str) -> dict:
    return json.loads(MAP_DATA.search(body)[1])


def actions(body: str) -> list[str]:
    return re.findall(r'<form method="post" action="[^"]+" data-action="(\w+)"', body)


def first_vertex(coordinates):
    while isinstance(coordinates[0], list):
        coordinates = coordinates[0]
    return coordinates


def chain_state(body: str) -> str:
    return re.search(r'data-chain="(\w+)"', body)[1]


def test_calendar_agrees_with_the_day_records_and_the_numbers(client, commuter):
    page_login(client, "insp")
    body = page(client, commuter["url"])
    finding = db.session.get(Finding, commuter["finding"])
    counts = finding.evidence["counts"]
    for name in ("required_nights", "present_nights", "no_data_nights", "present_days"):
        assert f'data-count="{name}">{counts[name]}<' in body
    assert (counts["present_nights"], counts["present_days"]) == (0, 7)
    cells = CELL.findall(body)
    week = commuter["week"]
    assert [c[0] for c in cells] == [(week + timedelta(days=i)).isoformat() for i in range(7)]
    stored = {r.day.isoformat(): (r.day_status, r.night_status) for r in db.session.scalars(
        select(PresenceDay).where(PresenceDay.cadre_id == commuter["cadre"].id))}
    assert {c[0]: (c[1], c[2]) for c in cells} == stored
    assert sum(c[2] == "present" for c in cells) == counts["present_nights"]
    assert sum(c[2] == "absent" for c in cells) == 7
    assert sum(c[1] == "present" for c in cells) == counts["present_days"]
    wednesday = body[body.index(f'data-date="{(week + timedelta(days=2)).isoformat()}"'):]
    assert re.search(r'data-inside="2" data-outside="0" data-uncertain="1"', wednesday[:900])
    assert 'data-leave-status="pending"' in body and "王磊" in body
    logged = db.session.scalars(select(AccessLog).where(AccessLog.resource == "flag")).all()
    assert [entry.params["flag_id"] for entry in logged] == [commuter["finding"]]


def test_calendar_days_fill_every_date_and_the_macro_lines_up_weekdays(app, commuter):
    week = commuter["week"]
    admin = make_user("root", "admin")
    days = calendar_days(Scope(admin, ZONE), commuter["cadre"].id, week - timedelta(days=5),
                         week + timedelta(days=8))
    assert len(days) == 14
    assert [d["evaluated"] for d in days] == [False] * 5 + [True] * 7 + [False] * 2
    assert days[0]["day"] == days[0]["night"] == "no_data" and days[0]["day_counts"] is None
    assert days[5]["night_centroid"]["distance_m"] == pytest.approx(COUNTY_TOWN_M, rel=0.15)
    with app.test_request_context("/console/"):
        grid = render_template_string(
            '{% from "console/_calendar.html" import calendar %}{{ calendar(days) }}',
            days=days)
    first_cell = grid.index('class="cell')
    assert grid[:first_cell].count('class="blank"') == days[0]["date"].weekday()
    assert grid[grid.rindex('class="cell'):].count('class="blank"') == \
        6 - days[-1]["date"].weekday()
    assert set(re.findall(r'data-(?:day|night)="(\w+)"', grid)) <= {
        "present", "absent", "no_data", "excused"}


def test_map_draws_every_fix_of_the_period_as_day_or_night(client, commuter):
    page_login(client, "insp")
    body = page(client, commuter["url"])
    drawn = map_of(body)
    rows = [dict(zip(drawn["fixes"]["columns"], row, strict=True))
            for row in drawn["fixes"]["rows"]]
    stored = db.session.scalar(select(func.count()).select_from(Ping).where(
        Ping.cadre_id == commuter["cadre"].id))
    assert len(rows) == stored == commuter["pings"]
    assert f'id="map" data-fixes="{stored}"' in body
    assert [r["t"] for r in rows] == sorted(r["t"] for r in rows)
    for row in rows:
        hour = datetime.fromtimestamp(row["t"], UTC).astimezone(ZONE).hour
        assert row["slot"] == ("night" if hour in (22, 3) else "day"), (hour, row)
        if hour in (22, 3):
            assert row["verdict"] == "outside"
        elif row["acc"] == 400:
            assert row["verdict"] == "uncertain"
        else:
            assert row["verdict"] == "inside" and row["acc"] == 15
    assert [f["properties"]["code"] for f in drawn["boundaries"]["features"]] == [VILLAGE]
    assert len(drawn["centroids"]) == 7
    assert all(c["distance_m"] == pytest.approx(COUNTY_TOWN_M, rel=0.15)
               for c in drawn["centroids"])
    assert drawn["basemap"]["url"] is None  # no basemap by default: vectors only
    assert "{z}" not in body


def test_a_gcj02_basemap_shifts_what_is_displayed_only(client, commuter, configure):
    page_login(client, "insp")
    plain = map_of(page(client, commuter["url"]))
    configure(BASEMAP_CRS="gcj02", BASEMAP_URL="http://127.0.0.1/{z}/{x}/{y}.png")
    shifted = map_of(page(client, commuter["url"]))
    assert shifted["basemap"] == {"url": "http://127.0.0.1/{z}/{x}/{y}.png", "crs": "gcj02",
                                  "attribution": ""}
    lat = [r[0] for r in plain["fixes"]["rows"]]
    lon = [r[1] for r in plain["fixes"]["rows"]]
    want_lat, want_lon = wgs84_to_gcj02(lat, lon)
    got_lat = [r[0] for r in shifted["fixes"]["rows"]]
    got_lon = [r[1] for r in shifted["fixes"]["rows"]]
    assert got_lat == pytest.approx(want_lat.tolist(), abs=2e-6)
    assert got_lon == pytest.approx(want_lon.tolist(), abs=2e-6)
    assert abs(got_lon[0] - lon[0]) > 1e-3  # hundreds of metres: really shifted
    vertex = first_vertex(plain["boundaries"]["features"][0]["geometry"]["coordinates"])
    moved = first_vertex(shifted["boundaries"]["features"][0]["geometry"]["coordinates"])
    g_lat, g_lon = wgs84_to_gcj02(vertex[1], vertex[0])
    assert moved == pytest.approx([float(g_lon), float(g_lat)], abs=1e-9)
    c_lat, _ = wgs84_to_gcj02(plain["centroids"][0]["lat"], plain["centroids"][0]["lon"])
    assert shifted["centroids"][0]["lat"] == pytest.approx(float(c_lat), abs=2e-6)
    stored = db.session.scalars(select(Ping.lat).where(
        Ping.cadre_id == commuter["cadre"].id).order_by(Ping.recorded_at)).all()
    assert stored == pytest.approx(lat, abs=1e-6)  # stored coordinates never change


def test_map_data_of_a_cadre_week_of_fixes_every_five_minutes_fits_in_200_kb(
        client, ctx, configure, monkeypatch):
    configure(MAX_BACKFILL_DAYS=60, LATE_UPLOAD_HOURS=24 * 90.0)
    week = last_full_week()
    cadre = make_cadre()
    home, village = east_of(VILLAGE, COUNTY_TOWN_M), inside(VILLAGE)
    fixes = []
    for step in range(7 * 24 * 12):
        moment = datetime.combine(week, datetime.min.time(), ZONE) + timedelta(minutes=5 * step)
        place = village if 7 <= moment.hour < 19 else home
        fixes.append((moment.isoformat(), place, 12.5 + step % 40))
    send(cadre.id, fixes)
    evaluate(week)
    finding = db.session.scalars(select(Finding).where(Finding.kind == "not_resident")).one()
    make_user("insp", "inspector", regions=[TOWNSHIP])
    page_login(client, "insp")
    body = page(client, f"/console/findings/{finding.id}")
    encoded = MAP_DATA.search(body)[1].encode()
    assert len(map_of(body)["fixes"]["rows"]) == len(fixes) == 2016
    assert len(encoded) <= 200_000, len(encoded)
    monkeypatch.setattr("fieldapp.web.console.dossier.MAX_FIXES_DRAWN", 2000)
    capped = page(client, f"/console/findings/{finding.id}")
    assert 'data-fixes="2000"' in capped and 'data-not-drawn="16"' in capped


def test_assign_then_confirm_through_the_forms(client, commuter):
    url = commuter["url"]
    page_login(client, "insp")
    assert actions(page(client, url)) == ["assign"]
    done = post_form(client, url, url + "/transitions",
                     {"action": "assign", "note": "走访核查，今晚到村"})
    assert done.status_code == 303 and done.headers["Location"] == url
    after_assign = page(client, url)
    assert actions(after_assign) == ["assign", "confirm", "dismiss"]
    assert 'data-status="in_review"' in after_assign
    confirmed = post_form(client, url, url + "/transitions",
                          {"action": "confirm", "note": "邻居证实夜间不在村"})
    assert confirmed.status_code == 303
    after_confirm = page(client, url)
    assert actions(after_confirm) == ["escalate", "reopen"]
    assert chain_state(after_confirm) == "verified"
    detail = client.get(f"/api/v1/flags/{commuter['finding']}",
                        headers=login(client, "insp")).get_json()
    assert detail["status"] == "confirmed"
    assert [(e["action"], e["note"]) for e in detail["events"][1:]] == [
        ("assign", "走访核查，今晚到村"), ("confirm", "邻居证实夜间不在村")]
    insp = db.session.scalar(select(Finding.assignee_id).where(
        Finding.id == commuter["finding"]))
    assert f'data-assignee-id="{insp}"' in after_confirm


def test_assign_to_another_reviewer_covering_the_finding(client, commuter):
    make_user("insp2", "inspector", regions=[VILLAGE])
    url = commuter["url"]
    page_login(client, "insp")
    form = page(client, url)
    options = re.findall(r'<option value="(\d+)">([\w-]+) ·', form)
    assert [name for _, name in options] == ["boss", "insp2"]  # not "far": not covering
    insp2 = dict((name, value) for value, name in options)["insp2"]
    assert post_form(client, url, url + "/transitions", {
        "action": "assign", "note": "交给驻村督查员", "assignee_id": insp2}).status_code == 303
    assert db.session.get(Finding, commuter["finding"]).assignee_id == int(insp2)


def test_a_form_without_its_csrf_token_changes_nothing(client, commuter):
    page_login(client, "insp")
    refused = client.post(commuter["url"] + "/transitions",
                          data={"action": "assign", "note": "no token"})
    assert refused.status_code == 400
    assert db.session.get(Finding, commuter["finding"]).status == "open"
    assert db.session.scalar(select(func.count()).select_from(FindingEvent)) == 1


@pytest.mark.parametrize(("data", "status", "reason"), [
    ({"action": "confirm", "note": "posted by hand"}, 409, "conflict"),
    ({"action": "assign", "note": "   "}, 422, "note"),
    ({"action": "assign", "note": "x" * 2001}, 422, "note"),
    ({"action": "delete", "note": "go away"}, 422, "action"),
    ({"action": "assign", "note": "to a stranger", "assignee_id": "abc"}, 422, "assignee_id"),
    ({"action": "assign", "note": "to the far one", "assignee_id": "far"}, 422, "assignee_id"),
])
def test_a_refused_move_says_why_and_changes_nothing(client, commuter, data, status, reason):
    if data.get("assignee_id") == "far":
        data = {**data, "assignee_id": str(db.session.scalar(
            text("SELECT id FROM users WHERE username = 'far'")))}
    page_login(client, "insp")
    answer = post_form(client, commuter["url"], commuter["url"] + "/transitions", data)
    body = answer.get_data(as_text=True)
    assert answer.status_code == status
    assert f'data-refused="{status}" data-reason="{reason}"' in body
    assert db.session.get(Finding, commuter["finding"]).status == "open"
    assert db.session.scalar(select(func.count()).select_from(FindingEvent)) == 1
    if reason == "conflict":
        assert "confirm" not in actions(body)  # the illegal move is not offered either


def test_who_may_open_the_dossier(client, commuter):
    url = commuter["url"]
    assert client.get(url).status_code == 302  # not logged in: the login page
    page_login(client, "far")
    assert 'data-error="404"' in page(client, url, 404)
    assert page(client, "/console/findings/999999999", 404)
    assert page(client, "/console/findings/abc", 404)
    assert page(client, f"/console/findings/{2 ** 63}", 404)
    assert client.post(url + "/transitions", data={}).status_code == 400  # no token first
    assert post_form(client, "/console/findings", url + "/transitions",
                     {"action": "assign", "note": "not mine"}).status_code == 404
    assert post_form(client, "/console/findings", "/console/findings/999999999/transitions",
                     {"action": "assign", "note": "nobody's"}).status_code == 404
    page_login(client, "jiwei")
    assert 'data-error="404"' in page(client, url, 404)  # not escalated: not theirs yet
    page_login(client, "commuter")
    own = page(client, url)
    assert 'data-kind="not_resident"' in own and actions(own) == []
    assert post_form(client, url, url + "/transitions",
                     {"action": "assign", "note": "me"}).status_code == 404
    assert db.session.get(Finding, commuter["finding"]).status == "open"


def test_an_inspector_does_not_see_a_period_before_the_cadre_was_posted_there(
        client, commuter):
    page_login(client, "insp")
    page(client, commuter["url"])
    assignment = db.session.scalars(select(Assignment).where(
        Assignment.cadre_id == commuter["cadre"].id)).one()
    people.update_assignment(assignment, {"starts_on": commuter["week"] + timedelta(days=7)})
    db.session.commit()
    assert 'data-error="404"' in page(client, commuter["url"], 404)
    page_login(client, "boss")
    assert CELL.findall(page(client, commuter["url"]))  # an admin sees every date


def test_the_chain_state_shows_verified_then_exactly_what_was_tampered(client, commuter):
    page_login(client, "insp")
    assert chain_state(page(client, commuter["url"])) == "verified"
    raised = db.session.scalar(select(FindingEvent.id).where(
        FindingEvent.flag_id == commuter["finding"]))
    db.session.execute(text("UPDATE flag_events SET note = 'nothing to see' WHERE id = :i"),
                       {"i": raised})
    db.session.commit()
    body = page(client, commuter["url"])
    assert chain_state(body) == "broken"
    assert re.findall(r'data-problem="(\w+)" data-event-id="(\d*)"', body) == [
        ("content", str(raised))]
    db.session.execute(text("UPDATE flags SET summary = 'all fine' WHERE id = :i"),
                       {"i": commuter["finding"]})
    db.session.commit()
    body = page(client, commuter["url"])
    assert ("state", str(raised)) in re.findall(r'data-problem="(\w+)" data-event-id="(\d*)"',
                                                body)
    assert html.escape("summary") in body


def test_verify_finding_notices_a_removed_newest_event(client, commuter):
    page_login(client, "insp")
    url = commuter["url"]
    post_form(client, url, url + "/transitions", {"action": "assign", "note": "mine"})
    db.session.execute(text("DELETE FROM flag_events WHERE id = (SELECT MAX(id) FROM "
                            "flag_events)"))
    db.session.commit()
    state = verify_finding(db.session.get(Finding, commuter["finding"]))
    assert not state["ok"]
    assert {p["problem"] for p in state["problems"]} == {"next_link", "state"}


def test_ping_and_media_findings_have_their_own_numbers(client, ctx, configure):
    configure(MAX_BACKFILL_DAYS=60, LATE_UPLOAD_HOURS=24 * 90.0)
    week = last_full_week()
    cadre = make_cadre()
    make_user("phone", "cadre", cadre_id=cadre.id)
    here = inside(VILLAGE)
    send(cadre.id, week_of(week, here, here), mock=True)
    evaluate(week)
    lat, lon = east_of(VILLAGE, 5000)
    uploaded = post_media(client, login(client, "phone"), media_files.jpeg(lat=lat, lon=lon),
                          recorded_at=datetime.combine(week, datetime.min.time(), ZONE)
                          + timedelta(hours=10))
    assert uploaded.status_code == 201, uploaded.get_json()
    make_user("insp", "inspector", regions=[TOWNSHIP])
    page_login(client, "insp")
    found = {f.kind: f for f in db.session.scalars(select(Finding))}
    mock = page(client, f"/console/findings/{found['mock_location'].id}")
    assert f'data-count="count">{found["mock_location"].evidence["count"]}<' in mock
    photo = page(client, f"/console/findings/{found['photo_location_mismatch'].id}")
    media_id = uploaded.get_json()["id"]
    assert f'data-media-id="{media_id}"' in photo and 'data-check-failed="true"' in photo
    assert re.search(r'data-check="location" data-failed="true"', photo)


def test_an_appealed_finding_offers_uphold_or_reject_and_shows_the_appeal(client, commuter):
    url, flag_id = commuter["url"], commuter["finding"]
    inspector = login(client, "insp")
    for action in ("assign", "confirm"):
        moved = client.post(f"/api/v1/flags/{flag_id}/transitions", headers=inspector,
                            json={"action": action, "note": "核查属实"})
        assert moved.status_code == 200, moved.get_json()
    appealed = client.post(f"/api/v1/flags/{flag_id}/appeal", headers=login(client, "commuter"),
                           json={"text": "那几晚在村委会值班，手机没电", "media_ids": []})
    assert appealed.status_code == 200, appealed.get_json()
    page_login(client, "insp")
    body = page(client, url)
    assert actions(body) == ["uphold_appeal", "reject_appeal"]
    assert 'data-outcome=""' in body and "那几晚在村委会值班，手机没电" in body
    assert post_form(client, url, url + "/transitions", {
        "action": "reject_appeal", "note": "值班表上没有他"}).status_code == 303
    decided = page(client, url)
    assert 'data-outcome="appeal_rejected"' in decided and "值班表上没有他" in decided
    assert actions(decided) == ["escalate", "reopen"]
    detail = client.get(f"/api/v1/flags/{flag_id}", headers=inspector).get_json()
    assert detail["appeals"][0]["decision_note"] == "值班表上没有他"
