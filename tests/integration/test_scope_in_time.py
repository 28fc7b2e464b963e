"""Scope in time: an inspector or discipline user sees a cadre's data only for the dates the
cadre was posted inside their regions, and decides leave only for days the cadre was posted
there (services/access/scope.py)."""
from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

from fieldapp.domain.dates import local_date
from fieldapp.extensions import db
from fieldapp.models import Finding, Ping, PresenceDay
from fieldapp.models.types import utcnow
from fieldapp.services.people import registry as people
from tests import media_files as files

from .helpers import OTHER_VILLAGE, TOWNSHIP, VILLAGE, login, make_user
from .presence_helpers import ZONE, inside, send

OTHER_TOWNSHIP = OTHER_VILLAGE[:9]
SECOND_VILLAGE = "410922100202"  # another village of township A


def local(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), ZONE)


def photo(seed: int) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    return files.png(Image.fromarray(pixels))


@dataclass
class World:
    cadre_id: int
    cadre: dict
    a_day: date  # a day of the posting in township A
    b_day: date  # a day of the posting in township B
    media: dict  # "a"/"b" -> media id
    flags: dict  # "a"/"b"/"a_late" -> finding id
    leaves: dict  # "a"/"b"/"across" -> leave id
    pings: dict  # "a"/"b" -> client id


def _post_media(client, headers, day: date, seed: int) -> int:
    response = client.post("/api/v1/media", headers=headers, content_type="multipart/form-data",
                           data={"id": str(uuid.uuid4()), "recorded_at": local(day).isoformat(),
                                 "file": (io.BytesIO(photo(seed)), "p.png")})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _report(client, headers, day: date, village: str) -> None:
    lat, lon = inside(village)
    response = client.post("/api/v1/reports", headers=headers, json={
        "id": str(uuid.uuid4()), "kind": "meeting", "occurred_at": local(day).isoformat(),
        "summary": f"meeting on {day}", "lat": lat, "lon": lon, "accuracy": 10})
    assert response.status_code == 201, response.get_json()


def _leave(client, headers, first: date, last: date) -> int:
    response = client.post("/api/v1/leaves", headers=headers, json={
        "starts_on": first.isoformat(), "ends_on": last.isoformat(), "kind": "personal",
        "reason": "family"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _finding(cadre_id: int, region: str, day: date, status: str = "open", **evidence) -> int:
    finding = Finding(key=f"test:{uuid.uuid4()}", cadre_id=cadre_id, region_code=region,
                      kind="no_data", severity=2, status=status, period_start=day,
                      period_end=day, summary=f"silent on {day}", evidence=evidence)
    db.session.add(finding)
    db.session.commit()
    return finding.id


def _day(cadre_id: int, assignment_id: int, region: str, day: date) -> None:
    db.session.add(PresenceDay(assignment_id=assignment_id, cadre_id=cadre_id,
                               region_code=region, day=day, day_status="present",
                               night_status="present", counts={}))
    db.session.commit()


def build(client, a_first: date, a_last: date, b_first: date, a_day: date,
          b_day: date) -> World:
    """A cadre posted in township A (VILLAGE) over [a_first, a_last], then in township B
    (OTHER_VILLAGE) from b_first, with data of every kind on a day of each."""
    cadre = people.create_cadre(name="调动", role="first_secretary")
    post_a = people.create_assignment(cadre.id, VILLAGE, a_first, a_last)
    post_b = people.create_assignment(cadre.id, OTHER_VILLAGE, b_first)
    ids = (cadre.id, post_a.id, post_b.id)
    make_user("moved-cadre", "cadre", cadre_id=cadre.id)
    headers = login(client, "moved-cadre")
    answer = send(ids[0], [(local(a_day).isoformat(), inside(VILLAGE), 15.0),
                           (local(b_day).isoformat(), inside(OTHER_VILLAGE), 15.0)])
    pings = {"a": answer["results"][0]["id"], "b": answer["results"][1]["id"]}
    media = {"a": _post_media(client, headers, a_day, 1),
             "b": _post_media(client, headers, b_day, 2)}
    _report(client, headers, a_day, VILLAGE)
    _report(client, headers, b_day, OTHER_VILLAGE)
    today = local_date(utcnow(), ZONE)
    leaves = {"a": _leave(client, headers, a_day, a_day),
              "b": _leave(client, headers, today + timedelta(days=1), today + timedelta(days=2))}
    _day(ids[0], ids[1], VILLAGE, a_day)
    _day(ids[0], ids[2], OTHER_VILLAGE, b_day)
    ping_ids = list(db.session.scalars(select(Ping.id).where(Ping.cadre_id == ids[0])))
    flags = {"a": _finding(ids[0], VILLAGE, a_day, "escalated", ping_ids=ping_ids),
             "a_open": _finding(ids[0], VILLAGE, a_day),
             "b": _finding(ids[0], OTHER_VILLAGE, b_day, "escalated"),
             # routed to A's region (say, by an upload's checks) but about a day in B's time
             "a_late": _finding(ids[0], VILLAGE, b_day)}
    return World(ids[0], headers, a_day, b_day, media, flags, leaves, pings)


@pytest.fixture()
def moved(client):
    """Posted in A until 5 days ago, in B since 4 days ago."""
    today = local_date(utcnow(), ZONE)
    return build(client, today - timedelta(days=10), today - timedelta(days=5),
                 today - timedelta(days=4), today - timedelta(days=7),
                 today - timedelta(days=2))


@pytest.fixture()
def ended_long_ago(client):
    """The issue's case: an ended posting (2025-01) in A, now posted in B."""
    today = local_date(utcnow(), ZONE)
    return build(client, date(2025, 1, 1), date(2025, 1, 31), today - timedelta(days=10),
                 today - timedelta(days=7), today - timedelta(days=2))


def seen(client, headers, world: World) -> dict:
    """What a login reads about the cadre, by kind, as "a"/"b" labels."""
    cid = world.cadre_id
    label = {world.a_day.isoformat(): "a", world.b_day.isoformat(): "b"}

    def days_of(items, key):
        return sorted(label[item[key][:10]] for item in items)

    def local_day(moment: str) -> str:
        return label[datetime.fromisoformat(moment).astimezone(ZONE).date().isoformat()]

    pings = client.get(f"/api/v1/pings?cadre_id={cid}", headers=headers).get_json()
    presence = client.get(f"/api/v1/presence?cadre_id={cid}", headers=headers).get_json()
    media = client.get(f"/api/v1/media?cadre_id={cid}", headers=headers).get_json()
    reports = client.get(f"/api/v1/reports?cadre_id={cid}", headers=headers).get_json()
    all_reports = client.get("/api/v1/reports", headers=headers).get_json()
    months = {world.a_day.strftime("%Y-%m"), world.b_day.strftime("%Y-%m")}
    monthly = []
    for month in sorted(months):
        record = client.get(f"/api/v1/reports/monthly?cadre_id={cid}&month={month}",
                            headers=headers).get_json()
        monthly += [label[r["date"]] for r in record["reports"]]
    leaves = client.get(f"/api/v1/leaves?cadre_id={cid}", headers=headers).get_json()
    flags = client.get(f"/api/v1/flags?cadre_id={cid}", headers=headers).get_json()
    leave_labels = {v: k for k, v in world.leaves.items()}
    flag_labels = {v: k for k, v in world.flags.items()}
    media_labels = {v: k for k, v in world.media.items()}
    return {
        "pings": sorted(local_day(p["recorded_at"]) for p in pings["items"]),
        "days": days_of(presence["days"], "date"),
        "presence_flags": sorted(flag_labels[f["id"]] for f in presence["flags"]),
        "media": sorted(local_day(m["recorded_at"]) for m in media["items"]),
        "media_one": sorted(k for k, mid in world.media.items() if client.get(
            f"/api/v1/media/{mid}", headers=headers).status_code == 200),
        "media_file": sorted(media_labels[mid] for mid in world.media.values() if client.get(
            f"/api/v1/media/{mid}/thumbnail", headers=headers).status_code == 200),
        "reports": sorted(local_day(r["occurred_at"]) for r in reports["items"]),
        "all_reports": sorted(local_day(r["occurred_at"]) for r in all_reports["items"]
                              if r["cadre_id"] == cid),
        "monthly": sorted(monthly),
        "leaves": sorted(leave_labels[x["id"]] for x in leaves["items"]),
        "leave_one": sorted(k for k, lid in world.leaves.items() if client.get(
            f"/api/v1/leaves/{lid}", headers=headers).status_code == 200),
        "flags": sorted(flag_labels[f["id"]] for f in flags["items"]),
        "flag_one": sorted(k for k, fid in world.flags.items() if client.get(
            f"/api/v1/flags/{fid}", headers=headers).status_code == 200),
    }


FLAGS = ("presence_flags", "flags", "flag_one")
ONLY_A = {"pings": ["a"], "days": ["a"], "media": ["a"], "media_one": ["a"],
          "media_file": ["a"], "reports": ["a"], "all_reports": ["a"], "monthly": ["a"],
          "leaves": ["a"], "leave_one": ["a"], **{key: ["a", "a_open"] for key in FLAGS}}
ONLY_B = {key: ["b"] for key in ONLY_A}
EVERYTHING = {**{key: ["a", "b"] for key in ONLY_A},
              **{key: ["a", "a_late", "a_open", "b"] for key in FLAGS}}


def decide(client, headers, leave_id):
    return client.post(f"/api/v1/leaves/{leave_id}/decision", headers=headers,
                       json={"decision": "approve", "note": "ok"})


def move_flag(client, headers, flag_id):
    return client.post(f"/api/v1/flags/{flag_id}/transitions", headers=headers,
                       json={"action": "assign", "note": "mine"})


def test_a_move_splits_the_cadre_between_townships(client, moved):
    make_user("insp-a", "inspector", regions=[TOWNSHIP])
    make_user("insp-b", "inspector", regions=[OTHER_TOWNSHIP])
    a, b = login(client, "insp-a"), login(client, "insp-b")
    assert seen(client, a, moved) == ONLY_A
    assert seen(client, b, moved) == ONLY_B
    assert decide(client, a, moved.leaves["b"]).status_code == 403
    assert decide(client, b, moved.leaves["a"]).status_code == 403
    assert decide(client, b, moved.leaves["b"]).status_code == 200
    assert decide(client, a, moved.leaves["a"]).status_code == 200
    assert move_flag(client, a, moved.flags["a_late"]).status_code == 404
    assert move_flag(client, b, moved.flags["a"]).status_code == 404
    assert move_flag(client, a, moved.flags["a_open"]).status_code == 200


def test_an_ended_posting_opens_nothing_later(client, ended_long_ago):
    """The issue's case: the inspector of a township where the cadre was posted in
    2025-01 reads none of the cadre's current data and cannot approve the current leave."""
    make_user("insp-a", "inspector", regions=[TOWNSHIP])
    a = login(client, "insp-a")
    assert seen(client, a, ended_long_ago) == {key: [] for key in ONLY_A}
    response = decide(client, a, ended_long_ago.leaves["b"])
    assert response.status_code == 403 and response.get_json()["code"] == 403
    assert move_flag(client, a, ended_long_ago.flags["a_late"]).status_code == 404
    # still "posted here once": the cadre is not unknown to them, and other cadres are 403
    cid = ended_long_ago.cadre_id
    assert client.get(f"/api/v1/pings?cadre_id={cid}", headers=a).status_code == 200
    stranger = people.create_cadre(name="外人", role="first_secretary")
    people.create_assignment(stranger.id, OTHER_VILLAGE, date(2026, 1, 1))
    assert client.get(f"/api/v1/pings?cadre_id={stranger.id}", headers=a).status_code == 403
    assert client.get(f"/api/v1/presence?cadre_id={stranger.id}",
                      headers=a).status_code == 403


def test_the_cadre_and_admins_see_everything(client, moved):
    make_user("root", "admin")
    assert seen(client, login(client, "root"), moved) == EVERYTHING
    assert seen(client, moved.cadre, moved) == EVERYTHING


def test_a_discipline_users_county_scope(client, moved):
    """The county holds both postings: every date; a township, only its own. Of findings
    only the escalated ones."""
    make_user("jiwei", "discipline", regions=["410922"])
    make_user("jiwei-a", "discipline", regions=[TOWNSHIP])
    county = seen(client, login(client, "jiwei"), moved)
    assert county == {**EVERYTHING, **{key: ["a", "b"] for key in FLAGS}}
    assert seen(client, login(client, "jiwei-a"), moved) == {**ONLY_A,
                                                              **{key: ["a"] for key in FLAGS}}


def test_evidence_pings_from_after_the_move_are_left_off_the_map(client, moved):
    make_user("insp-a", "inspector", regions=[TOWNSHIP])
    make_user("root", "admin")
    url = f"/api/v1/flags/{moved.flags['a']}"

    def evidence_days(headers):
        features = client.get(url, headers=headers).get_json()["map"]["features"]
        return sorted(datetime.fromisoformat(f["properties"]["recorded_at"]).astimezone(ZONE)
                      .date() for f in features if f["properties"].get("role") == "evidence")

    assert evidence_days(login(client, "insp-a")) == [moved.a_day]
    assert evidence_days(login(client, "root")) == [moved.a_day, moved.b_day]


def test_consecutive_postings_in_one_township_join(client):
    """Two postings in township A, one after the other, then B: A decides a leave across
    its two postings, not one across the move to B; B neither; an admin can."""
    today = local_date(utcnow(), ZONE)
    cadre = people.create_cadre(name="连任", role="first_secretary")
    people.create_assignment(cadre.id, VILLAGE, today - timedelta(days=20),
                             today - timedelta(days=11))
    people.create_assignment(cadre.id, SECOND_VILLAGE, today - timedelta(days=10),
                             today - timedelta(days=5))
    people.create_assignment(cadre.id, OTHER_VILLAGE, today - timedelta(days=4))
    make_user("c", "cadre", cadre_id=cadre.id)
    headers = login(client, "c")
    across_a = _leave(client, headers, today - timedelta(days=12), today - timedelta(days=9))
    across_move = _leave(client, headers, today - timedelta(days=6), today - timedelta(days=3))
    # an inspector whose regions overlap (the township and a village in it) changes nothing
    make_user("insp-a", "inspector", regions=[TOWNSHIP, SECOND_VILLAGE])
    make_user("insp-b", "inspector", regions=[OTHER_TOWNSHIP])
    make_user("root", "admin")
    a, b = login(client, "insp-a"), login(client, "insp-b")
    listed = client.get(f"/api/v1/leaves?cadre_id={cadre.id}", headers=b).get_json()
    assert sorted(x["id"] for x in listed["items"]) == [across_move]  # reads: overlap
    refused = decide(client, a, across_move)
    assert refused.status_code == 403 and "every day" in refused.get_json()["message"]
    assert decide(client, b, across_move).status_code == 403
    assert decide(client, a, across_a).status_code == 200
    assert decide(client, login(client, "root"), across_move).status_code == 200
