"""Spot checks and location challenges in Chromium: an inspector records a visit to a
sampled village with the browser's own position, and challenges a cadre (sent, or refused
in words when now lies outside every window)."""
from __future__ import annotations

import hashlib
import json
import urllib.request
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import shapely

from fieldapp.domain.presence import Windows
from fieldapp.services.spotchecks.challenges import window_open

from .conftest import log_in, screenshot
from .test_console import _api_token, api_get

pytestmark = pytest.mark.browser
ZONE = ZoneInfo("Asia/Shanghai")
SECRET = "督查室第四季度口令"


def as_inspector(console, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"{console.base}{path}", method="POST" if body is not None else "GET",
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json",
                 "Authorization": f"Bearer {_api_token(console, 'inspector1')}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)


def test_a_visit_recorded_with_the_browsers_position(browse, console, backend):
    today = datetime.now(ZONE).date()
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    plan = as_inspector(console, "/api/v1/spotchecks/plans", {
        "region": console.township, "quarter": quarter, "quota": 0.5,
        "sources": [{"name": "福彩3D 开奖", "due": today.isoformat()}],
        "commitment": hashlib.sha256(SECRET.encode()).hexdigest()})
    plan = as_inspector(console, f"/api/v1/spotchecks/plans/{plan['id']}/draw",
                        {"sources": [[3, 1, 9]], "secret": SECRET})
    sampled = {s["village_code"] for s in plan["sample"]}
    assert sampled
    page = browse()
    log_in(page, console, "inspector1")
    page.goto(f"{console.base}/console/spotchecks/{plan['id']}")
    village = next(code for code in sorted(sampled)
                   if page.locator(f'form[data-visit-form="{code}"] select').count())
    shape = shapely.geometry.shape(api_get(console, f"/api/v1/regions/{village}")["geometry"])
    point = shape.representative_point()

    page = browse(geolocation={"latitude": point.y, "longitude": point.x, "accuracy": 12},
                  permissions=["geolocation"])
    log_in(page, console, "inspector1")
    page.goto(f"{console.base}/console/spotchecks/{plan['id']}")
    form = page.locator(f'form[data-visit-form="{village}"]')
    form.locator("[data-locate]").click()
    page.wait_for_function(f"""document.querySelector('form[data-visit-form="{village}"] '
                           + '[data-geo=lat]').value !== ''""")
    for select in form.locator("select").all():
        select.select_option("present")
    screenshot(page, "spotcheck-plan", backend)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    visits = as_inspector(console, f"/api/v1/spotchecks/visits?plan_id={plan['id']}")["items"]
    assert [v["village_code"] for v in visits] == [village]
    assert visits[0]["fence"] == "inside"
    assert page.locator("[data-visit-id]").count() == 1


def test_a_challenge_sent_or_refused_by_the_clock(browse, console, backend):
    page = browse()
    log_in(page, console, "inspector1")
    page.goto(f"{console.base}/console/challenges")
    form = page.locator('form[data-issue-form="cadres"]')
    form.locator(f'input[name=cadre_id][value="{console.commuter_id}"]').check()
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    open_now = window_open(Windows.parse("08:00-12:00,12:00-18:00", "21:00-06:00"),
                           datetime.now(ZONE).time())
    row = page.locator(f'tr[data-challenge-id][data-cadre-id="{console.commuter_id}"]')
    if open_now:
        assert row.count() == 1 and row.get_attribute("data-status") == "open"
    else:
        assert page.locator("#refusal").get_attribute("data-refusal")
        assert row.count() == 0
    screenshot(page, "challenges", backend)
