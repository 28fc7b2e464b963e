"""The cadre's phone page in Chromium at 360 px, with touch and a set position, through a
gunicorn of its own whose check-in windows cover the whole day (the minimal collection
profile then keeps a check-in whatever the hour): enrolment by link and by login, check in,
offline check-ins sent once each when the network returns, a photo with its fix, the work
record, leave, the week calendar, an appeal, and who looked at my data."""
from __future__ import annotations

import json
import re
import urllib.request
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import Appeal, Finding, Leave, MediaItem, Ping, WorkReport
from tests.integration import presence_helpers as week
from tests.media_files import jpeg

from .conftest import PASSWORD

pytestmark = pytest.mark.browser
SHOTS = "/tmp/phone-shots"


def shot(page, name: str, backend: str) -> None:
    """Save the page, after checking that it fits the phone's width (no sideways scroll)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, name
    page.screenshot(path=f"{SHOTS}/{backend}-{name}.png", full_page=True)


def call(server, path: str, body: dict | None = None, username: str = "inspector1",
         method: str | None = None) -> dict:
    token_request = urllib.request.Request(
        f"{server.base}/api/v1/auth/token", method="POST",
        data=json.dumps({"username": username, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(token_request, timeout=30) as answer:
        token = json.load(answer)["access_token"]
    request = urllib.request.Request(
        f"{server.base}{path}", method=method or ("POST" if body is not None else "GET"),
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)


def in_db(server, read):
    with server.app.app_context():
        try:
            return read()
        finally:
            db.session.remove()


def places(server, village: str) -> tuple[tuple[float, float], tuple[float, float]]:
    """A point inside the village and one 5 km east of it."""
    return in_db(server, lambda: (week.inside(village), week.east_of(village, 5000)))


def enrolled(phone, server, cadre_id: int, position):
    """A phone enrolled for the cadre by its one-time link (made by inspector1)."""
    link = call(server, "/api/v1/enrolments", {"cadre_id": cadre_id})["phone_url"]
    page, context = phone(position)
    page.goto(link)
    page.wait_for_selector("body[data-ready='1'] #app:not([hidden])")
    return page, context


def check_in(page, fence: str) -> None:
    page.locator("[data-action=check-in]").tap()
    page.wait_for_selector(f"#answer[data-fence='{fence}']")


def test_enrol_by_link_then_check_in_inside(phone, phone_server, backend):
    cadre, village = phone_server.spare[0]
    inside, _ = places(phone_server, village)
    link = call(phone_server, "/api/v1/enrolments", {"cadre_id": cadre})["phone_url"]
    assert "/m/enrol#" in link
    page, _ = phone(inside)
    page.goto(link)
    page.wait_for_selector("body[data-ready='1'] #app:not([hidden])")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "#" not in page.url  # the code left the address bar
    assert page.locator("#who").get_attribute("data-cadre-id") == str(cadre)
    check_in(page, "inside")
    assert page.locator("#answer").get_attribute("data-status") == "accepted"
    assert "±10" in page.locator("#fix").inner_text()  # its accuracy, in metres
    assert page.locator("#pending").get_attribute("data-pending") == "0"
    stored = in_db(phone_server, lambda: [(p.fence, p.device_id is not None) for p in
                                          db.session.scalars(select(Ping).where(
                                              Ping.cadre_id == cadre))])
    assert stored == [("inside", True)]
    shot(page, "checkin", backend)

    again, _ = phone(inside)  # the link was single use
    again.goto(link)
    again.wait_for_selector("body[data-ready='1'] #welcome:not([hidden])")
    assert again.locator("#enrol-status").get_attribute("data-refusal") == "enrol_gone"


def test_log_in_once_registers_the_phone(phone, phone_server, backend):
    page, _ = phone((30.0, 110.0))
    headers = page.goto(f"{phone_server.base}/m/").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["cache-control"] == "private, no-store"
    assert headers["x-content-type-options"] == "nosniff"
    page.wait_for_selector("body[data-ready='1'] #welcome:not([hidden])")
    assert page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)") == \
        f"{phone_server.base}/m/"
    shot(page, "welcome", backend)
    page.fill("#login-form input[name=username]", "cadre1")
    page.fill("#login-form input[name=password]", "wrong password")
    page.locator("#login-form button[type=submit]").tap()
    page.wait_for_selector("[data-login-status].bad")
    assert "用户名或密码" in page.locator("[data-login-status]").inner_text()
    page.fill("#login-form input[name=password]", PASSWORD)
    page.locator("#login-form button[type=submit]").tap()
    page.wait_for_selector("#app:not([hidden])")
    assert page.locator("#who").inner_text()
    page.locator("[data-go=privacy]").tap()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("[data-action=log-out]").tap()
    page.wait_for_selector("#welcome:not([hidden])")
    assert page.evaluate("localStorage.length") == 0


def test_two_offline_check_ins_are_each_stored_once(phone, phone_server, backend):
    cadre, village = phone_server.spare[1]
    inside, outside = places(phone_server, village)
    page, context = enrolled(phone, phone_server, cadre, inside)
    context.set_offline(True)
    check_ids = []
    for position, count in ((inside, "1"), (outside, "2")):
        context.set_geolocation({"latitude": position[0], "longitude": position[1],
                                 "accuracy": 10})
        page.locator("[data-action=check-in]").tap()
        page.wait_for_selector(f"#pending[data-pending='{count}']", state="attached")
    check_ids = page.evaluate("""() => new Promise((resolve) => {
        const open = indexedDB.open('fieldapp-phone');
        open.onsuccess = () => {
          const all = open.result.transaction('outbox').objectStore('outbox').getAll();
          all.onsuccess = () => resolve(all.result.map((item) => item.id));
        };
    })""")
    assert len(set(check_ids)) == 2
    assert page.locator("#network").get_attribute("data-online") == "0"
    shot(page, "offline", backend)
    context.set_offline(False)
    page.wait_for_selector("#pending[data-pending='0']", state="attached")
    page.wait_for_selector("#answer[data-fence='outside']")  # the last one made
    stored = in_db(phone_server, lambda: dict(db.session.execute(
        select(Ping.client_id, func.count()).where(Ping.cadre_id == cadre)
        .group_by(Ping.client_id)).all()))
    assert stored == {check_ids[0]: 1, check_ids[1]: 1}
    fences = in_db(phone_server, lambda: {p.client_id: p.fence for p in db.session.scalars(
        select(Ping).where(Ping.cadre_id == cadre))})
    assert fences == {check_ids[0]: "inside", check_ids[1]: "outside"}


def test_a_photo_carries_the_fix_taken_when_it_was_shot(phone, phone_server, backend):
    cadre, village = phone_server.spare[2]
    inside, _ = places(phone_server, village)
    page, _ = enrolled(phone, phone_server, cadre, inside)
    page.set_input_files("[data-input=photo]", files=[{
        "name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
    page.wait_for_selector("[data-photo-status][data-media-id]", state="attached")
    media_id = page.locator("[data-photo-status]").get_attribute("data-media-id")
    item = in_db(phone_server, lambda: db.session.scalar(select(MediaItem).where(
        MediaItem.cadre_id == cadre)))
    assert item.client_id == media_id
    assert item.lat == pytest.approx(inside[0], abs=1e-6)
    assert item.lon == pytest.approx(inside[1], abs=1e-6)
    assert item.accuracy == pytest.approx(10)
    assert item.village_code == village
    shot(page, "photo", backend)


def test_a_work_record_entry_with_a_photo(phone, phone_server, backend):
    cadre, village = phone_server.spare[3]
    inside, _ = places(phone_server, village)
    page, _ = enrolled(phone, phone_server, cadre, inside)
    page.locator("[data-go=record]").tap()
    page.select_option("#report-form select[name=kind]", "household_visit")
    page.fill("#report-form textarea[name=summary]", "走访脱贫户，了解春耕用工情况")
    page.fill("#report-form input[name=household_ref]", "三组 王某某")
    page.set_input_files("#report-form input[name=photos]", files=[{
        "name": "visit.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
    page.locator("#report-form button[type=submit]").tap()
    page.wait_for_selector("[data-report-status][data-report-id]", state="attached")
    report_id = page.locator("[data-report-status]").get_attribute("data-report-id")
    page.wait_for_selector(f"[data-list=reports] li[data-report-id='{report_id}']")
    report = in_db(phone_server, lambda: db.session.scalar(select(WorkReport).where(
        WorkReport.cadre_id == cadre)))
    assert report.client_id == report_id and report.fence == "inside"
    assert len(report.media_ids) == 1
    assert in_db(phone_server, lambda: db.session.scalar(select(MediaItem.report_id).where(
        MediaItem.client_id == report.media_ids[0]))) == report_id
    shot(page, "work-record", backend)


def test_leave_requested_and_cancelled_from_the_phone(phone, phone_server, backend):
    cadre, village = phone_server.spare[4]
    inside, _ = places(phone_server, village)
    page, _ = enrolled(phone, phone_server, cadre, inside)
    page.locator("[data-go=leave]").tap()
    page.select_option("#leave-form select[name=kind]", "sick")
    page.fill("#leave-form textarea[name=reason]", "发烧，到县医院就诊")
    page.locator("#leave-form button[type=submit]").tap()
    page.wait_for_selector("[data-leave-status][data-leave-id]")
    leave_id = int(page.locator("[data-leave-status]").get_attribute("data-leave-id"))
    row = page.locator(f"[data-list=leaves] li[data-leave-id='{leave_id}']")
    row.wait_for()
    assert row.get_attribute("data-status") == "pending"
    leave = in_db(phone_server, lambda: db.session.get(Leave, leave_id))
    assert (leave.cadre_id, leave.kind, leave.status) == (cadre, "sick", "pending")
    shot(page, "leave", backend)
    row.locator("[data-action=cancel-leave]").tap()
    page.wait_for_selector(
        f"[data-list=leaves] li[data-leave-id='{leave_id}'][data-status='cancelled']")
    assert in_db(phone_server, lambda: db.session.get(Leave, leave_id).status) == "cancelled"


def test_the_week_calendar_as_on_the_console(phone, phone_server, backend):
    page, _ = enrolled(phone, phone_server, phone_server.commuter_id, (30.0, 110.0))
    page.locator("[data-go=mine]").tap()
    cells = page.locator("#calendar .cell[data-date]")
    cells.first.wait_for()
    assert cells.count() == 7
    shown_monday = date.fromisoformat(cells.first.get_attribute("data-date"))
    while shown_monday > phone_server.monday:  # back a week at a time
        shown_monday -= timedelta(days=7)
        page.locator("[data-shift='-1']").tap()
        page.wait_for_selector(f"#calendar .cell[data-date='{shown_monday.isoformat()}']")
    assert shown_monday == phone_server.monday
    nights = {cell.get_attribute("data-date"): cell.get_attribute("data-night")
              for cell in cells.all()}
    dates = [(phone_server.monday + timedelta(days=i)).isoformat() for i in range(7)]
    assert nights == {date: phone_server.nights[date] for date in dates}
    assert "absent" in nights.values()
    shot(page, "calendar", backend)


def test_appeal_a_confirmed_finding_with_a_photo(phone, phone_server, backend):
    page, _ = enrolled(phone, phone_server, phone_server.commuter_id, (30.0, 110.0))
    page.locator("[data-go=mine]").tap()
    item = page.locator(f"[data-list=findings] li[data-finding-id='{phone_server.finding_id}']")
    item.wait_for()
    assert item.get_attribute("data-status") == "confirmed"
    assert "驻村不住村" in item.inner_text()  # the console's words for it
    item.locator("[data-action=appeal]").tap()
    item.locator("textarea[name=text]").fill("当周在村委会值班室住宿，有值班记录为证")
    item.locator("input[name=photos]").set_input_files(files=[{
        "name": "duty-roster.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
    shot(page, "appeal", backend)
    item.locator("button[type=submit]").tap()
    page.wait_for_selector(f"[data-list=findings] li[data-finding-id='{phone_server.finding_id}']"
                           "[data-status='appealed']")
    appeal = in_db(phone_server, lambda: db.session.scalar(select(Appeal).where(
        Appeal.flag_id == phone_server.finding_id)))
    assert appeal.text.startswith("当周在村委会") and len(appeal.media_ids) == 1
    assert in_db(phone_server, lambda: db.session.get(Finding, phone_server.finding_id)
                 .status) == "appealed"


def test_who_looked_at_my_data_shows_an_inspectors_read(phone, phone_server, backend):
    cadre, village = phone_server.spare[5]
    call(phone_server, f"/api/v1/pings?cadre_id={cadre}")
    page, _ = enrolled(phone, phone_server, cadre, (30.0, 110.0))
    page.locator("[data-go=privacy]").tap()
    read = page.locator("[data-list=reads] li[data-resource='pings'][data-viewer='inspector1']")
    read.wait_for()
    assert "督查" in read.inner_text()  # inspector1's role, in the console's words
    shot(page, "privacy", backend)
    with page.expect_download() as download:
        page.locator("[data-action=export]").tap()
    assert re.fullmatch(rf"fieldapp-cadre-{cadre}-\d{{8}}\.zip", download.value.suggested_filename)
    with zipfile.ZipFile(download.value.path()) as archive:
        assert "README.txt" in archive.namelist()


def test_the_page_opens_offline(phone, phone_server, backend):
    page, context = phone((30.0, 110.0))
    page.goto(f"{phone_server.base}/m/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("body[data-ready='1'] #welcome:not([hidden])")
    assert page.locator("[data-action=check-in]").count() == 1


def test_a_location_challenge_answered_now(phone, phone_server, backend):
    cadre, village = phone_server.spare[6]
    inside, _ = places(phone_server, village)
    call(phone_server, "/api/v1/challenges", {"cadre_ids": [cadre], "deadline_minutes": 30})
    page, _ = enrolled(phone, phone_server, cadre, inside)
    challenge = page.locator("[data-list=challenges] li[data-challenge-id]")
    challenge.wait_for()
    assert ":" in challenge.locator(".countdown").inner_text()  # mm:ss left
    shot(page, "challenge", backend)
    challenge.locator("[data-action=answer-challenge]").tap()
    page.wait_for_selector("#answer[data-fence='inside']")
    page.wait_for_selector("#challenges", state="hidden")  # answered: no longer open
    answers = in_db(phone_server, lambda: [p.challenge_id for p in db.session.scalars(
        select(Ping).where(Ping.cadre_id == cadre))])
    assert len(answers) == 1 and answers[0]


def test_a_revoked_phone_keeps_what_waits_and_asks_to_register_again(phone, phone_server):
    cadre, village = phone_server.spare[7]
    inside, _ = places(phone_server, village)
    page, context = enrolled(phone, phone_server, cadre, inside)
    device_id = page.evaluate("JSON.parse(localStorage.getItem('fieldapp.phone.device')).device_id")
    context.set_offline(True)
    page.locator("[data-action=check-in]").tap()
    page.wait_for_selector("#pending[data-pending='1']", state="attached")
    call(phone_server, f"/api/v1/devices/{device_id}", {"revoked": True}, username="admin",
         method="PATCH")
    context.set_offline(False)
    page.wait_for_selector("#enrol-status[data-refusal='token_refused']")
    assert page.locator("#welcome").is_visible()
    assert page.locator("#pending").get_attribute("data-pending") == "1"  # nothing lost
    assert in_db(phone_server, lambda: db.session.scalar(select(func.count()).select_from(
        Ping).where(Ping.cadre_id == cadre))) == 0
