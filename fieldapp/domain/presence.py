"""Presence rules (docs/presence-rules.md) as pure functions over NumPy arrays.

A local date D has check-in windows by day (default 08–12 and 12–18) and one night window
that starts on D (default 21:00 → 06:00 on D+1). Pings are sorted into windows, counted per
verdict, and the counts decide each day and night: present, absent, no data or excused.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

PRESENT, ABSENT, NO_DATA, EXCUSED = "present", "absent", "no_data", "excused"

# Verdict codes used in the count arrays (uncertain pings are counted but are no evidence).
V_INSIDE, V_OUTSIDE, V_UNCERTAIN = 0, 1, 2
VERDICT_CODES = {"inside": V_INSIDE, "outside": V_OUTSIDE, "uncertain": V_UNCERTAIN}


@dataclass(frozen=True)
class Windows:
    """Check-in windows by day, and the night window (its end is on the next morning)."""

    day: tuple[tuple[time, time], ...] = ((time(8), time(12)), (time(12), time(18)))
    night: tuple[time, time] = (time(21), time(6))

    @classmethod
    def parse(cls, day_spec: str, night_spec: str) -> Windows:
        """From settings like "08:00-12:00,12:00-18:00" and "21:00-06:00"."""
        day = tuple(_span(part) for part in day_spec.split(",") if part.strip())
        night = _span(night_spec)
        if not day:
            raise ValueError("at least one check-in window is needed")
        for start, end in day:
            if end <= start:
                raise ValueError(f"check-in window {start}-{end} must end after it starts")
        if night[1] >= night[0]:
            raise ValueError("the night window must run past midnight, e.g. 21:00-06:00")
        ordered = sorted(day)
        for (_, end), (start, _) in zip(ordered, ordered[1:], strict=False):
            if start < end:
                raise ValueError("check-in windows must not overlap")
        if ordered[-1][1] > night[0] or ordered[0][0] < night[1]:
            raise ValueError("check-in windows must not overlap the night window")
        return cls(tuple(ordered), night)

    @property
    def slots(self) -> int:
        """Day windows, then the night: slot index len(day) is the night."""
        return len(self.day) + 1


def _span(spec: str) -> tuple[time, time]:
    start, _, end = spec.strip().partition("-")
    try:
        return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
    except ValueError as exc:
        raise ValueError(f"not a window like 08:00-12:00: {spec!r}") from exc


@dataclass(frozen=True)
class WindowTable:
    """Every window of a run of dates as UTC epoch seconds, sorted by start."""

    starts: np.ndarray
    ends: np.ndarray
    day_index: np.ndarray
    slot: np.ndarray

    def locate(self, epoch_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(day index, slot) of each instant; -1 for instants in no window."""
        i = np.searchsorted(self.starts, epoch_s, side="right") - 1
        safe = np.clip(i, 0, None)
        hit = (i >= 0) & (epoch_s < self.ends[safe])
        return np.where(hit, self.day_index[safe], -1), np.where(hit, self.slot[safe], -1)


def window_table(days: list[date], windows: Windows, zone: ZoneInfo) -> WindowTable:
    """Windows of consecutive `days`, converted to UTC with the zone's rules (DST-safe)."""
    rows = []
    for index, day in enumerate(days):
        spans = [(day, s, day, e) for s, e in windows.day]
        spans.append((day, windows.night[0], day + timedelta(days=1), windows.night[1]))
        for slot, (d0, t0, d1, t1) in enumerate(spans):
            rows.append((_epoch(d0, t0, zone), _epoch(d1, t1, zone), index, slot))
    rows.sort()
    table = np.array(rows, dtype=float).reshape(-1, 4)
    return WindowTable(table[:, 0], table[:, 1], table[:, 2].astype(int), table[:, 3].astype(int))


def _epoch(day: date, moment: time, zone: ZoneInfo) -> float:
    return datetime.combine(day, moment, zone).timestamp()


def count_verdicts(cell: np.ndarray, slot: np.ndarray, verdict: np.ndarray, cells: int,
                   slots: int) -> np.ndarray:
    """Counts[cell, slot, verdict] for pings already located in (cell, slot)."""
    flat = (cell * slots + slot) * 3 + verdict
    return np.bincount(flat, minlength=cells * slots * 3).reshape(cells, slots, 3)


def day_and_night_status(counts: np.ndarray, excused: np.ndarray) -> tuple[np.ndarray,
                                                                            np.ndarray]:
    """Status of each day and of the night starting on it, from counts[cell, slot, verdict].

    Day: present with an inside ping in every check-in window; no data when no inside or
    outside ping fell in any of them. Night: present with an inside ping and no outside
    ping; no data with neither. Uncertain pings count neither way. Excused beats all.
    """
    day, night = counts[:, :-1, :], counts[:, -1, :]
    day_present = (day[:, :, V_INSIDE] > 0).all(axis=1)
    day_silent = (day[:, :, V_INSIDE] + day[:, :, V_OUTSIDE]).sum(axis=1) == 0
    night_present = (night[:, V_INSIDE] > 0) & (night[:, V_OUTSIDE] == 0)
    night_silent = (night[:, V_INSIDE] + night[:, V_OUTSIDE]) == 0
    return (_status(day_present, day_silent, excused),
            _status(night_present, night_silent, excused))


def _status(present: np.ndarray, silent: np.ndarray, excused: np.ndarray) -> np.ndarray:
    status = np.full(present.shape, ABSENT, dtype=object)
    status[silent] = NO_DATA
    status[present] = PRESENT
    status[excused] = EXCUSED
    return status


@dataclass(frozen=True)
class PeriodTally:
    required_days: int
    required_nights: int
    present_days: int
    present_nights: int
    no_data_days: int
    no_data_nights: int


def period_findings(tally: PeriodTally, no_data_threshold: int) -> list[str]:
    """The presence findings a finished period raises (docs/presence-rules.md)."""
    kinds = []
    if tally.present_nights + tally.no_data_nights < tally.required_nights:
        kinds.append("not_resident")
    if tally.present_days + tally.no_data_days < tally.required_days:
        kinds.append("absent")
    if tally.no_data_days + tally.no_data_nights >= no_data_threshold:
        kinds.append("no_data")
    return kinds
