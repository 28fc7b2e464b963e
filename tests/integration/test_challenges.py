"""Location challenges through the API and `flask challenges settle`: issuing to cadres or
to a drawn sample (RFC 3797, derivable again from the batch); the windows and the weekly
ration, judged at a fixed `now`; scope; a cadre's open challenges by bearer or device
token; answers by a fix with and without the challenge id, uncertain fixes, old and late
fixes, missed challenges, findings in the queue and the chain, settling twice or at once;
delivery to the webhook and to an OwnTracks phone over MQTT; hostile input."""
from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import func, select

from fieldapp.config import app_settings
from fieldapp.db.connections import autocommit_connection
from fieldapp.domain.draw import permutation
from fieldapp.domain.presence import Windows
from fieldapp.extensions import db
from fieldapp.models import (
    AccessLog,
    Challenge,
    ChallengeBatch,
    Device,
    Finding,
    FindingEvent,
    User,
)
from fieldapp.models.types import utcnow
from fieldapp.services.access.scope import Scope
from fieldapp.services.ingest import pings as ingest
from fieldapp.services.ingest import senders
from fieldapp.services.people import registry as people
from fieldapp.services.spotchecks import challenges
from fieldapp.services.spotchecks.challenges import Refused, window_open

from .helpers import OTHER_VILLAGE, TOWNSHIP, VILLAGE, at_once, login, make_cadre, make_user
from .mqtt_broker import eventually, free_port, mosquitto, phone  # noqa: F401
from .presence_helpers import ZONE, east_of, inside
from .test_mqtt import REPORT, location, mqtt, start  # noqa: F401

API = "/api/v1/challenges"
ALWAYS_OPEN = {"CHECKIN_WINDOWS": "00:00-23:59", "NIGHT_WINDOW": "23:59-00:00"}
DEFAULT_WINDOWS = {"CHECKIN_WINDOWS": "08:00-12:00,12:00-18:00", "NIGHT_WINDOW": "21:00-06:00"}
NEIGHBOUR = f"{TOWNSHIP}202"


@pytest.fixture()
def posted(ctx, configure):
    """Three cadres at VILLAGE, one at the next village, one in another township; the
    township's inspector (logged in), another township's, the discipline office; windows
    open all day, so requests made now are inside one."""
    configure(**ALWAYS_OPEN)
    here = [make_cadre(VILLAGE, name=name).id for name in ("张伟", "李娜", "王强")]
    neighbour = make_cadre(NEIGHBOUR, name="赵敏").id
    away = make_cadre(OTHER_VILLAGE, name="孙丽").id
    make_user("insp", "inspector", regions=[TOWNSHIP])
    make_user("far", "inspector", regions=[OTHER_VILLAGE[:9]])
    make_user("disc", "discipline", regions=[TOWNSHIP])
    return {"here": here, "neighbour": neighbour, "away": away}


def scope_of(username: str) -> Scope:
    user = db.session.scalar(select(User).where(User.username == username))
    return Scope(user, ZONE)


def issue(client, headers, status: int = 201, **body) -> dict:
    answer = client.post(API, json=body, headers=headers)
    assert answer.status_code == status, answer.get_json()
    return answer.get_json()


def device_of(cadre_id: int) -> dict:
    _, token = people.create_device(cadre_id)
    return {"Authorization": f"Device {token}"}


def fix(where, accuracy: float = 12.0, ago_s: int = 30, **extra) -> dict:
    moment = utcnow() - timedelta(seconds=ago_s)
    return {"id": str(uuid.uuid4()), "recorded_at": moment.isoformat(), "lat": where[0],
            "lon": where[1], "accuracy": accuracy, **extra}


def send(client, device: dict, *fixes) -> list[dict]:
    answer = client.post("/api/v1/pings", json={"pings": list(fixes)}, headers=device)
    assert answer.status_code == 200 and answer.get_json()["accepted"] == len(fixes), \
        answer.get_json()
    return answer.get_json()["results"]


def received_at(cadre_id: int, moment: datetime, *fixes) -> None:
    """Store fixes as if they had reached the server at `moment`."""
    _, token = people.create_device(cadre_id)
    with autocommit_connection() as conn:
        settings = app_settings()
        sender = senders.by_device(settings, conn, token)
        assert ingest.ingest(settings, conn, sender, list(fixes),
                             received_at=moment).as_dict()["accepted"] == len(fixes)


def settle(ctx) -> str:
    result = ctx.test_cli_runner().invoke(args=["challenges", "settle"])
    assert result.exit_code == 0, result.output
    return result.stdout


def chain_verifies(ctx) -> None:
    result = ctx.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_issued_to_a_cadre_listed_on_their_phone_and_answered_inside(ctx, client, posted):
    headers = login(client, "insp")
    cadre = posted["here"][0]
    device = device_of(cadre)
    send(client, device, fix(inside(VILLAGE)))  # before the challenge: answers nothing
    batch = issue(client, headers, cadre_ids=[cadre], deadline_minutes=20, note="电话抽查")
    (row,) = batch["challenges"]
    assert batch["deadline_minutes"] == 20 and batch["note"] == "电话抽查"
    assert batch["pool"] is None and batch["draw_source"] is None
    assert (row["cadre_id"], row["status"], row["village_code"]) == (cadre, "open", VILLAGE)
    assert row["cadre_name"] == "张伟" and row["issuer_name"] == "insp"
    assert 19 * 60 < row["seconds_left"] <= 20 * 60 and row["answer"] is None
    deadline = datetime.fromisoformat(row["deadline"])
    assert deadline - datetime.fromisoformat(row["issued_at"]) == timedelta(minutes=20)
    assert row["delivery"] is None  # neither MQTT nor a webhook is set up
    # the cadre's phone (device token) and login (bearer) both see it; another cadre not
    make_user("zhang", "cadre", cadre_id=cadre)
    for caller in (device, login(client, "zhang")):
        mine = client.get("/api/v1/me/challenges", headers=caller).get_json()
        (item,) = mine["items"]
        assert item["id"] == row["id"] and item["challenge_id"] == str(row["id"])
        assert datetime.fromisoformat(item["deadline"]) == deadline
        assert 0 < item["seconds_left"] <= 20 * 60
    other = device_of(posted["here"][1])
    assert client.get("/api/v1/me/challenges", headers=other).get_json()["items"] == []
    # an old fix uploaded now shows nothing about now; a fresh one naming it answers
    send(client, device, fix(east_of(VILLAGE, 3000), ago_s=3600))
    assert client.get(f"{API}/{row['id']}", headers=headers).get_json()["status"] == "open"
    (sent,) = send(client, device, fix(inside(VILLAGE), challenge_id=str(row["id"])))
    answered = client.get(f"{API}/{row['id']}", headers=headers).get_json()
    assert answered["status"] == "answered_inside" and answered["seconds_left"] is None
    answer = answered["answer"]
    assert answer["fence"] == "inside" and answer["named_challenge"] is True
    assert answer["distance_m"] == 0 and answer["village_code"] == VILLAGE
    assert datetime.fromisoformat(answer["received_at"]) >= datetime.fromisoformat(
        row["issued_at"])
    assert answered["finding_id"] is None and count(Finding) == 0
    assert client.get("/api/v1/me/challenges", headers=device).get_json()["items"] == []
    logged = db.session.scalars(select(AccessLog).where(AccessLog.resource == "challenges"))
    assert [(e.subject_cadre_id, e.params["ids"]) for e in logged] == [(cadre, [row["id"]])]
    assert sent["fence"] == "inside"


def test_an_outside_answer_without_the_id_raises_a_finding_in_the_queue_and_chain(
        ctx, client, posted):
    headers = login(client, "insp")
    cadre = posted["here"][1]
    device = device_of(cadre)
    (row,) = issue(client, headers, cadre_ids=[cadre])["challenges"]
    send(client, device, fix(inside(VILLAGE), accuracy=900))  # uncertain: judges nothing
    assert client.get(f"{API}/{row['id']}", headers=headers).get_json()["status"] == "open"
    (outside,) = send(client, device, fix(east_of(VILLAGE, 2000)))
    (listed,) = client.get(API, headers=headers).get_json()["items"]
    assert listed["status"] == "answered_outside" and listed["answer"]["fence"] == "outside"
    assert listed["answer"]["named_challenge"] is False
    assert listed["answer"]["distance_m"] > 1500
    finding = db.session.get(Finding, listed["finding_id"])
    assert (finding.kind, finding.severity, finding.status, finding.region_code) == (
        "challenge_outside", 3, "open", VILLAGE)
    assert finding.key == f"challenge_outside:challenge:{row['id']}"
    evidence = finding.evidence
    assert evidence["challenge_id"] == row["id"] and evidence["issuer"] == "insp"
    assert evidence["deadline"] == datetime.fromisoformat(row["deadline"]).isoformat()
    assert evidence["ping_ids"] == [listed["answer"]["ping_id"]]
    assert evidence["fix"]["fence"] == "outside" and evidence["mock_ping_ids"] == []
    (event,) = db.session.scalars(select(FindingEvent).where(FindingEvent.flag_id == finding.id))
    assert (event.action, event.to_status, event.actor_id) == ("raise", "open", None)
    chain_verifies(ctx)
    queue = client.get("/api/v1/flags", headers={**headers, "Accept-Language": "en"})
    (flag,) = queue.get_json()["items"]
    local = datetime.fromisoformat(row["issued_at"]).astimezone(ZONE).strftime("%Y-%m-%d %H:%M")
    assert flag["summary"] == (f"Outside the village when asked for a location at {local}: "
                               f"the answer was {evidence['fix']['distance_m']:.0f} m from it")
    dossier = client.get(f"/api/v1/flags/{finding.id}", headers=headers).get_json()
    assert [f["id"] for f in dossier["map"]["features"]
            if f["properties"].get("role") == "evidence"] == [outside["id"]]
    # settling again, and reading again, changes nothing
    assert "none" in settle(ctx)
    client.get(API, headers=headers)
    assert count(Finding) == 1 and count(FindingEvent) == 1


def test_uncertain_only_missed_late_and_mock_fixes(ctx, client, posted):
    """Settled by `flask challenges settle` once the deadline has passed: only uncertain
    fixes → answered_uncertain, no finding; a fix after the deadline or a mock one → missed
    with challenge_missed; one still running stays open."""
    uncertain, late, mocked, running = posted["here"] + [posted["neighbour"]]
    inspector = scope_of("insp")
    then = utcnow() - timedelta(hours=2)
    batch = challenges.issue(app_settings(), inspector, cadre_ids=[uncertain, late, mocked],
                             deadline_minutes=30, now=then)
    received_at(uncertain, then + timedelta(minutes=10),
                fix(inside(VILLAGE), accuracy=900, ago_s=0) | {
                    "recorded_at": (then + timedelta(minutes=9)).isoformat()})
    received_at(mocked, then + timedelta(minutes=5), fix(inside(VILLAGE), ago_s=0, mock=True) | {
        "recorded_at": (then + timedelta(minutes=4)).isoformat()})
    send(client, device_of(late), fix(inside(VILLAGE)))  # now: long after the deadline
    (open_one,) = challenges.issue(app_settings(), scope_of("insp"), cadre_ids=[running],
                                   deadline_minutes=60).challenges
    ids = {c.cadre_id: c.id for c in batch.challenges}
    assert settle(ctx).strip() == "challenges settled: 1 answered_uncertain, 2 missed"
    status = dict(db.session.execute(select(Challenge.cadre_id, Challenge.status)).all())
    assert status == {uncertain: "answered_uncertain", late: "missed", mocked: "missed",
                      running: "open"}
    settled = db.session.get(Challenge, ids[uncertain])
    assert settled.answer_ping_id is not None and settled.finding_id is None
    missed = {f.cadre_id: f for f in db.session.scalars(select(Finding))}
    assert set(missed) == {late, mocked}
    assert {f.kind for f in missed.values()} == {"challenge_missed"}
    assert missed[late].evidence["ping_ids"] == [] and missed[late].evidence["fix"] is None
    assert missed[late].period_start == then.astimezone(ZONE).date()
    assert len(missed[mocked].evidence["mock_ping_ids"]) == 1
    assert missed[mocked].evidence["ping_ids"] == missed[mocked].evidence["mock_ping_ids"]
    events = count(FindingEvent)
    assert settle(ctx).strip() == "challenges settled: none"
    assert count(FindingEvent) == events == 2 and count(Finding) == 2
    chain_verifies(ctx)
    headers = login(client, "insp")
    flags = client.get("/api/v1/flags?kind=challenge_missed",
                       headers={**headers, "Accept-Language": "en"}).get_json()["items"]
    local = then.astimezone(ZONE).strftime("%Y-%m-%d %H:%M")
    assert {f["summary"] for f in flags} == {
        f"No location within 30 minutes of a location challenge at {local}"}
    assert db.session.get(Challenge, open_one.id).status == "open"


def test_the_windows_judged_in_local_time_at_a_fixed_now(ctx, configure, posted):
    configure(**DEFAULT_WINDOWS)
    windows = app_settings().evaluation.windows
    assert windows == Windows.parse(DEFAULT_WINDOWS["CHECKIN_WINDOWS"],
                                    DEFAULT_WINDOWS["NIGHT_WINDOW"])
    day = datetime(2026, 3, 4, tzinfo=ZONE)
    expected = {"07:59": False, "08:00": True, "17:59": True, "18:00": False, "20:59": False,
                "21:00": True, "23:59": True, "00:00": True, "05:59": True, "06:00": False}
    for at, open_ in expected.items():
        moment = datetime.combine(day.date(), datetime.strptime(at, "%H:%M").time(), ZONE)
        assert window_open(windows, moment.time()) is open_, at
    cadre = posted["here"][0]
    with pytest.raises(Refused) as refused:
        challenges.issue(app_settings(), scope_of("insp"), cadre_ids=[cadre],
                         now=day.replace(hour=19, minute=30))
    assert (refused.value.status, refused.value.reason) == (409, "window")
    assert refused.value.errors == {"now": ["outside the check-in and night windows"]}
    # 21:30 in Shanghai (13:30 UTC): inside the night window
    challenges.issue(app_settings(), scope_of("insp"), cadre_ids=[cadre],
                     now=datetime(2026, 3, 4, 13, 30, tzinfo=UTC))
    assert count(Challenge) == 1


def test_at_most_so_many_a_cadre_in_an_iso_week_of_local_dates(ctx, client, configure,
                                                               posted):
    first, second = posted["here"][:2]
    wednesday = datetime(2026, 3, 4, 9, tzinfo=ZONE)
    for hours in (0, 1):
        challenges.issue(app_settings(), scope_of("insp"), cadre_ids=[first],
                         now=wednesday + timedelta(hours=hours))
    sunday_night = datetime(2026, 3, 8, 23, 30, tzinfo=ZONE)
    for now in (wednesday + timedelta(hours=2), sunday_night):
        with pytest.raises(Refused) as refused:  # all or nothing: `second` is not sent either
            challenges.issue(app_settings(), scope_of("insp"), cadre_ids=[second, first],
                             now=now)
        assert (refused.value.status, refused.value.reason) == (409, "ration")
        assert refused.value.cadres == {first: 2}
        assert refused.value.errors == {"cadre_ids": {str(first): [
            "challenged 2 times this week already; at most 2"]}}
    assert count(ChallengeBatch) == 2 and count(Challenge) == 2
    # Monday 00:30 in Shanghai is still Sunday in UTC: the local week is a new one
    monday = datetime(2026, 3, 9, 0, 30, tzinfo=ZONE)
    challenges.issue(app_settings(), scope_of("insp"), cadre_ids=[second, first], now=monday)
    assert count(Challenge) == 4
    configure(CHALLENGES_PER_WEEK=1)
    headers = login(client, "insp")
    issue(client, headers, cadre_ids=[second])
    refused = issue(client, headers, 409, cadre_ids=[second])
    assert list(refused["errors"]["cadre_ids"]) == [str(second)]
    assert "at most 1" in refused["errors"]["cadre_ids"][str(second)][0]


def test_a_drawn_sample_is_rfc_3797_over_those_who_may_be_challenged(ctx, client, tmp_path,
                                                                     posted):
    headers = login(client, "insp")
    spent = posted["here"][2]
    for _ in range(2):
        issue(client, headers, cadre_ids=[spent])
    batch = issue(client, headers, region=TOWNSHIP, sample=2, deadline_minutes=15)
    pool = sorted([*posted["here"][:2], posted["neighbour"]])
    assert batch["pool"] == pool and batch["sample_size"] == 2
    assert batch["region_code"] == TOWNSHIP
    source = batch["draw_source"]
    assert len(source) == 6 and all(isinstance(n, int) and 0 <= n < 10**6 for n in source)
    drawn = [pool[i] for i in permutation(len(pool), [source])[:2]]
    assert [(c["cadre_id"], c["rank"]) for c in batch["challenges"]] == [
        (drawn[0], 1), (drawn[1], 2)]
    places = {c["cadre_id"]: c["village_code"] for c in batch["challenges"]}
    assert all(places[c] == (NEIGHBOUR if c == posted["neighbour"] else VILLAGE) for c in drawn)
    # anyone can derive it again from the recorded pool and source
    (tmp_path / "pool.txt").write_text("".join(f"{c}\n" for c in pool))
    result = ctx.test_cli_runner().invoke(args=[
        "spotcheck", "derive", "--pool", str(tmp_path / "pool.txt"),
        "--source", " ".join(map(str, source)), "--count", "2"])
    assert result.exit_code == 0 and result.stdout.split() == [str(c) for c in drawn]
    # more than may be challenged: 409; more than are posted: 422; nothing stored
    before = count(Challenge)
    assert issue(client, headers, 409, region=TOWNSHIP, sample=4)["errors"] == {
        "sample": ["3 may be challenged"]}
    assert issue(client, headers, 422, region=TOWNSHIP, sample=5)["errors"] == {
        "sample": ["too large"]}
    assert count(Challenge) == before


def test_who_may_issue_and_read(ctx, client, posted):
    headers = login(client, "insp")
    (row,) = issue(client, headers, cadre_ids=[posted["here"][0]])["challenges"]
    far, disc = login(client, "far"), login(client, "disc")
    for body in ({"cadre_ids": [posted["here"][1]]}, {"region": TOWNSHIP, "sample": 1}):
        assert client.post(API, json=body, headers=far).status_code == 403
        assert client.post(API, json=body, headers=disc).status_code == 403
    assert client.get(f"{API}/{row['id']}", headers=far).status_code == 404
    assert client.get(API, headers=far).get_json()["items"] == []
    assert client.get(API, headers=disc).status_code == 403
    assert client.get(f"{API}/{row['id']}", headers=disc).status_code == 403
    make_user("zhang", "cadre", cadre_id=posted["here"][0])
    cadre = login(client, "zhang")
    assert client.post(API, json={"cadre_ids": [posted["here"][0]]},
                       headers=cadre).status_code == 404
    assert client.get(API, headers=cadre).status_code == 404
    assert client.get(f"{API}/{row['id']}", headers=cadre).status_code == 404
    assert client.get("/api/v1/me/challenges", headers=headers).status_code == 403
    assert client.get("/api/v1/me/challenges").status_code == 401
    # a cadre of another township, one moved away, and one an admin names that is not
    moved = people.create_cadre(name="周杰", role="first_secretary", unit=None)
    today = utcnow().astimezone(ZONE).date()
    people.create_assignment(moved.id, VILLAGE, date(2026, 1, 1), today - timedelta(days=4))
    people.create_assignment(moved.id, OTHER_VILLAGE, today - timedelta(days=3))
    assert issue(client, headers, 403, cadre_ids=[posted["away"]])["message"] == (
        f"cadre {posted['away']} is outside your scope")
    assert issue(client, headers, 422, cadre_ids=[moved.id])["errors"] == {
        "cadre_ids": {str(moved.id): ["not posted in your regions today"]}}
    make_user("root", "admin")
    assert issue(client, login(client, "root"), 404, cadre_ids=[9999])["message"] == (
        "cadre 9999 not found")
    assert count(Challenge) == 1


def test_settling_at_once_settles_each_challenge_once(ctx, client, posted):
    headers = login(client, "insp")
    cadre = posted["here"][0]
    (row,) = issue(client, headers, cadre_ids=[cadre])["challenges"]
    send(client, device_of(cadre), fix(east_of(VILLAGE, 2000)))
    answers = at_once(lambda: client.get(API, headers=headers))
    assert {a.status_code for a in answers} == {200}
    assert count(Finding) == 1 and count(FindingEvent) == 1
    assert db.session.get(Challenge, row["id"]).status == "answered_outside"
    chain_verifies(ctx)


class Webhook(BaseHTTPRequestHandler):
    received: list = []
    status = 200

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Webhook.received.append((self.headers["Content-Type"], json.loads(body)))
        self.send_response(Webhook.status)
        self.end_headers()

    def log_message(self, *_):
        pass


@pytest.fixture()
def webhook():
    server = HTTPServer(("127.0.0.1", 0), Webhook)
    Webhook.received, Webhook.status = [], 200
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    yield server
    server.shutdown()
    thread.join()
    server.server_close()


def test_the_webhook_receives_a_notice_and_its_failure_refuses_nothing(
        ctx, client, configure, posted, webhook):
    configure(CHALLENGE_WEBHOOK=f"http://127.0.0.1:{webhook.server_port}/notify")
    headers = login(client, "insp")
    cadre = posted["here"][0]
    (row,) = issue(client, headers, cadre_ids=[cadre])["challenges"]
    assert row["delivery"] == {"mqtt": None, "webhook": "sent"}
    ((kind, notice),) = Webhook.received
    assert kind.startswith("application/json")
    assert notice == {"challenge_id": row["id"], "batch_id": row["batch_id"],
                      "cadre_id": cadre, "cadre_name": "张伟", "phone": None,
                      "village_code": VILLAGE, "issued_at": notice["issued_at"],
                      "deadline": notice["deadline"]}
    assert datetime.fromisoformat(notice["deadline"]) == datetime.fromisoformat(row["deadline"])
    Webhook.status = 500
    (failed,) = issue(client, headers, cadre_ids=[posted["here"][1]])["challenges"]
    assert failed["delivery"]["webhook"] == "failed"
    configure(CHALLENGE_WEBHOOK=f"http://127.0.0.1:{free_port()}/nobody")
    (unreachable,) = issue(client, headers, cadre_ids=[posted["here"][2]])["challenges"]
    assert unreachable["delivery"]["webhook"] == "failed" and count(Challenge) == 3


def test_an_owntracks_phone_on_mqtt_is_told_to_report(ctx, client, configure, mqtt):  # noqa: F811
    configure(**ALWAYS_OPEN)
    [(user, password)] = start(ctx, mqtt)
    cadre = db.session.get(Device, int(user)).cadre_id
    make_user("insp", "inspector", regions=[TOWNSHIP])
    headers = login(client, "insp")
    with phone(mqtt, user, password) as device:
        device.subscribe(f"{device.topic}/cmd")
        device.publish(location(*inside(VILLAGE)))  # retained: the broker knows its topic
        (row,) = issue(client, headers, cadre_ids=[cadre])["challenges"]
        assert row["delivery"] == {"mqtt": [f"{device.topic}/cmd"], "webhook": None}
        heard = eventually(lambda: device.heard, "the reportLocation command")
    assert [(topic, json.loads(body)) for topic, body in heard] == [(f"{device.topic}/cmd",
                                                                     REPORT)]
    mqtt.stop()  # the broker gone: the challenge is stored all the same
    (second,) = issue(client, headers, cadre_ids=[cadre])["challenges"]
    assert second["delivery"] == {"mqtt": "failed", "webhook": None}
    assert count(Challenge) == 2


def test_hostile_input_is_refused_and_stores_nothing(ctx, client, posted):
    headers = login(client, "insp")
    cadre = posted["here"][0]
    bad = [{}, {"cadre_ids": [cadre], "region": TOWNSHIP, "sample": 1}, {"region": TOWNSHIP},
           {"sample": 2}, {"cadre_ids": [cadre], "sample": 1}, {"cadre_ids": []},
           {"cadre_ids": list(range(1, 52))}, {"cadre_ids": [cadre, cadre]},
           {"cadre_ids": [0]}, {"cadre_ids": [2**31]}, {"cadre_ids": ["x"]},
           {"cadre_ids": cadre}, {"cadre_ids": [cadre], "deadline_minutes": 4},
           {"cadre_ids": [cadre], "deadline_minutes": 241},
           {"cadre_ids": [cadre], "deadline_minutes": "x"},
           {"cadre_ids": [cadre], "deadline_minutes": 1e300},
           {"cadre_ids": [cadre], "note": "长" * 2001}, {"region": "41092210", "sample": 1},
           {"region": TOWNSHIP, "sample": 0}, {"region": TOWNSHIP, "sample": 51},
           {"region": "999999", "sample": 1}, {"cadre_ids": [cadre], "extra": 1}]
    for body in bad:
        answer = client.post(API, json=body, headers=headers)
        assert answer.status_code in (403, 404, 422), (body, answer.status_code)
        assert answer.get_json()["message"], body
    for raw in (b"[", b"{\"cadre_ids\": [1], \"note\": \"\\u0000\"}", b"[" * 100_000):
        answer = client.post(API, data=raw, headers={**headers,
                                                     "Content-Type": "application/json"})
        assert answer.status_code == 400, raw[:20]
    for query in ("status=closed", "cadre_id=0", "cadre_id=x", "batch_id=99999999999",
                  "per_page=0"):
        assert client.get(f"{API}?{query}", headers=headers).status_code == 422, query
    assert client.get(f"{API}?per_page=1000000", headers=headers).status_code == 200
    for path in ("99999999999", "0", "-1", "1"):
        assert client.get(f"{API}/{path}", headers=headers).status_code == 404, path
    assert client.get("/api/v1/me/challenges",
                      headers={"Authorization": "Device nonsense"}).status_code == 401
    assert count(ChallengeBatch) == 0 and count(Challenge) == 0
