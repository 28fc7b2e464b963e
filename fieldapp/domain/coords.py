"""WGS-84 ⇄ GCJ-02 ⇄ BD-09, vectorised over NumPy arrays.

GCJ-02 is WGS-84 plus a published-by-reverse-engineering offset that applies inside China
only; outside China every conversion here is the identity. Inverses are iterative and
converge to well under a millimetre.
"""
from __future__ import annotations

import numpy as np

CRS_NAMES = ("wgs84", "gcj02", "bd09")

_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0


def _arrays(lat, lon):
    return np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)


def in_china(lat, lon) -> np.ndarray:
    """The rough rectangle within which GCJ-02 applies its offset."""
    lat, lon = _arrays(lat, lon)
    return (lon > 72.004) & (lon < 137.8347) & (lat > 0.8293) & (lat < 55.8271)


def _gcj_offset(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = lon - 105.0, lat - 35.0
    common = (20 * np.sin(6 * x * np.pi) + 20 * np.sin(2 * x * np.pi)) * 2 / 3
    d_lat = (-100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
             + common
             + (20 * np.sin(y * np.pi) + 40 * np.sin(y / 3 * np.pi)) * 2 / 3
             + (160 * np.sin(y / 12 * np.pi) + 320 * np.sin(y * np.pi / 30)) * 2 / 3)
    d_lon = (300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
             + common
             + (20 * np.sin(x * np.pi) + 40 * np.sin(x / 3 * np.pi)) * 2 / 3
             + (150 * np.sin(x / 12 * np.pi) + 300 * np.sin(x / 30 * np.pi)) * 2 / 3)
    rad = lat / 180 * np.pi
    magic = 1 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = d_lat * 180 / ((_A * (1 - _EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = d_lon * 180 / (_A / sqrt_magic * np.cos(rad) * np.pi)
    inside = in_china(lat, lon)
    return np.where(inside, d_lat, 0.0), np.where(inside, d_lon, 0.0)


def wgs84_to_gcj02(lat, lon):
    lat, lon = _arrays(lat, lon)
    d_lat, d_lon = _gcj_offset(lat, lon)
    return lat + d_lat, lon + d_lon


def gcj02_to_wgs84(lat, lon, tolerance_deg: float = 1e-10, max_iter: int = 20):
    """Fixed-point inverse: refine a WGS-84 guess until it maps onto the GCJ-02 input."""
    lat, lon = _arrays(lat, lon)
    w_lat, w_lon = lat.copy(), lon.copy()
    for _ in range(max_iter):
        g_lat, g_lon = wgs84_to_gcj02(w_lat, w_lon)
        e_lat, e_lon = lat - g_lat, lon - g_lon
        w_lat, w_lon = w_lat + e_lat, w_lon + e_lon
        if np.all(np.abs(e_lat) < tolerance_deg) and np.all(np.abs(e_lon) < tolerance_deg):
            break
    return w_lat, w_lon


def gcj02_to_bd09(lat, lon):
    lat, lon = _arrays(lat, lon)
    inside = in_china(lat, lon)
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return (np.where(inside, z * np.sin(theta) + 0.006, lat),
            np.where(inside, z * np.cos(theta) + 0.0065, lon))


def bd09_to_gcj02(lat, lon, tolerance_deg: float = 1e-10, max_iter: int = 20):
    """Baidu's closed-form inverse, refined iteratively against the forward transform."""
    lat, lon = _arrays(lat, lon)
    x, y = lon - 0.0065, lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    g_lat, g_lon = z * np.sin(theta), z * np.cos(theta)
    for _ in range(max_iter):
        b_lat, b_lon = gcj02_to_bd09(g_lat, g_lon)
        e_lat, e_lon = lat - b_lat, lon - b_lon
        g_lat, g_lon = g_lat + e_lat, g_lon + e_lon
        if np.all(np.abs(e_lat) < tolerance_deg) and np.all(np.abs(e_lon) < tolerance_deg):
            break
    inside = in_china(g_lat, g_lon)
    return np.where(inside, g_lat, lat), np.where(inside, g_lon, lon)


def wgs84_to_bd09(lat, lon):
    return gcj02_to_bd09(*wgs84_to_gcj02(lat, lon))


def bd09_to_wgs84(lat, lon):
    return gcj02_to_wgs84(*bd09_to_gcj02(lat, lon))


def to_wgs84(lat, lon, crs: str):
    """Convert arrays in `crs` to WGS-84; raises ValueError for an unknown name."""
    if crs == "wgs84":
        return _arrays(lat, lon)
    if crs == "gcj02":
        return gcj02_to_wgs84(lat, lon)
    if crs == "bd09":
        return bd09_to_wgs84(lat, lon)
    raise ValueError(f"unknown crs {crs!r}; expected one of {', '.join(CRS_NAMES)}")


def to_wgs84_mixed(lat: np.ndarray, lon: np.ndarray, crs):
    """Convert a batch whose items each name their own crs (a sequence of names)."""
    out_lat, out_lon = np.array(lat, dtype=float), np.array(lon, dtype=float)
    names = np.asarray(crs)
    for name in set(names.tolist()) - {"wgs84"}:
        mask = names == name
        out_lat[mask], out_lon[mask] = to_wgs84(out_lat[mask], out_lon[mask], name)
    return out_lat, out_lon
