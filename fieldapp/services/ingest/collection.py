"""The collection profile at ingest (docs/collection.md, domain/collection.py): under
`minimal` a batch's fixes outside every check-in window, and those of a verdict already
kept in their window instance, are discarded; `track` keeps everything.

Two queries a batch, whatever its size: the cadre's stored fixes in the window instances
the batch touches (few: at most one per verdict and instance, plus mock fixes and
challenge answers), and the cadre's open challenges. A fix a resend repeats (its client id
is stored) passes on, to be answered `duplicate` by the insert. Two requests stored at the
same moment may each keep a first fix of one instance: a few more fixes, never one fewer.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.engine import Connection

from ...config import Settings
from ...domain.collection import (
    MINIMAL,
    OUTSIDE_WINDOWS,
    VERDICTS,
    WindowInstance,
    instance_keys,
    minimal_keeps,
    window_at,
    window_instances,
)
from ...models import Challenge, Ping
from ...models.types import utcnow

_CODE = {verdict: code for code, verdict in enumerate(VERDICTS)}


@dataclass(frozen=True)
class CollectionNow:
    profile: str
    now: datetime
    window: WindowInstance | None
    next_opens_at: datetime


def collection_now(settings: Settings, now: datetime | None = None) -> CollectionNow:
    """The profile, and where `now` stands among the windows: what the phone page reads to
    ask for a fix only inside a window."""
    now = now or utcnow()
    window, upcoming = window_at(now, settings.evaluation.windows, settings.zone)
    return CollectionNow(settings.ingest.collection, now, window, upcoming)


def discard_reasons(settings: Settings, conn: Connection, cadre_id: int, pings: list[dict],
                    verdicts: list[str], now: datetime) -> list[str | None]:
    """Why each of one cadre's fence-tested `pings` is not kept (None: kept); all None
    under `track`."""
    if settings.ingest.collection != MINIMAL:
        return [None] * len(pings)
    windows, zone = settings.evaluation.windows, settings.zone
    epoch = np.array([p["recorded_at"].timestamp() for p in pings])
    ordinal, slot = window_instances(epoch, windows, zone)
    code = np.array([_CODE[v] for v in verdicts])
    key = instance_keys(ordinal, slot, code, windows)
    # a fix naming a challenge is kept only as _answering_challenge finds one open: a
    # made-up challenge_id must not keep a track
    always = np.array([bool(p["mock"]) for p in pings])
    in_window = slot >= 0
    if in_window.any():
        stored = _stored_in_instances(conn, cadre_id, epoch[in_window])
        stored_ids = {client_id for client_id, _, _ in stored}
        always |= np.array([p["client_id"] in stored_ids for p in pings])
        kept_keys = _keys_of(stored, windows, zone)
    else:
        kept_keys = np.zeros(0, dtype=int)
    always |= _answering_challenge(settings, conn, cadre_id, epoch, now)
    keep = minimal_keeps(key, epoch, always, kept_keys)
    return [None if keep[i] else OUTSIDE_WINDOWS if not in_window[i]
            else f"an {verdicts[i]} fix is already kept for this window"  # all start a vowel
            for i in range(len(pings))]


def _stored_in_instances(conn: Connection, cadre_id: int, epoch: np.ndarray) -> list:
    """(client id, recorded_at, fence) of the cadre's stored fixes from the start of the
    earliest window that could hold `epoch` to the end of the latest."""
    lo = datetime.fromtimestamp(float(epoch.min()), UTC) - timedelta(days=1)
    hi = datetime.fromtimestamp(float(epoch.max()), UTC) + timedelta(days=1)
    return list(conn.execute(select(Ping.client_id, Ping.recorded_at, Ping.fence).where(
        Ping.cadre_id == cadre_id, Ping.recorded_at >= lo, Ping.recorded_at < hi)))


def _keys_of(stored: list, windows, zone) -> np.ndarray:
    if not stored:
        return np.zeros(0, dtype=int)
    epoch = np.array([recorded_at.timestamp() for _, recorded_at, _ in stored])
    ordinal, slot = window_instances(epoch, windows, zone)
    code = np.array([_CODE.get(fence, _CODE["unassigned"]) for _, _, fence in stored])
    key = instance_keys(ordinal, slot, code, windows)
    return key[key >= 0]


def _answering_challenge(settings: Settings, conn: Connection, cadre_id: int,
                         epoch: np.ndarray, now: datetime) -> np.ndarray:
    """Fixes that may answer one of the cadre's open challenges, by the rule of
    services/spotchecks/challenge_answers.py: received between its issue and its deadline,
    recorded no earlier than its issue less the allowed clock skew."""
    issued = conn.scalar(select(Challenge.issued_at).where(
        Challenge.cadre_id == cadre_id, Challenge.status == "open",
        Challenge.issued_at <= now, Challenge.deadline >= now)
        .order_by(Challenge.issued_at).limit(1))
    if issued is None:
        return np.zeros(len(epoch), dtype=bool)
    return epoch >= (issued - settings.ingest.max_clock_skew).timestamp()
