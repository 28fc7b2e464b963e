"""The findings an evaluated township batch raises, with their evidence (docs/presence-rules.md).

Each is keyed by (kind, assignment, period start), so `findings.sync.sync_findings` can keep
the findings table in step when a period is evaluated again.
"""
from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from ...config import Settings
from ...domain.findings import EVALUATED_KINDS
from ...domain.presence import NO_DATA, V_OUTSIDE, PeriodTally, period_findings
from ..findings.sync import Candidate
from .township_batch import TownshipBatch, detector_masks

EVIDENCE_PINGS = 100  # ping ids listed in a finding's evidence (the count is always whole)
PRESENCE_KINDS = ("not_resident", "absent")


def evaluated_findings(batch: TownshipBatch,
                       settings: Settings) -> tuple[list[Candidate], set[str]]:
    """Findings this batch raises, and every key it had the say over (to withdraw stale ones)."""
    found, judged = [], set()
    masks = detector_masks(batch, settings)
    grouped = {kind: _group_by_period(batch, mask) for kind, mask in masks.items()}
    for p, period in enumerate(batch.periods):
        assignment = batch.assignments[period.assignment]
        kinds = [k for k in EVALUATED_KINDS if period.complete or k not in PRESENCE_KINDS]
        judged.update(_key(k, assignment.id, period.start) for k in kinds)
        tally = batch.tallies[p]
        raised = period_findings(PeriodTally(**{k: tally[k] for k in (
            "required_days", "required_nights", "present_days", "present_nights",
            "no_data_days", "no_data_nights")}), settings.evaluation.no_data_min)
        for kind in raised:
            if kind in kinds:
                found.append(_presence_finding(batch, p, kind))
        for kind, groups in grouped.items():
            if p in groups:
                found.append(_ping_finding(batch, p, kind, groups[p]))
    return found, judged


def _key(kind: str, assignment_id: int, start) -> str:
    return f"{kind}:{assignment_id}:{start.isoformat()}"


def _group_by_period(batch: TownshipBatch, mask: np.ndarray) -> dict[int, np.ndarray]:
    """Indices of flagged pings, grouped by the period of their cell."""
    hits = np.flatnonzero(mask)
    if not len(hits):
        return {}
    periods = batch.cells.period[batch.pings.cell[hits]]
    order = np.argsort(periods, kind="stable")
    hits, periods = hits[order], periods[order]
    starts = np.flatnonzero(np.r_[True, periods[1:] != periods[:-1]])
    return {int(periods[s]): chunk for s, chunk in zip(starts, np.split(hits, starts[1:]),
                                                       strict=True)}


def _new(batch: TownshipBatch, p: int, kind: str, summary: str, evidence: dict) -> Candidate:
    period = batch.periods[p]
    assignment = batch.assignments[period.assignment]
    return Candidate(_key(kind, assignment.id, period.start), assignment.cadre_id,
                     assignment.region_code, kind, (period.start, period.end), summary,
                     {"period": {"start": period.start.isoformat(),
                                 "end": period.end.isoformat(), "policy": assignment.policy},
                      "village_code": assignment.region_code, **evidence})


def _presence_finding(batch: TownshipBatch, p: int, kind: str) -> Candidate:
    tally = batch.tallies[p]
    cells = np.flatnonzero(batch.cells.period == p)
    label = {"not_resident": "nights", "absent": "days"}.get(kind)
    days = [_cell_evidence(batch, c) for c in cells]
    period = batch.periods[p]
    span = f"{period.start.isoformat()}–{period.end.isoformat()}"
    if kind == "no_data":
        summary = (f"no evidence either way on {tally['no_data_days']} days and "
                   f"{tally['no_data_nights']} nights in {span}")
        days = [d for d in days if NO_DATA in (d["day"], d["night"])]
        ping_ids = []
    else:
        singular = label[:-1]
        summary = (f"{tally[f'present_{label}']} {label} present and "
                   f"{tally[f'no_data_{label}']} without data, against "
                   f"{tally[f'required_{label}']} required, in {span}")
        slot = batch.counts.shape[1] - 1
        in_slot = (batch.pings.slot == slot) if singular == "night" else (
            (batch.pings.slot >= 0) & (batch.pings.slot < slot))
        mask = in_slot & (batch.pings.verdict == V_OUTSIDE) & np.isin(batch.pings.cell, cells)
        ping_ids = batch.pings.id[mask][:EVIDENCE_PINGS].tolist()
    return _new(batch, p, kind, summary, {"counts": tally, "days": days, "ping_ids": ping_ids})


def _cell_evidence(batch: TownshipBatch, c: int) -> dict:
    counts = batch.counts[c]
    night = {"date": batch.days[batch.cells.day[c]].isoformat(),
             "day": batch.day_status[c], "night": batch.night_status[c],
             "day_counts": dict(zip(("inside", "outside", "uncertain"),
                                    counts[:-1].sum(axis=0).tolist(), strict=True)),
             "night_counts": dict(zip(("inside", "outside", "uncertain"),
                                      counts[-1].tolist(), strict=True))}
    if np.isfinite(batch.night_lat[c]):
        night["night_centroid"] = {"lat": round(float(batch.night_lat[c]), 6),
                                   "lon": round(float(batch.night_lon[c]), 6),
                                   "distance_m": round(float(batch.night_distance[c]), 1)}
    return night


def _ping_finding(batch: TownshipBatch, p: int, kind: str, hits: np.ndarray) -> Candidate:
    pings = batch.pings
    first, last = (datetime.fromtimestamp(pings.epoch[hits[i]], UTC).isoformat()
                   for i in (0, -1))
    evidence = {"count": len(hits), "first_at": first, "last_at": last,
                "ping_ids": pings.id[hits][:EVIDENCE_PINGS].tolist()}
    if kind == "late_upload":
        delay = (pings.received[hits] - pings.epoch[hits]).max() / 3600.0
        evidence["max_delay_hours"] = round(float(delay), 1)
    if kind == "static_location":
        spots = {(round(float(pings.orig_lat[i]), 6), round(float(pings.orig_lon[i]), 6))
                 for i in hits[:EVIDENCE_PINGS]}
        evidence["coordinates"] = [list(spot) for spot in sorted(spots)]
    what = {"mock_location": "fixes reported by a mock-location provider",
            "implausible_speed": "fixes reached faster than possible from the one before",
            "static_location": "fixes repeating the exact same coordinates on several days",
            "late_upload": "fixes uploaded long after they were taken"}[kind]
    return _new(batch, p, kind, f"{len(hits)} {what} ({first[:10]}–{last[:10]})", evidence)
