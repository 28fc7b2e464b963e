"""The dossier of a cadre who sleeps in the county town, worked in Chromium: read the nights
off the calendar, see the night fixes on the map, assign and confirm with notes."""
from __future__ import annotations

import pytest

from .conftest import log_in, screenshot
from .test_console import api_get

pytestmark = pytest.mark.browser

DOSSIER_PAGES = ("findings/{finding_id}", "cadres/{commuter_id}", "townships/{township}")


def test_an_inspector_works_a_not_resident_finding(browse, console, backend):
    page = browse()
    log_in(page, console, "inspector1")
    page.goto(f"{console.base}/console/findings?kind=not_resident")
    page.click(f'tr[data-finding-id="{console.finding_id}"] td:last-child a')
    wait_for_map(page)
    assert page.url.endswith(f"/console/findings/{console.finding_id}")

    cells = page.locator(".calendar .cell[data-date]").evaluate_all(
        "cells => cells.map(c => [c.dataset.date, c.dataset.night])")
    assert dict(cells) == console.nights
    assert {night for _, night in cells} == {"absent"}
    assert page.locator('[data-count="present_nights"]').inner_text() == "0"

    drawn = page.locator("#map").get_attribute("data-fixes")
    assert int(drawn) == 28  # 7 days × (2 day + 2 night fixes)
    slots = page.evaluate(
        "document.getElementById('map').fieldMap.markers.map(m => m.fix.slot)")
    assert slots.count("night") == 14 and slots.count("day") == 14
    screenshot(page, "dossier", backend)

    for action, note in (("assign", "接手核查"), ("confirm", "夜间定位均在县城，已电话核实")):
        form = page.locator(f'form[data-action="{action}"]')
        form.locator("textarea[name=note]").fill(note)
        form.locator("button[type=submit]").click()
        page.wait_for_load_state("networkidle")
    assert page.locator("#finding").get_attribute("data-status") == "confirmed"
    assert page.locator('form[data-action="confirm"]').count() == 0  # no longer offered
    screenshot(page, "dossier-confirmed", backend)

    answer = api_get(console, f"/api/v1/flags/{console.finding_id}")
    assert answer["status"] == "confirmed"
    assert [(e["action"], e["note"]) for e in answer["events"][-2:]] == [
        ("assign", "接手核查"), ("confirm", "夜间定位均在县城，已电话核实")]


@pytest.mark.parametrize("path", DOSSIER_PAGES)
def test_an_inspector_of_another_township_gets_the_404_page(browse, console, path, backend):
    page = browse()
    log_in(page, console, "inspector2")
    answer = page.goto(f"{console.base}/console/{path.format(**vars(console))}")
    assert answer.status == 404
    assert page.locator("[data-error]").get_attribute("data-error") == "404"
    assert console.commuter_name not in page.content()
    screenshot(page, "404-" + path.split("/")[0], backend)


def test_the_cadre_and_township_pages_open(browse, console, backend):
    page = browse()
    log_in(page, console, "inspector1")
    page.goto(f"{console.base}/console/cadres/{console.commuter_id}"
              f"?month={console.monday.strftime('%Y-%m')}")
    wait_for_map(page)
    assert page.locator(".calendar .cell[data-date]").count() >= 28
    screenshot(page, "cadre", backend)
    page.goto(f"{console.base}/console/townships/{console.township}?week={console.week}")
    wait_for_map(page)
    assert console.commuter_name in page.content()
    screenshot(page, "township", backend)


def wait_for_map(page) -> None:
    """Until map.js has drawn (it draws on a canvas, and leaves what it drew on the
    element)."""
    page.wait_for_function("document.getElementById('map') && "
                           "document.getElementById('map').fieldMap !== undefined")
