"""The names people expect beside the ids a row stores: the cadre's name, role and
dispatching unit, the village's and township's names, the assignee's username; for leave,
which stores no place, those of the cadre's post on its first day. One query per kind of
name for a whole page of rows."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import inspect, or_, select

from ...extensions import db
from ...models import Assignment, Cadre, Region, User

TOWNSHIP_DIGITS = 9  # a village's code begins with its township's


def cadre_cards(ids: Iterable[int | None]) -> dict[int, dict]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = db.session.execute(select(Cadre.id, Cadre.name, Cadre.role, Cadre.unit)
                              .where(Cadre.id.in_(wanted)))
    return {r.id: {"cadre_name": r.name, "cadre_role": r.role, "unit": r.unit} for r in rows}


def region_names(codes: Iterable[str | None]) -> dict[str, str]:
    wanted = {c for c in codes if c}
    wanted |= {c[:TOWNSHIP_DIGITS] for c in wanted if len(c) > TOWNSHIP_DIGITS}
    if not wanted:
        return {}
    return dict(db.session.execute(select(Region.code, Region.name)
                                   .where(Region.code.in_(wanted))).all())


def usernames(ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(db.session.execute(select(User.id, User.username)
                                   .where(User.id.in_(wanted))).all())


def named(rows: list[dict], region_key: str = "region_code",
          user_keys: tuple[str, ...] = ("assignee_id",)) -> list[dict]:
    """`rows` (dicts with cadre_id, a region code under `region_key`, and user ids under
    `user_keys`) with the names beside them: cadre_name, cadre_role, unit, village_name,
    township_code, township_name and <user key without _id>_name."""
    cards = cadre_cards(r.get("cadre_id") for r in rows)
    places = region_names(r.get(region_key) for r in rows)
    users = usernames(r.get(k) for r in rows for k in user_keys)
    for row in rows:
        row.update(cards.get(row.get("cadre_id"), {"cadre_name": None, "cadre_role": None,
                                                   "unit": None}))
        code = row.get(region_key) or ""
        township = code[:TOWNSHIP_DIGITS] if len(code) >= TOWNSHIP_DIGITS else None
        row["village_name"] = places.get(code) if len(code) > TOWNSHIP_DIGITS else None
        row["township_code"] = township
        row["township_name"] = places.get(township) if township else None
        for key in user_keys:
            row[key.removesuffix("_id") + "_name"] = users.get(row.get(key))
    return rows


def row_of(instance) -> dict:
    """A model instance's column values, as the dict `named` adds names to."""
    return {attr.key: getattr(instance, attr.key)
            for attr in inspect(instance).mapper.column_attrs}


def posts_on(wanted: Iterable[tuple[int, date]]) -> dict[tuple[int, date], str]:
    """The region code of each (cadre, date)'s post: the assignment covering that date, the
    latest begun if several do; pairs with no post are left out. One query for all."""
    wanted = set(wanted)
    if not wanted:
        return {}
    days = [day for _, day in wanted]
    rows = db.session.execute(select(
        Assignment.cadre_id, Assignment.region_code, Assignment.starts_on, Assignment.ends_on)
        .where(Assignment.cadre_id.in_({cadre for cadre, _ in wanted}),
               Assignment.starts_on <= max(days),
               or_(Assignment.ends_on.is_(None), Assignment.ends_on >= min(days)))
        .order_by(Assignment.starts_on, Assignment.id)).all()
    by_cadre: dict[int, list] = {}
    for row in rows:
        by_cadre.setdefault(row.cadre_id, []).append(row)
    posts = {}
    for cadre_id, day in wanted:
        for row in by_cadre.get(cadre_id, []):  # in start order: the latest begun wins
            if row.starts_on <= day and (row.ends_on is None or row.ends_on >= day):
                posts[(cadre_id, day)] = row.region_code
    return posts


def named_findings(findings: list) -> list[dict]:
    """Findings as rows with the names of their cadre, village, township and assignee."""
    return named([row_of(finding) for finding in findings])


def named_leaves(leaves: list) -> list[dict]:
    """Leave rows with the names of the cadre, of their post on the leave's first day
    (`region_code`) and of the decider (`decided_by_name`)."""
    posts = posts_on((leave.cadre_id, leave.starts_on) for leave in leaves)
    rows = [{**row_of(leave), "region_code": posts.get((leave.cadre_id, leave.starts_on))}
            for leave in leaves]
    return named(rows, user_keys=("decided_by",))
