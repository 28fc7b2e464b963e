"""The collection profiles (docs/collection.md): which fixes the `minimal` profile keeps,
and where a moment stands among the check-in windows. Pure: plain values and NumPy.

A *window instance* is one check-in window of a local date, or the night window that
starts on that date (21:00 on D to 06:00 on D+1 is D's night). Under `minimal` a cadre's
fixes are kept only inside window instances, and of those only the first of each verdict:
all that the presence rule reads (docs/presence-rules.md).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from .presence import Windows, window_table

MINIMAL, TRACK = "minimal", "track"
# One code per stored verdict; "unassigned" (no post) is kept once per instance like the rest.
VERDICTS = ("inside", "outside", "uncertain", "unassigned")
OUTSIDE_WINDOWS = "outside every check-in window"


@dataclass(frozen=True)
class WindowInstance:
    kind: str            # "day" or "night"
    starts_at: datetime  # UTC
    ends_at: datetime    # UTC


def window_instances(epoch_s: np.ndarray, windows: Windows, zone: ZoneInfo
                     ) -> tuple[np.ndarray, np.ndarray]:
    """(ordinal of the local date the instance belongs to, slot) of each instant; both -1
    for an instant in no window. Slot len(windows.day) is the night."""
    epoch_s = np.asarray(epoch_s, dtype=float)
    if not len(epoch_s):
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    days = _days_around(float(epoch_s.min()), float(epoch_s.max()), zone)
    day_index, slot = window_table(days, windows, zone).locate(epoch_s)
    ordinal = np.where(slot >= 0, days[0].toordinal() + day_index, -1)
    return ordinal, slot


def instance_keys(ordinal: np.ndarray, slot: np.ndarray, verdict: np.ndarray,
                  windows: Windows) -> np.ndarray:
    """One integer per (window instance, verdict code); -1 where slot is -1."""
    key = (ordinal * windows.slots + slot) * len(VERDICTS) + verdict
    return np.where(slot >= 0, key, -1)


def minimal_keeps(key: np.ndarray, epoch_s: np.ndarray, always: np.ndarray,
                  kept_keys: np.ndarray) -> np.ndarray:
    """Which fixes of one cadre `minimal` keeps: those in `always` (mock, challenge
    answers), and the earliest fix of each window-instance verdict `key` (from
    `instance_keys`) not already among `kept_keys`; none outside every window (key -1)."""
    keep = always.copy()
    candidates = np.flatnonzero(~always & (key >= 0))
    if not len(candidates):
        return keep
    order = candidates[np.lexsort((epoch_s[candidates], key[candidates]))]
    ordered = key[order]
    first = np.r_[True, ordered[1:] != ordered[:-1]]
    winners = order[first]
    keep[winners[~np.isin(key[winners], kept_keys)]] = True
    return keep


def window_at(now: datetime, windows: Windows, zone: ZoneInfo
              ) -> tuple[WindowInstance | None, datetime]:
    """The window instance `now` lies in (None between windows), and when the next one
    opens after `now`."""
    epoch = now.timestamp()
    days = _days_around(epoch, epoch + 86_400, zone)
    table = window_table(days, windows, zone)
    night = windows.slots - 1
    current = None
    i = int(np.searchsorted(table.starts, epoch, side="right")) - 1
    if i >= 0 and epoch < table.ends[i]:
        current = WindowInstance("night" if table.slot[i] == night else "day",
                                 _utc(table.starts[i]), _utc(table.ends[i]))
    upcoming = table.starts[table.starts > epoch]
    return current, _utc(upcoming[0])


def _days_around(first_epoch: float, last_epoch: float, zone: ZoneInfo) -> list[date]:
    """Local dates from the day before the first instant (its night may still run) to the
    last instant's date."""
    first = datetime.fromtimestamp(first_epoch, zone).date() - timedelta(days=1)
    last = datetime.fromtimestamp(last_epoch, zone).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(float(epoch), UTC)
