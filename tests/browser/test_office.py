"""The discipline office's morning in Chromium: its start page, a township's audit with its
downloads, the summaries with no ranking, and a finding escalated to it, disposed of with a
form, whose outcome the cadre then sees.

Runs after test_dossier.py (file order), which leaves the commuter's finding confirmed; the
escalation test moves it on from whatever state it is in."""
from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from .conftest import PASSWORD, log_in, screenshot
from .test_console import _api_token, api_get

pytestmark = pytest.mark.browser


def api_post(console, path: str, body: dict) -> dict:
    """What the API answers an admin's POST."""
    request = urllib.request.Request(
        f"{console.base}{path}", method="POST", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json",
                 "Authorization": f"Bearer {_api_token(console, 'admin')}"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


def test_the_office_audits_a_township_and_downloads_it(browse, console, backend):
    page = browse()
    log_in(page, console, "discipline")
    assert "/console/dispositions" in page.url
    page.goto(f"{console.base}/console/audits?region={console.township}&week={console.week}")
    audit = page.locator("#audit")
    assert int(audit.get_attribute("data-rows")) >= 2
    row = page.locator(f'#audit-table tr[data-cadre-id="{console.commuter_id}"]')
    assert row.locator('[data-n="present_nights"]').inner_text() == "0"
    assert row.locator('[data-kind="not_resident"]').count() == 0  # not escalated: not shown
    assert "在岗审计" in page.locator("h1").inner_text()
    screenshot(page, "audit", backend)
    for fmt, start in (("pdf", b"%PDF"), ("csv", "\ufeff".encode()), ("xlsx", b"PK")):
        with page.expect_download() as download:
            page.click(f'a[data-format="{fmt}"]')
        body = Path(download.value.path()).read_bytes()
        assert body.startswith(start), fmt
        assert download.value.suggested_filename.endswith(f".{fmt}")


def test_the_summaries_show_no_ranking(browse, console, backend):
    page = browse()
    log_in(page, console, "discipline")
    page.goto(f"{console.base}/console/summaries?region={console.township[:6]}"
              f"&week={console.week}")
    codes = page.locator("#summary-table tr[data-code]").evaluate_all(
        "rows => rows.map(r => r.dataset.code)")
    assert codes and codes == sorted(codes) and console.township in codes
    assert page.locator("#rankings").count() == 0
    screenshot(page, "summaries", backend)


def test_an_escalated_finding_is_disposed_of_and_the_cadre_sees_it(browse, console, backend):
    finding = console.finding_id
    moves = {"open": "assign", "in_review": "confirm", "confirmed": "escalate"}
    status = api_get(console, f"/api/v1/flags/{finding}")["status"]
    while status in moves:
        status = api_post(console, f"/api/v1/flags/{finding}/transitions",
                          {"action": moves[status], "note": "督查组核实后移交"})["status"]
    assert status == "escalated"

    page = browse()
    log_in(page, console, "discipline")
    row = page.locator(f'tr[data-finding-id="{finding}"]')
    assert row.get_attribute("data-status") == "escalated"
    screenshot(page, "dispositions", backend)
    row.locator("select[name=disposition]").select_option("reminder_talk")
    row.locator("input[name=note]").fill("经集体研究，给予谈话提醒")
    row.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    answer = api_get(console, f"/api/v1/flags/{finding}")
    assert (answer["status"], answer["disposition"]) == ("disposed", "reminder_talk")
    assert answer["events"][-1]["action"] == "dispose"

    api_post(console, "/api/v1/users", {"username": "commuter", "password": PASSWORD,
                                        "role": "cadre", "cadre_id": console.commuter_id})
    page = browse()
    log_in(page, console, "commuter")
    page.goto(f"{console.base}/console/findings/{finding}")
    assert page.locator('[data-disposition="reminder_talk"]').count() == 1
    assert "谈话提醒" in page.content()
    screenshot(page, "disposed-as-the-cadre-sees-it", backend)
