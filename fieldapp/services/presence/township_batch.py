"""Evaluating one batch of the county (a township) over whole policy periods.

One query loads the batch's assignments, one its approved leave, one its pings; everything
after that is NumPy over "cells" — one cell per (assignment, local date) — and the results
go back in bulk upserts. No per-ping Python loop, no query per cadre.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select

from ...config import Settings
from ...domain.dates import end_of, month_of, start_of
from ...domain.detectors import implausible_speed, static_location
from ...domain.fence import fence_masks
from ...domain.policies import Policy, periods_overlapping, required
from ...domain.presence import (
    V_INSIDE,
    V_OUTSIDE,
    V_UNCERTAIN,
    WindowTable,
    count_verdicts,
    day_and_night_status,
    window_table,
)
from ...extensions import db
from ...models import Assignment
from ..geodata.fences import fences_for
from .leaves import excused_days
from .ping_arrays import read_ping_arrays


@dataclass
class Cells:
    """Per (assignment, date) arrays, ordered by assignment then date."""

    assignment: np.ndarray      # index into TownshipBatch.assignments
    day: np.ndarray             # index into TownshipBatch.days
    period: np.ndarray          # index into TownshipBatch.periods
    excused: np.ndarray


@dataclass
class Pings:
    """The batch's pings as columns, sorted by (cadre, time), restricted to evaluated cells."""

    id: np.ndarray
    cadre: np.ndarray
    epoch: np.ndarray
    received: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    orig_lat: np.ndarray
    orig_lon: np.ndarray
    accuracy: np.ndarray
    mock: np.ndarray
    cell: np.ndarray = field(default=None)
    slot: np.ndarray = field(default=None)      # window slot, -1 outside every window
    local_day: np.ndarray = field(default=None)
    verdict: np.ndarray = field(default=None)
    distance: np.ndarray = field(default=None)

    def take(self, keep: np.ndarray) -> Pings:
        return Pings(**{k: (v[keep] if isinstance(v, np.ndarray) else v)
                        for k, v in self.__dict__.items()})


@dataclass
class Period:
    assignment: int
    start: date
    end: date
    complete: bool


@dataclass
class TownshipBatch:
    """Everything evaluated for one township (a region code prefix); findings are built
    from it."""

    zone: ZoneInfo
    assignments: list
    policies: list[Policy]
    days: list[date]
    periods: list[Period]
    cells: Cells
    pings: Pings
    table: WindowTable
    posts: list[str] = field(default_factory=list)  # the distinct posts (region codes)
    post_of: np.ndarray = None                      # each assignment's index into posts
    fences: dict = field(default_factory=dict)      # the posts' fences, by code
    counts: np.ndarray = None
    day_status: np.ndarray = None
    night_status: np.ndarray = None
    night_lat: np.ndarray = None
    night_lon: np.ndarray = None
    night_distance: np.ndarray = None
    first_inside: np.ndarray = None
    last_inside: np.ndarray = None
    tallies: list[dict] = field(default_factory=list)


def load_township_batch(prefix: str, first: date, last: date, last_complete: date,
              settings: Settings) -> TownshipBatch | None:
    """Read and classify one region prefix; None when nobody is posted there then."""
    assignments = _assignments(prefix, first, last)
    if not assignments:
        return None
    policies = [settings.evaluation.policies[a.policy] for a in assignments]
    periods, cell_rows = _periods_and_cells(assignments, policies, first, last, last_complete)
    if not cell_rows:
        return None
    cell_rows = np.array(cell_rows, dtype=object)
    days = _date_range(min(cell_rows[:, 1]), max(cell_rows[:, 1]))
    day_index = {d: i for i, d in enumerate(days)}
    a_idx = cell_rows[:, 0].astype(int)
    d_idx = np.fromiter((day_index[d] for d in cell_rows[:, 1]), int, len(cell_rows))
    cadre_ids = sorted({a.cadre_id for a in assignments})
    excused = excused_days(cadre_ids, days[0], days[-1])
    cells = Cells(a_idx, d_idx, cell_rows[:, 2].astype(int), np.fromiter(
        ((assignments[a].cadre_id, days[d]) in excused for a, d in zip(a_idx, d_idx,
                                                                       strict=True)),
        bool, len(a_idx)))
    zone = settings.zone
    table = window_table(days, settings.evaluation.windows, zone)
    batch = TownshipBatch(zone, assignments, policies, days, periods, cells,
                          _load_pings(cadre_ids, days, zone), table)
    batch.posts, batch.post_of = _post_index(assignments)
    batch.fences = fences_for(set(batch.posts))
    _locate(batch, cadre_ids)
    _classify(batch, settings)
    return batch


def _assignments(prefix: str, first: date, last: date) -> list:
    # Widen to whole months and weeks so every period touching [first, last] is whole.
    lo = month_of(first)[0] - timedelta(days=6)
    hi = month_of(last)[1] + timedelta(days=6)
    return list(db.session.execute(select(
        Assignment.id, Assignment.cadre_id, Assignment.region_code, Assignment.starts_on,
        Assignment.ends_on, Assignment.policy).where(
        Assignment.region_code.like(prefix + "%"), Assignment.starts_on <= hi,
        (Assignment.ends_on.is_(None)) | (Assignment.ends_on >= lo))
        .order_by(Assignment.cadre_id, Assignment.starts_on)).all())


def _periods_and_cells(assignments, policies, first, last, last_complete):
    """Whole policy periods touching [first, last]; a cell per active, finished date."""
    periods, cells = [], []
    for a_idx, (assignment, policy) in enumerate(zip(assignments, policies, strict=True)):
        for start, end in periods_overlapping(policy, first, last):
            lo = max(start, assignment.starts_on)
            hi = min(end, assignment.ends_on or end, last_complete)
            if lo > hi:
                continue
            p_idx = len(periods)
            periods.append(Period(a_idx, start, end, end <= last_complete))
            cells.extend((a_idx, day, p_idx) for day in _date_range(lo, hi))
    return periods, cells


def _date_range(lo: date, hi: date) -> list[date]:
    return [lo + timedelta(days=i) for i in range((hi - lo).days + 1)]


def _load_pings(cadre_ids: list[int], days: list[date], zone: ZoneInfo) -> Pings:
    """The one read of the batch's pings: from the first local midnight to the last
    night's end."""
    start, end = start_of(days[0], zone), end_of(days[-1], zone) + timedelta(hours=12)
    return Pings(**read_ping_arrays(cadre_ids, start, end))


def _locate(batch: TownshipBatch, cadre_ids: list[int]) -> None:
    """Give each ping its window slot, local date and cell; drop pings in no cell."""
    pings, days, cells = batch.pings, batch.days, batch.cells
    window_day, slot = batch.table.locate(pings.epoch)
    midnights = np.array([start_of(d, batch.zone).timestamp() for d in days])
    local_day = np.clip(np.searchsorted(midnights, pings.epoch, side="right") - 1, 0,
                        len(days) - 1)
    day = np.where(window_day >= 0, window_day, local_day)
    cadres = np.array(cadre_ids)
    assignment_cadre = np.searchsorted(cadres, [a.cadre_id for a in batch.assignments])
    lookup = np.full((len(cadres), len(days)), -1)
    lookup[assignment_cadre[cells.assignment], cells.day] = np.arange(len(cells.day))
    cell = lookup[np.searchsorted(cadres, pings.cadre), day]
    pings.cell, pings.slot, pings.local_day = cell, slot, local_day
    batch.pings = pings.take(cell >= 0)


def _post_index(assignments: list) -> tuple[list[str], np.ndarray]:
    """The distinct posts (region codes), and each assignment's index into them."""
    codes = sorted({a.region_code for a in assignments})
    position = {code: i for i, code in enumerate(codes)}
    return codes, np.array([position[a.region_code] for a in assignments])


def _classify(batch: TownshipBatch, settings: Settings) -> None:
    """Fence-test every ping against its cell's post, one vectorised call per post."""
    pings, fences = batch.pings, batch.fences
    ping_post = batch.post_of[batch.cells.assignment[pings.cell]]
    verdict = np.full(len(ping_post), V_UNCERTAIN)
    distance = np.full(len(ping_post), np.nan)
    for k, code in enumerate(batch.posts):
        if code not in fences:
            continue
        mask = ping_post == k
        distance[mask] = fences[code].distances_m(pings.lat[mask], pings.lon[mask])
        inside, outside = fence_masks(distance[mask], pings.accuracy[mask], settings.fence)
        verdict[mask] = np.select([inside, outside], [V_INSIDE, V_OUTSIDE], V_UNCERTAIN)
    pings.verdict, pings.distance = verdict, distance


def tally_days(batch: TownshipBatch, settings: Settings) -> None:
    """Counts, statuses, first/last inside and night whereabouts for every cell."""
    pings, cells, slots = batch.pings, batch.cells, settings.evaluation.windows.slots
    n = len(cells.day)
    in_window = pings.slot >= 0
    batch.counts = count_verdicts(pings.cell[in_window], pings.slot[in_window],
                                 pings.verdict[in_window], n, slots)
    batch.day_status, batch.night_status = day_and_night_status(batch.counts, cells.excused)
    by_day = in_window & (pings.slot < slots - 1) & (pings.verdict == V_INSIDE)
    batch.first_inside = np.full(n, np.inf)
    batch.last_inside = np.full(n, -np.inf)
    np.minimum.at(batch.first_inside, pings.cell[by_day], pings.epoch[by_day])
    np.maximum.at(batch.last_inside, pings.cell[by_day], pings.epoch[by_day])
    night = pings.slot == slots - 1
    weight = np.bincount(pings.cell[night], minlength=n).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        batch.night_lat = np.bincount(pings.cell[night], pings.lat[night], n) / weight
        batch.night_lon = np.bincount(pings.cell[night], pings.lon[night], n) / weight
    batch.night_distance = np.full(n, np.nan)
    cell_post, fences = batch.post_of[cells.assignment], batch.fences
    for k, code in enumerate(batch.posts):
        mask = (weight > 0) & (cell_post == k)
        if code in fences and mask.any():
            batch.night_distance[mask] = fences[code].distances_m(batch.night_lat[mask],
                                                                 batch.night_lon[mask])


def tally_periods(batch: TownshipBatch) -> None:
    """Required against actual days and nights per period (docs/presence-rules.md)."""
    cells, n_periods = batch.cells, len(batch.periods)

    def per_period(mask: np.ndarray) -> np.ndarray:
        return np.bincount(cells.period[mask], minlength=n_periods)

    active = np.bincount(cells.period, minlength=n_periods)
    excused = per_period(cells.excused)
    counts = {f"{what}_{kind}s": per_period(statuses == what)
              for kind, statuses in (("day", batch.day_status), ("night", batch.night_status))
              for what in ("present", "no_data")}
    batch.tallies = []
    for p, period in enumerate(batch.periods):
        policy = batch.policies[period.assignment]
        length = (period.end - period.start).days + 1
        batch.tallies.append({
            "active_days": int(active[p]), "excused_days": int(excused[p]),
            "required_days": required(policy.min_days, length, int(active[p]), int(excused[p])),
            "required_nights": required(policy.min_nights, length, int(active[p]),
                                        int(excused[p])),
            **{k: int(v[p]) for k, v in counts.items()}})


def detector_masks(batch: TownshipBatch, settings: Settings) -> dict[str, np.ndarray]:
    """Pings that are evidence of each ping-level finding."""
    p = batch.pings
    return {
        "mock_location": p.mock,
        "implausible_speed": implausible_speed(p.cadre, p.epoch, p.lat, p.lon, p.accuracy,
                                               settings.evaluation.max_speed_mps),
        "static_location": static_location(p.cadre, p.local_day, p.orig_lat, p.orig_lon,
                                           settings.evaluation.static_min_days,
                                           settings.evaluation.static_min_share),
        "late_upload": (p.received - p.epoch) > settings.evaluation.late_upload_s,
    }
