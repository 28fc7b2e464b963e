"""Detectors of faked locations over a cadre's pings, vectorised.

All take arrays of one or many cadres' pings sorted by (cadre, time) and return a boolean
mask over the pings that are evidence of the finding.
"""
from __future__ import annotations

import numpy as np

from .fence import EARTH_RADIUS_M

_DEG = np.pi / 180.0


def haversine_m(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in metres."""
    p1, p2 = lat1 * _DEG, lat2 * _DEG
    a = (np.sin((p2 - p1) / 2) ** 2
         + np.cos(p1) * np.cos(p2) * np.sin((lon2 - lon1) * _DEG / 2) ** 2)
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def implausible_speed(cadre: np.ndarray, epoch_s: np.ndarray, lat: np.ndarray,
                      lon: np.ndarray, accuracy_m: np.ndarray, max_speed_mps: float
                      ) -> np.ndarray:
    """Pings reached from the cadre's previous fix faster than `max_speed_mps`.

    The distance is shrunk by both fixes' accuracy first, so two coarse fixes of a
    standing phone never look like a jump.
    """
    flagged = np.zeros(len(cadre), dtype=bool)
    if len(cadre) < 2:
        return flagged
    same = cadre[1:] == cadre[:-1]
    moved = haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:])
    slack = np.nan_to_num(accuracy_m[:-1]) + np.nan_to_num(accuracy_m[1:])
    distance = np.maximum(moved - slack, 0.0)
    elapsed = epoch_s[1:] - epoch_s[:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        too_fast = np.where(elapsed > 0, distance / elapsed > max_speed_mps, distance > 0)
    flagged[1:] = same & too_fast
    return flagged


def static_location(cadre: np.ndarray, day: np.ndarray, lat: np.ndarray, lon: np.ndarray,
                    min_days: int) -> np.ndarray:
    """Pings whose exact coordinates (to 1e-6°) recur for the same cadre on `min_days` or
    more different days: real GPS jitters, a replayed or typed-in fix does not."""
    if len(cadre) == 0:
        return np.zeros(0, dtype=bool)
    key = np.stack([cadre, np.round(lat * 1e6), np.round(lon * 1e6)], axis=1).astype(np.int64)
    _, spot = np.unique(key, axis=0, return_inverse=True)
    spot = spot.ravel()
    spot_days = np.unique(np.stack([spot, day], axis=1), axis=0)
    days_per_spot = np.bincount(spot_days[:, 0], minlength=spot.max() + 1)
    return days_per_spot[spot] >= min_days
