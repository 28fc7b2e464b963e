"""The printed audit's drawings and the workbook's sheet names, from plain values."""
from __future__ import annotations

import math
import re
from datetime import date, timedelta

import pytest
from shapely.geometry import Polygon

from fieldapp.documents.audit_svg import (
    COLOURS,
    NOT_POSTED,
    UNEVALUATED,
    Projection,
    distance_text,
    finding_map,
    heat_map,
    scale_length_m,
)
from fieldapp.documents.audit_xlsx import sheet_name

VILLAGE = Polygon([(115.10, 35.90), (115.12, 35.90), (115.12, 35.915), (115.10, 35.915)])


@pytest.mark.parametrize(("mm_per_m", "max_mm", "metres"), [
    (0.01, 30, 2000), (0.01, 50, 5000), (0.1, 30, 200), (0.013, 30, 2000), (1.0, 4.9, 2),
])
def test_the_scale_bar_is_the_longest_round_length_that_fits(mm_per_m, max_mm, metres):
    assert scale_length_m(mm_per_m, max_mm) == metres
    assert metres * mm_per_m <= max_mm


def test_distances_are_written_in_metres_or_kilometres():
    assert (distance_text(500), distance_text(1000), distance_text(2000)) == (
        "500 m", "1 km", "2 km")


def test_the_projection_fits_everything_in_the_margins_and_keeps_north_up():
    lats, lons = [35.90, 35.915, 35.95], [115.10, 115.12, 115.20]
    projection = Projection(lats, lons, width=120, height=75, margin=4)
    points = [projection.xy(lat, lon) for lat, lon in zip(lats, lons, strict=True)]
    for x, y in points:
        assert 4 - 1e-9 <= x <= 116 + 1e-9 and 4 - 1e-9 <= y <= 71 + 1e-9
    assert points[2][1] < points[0][1]  # further north is higher on the page
    assert points[2][0] > points[0][0]  # further east is to the right
    # a degree of longitude is shorter than one of latitude by the cosine of the latitude
    east = projection.xy(35.9, 115.101)[0] - projection.xy(35.9, 115.1)[0]
    north = projection.xy(35.9, 115.1)[1] - projection.xy(35.901, 115.1)[1]
    assert east / north == pytest.approx(math.cos(math.radians(35.925)))


def test_one_point_still_gets_a_map_of_a_minimum_extent():
    projection = Projection([35.9], [115.1], width=120, height=75)
    assert projection.mm_per_m == pytest.approx((75 - 8) / 200)


def test_a_finding_map_draws_boundary_fixes_centroids_and_scale():
    svg = finding_map(VILLAGE, [(35.905, 115.15), (35.906, 115.151)], [(35.9055, 115.1505)],
                      "#5f3dc4")
    assert 'class="fixes" data-count="2" fill="#5f3dc4"' in svg
    assert 'class="centroids" data-count="1"' in svg
    assert 'fill-rule="evenodd"' in svg and re.search(r">\d+ k?m</text>", svg)
    assert finding_map(None, [], [], "#000") == ""


def test_a_heat_map_fills_each_date_by_status_and_marks_the_rest():
    first = date(2026, 11, 1)
    dates = [first + timedelta(days=i) for i in range(40)]
    cells = {d: ("present", "absent") for d in dates[:10]}
    cells.update({d: UNEVALUATED for d in dates[10:20]})
    cells.update({d: NOT_POSTED for d in dates[20:]})
    svg = heat_map(dates, cells, "白天", "夜间")
    drawn = {status: (int(n), d.count("z")) for status, n, d in re.findall(
        r'data-status="(\w+)" data-cells="(\d+)" [^>]*d="([^"]*)"', svg)}
    # the days above, the nights below; no cell for a date outside the post
    assert drawn == {"present": (10, 10), "absent": (10, 10), UNEVALUATED: (20, 20)}
    assert f'data-status="present" data-cells="10" fill="{COLOURS["present"]}"' in svg
    assert "2026-11" in svg and "2026-12" in svg  # 40 dates: a second line from Dec 2
    assert "text-anchor" not in svg


def test_sheet_names_are_valid_and_unique():
    taken: set[str] = set()
    names = [sheet_name(n, taken) for n in (
        "城关镇 410922100", "a[b]:c*d?e/f\\g", "'quoted'", "x" * 40, "X" * 40, "", "汇总",
        "汇总")]
    assert names[1] == "a_b__c_d_e_f_g" and names[2] == "quoted" and names[5] == "sheet"
    assert names[3] == "x" * 31 and names[4] == "X" * 27 + " (2)"
    assert names[7] == "汇总 (2)"
    assert all(len(n) <= 31 for n in names)
    assert len({n.casefold() for n in names}) == len(names)
