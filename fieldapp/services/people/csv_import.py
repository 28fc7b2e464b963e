"""CSV import of cadres and their assignments, validated in full before anything is written."""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from typing import TextIO

from sqlalchemy import select

from ...domain.policies import DEFAULT_POLICY_BY_ROLE, POLICIES, POST_LEVEL_BY_ROLE
from ...extensions import db
from ...models import Assignment, Cadre, Region
from ...models.people import CADRE_ROLES


@dataclass
class CsvResult:
    created: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def import_cadres_csv(stream: TextIO) -> CsvResult:
    reader = csv.DictReader(stream)
    result = CsvResult()
    missing = [c for c in ("name", "role", "region_code", "starts_on")
               if c not in (reader.fieldnames or [])]
    if missing:
        result.errors.append((1, f"missing columns: {', '.join(missing)}"))
        return result
    rows = list(reader)
    levels = dict(db.session.execute(select(Region.code, Region.level).where(
        Region.code.in_({r.get("region_code", "") for r in rows}))).all())
    parsed = []
    for line, row in enumerate(rows, start=2):
        try:
            parsed.append(_parse(row, levels))
        except ValueError as exc:
            result.errors.append((line, str(exc)))
    if result.errors:
        return result
    for cadre_fields, assignment_fields in parsed:
        cadre = Cadre(**cadre_fields)
        db.session.add(cadre)
        db.session.flush()
        db.session.add(Assignment(cadre_id=cadre.id, **assignment_fields))
    db.session.commit()
    result.created = len(parsed)
    return result


def _parse(row: dict, levels: dict[str, str]) -> tuple[dict, dict]:
    name, role = (row.get("name") or "").strip(), (row.get("role") or "").strip()
    if not name:
        raise ValueError("name is empty")
    if role not in CADRE_ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(CADRE_ROLES)}")
    code = (row.get("region_code") or "").strip()
    if code not in levels:
        raise ValueError(f"unknown region_code {code!r}")
    if levels[code] != POST_LEVEL_BY_ROLE[role]:
        raise ValueError(f"a {role} is posted to a {POST_LEVEL_BY_ROLE[role]}, not {code}")
    starts_on = _date(row.get("starts_on"), "starts_on")
    ends_on = _date(row.get("ends_on"), "ends_on") if (row.get("ends_on") or "").strip() else None
    if ends_on and ends_on < starts_on:
        raise ValueError("ends_on is before starts_on")
    policy = (row.get("policy") or "").strip() or DEFAULT_POLICY_BY_ROLE[role]
    if policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}")
    cadre = {"name": name, "role": role, "unit": (row.get("unit") or "").strip() or None,
             "phone": (row.get("phone") or "").strip() or None}
    return cadre, {"region_code": code, "starts_on": starts_on, "ends_on": ends_on,
                   "policy": policy}


def _date(raw: str | None, name: str) -> date:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        raise ValueError(f"{name} {raw!r} is not a YYYY-MM-DD date") from None
