"""The cadre's month page and the township page, with real pings sent through the ingest
service and evaluated, read through the Flask test client on both databases."""
from __future__ import annotations

import json
import re
import uuid
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from fieldapp.config import app_settings
from fieldapp.domain.dates import month_bounds
from fieldapp.extensions import db
from fieldapp.models import AccessLog, Device, Finding, PresenceDay, PresencePeriod
from fieldapp.services.people import registry as people
from fieldapp.services.presence import evaluation, leaves
from fieldapp.web.console.townships import STATE_COLOURS

from .helpers import OTHER_VILLAGE, TOWNSHIP, VILLAGE, cadre_login, make_cadre, make_user
from .page_helpers import page_login
from .presence_helpers import ZONE, at, east_of, inside, iso_week, last_full_week, send, week_of

SECOND_VILLAGE, THIRD_VILLAGE, EMPTY_VILLAGE = "410922100202", "410922100203", "410922100204"
OTHER_TOWNSHIP = OTHER_VILLAGE[:9]
NUMBERS = ("required_days", "present_days", "no_data_days",
           "required_nights", "present_nights", "no_data_nights")


@pytest.fixture()
def week(ctx, configure):
    """The latest finished ISO week; backfill wide enough to send a month of it today."""
    configure(MAX_BACKFILL_DAYS=60, LATE_UPLOAD_HOURS=24 * 90.0)
    return last_full_week()


def evaluate(first: date, last: date):
    return evaluation.evaluate(app_settings(), first, last)


def inspector(client, username="insp", regions=(TOWNSHIP,)):
    make_user(username, "inspector", regions=list(regions))
    assert page_login(client, username).status_code == 302


def html(client, url: str, status: int = 200) -> str:
    """The page in English (the words some checks read; Chinese is the default)."""
    answer = client.get(url, headers={"Accept-Language": "en"})
    assert answer.status_code == status, (url, answer.status_code)
    return answer.get_data(as_text=True)


def map_data(page: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="map-data">(.*?)</script>',
                                page, re.S)[1])


def table_rows(page: str) -> dict[int, dict]:
    """The township table's cadre rows by cadre id: village, state and the six numbers."""
    rows = {}
    for village, cadre, state, body in re.findall(
            r'<tr data-village="(\d+)" data-cadre-id="(\d+)" data-state="(\w+)"(.*?)</tr>',
            page, re.S):
        numbers = dict(re.findall(r'data-n="(\w+)">(\d+)<', body))
        rows[int(cadre)] = {"village": village, "state": state,
                            **{n: int(v) for n, v in numbers.items()},
                            "findings": dict(re.findall(
                                r'data-kind="(\w+)" data-count="(\d+)"', body))}
    return rows


def village_states(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-village="(\d+)"[^>]*>\s*<td[^>]*data-village-state="(\w+)"',
                           page))


def totals(page: str) -> dict[str, int]:
    body = re.search(r'<tr id="totals">(.*?)</tr>', page, re.S)[1]
    return {n: int(v) for n, v in re.findall(r'data-n="(\w+)">(\d+)<', body)}


def stored_period(cadre_id: int, start: date) -> PresencePeriod:
    return db.session.scalars(select(PresencePeriod).where(
        PresencePeriod.cadre_id == cadre_id, PresencePeriod.period_start == start)).one()


def epoch(moment: str) -> int:
    return int(datetime.fromisoformat(moment).timestamp())


# ---- the township ----------------------------------------------------------------------

def test_township_week_shows_the_stored_periods_and_colours_villages_by_state(client, week):
    resident = make_cadre(VILLAGE, name="甲")
    sleeps_in_town = make_cadre(VILLAGE, role="team_member", name="乙")
    elsewhere = make_cadre(SECOND_VILLAGE, name="丙")
    silent = make_cadre(THIRD_VILLAGE, name="丁")
    send(resident.id, week_of(week, inside(VILLAGE), inside(VILLAGE)))
    send(sleeps_in_town.id, week_of(week, inside(VILLAGE), east_of(VILLAGE, 5000)))
    send(elsewhere.id, week_of(week, inside(SECOND_VILLAGE), inside(SECOND_VILLAGE)))
    evaluate(week, week + timedelta(days=6))
    inspector(client)
    url = f"/console/townships/{TOWNSHIP}?week={iso_week(week)}"
    page = html(client, url)

    rows = table_rows(page)
    cadres = (resident, sleeps_in_town, elsewhere, silent)
    logged = {r.subject_cadre_id: r.params for r in db.session.scalars(
        select(AccessLog).where(AccessLog.resource == "presence"))}
    assert set(logged) == {c.id for c in cadres}
    assert logged[silent.id]["page"] == "township"
    assert set(rows) == {c.id for c in cadres}
    for cadre in cadres:
        stored = stored_period(cadre.id, week)
        assert {n: rows[cadre.id][n] for n in NUMBERS} == {n: getattr(stored, n)
                                                          for n in NUMBERS}
    assert totals(page) == {n: sum(rows[c.id][n] for c in cadres) for n in NUMBERS}
    assert rows[resident.id]["present_nights"] == 7
    assert rows[sleeps_in_town.id]["present_nights"] == 0
    assert rows[sleeps_in_town.id]["findings"] == {"not_resident": "1"}
    assert {c.id: rows[c.id]["state"] for c in cadres} == {
        resident.id: "met", sleeps_in_town.id: "short", elsewhere.id: "met",
        silent.id: "unclear"}  # silent: short only for lack of data

    states = village_states(page)
    assert (states[VILLAGE], states[SECOND_VILLAGE], states[THIRD_VILLAGE],
            states[EMPTY_VILLAGE]) == ("short", "met", "unclear", "vacant")
    drawn = {f["properties"]["code"]: f["properties"]
             for f in map_data(page)["boundaries"]["features"]}
    assert drawn[TOWNSHIP]["role"] == "township"
    for code, state in states.items():
        assert (drawn[code]["state"], drawn[code]["color"]) == (state, STATE_COLOURS[state])
        assert drawn[code]["label"]

    # a live attendance finding turns a village red though its numbers met the policy;
    # dismissed, it no longer does
    finding = Finding(key=f"absent:{elsewhere.id}:test", cadre_id=elsewhere.id,
                      region_code=SECOND_VILLAGE, kind="absent", severity=3, status="open",
                      summary="stored", evidence={}, period_start=week,
                      period_end=week + timedelta(days=6))
    db.session.add(finding)
    db.session.commit()
    assert village_states(html(client, url))[SECOND_VILLAGE] == "short"
    db.session.get(Finding, finding.id).status = "dismissed"
    db.session.commit()
    assert village_states(html(client, url))[SECOND_VILLAGE] == "met"


def test_township_month_adds_up_the_weeks_that_start_in_it(client, week):
    cadre = make_cadre(VILLAGE)
    first, last = month_bounds(week.strftime("%Y-%m"))
    straddling = first - timedelta(days=first.weekday())  # the week holding the 1st
    here = inside(VILLAGE)
    send(cadre.id, week_of(week, here, here) + week_of(straddling, here, None))
    evaluate(first, last)
    inspector(client)
    page = html(client, f"/console/townships/{TOWNSHIP}?month={week:%Y-%m}")

    stored = list(db.session.scalars(select(PresencePeriod).where(
        PresencePeriod.cadre_id == cadre.id)))
    counted = [p for p in stored if first <= p.period_start <= last]
    row = table_rows(page)[cadre.id]
    assert {n: row[n] for n in NUMBERS} == {n: sum(getattr(p, n) for p in counted)
                                            for n in NUMBERS}
    assert row["present_nights"] >= 7  # the last finished week is in it
    if straddling < first:  # that week started in the month before: not counted here
        early = stored_period(cadre.id, straddling)
        assert early.present_days > 0 and early not in counted


def test_township_needs_scope_and_a_real_period(client, week):
    make_cadre(VILLAGE)
    inspector(client, "far", regions=[OTHER_TOWNSHIP])
    html(client, f"/console/townships/{TOWNSHIP}", 404)
    default = html(client, f"/console/townships/{OTHER_TOWNSHIP}")
    assert f'data-period="{iso_week(week)}"' in default  # the last finished week
    for code in ("410922999", VILLAGE, "abc", "41092210０"):
        html(client, f"/console/townships/{code}", 404)
    for query in ("week=2026-W99", "week=W47", "week=2026-Wxx", "month=2026-13",
                  "month=1999-12", "week=2026-W47&month=2026-11", "month=" + "9" * 300):
        html(client, f"/console/townships/{OTHER_TOWNSHIP}?{query}", 400)


# ---- the cadre's month -----------------------------------------------------------------

def test_cadre_calendar_agrees_with_the_day_records(client, week):
    cadre = make_cadre(VILLAGE)
    send(cadre.id, week_of(week, inside(VILLAGE), east_of(VILLAGE, 5000), days=range(5)))
    evaluate(week, week + timedelta(days=6))
    inspector(client)
    page = html(client, f"/console/cadres/{cadre.id}?month={week:%Y-%m}")
    cells = {d: (day, night) for d, day, night in re.findall(
        r'data-date="([\d-]+)" data-day="(\w+)" data-night="(\w+)"', page)}
    first, last = month_bounds(f"{week:%Y-%m}")
    assert len(cells) == (last - first).days + 1
    records = {r.day.isoformat(): (r.day_status, r.night_status) for r in db.session.scalars(
        select(PresenceDay).where(PresenceDay.cadre_id == cadre.id,
                                  PresenceDay.day.between(first, last)))}
    assert records and "absent" in {night for _, night in records.values()}
    for day, statuses in cells.items():
        assert statuses == records.get(day, ("no_data", "no_data")), day
    assert db.session.scalar(select(AccessLog.params).where(
        AccessLog.subject_cadre_id == cadre.id, AccessLog.resource == "presence"))["page"] \
        == "cadre"


def test_the_chosen_night_draws_exactly_its_fixes_in_time_order(client, week, configure):
    configure(COLLECTION="track")  # every fix sent is drawn: all stored
    cadre = make_cadre(VILLAGE)
    night = week + timedelta(days=2)
    morning = night + timedelta(days=1)
    here = inside(VILLAGE)
    in_night = [at(night, 21, 30), at(night, 23, 10), at(morning, 1, 5), at(morning, 5, 50)]
    in_day = [at(night, 9), at(night, 17, 30)]
    others = [at(night, 20, 50), at(morning, 6, 10), at(morning, 22)]  # outside that night
    send(cadre.id, [(t, here, 12.0) for t in reversed(in_night + in_day + others)])
    inspector(client)
    base = f"/console/cadres/{cadre.id}?month={night:%Y-%m}"

    page = html(client, f"{base}&day={night}&slot=night")
    rows = map_data(page)["fixes"]["rows"]
    assert [r[3] for r in rows] == [epoch(t) for t in in_night]  # exactly these, in order
    assert {r[4] for r in rows} == {"night"}
    assert f'data-fixes="{len(in_night)}"' in page
    assert f'max="{len(in_night)}"' in page and 'data-action="replay-next"' in page

    rows = map_data(html(client, f"{base}&day={night}&slot=day"))["fixes"]["rows"]
    assert [r[3] for r in rows] == [epoch(t) for t in in_day]

    if morning.month == night.month:  # by default: the month's latest fix, its night
        page = html(client, base)
        assert f'data-day="{morning}" data-slot="night"' in page


def test_data_quality_is_what_was_sent(client, week, configure):
    configure(COLLECTION="track")  # what was sent is what is stored
    cadre = make_cadre(VILLAGE)
    one, three = week, week + timedelta(days=2)
    if one.month != three.month:
        one, three = week + timedelta(days=4), week + timedelta(days=6)
    here = inside(VILLAGE)
    send(cadre.id, [(at(one, 9), here, 10.0), (at(one, 15), here, 30.0)],
         provider="gps", battery=80.0)
    send(cadre.id, [(at(three, 9), here, 120.0), (at(three, 10), here, None)],
         provider="network", battery=55.0)
    devices = list(db.session.scalars(select(Device).where(Device.cadre_id == cadre.id)
                                      .order_by(Device.id)))
    devices[0].label = "华为 Mate 40"
    db.session.commit()
    people.revoke_device(devices[0])
    inspector(client)
    page = html(client, f"/console/cadres/{cadre.id}?month={three:%Y-%m}")

    assert re.search(r'data-q="fixes">4<', page)
    assert re.search(r'data-q="days">2 / \d+<', page)
    gap = (datetime.fromisoformat(at(three, 9)) - datetime.fromisoformat(at(one, 15)))
    assert f'data-seconds="{int(gap.total_seconds())}"' in page
    assert 'data-median="30.0" data-worst="120.0"' in page
    assert "1 without accuracy" in page
    assert 'data-level="55.0"' in page
    clients = re.findall(r'<tr data-device-id="(\d*)" data-provider="(\w*)" data-fixes="(\d+)">'
                         r'\s*<td>([^<]*)</td>', page)
    assert sorted(clients) == sorted([
        (str(devices[0].id), "gps", "2", "华为 Mate 40"),
        (str(devices[1].id), "network", "2", f"device {devices[1].id}")])
    assert f'data-device-id="{devices[0].id}" data-revoked="yes"' in page
    assert f'data-device-id="{devices[1].id}" data-revoked="no"' in page
    assert 'data-fence="inside"' in page  # last seen


def test_phone_is_masked_except_for_admins(client, week):
    cadre = people.create_cadre("王芳", "first_secretary", phone="13912340001")
    people.create_assignment(cadre.id, VILLAGE, date(2026, 1, 1))
    inspector(client)
    page = html(client, f"/console/cadres/{cadre.id}")
    assert "139****0001" in page and "13912340001" not in page
    assert f'data-period="{datetime.now(ZONE):%Y-%m}"' in page  # this month by default
    make_user("root", "admin")
    page_login(client, "root")
    assert "13912340001" in html(client, f"/console/cadres/{cadre.id}")


def test_an_inspector_sees_a_cadre_only_from_the_day_posted_to_them(client, week, configure):
    configure(COLLECTION="track")  # every fix sent is drawn: all stored
    switch = week + timedelta(days=3)
    if switch.day == 1:
        switch += timedelta(days=1)
    before = switch - timedelta(days=1)  # the same month, posted in the other township
    cadre = people.create_cadre("赵敏", "first_secretary")
    people.create_assignment(cadre.id, OTHER_VILLAGE, date(2026, 1, 1), before)
    people.create_assignment(cadre.id, VILLAGE, switch)
    there = inside(OTHER_VILLAGE)
    send(cadre.id, [(at(before, 21, 30), there, 10.0), (at(before, 23, 30), there, 10.0)])
    inspector(client)
    month = f"{switch:%Y-%m}"
    earlier = (switch.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    base = f"/console/cadres/{cadre.id}"

    html(client, f"{base}?month={earlier}", 404)
    page = html(client, f"{base}?month={month}&day={before}&slot=night")
    assert map_data(page)["fixes"]["rows"] == []
    assert 'rel="prev"' not in page
    assert re.search(r'data-q="fixes">0<', page)
    assert re.findall(r'data-posting="(\d+)"', page) == [VILLAGE]  # not where else they were

    client.post("/console/logout", data={"csrf_token": re.search(
        r'name="csrf_token" value="([^"]+)"', page)[1]})
    inspector(client, "far", regions=[OTHER_TOWNSHIP])
    assert len(map_data(html(client, f"{base}?month={month}&day={before}&slot=night"))
               ["fixes"]["rows"]) == 2
    html(client, f"{base}?month={earlier}")


def test_cadre_page_needs_scope_and_sane_values(client, week):
    cadre = make_cadre(VILLAGE)
    inspector(client, "far", regions=[OTHER_TOWNSHIP])
    html(client, f"/console/cadres/{cadre.id}", 404)
    make_user("insp", "inspector", regions=[TOWNSHIP])
    page_login(client, "insp")
    base = f"/console/cadres/{cadre.id}"
    html(client, base)
    for query in ("month=2026-13", "month=abc", "day=2026-02-30", "day=x", "day=2026-11-18x",
                  f"day={week}&slot=noon", f"month=2026-01&day={week}", "day=1999-12-31",
                  "month=2026-11&month=2026-12&day=" + "1" * 500):
        html(client, f"{base}?{query}", 400)
    for missing in (999999, 2**31 - 1, 2**31, 10**30):
        html(client, f"/console/cadres/{missing}", 404)
    make_user("root", "admin")
    page_login(client, "root")
    html(client, "/console/cadres/999999", 404)


def test_a_cadre_sees_their_own_month_and_nobody_elses(client, week):
    me = make_cadre(VILLAGE, name="我")
    other = make_cadre(VILLAGE, name="他")
    make_user("me", "cadre", cadre_id=me.id)
    page_login(client, "me")
    assert "我" in html(client, f"/console/cadres/{me.id}")
    html(client, f"/console/cadres/{other.id}", 404)
    html(client, f"/console/townships/{TOWNSHIP}", 404)
    assert db.session.scalar(select(AccessLog.id).where(
        AccessLog.subject_cadre_id == me.id)) is None  # their own read is not logged


def test_leave_findings_and_work_reports_of_the_month_are_listed(client, week, configure):
    configure(LEAVE_MAX_RETRO_DAYS=60)
    day = week + timedelta(days=3)
    cadre, headers = cadre_login(client, "me")
    lat, lon = inside(VILLAGE)
    report_id = str(uuid.uuid4())
    report = client.post("/api/v1/reports", headers=headers, json={
        "id": report_id, "kind": "household_visit", "occurred_at": at(day, 10),
        "summary": "走访脱贫户", "lat": lat, "lon": lon, "accuracy": 10})
    assert report.status_code == 201, report.get_json()
    leave = leaves.request_leave(app_settings(), cadre.id, day, day, "sick", "flu")
    found = {}
    for name, first in (("this", week), ("earlier", date(2026, 2, 2))):
        finding = Finding(key=f"no_data:{name}", cadre_id=cadre.id, region_code=VILLAGE,
                          kind="no_data", severity=2, status="open", summary="stored",
                          evidence={}, period_start=first, period_end=first + timedelta(days=6))
        db.session.add(finding)
        db.session.commit()
        found[name] = finding.id
    inspector(client)
    page = html(client, f"/console/cadres/{cadre.id}?month={day:%Y-%m}")
    assert f'data-report-id="{report_id}" data-fence="inside"' in page
    assert 'data-report-days="1"' in page and "走访脱贫户" in page
    assert f'data-leave-id="{leave.id}" data-status="pending"' in page
    assert f'data-finding-id="{found["this"]}"' in page
    assert f'data-finding-id="{found["earlier"]}"' not in page
