"""Storing a batch of location fixes: validate, convert, fence-test, keep what the
collection profile keeps, insert once.

The hot path works column-wise: per-item validation is the only Python loop; coordinate
conversion and the fence test are vectorised over the batch, the collection profile
(`collection.discard_reasons`, docs/collection.md) reads what is already kept in the
batch's window instances in one query, and the rows go to the database in one INSERT …
RETURNING that skips a (cadre, client id) already stored (`ping_insert`), so a resent id
(even in a concurrent request, even with another time) is reported as a duplicate and
never stored twice. A discarded fix is never stored, so its
resent id is answered `discarded` again.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from sqlalchemy.engine import Connection

from ...config import IngestSettings, Settings
from ...domain.coords import to_wgs84_mixed
from ...domain.pings import Rejected, parse_ping
from ...errors import BadInput, TooLarge, Unprocessable
from ...models.types import utcnow
from ..geodata.fences import fence_verdicts
from .collection import discard_reasons
from .ping_insert import insert_pings, sql_timestamp
from .senders import Sender


class StaleSender(Exception):
    """A cached sender was not confirmed: its guarded INSERT stored nothing (every ping was
    a duplicate, none was valid, or the sender changed). Nothing was stored; read the
    sender afresh and ingest again."""


@dataclass
class IngestResult:
    results: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        counts = Counter(r["status"] for r in self.results)
        return {"results": self.results, "accepted": counts["accepted"],
                "duplicates": counts["duplicate"], "rejected": counts["rejected"],
                "discarded": counts["discarded"]}


def within_backfill(settings: IngestSettings, recorded_at: datetime,
                    field: str = "recorded_at") -> None:
    """Evidence obeys the same clock rules as pings: not in the future, not too old."""
    limits = settings.limits(utcnow())
    if recorded_at > limits.newest:
        raise Unprocessable(f"{field} is in the future", {field: ["in the future"]})
    if recorded_at < limits.oldest:
        raise Unprocessable(f"{field} is older than the backfill limit",
                            {field: ["older than the backfill limit"]})


def items_of(body: object, limit: int) -> list:
    """The items of a POST /pings body: one ping object or {"pings": [...]} of at most
    `limit`; `body` is the parsed JSON, None when it was not JSON."""
    if body is None:
        raise BadInput("the body must be JSON: one ping object or {\"pings\": [...]}")
    if isinstance(body, dict) and "pings" in body:
        items = body["pings"]
        if not isinstance(items, list):
            raise Unprocessable("pings must be a list", {"pings": ["Not a valid list."]})
    elif isinstance(body, dict):
        items = [body]
    else:
        raise BadInput("the body must be one ping object or {\"pings\": [...]}")
    if len(items) > limit:
        raise TooLarge(f"{len(items)} pings in one request; at most {limit}")
    return items


def ingest(settings: Settings, conn: Connection, sender: Sender, items: list,
           whole: bool = False, received_at: datetime | None = None,
           clock: str = "device") -> IngestResult:
    """Store what is valid in `items` and the collection profile keeps; answer per item,
    in order. With `whole`, a bad item refuses the request (400) and nothing is stored:
    the phone apps resend what was refused, so half-stored is never right for them (a
    discarded fix is no error: it is answered, and the app sends it no more).
    `clock` is where the items' recorded_at came from ("receipt": the app sent no time).

    `conn` is an autocommit connection: the batch's one INSERT commits by itself. A cached
    sender (one with a version) is confirmed by that INSERT, or StaleSender is raised.
    `received_at` is now, except for a replayed upload (the demo week): the clock limits
    and the stored `received_at` are then that moment's.
    """
    now = received_at or utcnow()
    limits = settings.ingest.limits(now)
    result = IngestResult()
    valid: list[dict] = []
    seen: set[str] = set()
    for raw in items:
        try:
            ping = parse_ping(raw, limits)
        except Rejected as exc:
            if whole:
                raise BadInput(str(exc)) from exc
            client_id = raw.get("id") if isinstance(raw, dict) else None
            result.results.append({"id": client_id if isinstance(client_id, str) else None,
                                   "status": "rejected", "reason": str(exc)})
            continue
        if ping["client_id"] in seen:
            result.results.append({"id": ping["client_id"], "status": "duplicate",
                                   "reason": "repeated in this batch"})
            continue
        seen.add(ping["client_id"])
        result.results.append(ping)
        valid.append(ping)
    inserted = _store(settings, conn, sender, valid, now, clock) if valid else set()
    if not inserted and sender.version is not None:
        raise StaleSender
    result.results = [_answer(r) for r in result.results]
    return result


def _store(settings: Settings, conn: Connection, sender: Sender, pings: list[dict],
           now: datetime, clock: str) -> set[str]:
    """Convert, fence-test and insert the `pings` the profile keeps; mark each accepted,
    duplicate or discarded and return the client ids that were new."""
    orig_lat = np.fromiter((p["lat"] for p in pings), float, len(pings))
    orig_lon = np.fromiter((p["lon"] for p in pings), float, len(pings))
    crs = [p["crs"] for p in pings]
    lat, lon = to_wgs84_mixed(orig_lat, orig_lon, crs)
    posts = sender.posts_on([p["recorded_at"] for p in pings], settings.zone)
    accuracy = np.array([np.nan if p["accuracy"] is None else p["accuracy"] for p in pings])
    verdicts, distances = fence_verdicts(conn, settings.fence, posts, lat, lon, accuracy)
    discards = discard_reasons(settings, conn, sender.cadre_id, pings, verdicts, now)
    lat, lon = lat.tolist(), lon.tolist()
    received = sql_timestamp(now)
    rows = []
    for i, p in enumerate(pings):
        p.update(fence=verdicts[i], village_code=posts.villages[i], distance_m=distances[i])
        if discards[i] is not None:
            p.update(status="discarded", reason=discards[i])
            continue
        p["status"] = "duplicate"
        rows.append([sender.cadre_id, sender.device_id, p["client_id"],
                     sql_timestamp(p["recorded_at"]), clock, received, lat[i], lon[i], p["lat"],
                     p["lon"], p["crs"], p["accuracy"],
                     p["altitude"], p["speed"], p["heading"], p["provider"], p["battery"],
                     p["mock"], p["challenge_id"], posts.villages[i], verdicts[i],
                     distances[i]])
    inserted = insert_pings(conn, rows, sender.version) if rows else set()
    for p in pings:
        if p["client_id"] in inserted:
            p["status"] = "accepted"
    return inserted


def _answer(item: dict) -> dict:
    if "client_id" not in item:  # rejected, or repeated within the batch
        return item
    answer = {"id": item["client_id"], "status": item["status"]}
    if "reason" in item:
        answer["reason"] = item["reason"]
    if "fence" in item:
        answer.update(fence=item["fence"], village_code=item["village_code"],
                      distance_m=item["distance_m"])
    return answer
