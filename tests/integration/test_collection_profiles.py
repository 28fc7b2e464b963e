"""The proof that `minimal` keeps all the presence rule reads (docs/collection.md): the same
week of 5-minute fixes, for cadres of every behaviour, ingested under each profile, gives
the same day and night statuses and the same absent / not_resident / no_data /
mock_location / static_location findings; `minimal` stores a small share of the fixes."""
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import func, select

from fieldapp.config import app_settings
from fieldapp.db.connections import autocommit_connection
from fieldapp.domain.dates import start_of
from fieldapp.extensions import db
from fieldapp.models import Finding, Ping, PresenceDay
from fieldapp.services.ingest import pings as ingest
from fieldapp.services.ingest import senders
from fieldapp.services.people import registry as people
from fieldapp.services.presence import evaluation, leaves

from .helpers import VILLAGE, login, make_cadre, make_user
from .ping_helpers import page_phone, phone, ping, village_points
from .presence_helpers import east_of, inside, iso_week, last_full_week

BEHAVIOURS = ("compliant", "commuting", "absent", "silent", "on_leave", "coarse", "mock",
              "static")
COMPARED = ("absent", "not_resident", "no_data", "mock_location", "static_location")
EVERY_S = 300
UPLOAD_EVERY_S = 6 * 3600


def week_fixes(kind: str, monday: date, here, away, rng, aligned: bool) -> list[dict]:
    """A week of fixes every five minutes, Monday 00:00 to the end of Sunday's night, where
    `kind` puts the cadre (on_leave: away on Tuesday and Wednesday, days and nights);
    `aligned`: on the five-minute marks, so many fall on a window's very edge."""
    if kind == "silent":
        return []
    zone = app_settings().zone
    start = start_of(monday, zone).timestamp()
    epoch = start + np.arange(0, (7 * 24 + 6) * 3600, EVERY_S)
    if not aligned:
        epoch = epoch + rng.uniform(0, 60, len(epoch))
    local = [datetime.fromtimestamp(e, zone) for e in epoch]
    hour = np.array([m.hour for m in local])
    night = (hour >= 21) | (hour < 6)
    night_of = np.array([(m.date() - monday).days - (m.hour < 6) for m in local])
    day_of = np.array([(m.date() - monday).days for m in local])
    away_mask = {"absent": np.ones(len(epoch), bool), "commuting": night,
                 "on_leave": np.isin(np.where(night, night_of, day_of), (1, 2))}.get(
        kind, np.zeros(len(epoch), bool))
    lat = np.where(away_mask, away[0], here[0])
    lon = np.where(away_mask, away[1], here[1])
    if kind != "static":  # real GPS jitters
        lat, lon = lat + rng.normal(0, 3e-5, len(lat)), lon + rng.normal(0, 3e-5, len(lon))
    accuracy = np.full(len(epoch), 500.0 if kind == "coarse" else 12.0)
    return [{"id": f"{kind}-{i}", "recorded_at": datetime.fromtimestamp(e, UTC).isoformat(),
             "lat": float(a), "lon": float(o), "accuracy": float(c),
             **({"mock": True} if kind == "mock" else {})}
            for i, (e, a, o, c) in enumerate(zip(epoch, lat, lon, accuracy, strict=True))]


def upload(cadre_id: int, fixes: list[dict]) -> dict:
    """Send `fixes` as a phone does: its buffer every six hours, received then."""
    settings = app_settings()
    _, token = people.create_device(cadre_id)
    totals = {"accepted": 0, "discarded": 0, "duplicates": 0, "rejected": 0}
    with autocommit_connection() as conn:
        sender = senders.by_device(settings, conn, token)
        batches: dict[int, list[dict]] = {}
        for fix in fixes:
            moment = datetime.fromisoformat(fix["recorded_at"]).timestamp()
            batches.setdefault(int(moment // UPLOAD_EVERY_S), []).append(fix)
        for slot, batch in sorted(batches.items()):
            received = datetime.fromtimestamp((slot + 1) * UPLOAD_EVERY_S + 60, UTC)
            answer = ingest.ingest(settings, conn, sender, batch,
                                   received_at=received).as_dict()
            for key in totals:
                totals[key] += answer[key]
    return totals


def records(cadre_id: int) -> list[tuple]:
    return db.session.execute(select(PresenceDay.day, PresenceDay.day_status,
                                     PresenceDay.night_status, PresenceDay.first_inside_at)
                              .where(PresenceDay.cadre_id == cadre_id)
                              .order_by(PresenceDay.day)).all()


def findings(cadre_id: int) -> list[tuple]:
    return db.session.execute(select(Finding.kind, Finding.period_start, Finding.period_end)
                              .where(Finding.cadre_id == cadre_id, Finding.kind.in_(COMPARED))
                              .order_by(Finding.kind, Finding.period_start)).all()


def stored(cadre_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Ping).where(
        Ping.cadre_id == cadre_id))


@pytest.fixture()
def week(ctx, configure):
    configure(MAX_BACKFILL_DAYS=60)
    return last_full_week()


@pytest.mark.parametrize("aligned", [False, True], ids=["jittered-times", "on-the-mark"])
def test_minimal_and_track_give_the_same_records_and_findings(week, configure, aligned):
    here, away = inside(VILLAGE), east_of(VILLAGE, 5000)
    cadres = {profile: {kind: make_cadre(name=f"{profile}{i}").id
                        for i, kind in enumerate(BEHAVIOURS)}
              for profile in ("minimal", "track")}
    for cadre_id in (cadres["minimal"]["on_leave"], cadres["track"]["on_leave"]):
        leave = leaves.request_leave(app_settings(), cadre_id, week + timedelta(days=1),
                                     week + timedelta(days=2), "training", "county training")
        leave.status = "approved"
    db.session.commit()
    answers = {}
    for profile in ("minimal", "track"):
        configure(COLLECTION=profile)
        for kind in BEHAVIOURS:
            fixes = week_fixes(kind, week, here, away, np.random.default_rng(len(kind)),
                               aligned)
            answers[profile, kind] = upload(cadres[profile][kind], fixes)
    evaluation.evaluate(app_settings(), *evaluation.parse_range(week=iso_week(week)))

    for kind in BEHAVIOURS:
        mine, full = cadres["minimal"][kind], cadres["track"][kind]
        assert records(mine) == records(full), kind
        assert findings(mine) == findings(full), kind
        assert answers["minimal", kind]["rejected"] == answers["track", kind]["rejected"] == 0
        assert answers["track", kind]["discarded"] == 0
        assert stored(full) == answers["track", kind]["accepted"] == len(
            week_fixes(kind, week, here, away, np.random.default_rng(len(kind)), aligned))
        assert stored(mine) == answers["minimal", kind]["accepted"]
    expected = {"compliant": set(), "commuting": {"not_resident"}, "absent": {
        "absent", "not_resident"}, "silent": {"no_data"}, "on_leave": set(),
        "coarse": {"no_data"}, "mock": {"mock_location"}, "static": {"static_location"}}
    for kind, kinds in expected.items():
        assert {k for k, _, _ in findings(cadres["minimal"][kind])} == kinds, kind
    # minimal keeps at most a fix per verdict and window instance (three a date; on the
    # mark, those on a window's edge too), except mock fixes, which are all kept
    for kind in set(BEHAVIOURS) - {"mock", "silent"}:
        assert stored(cadres["minimal"][kind]) <= 7 * 3 * (4 if aligned else 2), kind
    assert stored(cadres["minimal"]["mock"]) == stored(cadres["track"]["mock"])


def _yesterday(hour: int, minute: int = 0) -> str:
    zone = app_settings().zone
    day = datetime.now(zone).date() - timedelta(days=1)
    return datetime.combine(day, datetime.min.time(), zone).replace(
        hour=hour, minute=minute).isoformat()


@pytest.mark.device_paths
def test_post_pings_answers_discarded_with_a_reason_and_stores_none_of_them(client):
    """The fast path and the Flask route answer alike; a resent discarded id is answered
    discarded again (it was never stored), a resent kept one duplicate."""
    cadre, headers = phone()
    here, far = village_points()
    batch = [ping(*here, id="a", recorded_at=_yesterday(9, 5)),
             ping(*here, id="b", recorded_at=_yesterday(9)),       # earlier: the one kept
             ping(*here, id="c", recorded_at=_yesterday(19)),      # in no window
             ping(*far, id="d", recorded_at=_yesterday(10)),       # the first outside
             ping(*far, id="e", recorded_at=_yesterday(10, 30)),
             ping(*here, id="f", recorded_at=_yesterday(19, 30), mock=True)]  # always kept
    answer = client.post("/api/v1/pings", json={"pings": batch}, headers=headers).get_json()
    statuses = [(r["id"], r["status"], r.get("reason")) for r in answer["results"]]
    assert statuses == [
        ("a", "discarded", "an inside fix is already kept for this window"),
        ("b", "accepted", None), ("c", "discarded", "outside every check-in window"),
        ("d", "accepted", None),
        ("e", "discarded", "an outside fix is already kept for this window"),
        ("f", "accepted", None)]
    assert answer["results"][0]["fence"] == "inside" and answer["results"][0]["village_code"]
    assert (answer["accepted"], answer["discarded"], answer["duplicates"],
            answer["rejected"]) == (3, 3, 0, 0)
    again = client.post("/api/v1/pings", json={"pings": batch}, headers=headers).get_json()
    assert [r["status"] for r in again["results"]] == [
        "discarded", "duplicate", "discarded", "duplicate", "discarded", "duplicate"]
    later = client.post("/api/v1/pings", json=ping(*here, recorded_at=_yesterday(9, 40)),
                        headers=headers).get_json()
    assert (later["accepted"], later["discarded"]) == (0, 1)
    assert sorted(p.client_id for p in db.session.scalars(select(Ping))) == ["b", "d", "f"]


def test_fixes_that_may_answer_an_open_challenge_are_kept(client, configure):
    configure(CHECKIN_WINDOWS="00:00-23:59", NIGHT_WINDOW="23:59-00:00")
    cadre, device = phone()
    make_user("insp", "inspector", regions=[VILLAGE[:9]])
    here, _ = village_points()
    first = client.post("/api/v1/pings", json={"pings": [ping(*here, minutes_ago=3),
                                                         ping(*here, minutes_ago=2)]},
                        headers=device).get_json()
    assert [r["status"] for r in first["results"]] == ["accepted", "discarded"]
    issued = client.post("/api/v1/challenges", json={"cadre_ids": [cadre.id]},
                         headers=login(client, "insp"))
    assert issued.status_code == 201, issued.get_json()
    answer = client.post("/api/v1/pings", json=ping(*here, minutes_ago=0), headers=device)
    assert answer.get_json()["accepted"] == 1
    assert client.post("/api/v1/pings", json=ping(*here, minutes_ago=0, challenge_id="x"),
                       headers=device).get_json()["accepted"] == 1


@pytest.mark.parametrize("profile", ["minimal", "track"])
def test_me_collection_for_the_phone_page(client, configure, profile):
    configure(COLLECTION=profile)
    cadre, device = page_phone()
    make_user("cadre", "cadre", cadre_id=cadre.id)
    for headers in (device, login(client, "cadre")):
        answer = client.get("/api/v1/me/collection", headers=headers)
        assert answer.status_code == 200
        body = answer.get_json()
        assert set(body) == {"profile", "now", "window", "next_opens_at"}
        now = datetime.fromisoformat(body["now"])
        assert body["profile"] == profile and datetime.fromisoformat(body["next_opens_at"]) > now
        if body["window"] is not None:
            assert set(body["window"]) == {"kind", "starts_at", "ends_at"}
            assert body["window"]["kind"] in ("day", "night")
            assert (datetime.fromisoformat(body["window"]["starts_at"]) <= now
                    < datetime.fromisoformat(body["window"]["ends_at"]))
    configure(CHECKIN_WINDOWS="00:00-23:59", NIGHT_WINDOW="23:59-00:00")
    assert client.get("/api/v1/me/collection", headers=device).get_json()["window"] is not None
    make_user("insp", "inspector", regions=[VILLAGE[:9]])
    assert client.get("/api/v1/me/collection", headers=login(client, "insp")).status_code == 403
    assert client.get("/api/v1/me/collection").status_code == 401
