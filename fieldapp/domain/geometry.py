"""Shapely helpers: coordinate-system conversion of whole geometries and validity repair."""
from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from .coords import to_wgs84


def geometry_to_wgs84(geom: BaseGeometry, crs: str) -> BaseGeometry:
    if crs == "wgs84":
        return geom

    def convert(xy: np.ndarray) -> np.ndarray:
        lat, lon = to_wgs84(xy[:, 1], xy[:, 0], crs)
        return np.column_stack([lon, lat])

    return shapely.transform(geom, convert)


def as_multipolygon(geom: BaseGeometry) -> MultiPolygon | None:
    """The polygonal part of `geom` as a MultiPolygon, or None if it has none."""
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    parts = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon | MultiPolygon)]
    polygons = [p for g in parts for p in (g.geoms if isinstance(g, MultiPolygon) else [g])]
    return MultiPolygon(polygons) if polygons else None


def repair_polygon(geom: BaseGeometry) -> tuple[MultiPolygon | None, str | None]:
    """Return (valid multipolygon or None, note on what was repaired or why it failed)."""
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        return None, f"not a polygon but a {geom.geom_type}"
    if geom.is_empty:
        return None, "empty geometry"
    if geom.is_valid:
        return as_multipolygon(geom), None
    reason = shapely.is_valid_reason(geom)
    fixed = as_multipolygon(shapely.make_valid(geom))
    if fixed is None or fixed.is_empty or not fixed.is_valid:
        return None, f"invalid ({reason}) and could not be repaired"
    if fixed.area < 0.5 * geom.buffer(0).area:
        return None, f"invalid ({reason}); repair would lose most of its area"
    return fixed, f"repaired: {reason}"
