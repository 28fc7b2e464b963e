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
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET,
                          "UPLOAD_DIR": str(folder / "uploads")})
        with app.app_context():
            upgrade()
            load_demo(PASSWORD, progress=lambda _: None)
            known = _known_week(app_settings(app))
            db.engine.dispose()
        with gunicorn(url, folder, "--workers", "2", "--threads", "4",
                      "--worker-class", "gthread") as port:
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
