"""The data a console map draws (static/map.js, `FieldMap.draw`), built on the server.

    {"boundaries": GeoJSON FeatureCollection (properties: code, name, role "post" or
                   "village", optional color and label),
     "fixes": {"columns": FIX_COLUMNS, "rows": [[lat, lon, acc, t, slot, verdict], ...]},
     "centroids": [{"lat", "lon", "distance_m", "date"}],
     "basemap": {"url", "crs", "attribution"}, "zone": the settings' zone name,
     "labels": the legend's words in the reader's language}

Compact for the wire: lat/lon at 6 decimals (~0.1 m), accuracy in whole metres, times in
epoch seconds, JSON without spaces (`map_json`); tests/integration/test_console_dossier.py
holds a cadre-week of fixes to the size the issue allows. With a GCJ-02 basemap every
displayed coordinate is shifted to GCJ-02 (display only: stored data never change).
"""
from __future__ import annotations

import numpy as np
import shapely
from flask import current_app
from flask_babel import gettext
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup
from shapely.geometry import mapping, shape

from ..domain.coords import wgs84_to_gcj02
from ..services.ingest.fix_tracks import FIX_COLUMNS

MAX_FIXES_DRAWN = 5000  # a month of 10-minute fixes; beyond it the page says how many more


def basemap_settings() -> dict:
    config = current_app.config
    return {"url": config["BASEMAP_URL"] or None, "crs": config["BASEMAP_CRS"],
            "attribution": config["BASEMAP_ATTRIBUTION"]}


def map_data(boundaries_features: list[dict], fixes_rows: list[tuple],
             centroids: list[dict]) -> dict:
    """`fixes_rows` as services/ingest/fix_tracks returns them (WGS-84); `centroids` with
    lat, lon, distance_m and date (a date or its ISO string)."""
    basemap = basemap_settings()
    shift = basemap["url"] is not None and basemap["crs"] == "gcj02"
    lat = np.array([r[0] for r in fixes_rows], dtype=float)
    lon = np.array([r[1] for r in fixes_rows], dtype=float)
    c_lat = np.array([c["lat"] for c in centroids], dtype=float)
    c_lon = np.array([c["lon"] for c in centroids], dtype=float)
    if shift:
        lat, lon = wgs84_to_gcj02(lat, lon)
        c_lat, c_lon = wgs84_to_gcj02(c_lat, c_lon)
        boundaries_features = [_shifted(f) for f in boundaries_features]
    rows = [[round(y, 6), round(x, 6), None if acc is None else int(round(acc)), int(t),
             slot, verdict]
            for y, x, (_, _, acc, t, slot, verdict) in zip(
                lat.tolist(), lon.tolist(), fixes_rows, strict=True)]
    return {"boundaries": {"type": "FeatureCollection", "features": boundaries_features},
            "fixes": {"columns": list(FIX_COLUMNS), "rows": rows},
            "centroids": [{"lat": round(y, 6), "lon": round(x, 6),
                           "distance_m": c["distance_m"], "date": str(c["date"])}
                          for y, x, c in zip(c_lat.tolist(), c_lon.tolist(), centroids,
                                             strict=True)],
            "basemap": basemap, "zone": current_app.config["TIMEZONE"],
            "labels": _labels()}


def map_json(data: dict) -> Markup:
    """`data` as compact JSON (no spaces) that is safe inside <script type="application/json">
    (<, > and & escaped): the pages write `{{ map|map_json }}`."""
    return htmlsafe_json_dumps(data, separators=(",", ":"), ensure_ascii=False)


def _shifted(feature: dict) -> dict:
    """The feature with its geometry in GCJ-02, every vertex shifted in one array call."""
    geometry = shapely.transform(shape(feature["geometry"]),
                                 lambda xy: np.column_stack(wgs84_to_gcj02(xy[:, 1],
                                                                           xy[:, 0])[::-1]))
    return {**feature, "geometry": mapping(geometry)}


def _labels() -> dict:
    return {"day": gettext("Day fix"), "night": gettext("Night fix"),
            "none": gettext("Fix outside the windows"),
            "accuracy": gettext("Accuracy circle"),
            "centroid": gettext("Night centroid"), "post": gettext("Village boundary"),
            "metres_away": gettext("%(m)s m from the boundary"),
            "inside": gettext("inside"), "outside": gettext("outside"),
            "uncertain": gettext("uncertain"), "accuracy_m": gettext("accuracy %(m)s m")}
