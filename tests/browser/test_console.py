"""An inspector's morning in the console, in Chromium through gunicorn, on each backend."""
from __future__ import annotations

import json
import urllib.request

import pytest

from .conftest import PASSWORD, log_in, screenshot

pytestmark = pytest.mark.browser


def test_login_then_the_queue_in_chinese(browse, console, backend):
    page = browse()
    page.goto(f"{console.base}/console/findings")
    assert "/console/login" in page.url
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("form.login button").inner_text() == "登录"
    screenshot(page, "login", backend)
    log_in(page, console, "inspector1")
    assert page.url.endswith("/console/findings")
    row = page.locator(f'tr[data-finding-id="{console.finding_id}"]')
    assert row.get_attribute("data-kind") == "not_resident"
    assert console.commuter_name in row.inner_text()
    assert "驻村不住村" in row.inner_text()
    screenshot(page, "queue", backend)


def test_filters_stay_in_the_url(browse, console):
    """Filtering swaps the results in place (htmx) and keeps the filters in the URL."""
    page = browse()
    log_in(page, console, "inspector1")
    page.evaluate("window.stillThisPage = true")
    with page.expect_response(lambda r: "kind=not_resident" in r.url):
        page.select_option("select[name=kind]", "not_resident")
    with page.expect_response(lambda r: f"township={console.township}" in r.url):
        page.select_option("select[name=township]", console.township)
    page.wait_for_function("location.search.includes('township=')")
    assert page.evaluate("window.stillThisPage") is True
    assert "kind=not_resident" in page.url and f"township={console.township}" in page.url
    kinds = page.locator("tr[data-finding-id]").evaluate_all(
        "rows => rows.map(r => r.dataset.kind)")
    assert kinds and set(kinds) == {"not_resident"}
    page.reload()
    assert page.locator("select[name=kind]").input_value() == "not_resident"


def test_english_by_accept_language_and_by_the_switch(browse, console, backend):
    page = browse(locale="en-US")
    log_in(page, console, "inspector1")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Stationed but not resident" in page.locator(
        f'tr[data-finding-id="{console.finding_id}"]').inner_text()
    screenshot(page, "queue-en", backend)
    page.click("header .langs a:has-text('中文')")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "zh-CN"


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(browse, console):
    page = browse()
    log_in(page, console, "inspector1")
    before = api_get(console, f"/api/v1/flags/{console.finding_id}")
    answer = page.request.post(f"{console.base}/console/findings/assign",
                               form={"ids": str(console.finding_id), "note": "forged"})
    assert answer.status == 400
    assert api_get(console, f"/api/v1/flags/{console.finding_id}") == before


def test_api_docs_are_served_from_here(browse, console, backend):
    page = browse()
    page.goto(f"{console.base}/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
    assert "fieldapp" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".swagger-ui button.authorize").count() == 1  # bearer tokens
    screenshot(page, "api-docs", backend)


def api_get(console, path: str) -> dict:
    """What the API answers an admin."""
    request = urllib.request.Request(f"{console.base}{path}", headers={
        "Authorization": f"Bearer {_api_token(console, 'admin')}"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


def _api_token(console, username: str) -> str:
    request = urllib.request.Request(
        f"{console.base}/api/v1/auth/token", method="POST",
        data=json.dumps({"username": username, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)["access_token"]


def test_an_inspector_approves_a_leave_request(browse, console, backend):
    page = browse()
    log_in(page, console, "inspector1")
    page.goto(f"{console.base}/console/leaves")
    row = page.locator(f'tr[data-leave-id="{console.leave_id}"]')
    assert row.get_attribute("data-status") == "pending"
    assert "家中老人住院" in row.inner_text()
    screenshot(page, "leaves", backend)
    form = row.locator('form[data-action="approve"]')
    form.locator("input[name=note]").fill("同意，注意按时销假")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(f'tr[data-leave-id="{console.leave_id}"]').count() == 0
    answer = api_get(console, f"/api/v1/leaves/{console.leave_id}")
    assert (answer["status"], answer["decision_note"]) == ("approved", "同意，注意按时销假")
