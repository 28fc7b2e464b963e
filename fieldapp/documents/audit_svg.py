"""The printed audit's drawings as inline SVG, from plain values: a cadre's day/night
heat-map over the range, and a finding's map (village boundary, fixes, night centroids,
scale bar) projected from WGS-84 onto the page with no tiles, so a report prints offline.

Sizes are millimetres on the page (the viewBox is in mm). A drawing has few elements, as
WeasyPrint's work and memory grow with them: the cells of one status are one path, the
fixes one path, the centroids two. Text is a few elements per drawing, never anchored
(WeasyPrint makes each anchored SVG text an object of its own in the PDF).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

import shapely
from markupsafe import Markup, escape
from shapely.geometry.base import BaseGeometry

METRES_PER_DEGREE = 111_320.0
FONT = "Noto Sans CJK SC"  # the report's font (web/templates/reports/audit.css)
COLOURS = {"present": "#2f9e44", "absent": "#d9480f", "no_data": "#adb5bd",
           "excused": "#4dabf7"}
UNEVALUATED = "unevaluated"  # a posted date with no day record
NOT_POSTED = None  # a date of the range outside the post

DAYS_PER_LINE = 31
CELL_MM, GAP_MM, LABEL_MM = 5.2, 0.35, 12.0
LINE_MM = 13.5
UNEVALUATED_PAINT = 'fill="#fff" stroke="#495057" stroke-width="0.25" stroke-dasharray="0.6 0.5"'
FIX_RADIUS = 0.8
CENTROID_COLOUR = "#862e9c"


def heat_map(dates: Sequence[date], cells: dict[date, tuple[str, str] | str | None],
             day_label: str, night_label: str) -> Markup:
    """Two rows per line of up to 31 dates: the day above, the night starting that evening
    below, filled by status; `cells[d]` is (day_status, night_status), UNEVALUATED (a white
    cell with a dashed outline) or NOT_POSTED (no cell). Each line starts with its first
    date's month. The cells of a status are one path (`data-status`, `data-cells`)."""
    lines = [list(dates[i:i + DAYS_PER_LINE]) for i in range(0, len(dates), DAYS_PER_LINE)]
    width = LABEL_MM + DAYS_PER_LINE * CELL_MM
    parts, shapes = [], {}
    for n, line in enumerate(lines):
        top = n * LINE_MM
        xs = " ".join(f"{_x(i) + 0.9:.2f} {_x(i) + 2.45:.2f}" for i in range(len(line)))
        digits = "".join(f"{d.day:02d}" for d in line)
        parts.append(f'<text x="0" y="{top + 3:.2f}" font-size="2.5" fill="#555">'
                     f'{line[0].year}-{line[0].month:02d}</text>'
                     f'<text x="{xs}" y="{top + 3:.2f}" font-size="2.5" fill="#555">'
                     f'{digits}</text>'
                     f'<text x="0" y="{top + 7.3:.2f}" font-size="2.8">{escape(day_label)}</text>'
                     f'<text x="0" y="{top + 11.8:.2f}" font-size="2.8">'
                     f'{escape(night_label)}</text>')
        for i, day in enumerate(line):
            cell = cells.get(day)
            if cell is NOT_POSTED:
                continue
            pair = (UNEVALUATED, UNEVALUATED) if cell == UNEVALUATED else cell
            for dy, status in zip((4.0, 8.5), pair, strict=True):
                shapes.setdefault(status, []).append(
                    f"M{_x(i):.2f} {top + dy:.2f}h{CELL_MM - GAP_MM:.2f}v4.1"
                    f"h{GAP_MM - CELL_MM:.2f}z")
    for status, drawn in shapes.items():
        paint = (UNEVALUATED_PAINT if status == UNEVALUATED
                 else f'fill="{COLOURS.get(status, "#000")}"')
        parts.append(f'<path data-status="{escape(status)}" data-cells="{len(drawn)}" {paint} '
                     f'd="{"".join(drawn)}"/>')
    height = len(lines) * LINE_MM
    return Markup(f'<svg class="heat" width="{width:.1f}mm" height="{height:.1f}mm" '
                  f'viewBox="0 0 {width:.1f} {height:.1f}" font-family="{FONT}">'
                  f'{"".join(parts)}</svg>')


def _x(i: int) -> float:
    return LABEL_MM + i * CELL_MM


class Projection:
    """A local equirectangular projection of WGS-84 fitting `points` and `geometry` into a
    `width` × `height` mm drawing with `margin` mm around: x east, y south, mm on paper."""

    def __init__(self, lats: Sequence[float], lons: Sequence[float], width: float,
                 height: float, margin: float = 4.0, min_extent_m: float = 200.0):
        lat0 = (min(lats) + max(lats)) / 2
        lon0 = (min(lons) + max(lons)) / 2
        self.lat0, self.lon0 = lat0, lon0
        self.kx = METRES_PER_DEGREE * math.cos(math.radians(lat0))
        span_x = max((max(lons) - min(lons)) * self.kx, min_extent_m)
        span_y = max((max(lats) - min(lats)) * METRES_PER_DEGREE, min_extent_m)
        self.mm_per_m = min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y)
        self.cx, self.cy = width / 2, height / 2

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        return (self.cx + (lon - self.lon0) * self.kx * self.mm_per_m,
                self.cy - (lat - self.lat0) * METRES_PER_DEGREE * self.mm_per_m)


def scale_length_m(mm_per_m: float, max_mm: float) -> float:
    """The longest round length (1, 2 or 5 × 10^k metres) drawn no longer than `max_mm`."""
    longest = max_mm / mm_per_m
    power = 10 ** math.floor(math.log10(longest))
    return max(step * power for step in (1, 2, 5) if step * power <= longest)


def distance_text(metres: float) -> str:
    return f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"


def finding_map(boundary: BaseGeometry | None, fixes: Sequence[tuple[float, float]],
                centroids: Sequence[tuple[float, float]], fix_colour: str,
                width: float = 86.0, height: float = 56.0) -> Markup:
    """The village `boundary`, the `fixes` (lat, lon) as dots of `fix_colour`, the night
    `centroids` as ringed crosses (`data-count` on each path), a scale bar and north; all
    in WGS-84 degrees. Empty when there is nothing to draw."""
    lats = [lat for lat, _ in (*fixes, *centroids)]
    lons = [lon for _, lon in (*fixes, *centroids)]
    if boundary is not None and not boundary.is_empty:
        west, south, east, north = boundary.bounds
        lats += [south, north]
        lons += [west, east]
    if not lats:
        return Markup("")
    projection = Projection(lats, lons, width, height)
    parts = [f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff" '
             f'stroke="#ced4da" stroke-width="0.3"/>']
    if boundary is not None and not boundary.is_empty:
        parts.append(_boundary_path(boundary, projection))
    if fixes:
        dots = "".join(_circle(*projection.xy(lat, lon), FIX_RADIUS) for lat, lon in fixes)
        parts.append(f'<path class="fixes" data-count="{len(fixes)}" fill="{fix_colour}" '
                     f'fill-opacity="0.8" d="{dots}"/>')
    if centroids:
        points = [projection.xy(lat, lon) for lat, lon in centroids]
        rings = "".join(_circle(x, y, 1.6) for x, y in points)
        crosses = "".join(f"M{x - 2.2:.2f} {y:.2f}h4.4M{x:.2f} {y - 2.2:.2f}v4.4"
                          for x, y in points)
        parts.append(f'<path class="centroids" data-count="{len(points)}" fill="none" '
                     f'stroke="{CENTROID_COLOUR}" stroke-width="0.45" d="{rings}"/>'
                     f'<path fill="none" stroke="{CENTROID_COLOUR}" stroke-width="0.3" '
                     f'd="{crosses}"/>')
    parts.append(_scale_bar(projection, width, height))
    parts.append(f'<path d="M{width - 5:.1f} 3l1.6 4.5h-3.2z" fill="#343a40"/>'
                 f'<text x="{width - 5.9:.1f}" y="10.6" font-size="2.6">N</text>')
    return Markup(f'<svg class="map" width="{width}mm" height="{height}mm" '
                  f'viewBox="0 0 {width} {height}" font-family="{FONT}">{"".join(parts)}</svg>')


def _circle(x: float, y: float, r: float) -> str:
    """A circle as a subpath of two half arcs."""
    return f"M{x - r:.2f} {y:.2f}a{r} {r} 0 1 0 {2 * r} 0a{r} {r} 0 1 0 {-2 * r} 0z"


def _boundary_path(boundary: BaseGeometry, projection: Projection) -> str:
    """The boundary simplified to what paper shows (a quarter millimetre), as one path."""
    tolerance_deg = 0.25 / projection.mm_per_m / METRES_PER_DEGREE
    simple = shapely.simplify(boundary, tolerance_deg, preserve_topology=True)
    polygons = getattr(simple, "geoms", [simple])
    rings = []
    for polygon in polygons:
        for ring in (polygon.exterior, *polygon.interiors):
            points = [projection.xy(lat, lon) for lon, lat in ring.coords]
            rings.append("M" + "L".join(f"{x:.2f} {y:.2f}" for x, y in points) + "Z")
    return (f'<path d="{"".join(rings)}" fill="#e7f5ff" fill-rule="evenodd" stroke="#1c7ed6" '
            f'stroke-width="0.45"/>')


def _scale_bar(projection: Projection, width: float, height: float) -> str:
    metres = scale_length_m(projection.mm_per_m, width / 4)
    length = metres * projection.mm_per_m
    x, y = 4.0, height - 4.0
    return (f'<path d="M{x:.1f} {y - 1.2:.1f}v1.2h{length:.2f}v-1.2" fill="none" '
            f'stroke="#212529" stroke-width="0.4"/><text x="{x + length + 1.2:.2f}" '
            f'y="{y:.1f}" font-size="2.6">{distance_text(metres)}</text>')
