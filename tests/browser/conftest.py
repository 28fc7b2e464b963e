"""The console in Debian's Chromium (Playwright), served by a real gunicorn on each backend.

Per backend, one database of its own is migrated and given the demo county with its people
(`load_demo`, no simulated week) and a known week: a cadre of inspector1's first township
who is in the village by day and sleeps in the county town (a not_resident finding), and one
who lives there (no finding) and asks for leave the week after; then it is evaluated.
gunicorn serves it as start.sh does. Every page a test opens runs in a fresh browser context
whose requests to any other host are refused and recorded: the test fails if there was one.
Screenshots go to test-artifacts/screenshots/ (FIELDAPP_TEST_ARTIFACTS overrides it).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import empty_database
from tests.integration.servers import ROOT, gunicorn

PASSWORD = "browser-demo-password"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
ARTIFACTS = Path(os.environ.get("FIELDAPP_TEST_ARTIFACTS", ROOT / "test-artifacts"))

pytestmark = pytest.mark.browser


@dataclass
class Console:
    """The server under test and what its data holds."""

    base: str
    week: str
    monday: object
    commuter_id: int
    commuter_name: str
    resident_id: int
    township: str
    village: str
    finding_id: int
    leave_id: int  # the resident's leave request, pending
    nights: dict = field(default_factory=dict)  # date → night status on the calendar


def _known_week(settings) -> dict:
    """The commuter's and the resident's week, sent through the ingest service and
    evaluated; returns what the tests look for."""
    from sqlalchemy import select

    from fieldapp.extensions import db
    from fieldapp.models import Assignment, Cadre, Finding, PresenceDay, User
    from fieldapp.services.presence import evaluation, leaves
    from tests.integration import presence_helpers as week

    inspector = db.session.scalar(select(User).where(User.username == "inspector1"))
    township = inspector.region_codes[0]
    posts = db.session.execute(select(Assignment.cadre_id, Assignment.region_code).where(
        Assignment.region_code.like(township + "%")).order_by(Assignment.cadre_id)).all()
    (commuter, village), (resident, home) = posts[0], posts[1]
    monday = week.last_full_week()
    town = week.east_of(village, 11_000)
    week.send(commuter, week.week_of(monday, week.inside(village), town))
    week.send(resident, week.week_of(monday, week.inside(home), week.inside(home)))
    evaluation.evaluate(settings, monday, monday + timedelta(days=6), region=township)
    finding = db.session.scalar(select(Finding).where(
        Finding.cadre_id == commuter, Finding.kind == "not_resident"))
    assert finding is not None, "the commuter's week raised no not_resident finding"
    leave = leaves.request_leave(settings, resident, monday + timedelta(days=9),
                                 monday + timedelta(days=10), "personal", "家中老人住院，需陪护")
    nights = {d.day.isoformat(): d.night_status for d in db.session.scalars(
        select(PresenceDay).where(PresenceDay.cadre_id == commuter))}
    return {"week": week.iso_week(monday), "monday": monday, "commuter_id": commuter,
            "commuter_name": db.session.get(Cadre, commuter).name, "resident_id": resident,
            "township": township, "village": village, "finding_id": finding.id,
            "leave_id": leave.id, "nights": nights}


@pytest.fixture(scope="session")
def console(backend, tmp_path_factory, request) -> Console:
    from flask_migrate import upgrade

    from fieldapp import create_app
    from fieldapp.config import app_settings
    from fieldapp.extensions import db
    from fieldapp.services.people.demo import load_demo
    from tests.integration.servers import SECRET

    folder = tmp_path_factory.mktemp(f"browser-{backend}")
    with empty_database(backend, folder, request) as url:
        # track: the dossier's map is checked to draw every fix of the known week
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET,
                          "UPLOAD_DIR": str(folder / "uploads"), "COLLECTION": "track"})
        with app.app_context():
            upgrade()
            load_demo(PASSWORD, progress=lambda _: None)
            known = _known_week(app_settings(app))
            db.engine.dispose()
        with gunicorn(url, folder, "--workers", "2", "--threads", "4",
                      "--worker-class", "gthread", env={"FIELDAPP_COLLECTION": "track"}) as port:
            yield Console(base=f"http://127.0.0.1:{port}", **known)


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Guard:
    """Refuses and records every request to a host other than the server's."""

    def __init__(self, base: str):
        self.host = urlsplit(base).netloc
        self.elsewhere: list[str] = []

    def __call__(self, route):
        parts = urlsplit(route.request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != self.host:
            self.elsewhere.append(route.request.url)
            route.abort()
        else:
            route.continue_()


@pytest.fixture()
def browse(chromium, console, request):
    """`browse(locale="zh-CN", **context_options)` → a page in a fresh context (options as
    Playwright's new_context takes them, e.g. a geolocation); after the test, no request may
    have gone to another host."""
    contexts, guards = [], []

    def open_page(locale: str = "zh-CN", **options):
        context = chromium.new_context(locale=locale, viewport={"width": 1360, "height": 900},
                                       **options)
        guard = Guard(console.base)
        context.route("**/*", guard)
        contexts.append(context)
        guards.append(guard)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
    elsewhere = [url for guard in guards for url in guard.elsewhere]
    assert not elsewhere, f"requests left the server: {elsewhere}"


def log_in(page, console: Console, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{console.base}/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.login button[type=submit]")
    page.wait_for_load_state("networkidle")


def screenshot(page, name: str, backend: str) -> Path:
    """Save the page as test-artifacts/screenshots/<backend>-<name>.png."""
    path = ARTIFACTS / "screenshots" / f"{backend}-{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


# ---- the cadre's phone page (tests/browser/test_phone.py) ---------------------------------

PHONE_VIEWPORT = {"width": 360, "height": 740}
# Check-in windows covering the whole day, so that the minimal collection profile keeps a
# check-in whatever the hour the tests run at (the default windows leave gaps).
ALL_DAY_WINDOWS = {"CHECKIN_WINDOWS": "00:30-12:00,12:00-23:30", "NIGHT_WINDOW": "23:30-00:30"}


@dataclass
class PhoneServer:
    """A server of its own for the phone page: the console's known week, the commuter's
    not_resident finding confirmed (so it can be appealed), windows all day long."""

    base: str
    app: object  # the same database in this process, for what the tests check in it
    commuter_id: int
    finding_id: int
    nights: dict
    monday: object
    spare: list  # (cadre_id, village_code) of inspector1's other cadres, one per test


@pytest.fixture(scope="session")
def phone_server(backend, tmp_path_factory, request) -> PhoneServer:
    from flask_migrate import upgrade
    from sqlalchemy import or_, select

    from fieldapp import create_app
    from fieldapp.config import app_settings
    from fieldapp.extensions import db
    from fieldapp.models import Assignment, User
    from fieldapp.services.access.scope import Scope
    from fieldapp.services.findings import workflow
    from fieldapp.services.people.demo import load_demo
    from tests.integration.servers import SECRET

    folder = tmp_path_factory.mktemp(f"phone-{backend}")
    with empty_database(backend, folder, request) as url:
        config = {"DATABASE_URL": url, "SECRET_KEY": SECRET, "UPLOAD_DIR": str(folder / "uploads")}
        app = create_app(config)  # the default windows: the known week is evaluated as usual
        with app.app_context():
            upgrade()
            load_demo(PASSWORD, progress=lambda _: None)
            settings = app_settings(app)
            known = _known_week(settings)
            inspector = db.session.scalar(select(User).where(User.username == "inspector1"))
            for action, note in (("assign", "由本人核查"), ("confirm", "核实：连续多晚不在村")):
                workflow.transition(Scope(inspector, settings.zone), known["finding_id"], action,
                                    note)
            taken = {known["commuter_id"], known["resident_id"]}
            spare = [(cadre, village) for cadre, village in db.session.execute(
                select(Assignment.cadre_id, Assignment.region_code).where(or_(*(
                    Assignment.region_code.like(code + "%") for code in inspector.region_codes)))
                .order_by(Assignment.cadre_id)) if cadre not in taken]
            db.engine.dispose()
        server_app = create_app({**config, **ALL_DAY_WINDOWS})
        env = {f"FIELDAPP_{key}": value for key, value in ALL_DAY_WINDOWS.items()}
        with gunicorn(url, folder, "--workers", "2", "--threads", "4",
                      "--worker-class", "gthread", env=env) as port:
            yield PhoneServer(base=f"http://127.0.0.1:{port}", app=server_app,
                              commuter_id=known["commuter_id"], finding_id=known["finding_id"],
                              nights=known["nights"], monday=known["monday"], spare=spare)
        with server_app.app_context():
            db.engine.dispose()


@pytest.fixture()
def phone(chromium, phone_server):
    """`phone(position=(lat, lon), accuracy=10)` → (page, context): a phone-sized page in a
    fresh Chinese context with touch and granted geolocation at `position`; after the
    test, no request may have gone to another host and no script may have failed."""
    contexts, guards, errors = [], [], []

    def open_phone(position: tuple[float, float], accuracy: float = 10.0):
        context = chromium.new_context(
            locale="zh-CN", viewport=PHONE_VIEWPORT, device_scale_factor=2, is_mobile=True,
            has_touch=True, permissions=["geolocation"], timezone_id="Asia/Shanghai",
            geolocation={"latitude": position[0], "longitude": position[1],
                         "accuracy": accuracy})
        guard = Guard(phone_server.base)
        context.route("**/*", guard)
        contexts.append(context)
        guards.append(guard)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page, context

    yield open_phone
    for context in contexts:
        context.close()
    elsewhere = [url for guard in guards for url in guard.elsewhere]
    assert not elsewhere, f"requests left the server: {elsewhere}"
    assert not errors, f"the page's scripts failed: {errors}"
