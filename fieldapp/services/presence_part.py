"""Evaluating one part of the county (a township) over whole policy periods.

One query loads the part's assignments, one its approved leave, one its pings; everything
after that is NumPy over "cells" — one cell per (assignment, local date) — and the results
go back in bulk upserts. No per-ping Python loop, no query per cadre.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy import select

from ..database import insert_for
from ..domain.detectors import implausible_speed, static_location
from ..domain.fence import fence_masks
from ..domain.policies import Policy, periods_overlapping, required
from ..domain.presence import (
    V_INSIDE,
    V_OUTSIDE,
    V_UNCERTAIN,
    WindowTable,
    count_verdicts,
    day_and_night_status,
    window_table,
)
from ..extensions import db
from ..models import Assignment, PresenceDay, PresencePeriod
from . import localtime
from .evaluation_settings import EvaluationSettings
from .fences import fences_for
from .leaves import excused_days
from .ping_columns import read_ping_columns


@dataclass
class Cells:
    """Per (assignment, date) arrays, ordered by assignment then date."""

    assignment: np.ndarray      # index into Part.assignments
    day: np.ndarray             # index into Part.days
    period: np.ndarray          # index into Part.periods
    excused: np.ndarray


@dataclass
class Pings:
    """The part's pings as columns, sorted by (cadre, time), restricted to evaluated cells."""

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
class Part:
    """Everything evaluated for one region prefix; findings are built from it."""

    assignments: list
    policies: list[Policy]
    days: list[date]
    periods: list[Period]
    cells: Cells
    pings: Pings
    table: WindowTable
    counts: np.ndarray = None
    day_status: np.ndarray = None
    night_status: np.ndarray = None
    night_lat: np.ndarray = None
    night_lon: np.ndarray = None
    night_distance: np.ndarray = None
    first_inside: np.ndarray = None
    last_inside: np.ndarray = None
    tallies: list[dict] = field(default_factory=list)


def load_part(prefix: str, first: date, last: date, last_complete: date,
              settings: EvaluationSettings) -> Part | None:
    """Read and classify one region prefix; None when nobody is posted there then."""
    assignments = _assignments(prefix, first, last)
    if not assignments:
        return None
    policies = [settings.policies[a.policy] for a in assignments]
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
    table = window_table(days, settings.windows, localtime.zone())
    part = Part(assignments, policies, days, periods, cells,
                _load_pings(cadre_ids, days), table)
    _locate(part, cadre_ids)
    _classify(part, settings)
    return part


def _assignments(prefix: str, first: date, last: date) -> list:
    # Widen to whole months and weeks so every period touching [first, last] is whole.
    lo = first.replace(day=1) - timedelta(days=6)
    hi = last.replace(day=28) + timedelta(days=10)
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


def _load_pings(cadre_ids: list[int], days: list[date]) -> Pings:
    """The one read of the part's pings: from the first local midnight to the last night's end."""
    start, end = localtime.start_of(days[0]), localtime.end_of(days[-1]) + timedelta(hours=12)
    columns = read_ping_columns(cadre_ids, start, end)
    return Pings(**{name: values for name, values in columns.items() if name != "mock"},
                 mock=columns["mock"] == 1)


def _locate(part: Part, cadre_ids: list[int]) -> None:
    """Give each ping its window slot, local date and cell; drop pings in no cell."""
    pings, days, cells = part.pings, part.days, part.cells
    window_day, slot = part.table.locate(pings.epoch)
    midnights = np.array([localtime.start_of(d).timestamp() for d in days])
    local_day = np.clip(np.searchsorted(midnights, pings.epoch, side="right") - 1, 0,
                        len(days) - 1)
    day = np.where(window_day >= 0, window_day, local_day)
    cadres = np.array(cadre_ids)
    assignment_cadre = np.searchsorted(cadres, [a.cadre_id for a in part.assignments])
    lookup = np.full((len(cadres), len(days)), -1)
    lookup[assignment_cadre[cells.assignment], cells.day] = np.arange(len(cells.day))
    cell = lookup[np.searchsorted(cadres, pings.cadre), day]
    pings.cell, pings.slot, pings.local_day = cell, slot, local_day
    part.pings = pings.take(cell >= 0)


def _posts(part: Part) -> tuple[list[str], np.ndarray]:
    """The distinct posts (region codes) of the part, and each assignment's index into them."""
    codes = sorted({a.region_code for a in part.assignments})
    position = {code: i for i, code in enumerate(codes)}
    return codes, np.array([position[a.region_code] for a in part.assignments])


def _classify(part: Part, settings: EvaluationSettings) -> None:
    """Fence-test every ping against its cell's post, one vectorised call per post."""
    pings = part.pings
    codes, post_of = _posts(part)
    ping_post = post_of[part.cells.assignment[pings.cell]]
    verdict = np.full(len(ping_post), V_UNCERTAIN)
    distance = np.full(len(ping_post), np.nan)
    fences = fences_for(set(codes))
    for k, code in enumerate(codes):
        if code not in fences:
            continue
        mask = ping_post == k
        distance[mask] = fences[code].distances_m(pings.lat[mask], pings.lon[mask])
        inside, outside = fence_masks(distance[mask], pings.accuracy[mask], settings.rules)
        verdict[mask] = np.select([inside, outside], [V_INSIDE, V_OUTSIDE], V_UNCERTAIN)
    pings.verdict, pings.distance = verdict, distance


def tally_days(part: Part, settings: EvaluationSettings) -> None:
    """Counts, statuses, first/last inside and night whereabouts for every cell."""
    pings, cells, slots = part.pings, part.cells, settings.windows.slots
    n = len(cells.day)
    in_window = pings.slot >= 0
    part.counts = count_verdicts(pings.cell[in_window], pings.slot[in_window],
                                 pings.verdict[in_window], n, slots)
    part.day_status, part.night_status = day_and_night_status(part.counts, cells.excused)
    by_day = in_window & (pings.slot < slots - 1) & (pings.verdict == V_INSIDE)
    part.first_inside = np.full(n, np.inf)
    part.last_inside = np.full(n, -np.inf)
    np.minimum.at(part.first_inside, pings.cell[by_day], pings.epoch[by_day])
    np.maximum.at(part.last_inside, pings.cell[by_day], pings.epoch[by_day])
    night = pings.slot == slots - 1
    weight = np.bincount(pings.cell[night], minlength=n).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        part.night_lat = np.bincount(pings.cell[night], pings.lat[night], n) / weight
        part.night_lon = np.bincount(pings.cell[night], pings.lon[night], n) / weight
    part.night_distance = np.full(n, np.nan)
    codes, post_of = _posts(part)
    cell_post = post_of[cells.assignment]
    fences = fences_for(set(codes))
    for k, code in enumerate(codes):
        mask = (weight > 0) & (cell_post == k)
        if code in fences and mask.any():
            part.night_distance[mask] = fences[code].distances_m(part.night_lat[mask],
                                                                 part.night_lon[mask])


def tally_periods(part: Part) -> None:
    """Required against actual days and nights per period (DESIGN §4)."""
    cells, n_periods = part.cells, len(part.periods)

    def per_period(mask: np.ndarray) -> np.ndarray:
        return np.bincount(cells.period[mask], minlength=n_periods)

    active = np.bincount(cells.period, minlength=n_periods)
    excused = per_period(cells.excused)
    counts = {f"{what}_{kind}s": per_period(statuses == what)
              for kind, statuses in (("day", part.day_status), ("night", part.night_status))
              for what in ("present", "no_data")}
    part.tallies = []
    for p, period in enumerate(part.periods):
        policy = part.policies[period.assignment]
        length = (period.end - period.start).days + 1
        part.tallies.append({
            "active_days": int(active[p]), "excused_days": int(excused[p]),
            "required_days": required(policy.min_days, length, int(active[p]), int(excused[p])),
            "required_nights": required(policy.min_nights, length, int(active[p]),
                                        int(excused[p])),
            **{k: int(v[p]) for k, v in counts.items()}})


def detector_masks(part: Part, settings: EvaluationSettings) -> dict[str, np.ndarray]:
    """Pings that are evidence of each ping-level finding."""
    p = part.pings
    return {
        "mock_location": p.mock,
        "implausible_speed": implausible_speed(p.cadre, p.epoch, p.lat, p.lon, p.accuracy,
                                               settings.max_speed_mps),
        "static_location": static_location(p.cadre, p.local_day, p.orig_lat, p.orig_lon,
                                           settings.static_min_days,
                                           settings.static_min_share),
        "late_upload": (p.received - p.epoch) > settings.late_upload_s,
    }


def write_records(part: Part) -> None:
    """Upsert the day records and period summaries (same values twice → no change)."""
    _upsert(PresenceDay, _day_rows(part), ["assignment_id", "day"])
    periods = []
    for p, period in enumerate(part.periods):
        assignment = part.assignments[period.assignment]
        periods.append({"assignment_id": assignment.id, "cadre_id": assignment.cadre_id,
                        "region_code": assignment.region_code, "policy": assignment.policy,
                        "period_start": period.start, "period_end": period.end,
                        "complete": period.complete, **part.tallies[p]})
    _upsert(PresencePeriod, periods, ["assignment_id", "period_start"])


def _day_rows(part: Part) -> list[dict]:
    def moment(epoch: float):
        return None if not np.isfinite(epoch) else datetime.fromtimestamp(epoch, UTC)

    def number(value: float, digits: int):
        return None if not np.isfinite(value) else round(float(value), digits)

    rows = []
    counts = part.counts.tolist()
    for i, (a, d) in enumerate(zip(part.cells.assignment.tolist(), part.cells.day.tolist(),
                                   strict=True)):
        assignment = part.assignments[a]
        day_counts = np.sum(counts[i][:-1], axis=0).tolist()
        rows.append({
            "assignment_id": assignment.id, "cadre_id": assignment.cadre_id,
            "region_code": assignment.region_code, "day": part.days[d],
            "day_status": part.day_status[i], "night_status": part.night_status[i],
            "counts": {"day": dict(zip(("inside", "outside", "uncertain"), day_counts,
                                       strict=True)),
                       "night": dict(zip(("inside", "outside", "uncertain"), counts[i][-1],
                                         strict=True))},
            "first_inside_at": moment(part.first_inside[i]),
            "last_inside_at": moment(part.last_inside[i]),
            "night_lat": number(part.night_lat[i], 6), "night_lon": number(part.night_lon[i], 6),
            "night_distance_m": number(part.night_distance[i], 1)})
    return rows


def _upsert(model, rows: list[dict], keys: list[str]) -> None:
    if not rows:
        return
    statement = insert_for(db.engine, model)
    updates = {c: statement.excluded[c] for c in rows[0] if c not in keys}
    db.session.execute(statement.on_conflict_do_update(index_elements=keys, set_=updates),
                       rows)

