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
                    min_days: int, min_share: float) -> np.ndarray:
    """Pings on a spot whose exact coordinates (to 1e-6°) recur for the same cadre on
    `min_days` or more days and carry at least `min_share` of that cadre's fixes.

    Real GPS jitters: a few exact repeats happen by chance among thousands of fixes, but
    one spot holding a fifth of a week's fixes is a typed-in or replayed location.
    """
    n = len(cadre)
    if n == 0:
        return np.zeros(0, dtype=bool)
    # One int64 per spot: micro-degrees of latitude (< 2^28) above those of longitude.
    spot = ((np.round(lat * 1e6).astype(np.int64) + 90_000_000) << 29) + \
        (np.round(lon * 1e6).astype(np.int64) + 180_000_000)
    order = np.lexsort((day, spot, cadre))
    c, s, d = cadre[order], spot[order], day[order]
    new_cadre = np.r_[True, c[1:] != c[:-1]]
    new_spot = new_cadre | np.r_[True, s[1:] != s[:-1]]
    new_day = new_spot | np.r_[True, d[1:] != d[:-1]]
    spot_id, cadre_id = np.cumsum(new_spot) - 1, np.cumsum(new_cadre) - 1
    days_per_spot = np.bincount(spot_id, weights=new_day)
    fixes_per_spot = np.bincount(spot_id)
    fixes_per_cadre = np.bincount(cadre_id)
    static = (days_per_spot[spot_id] >= min_days) & (
        fixes_per_spot[spot_id] >= min_share * fixes_per_cadre[cadre_id])
    flagged = np.empty(n, dtype=bool)
    flagged[order] = static
    return flagged
