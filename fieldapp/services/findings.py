"""Turning an evaluated part into findings, and keeping the flags table in step with them.

A finding is keyed by (kind, assignment, period start). Re-evaluating updates an open one,
withdraws one whose condition no longer holds (late data arrived), re-raises a withdrawn
one, and leaves alone any finding a person has taken up and closed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import select

from ..domain.flags import EVALUATED_KINDS, SEVERITY
from ..domain.presence import NO_DATA, V_OUTSIDE, PeriodTally, period_findings
from ..extensions import db
from ..models import Flag, FlagEvent
from ..models.types import utcnow
from . import audit
from .evaluation_settings import EvaluationSettings
from .presence_part import Part, detector_masks

EVIDENCE_PINGS = 100  # ping ids listed in a finding's evidence (the count is always whole)
PRESENCE_KINDS = ("not_resident", "absent")


@dataclass
class Candidate:
    key: str
    cadre_id: int
    region_code: str
    kind: str
    period: tuple
    summary: str
    evidence: dict


def candidates(part: Part, settings: EvaluationSettings) -> tuple[list[Candidate], set[str]]:
    """Findings this part raises, and every key it had the say over (to withdraw stale ones)."""
    found, judged = [], set()
    masks = detector_masks(part, settings)
    grouped = {kind: _group_by_period(part, mask) for kind, mask in masks.items()}
    for p, period in enumerate(part.periods):
        assignment = part.assignments[period.assignment]
        kinds = [k for k in EVALUATED_KINDS if period.complete or k not in PRESENCE_KINDS]
        judged.update(_key(k, assignment.id, period.start) for k in kinds)
        tally = part.tallies[p]
        raised = period_findings(PeriodTally(**{k: tally[k] for k in (
            "required_days", "required_nights", "present_days", "present_nights",
            "no_data_days", "no_data_nights")}), settings.no_data_min)
        for kind in raised:
            if kind in kinds:
                found.append(_presence_finding(part, p, kind))
        for kind, groups in grouped.items():
            if p in groups:
                found.append(_ping_finding(part, p, kind, groups[p]))
    return found, judged


def _key(kind: str, assignment_id: int, start) -> str:
    return f"{kind}:{assignment_id}:{start.isoformat()}"


def _group_by_period(part: Part, mask: np.ndarray) -> dict[int, np.ndarray]:
    """Indices of flagged pings, grouped by the period of their cell."""
    hits = np.flatnonzero(mask)
    if not len(hits):
        return {}
    periods = part.cells.period[part.pings.cell[hits]]
    order = np.argsort(periods, kind="stable")
    hits, periods = hits[order], periods[order]
    starts = np.flatnonzero(np.r_[True, periods[1:] != periods[:-1]])
    return {int(periods[s]): chunk for s, chunk in zip(starts, np.split(hits, starts[1:]),
                                                       strict=True)}


def _new(part: Part, p: int, kind: str, summary: str, evidence: dict) -> Candidate:
    period = part.periods[p]
    assignment = part.assignments[period.assignment]
    return Candidate(_key(kind, assignment.id, period.start), assignment.cadre_id,
                     assignment.region_code, kind, (period.start, period.end), summary,
                     {"period": {"start": period.start.isoformat(),
                                 "end": period.end.isoformat(), "policy": assignment.policy},
                      "village_code": assignment.region_code, **evidence})


def _presence_finding(part: Part, p: int, kind: str) -> Candidate:
    tally = part.tallies[p]
    cells = np.flatnonzero(part.cells.period == p)
    label = {"not_resident": "nights", "absent": "days"}.get(kind)
    days = [_cell_evidence(part, c) for c in cells]
    period = part.periods[p]
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
        slot = part.counts.shape[1] - 1
        in_slot = (part.pings.slot == slot) if singular == "night" else (
            (part.pings.slot >= 0) & (part.pings.slot < slot))
        mask = in_slot & (part.pings.verdict == V_OUTSIDE) & np.isin(part.pings.cell, cells)
        ping_ids = part.pings.id[mask][:EVIDENCE_PINGS].tolist()
    return _new(part, p, kind, summary, {"counts": tally, "days": days, "ping_ids": ping_ids})


def _cell_evidence(part: Part, c: int) -> dict:
    counts = part.counts[c]
    night = {"date": part.days[part.cells.day[c]].isoformat(),
             "day": part.day_status[c], "night": part.night_status[c],
             "day_counts": dict(zip(("inside", "outside", "uncertain"),
                                    counts[:-1].sum(axis=0).tolist(), strict=True)),
             "night_counts": dict(zip(("inside", "outside", "uncertain"),
                                      counts[-1].tolist(), strict=True))}
    if np.isfinite(part.night_lat[c]):
        night["night_centroid"] = {"lat": round(float(part.night_lat[c]), 6),
                                   "lon": round(float(part.night_lon[c]), 6),
                                   "distance_m": round(float(part.night_distance[c]), 1)}
    return night


def _ping_finding(part: Part, p: int, kind: str, hits: np.ndarray) -> Candidate:
    pings = part.pings
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
    return _new(part, p, kind, f"{len(hits)} {what} ({first[:10]}–{last[:10]})", evidence)


def sync(found: list[Candidate], judged: set[str]) -> dict[str, int]:
    """Make the flags table agree with `found` within the keys in `judged`."""
    existing = {f.key: f for f in db.session.scalars(
        select(Flag).where(Flag.key.in_(judged)))} if judged else {}
    now, events = utcnow(), []
    changes = {"raised": 0, "updated": 0, "withdrawn": 0, "reraised": 0}
    found_keys = set()
    for candidate in found:
        found_keys.add(candidate.key)
        flag = existing.get(candidate.key)
        if flag is None:
            flag = Flag(key=candidate.key, cadre_id=candidate.cadre_id, status="open",
                        region_code=candidate.region_code, kind=candidate.kind,
                        severity=SEVERITY[candidate.kind], period_start=candidate.period[0],
                        period_end=candidate.period[1], summary=candidate.summary,
                        evidence=candidate.evidence, created_at=now, updated_at=now)
            db.session.add(flag)
            events.append((flag, "raise", None, "open", "raised by presence evaluation"))
            changes["raised"] += 1
        elif flag.status == "withdrawn":
            _refresh(flag, candidate, now)
            events.append((flag, "raise", "withdrawn", "open",
                           "the condition holds again on re-evaluation"))
            flag.status = "open"
            changes["reraised"] += 1
        elif flag.status in ("open", "in_review") and (
                flag.evidence != candidate.evidence or flag.summary != candidate.summary):
            _refresh(flag, candidate, now)
            events.append((flag, "update", flag.status, flag.status,
                           "evidence updated by re-evaluation"))
            changes["updated"] += 1
    for key, flag in existing.items():
        if key not in found_keys and flag.status in ("open", "in_review"):
            events.append((flag, "withdraw", flag.status, "withdrawn",
                           "no longer holds on re-evaluation (late data or approved leave)"))
            flag.status, flag.updated_at = "withdrawn", now
            changes["withdrawn"] += 1
    db.session.flush()
    audit.append([FlagEvent(flag_id=f.id, actor_id=None, action=a, from_status=s, to_status=t,
                            note=n) for f, a, s, t, n in events])
    return changes


def _refresh(flag: Flag, candidate: Candidate, now) -> None:
    flag.summary, flag.evidence, flag.updated_at = candidate.summary, candidate.evidence, now
