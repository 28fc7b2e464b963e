"""Import administrative boundaries from GeoJSON: validate every feature, upsert all or none."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import shape
from sqlalchemy import select

from ...domain.coords import CRS_NAMES
from ...domain.geometry import geometry_to_wgs84, repair_polygon
from ...errors import BadInput
from ...extensions import db
from ...models import Region
from ...models.region import LEVEL_CODE_LENGTH

PARENT_LEVEL = {"township": "county", "village": "township"}


@dataclass
class FeatureProblem:
    index: int
    code: str | None
    message: str


@dataclass
class ImportReport:
    level: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    repaired: list[FeatureProblem] = field(default_factory=list)
    errors: list[FeatureProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Row:
    index: int
    code: str
    name: str
    parent_code: str | None
    geometry: object


def load_features(path: Path) -> list[dict]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadInput(f"cannot read {path}: {exc}") from exc
    if data.get("type") == "Feature":
        return [data]
    if data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise BadInput(f"{path} is not a GeoJSON FeatureCollection")
    return data["features"]


def import_features(features: list[dict], level: str, crs: str = "wgs84",
                    code_field: str | None = None, name_field: str = "name",
                    parent_field: str | None = None) -> ImportReport:
    """Validate all features; if none is bad, upsert them by code in one transaction."""
    if level not in LEVEL_CODE_LENGTH:
        raise BadInput(f"unknown level {level!r}; expected county, township or village")
    if crs not in CRS_NAMES:
        raise BadInput(f"unknown crs {crs!r}; expected one of {', '.join(CRS_NAMES)}")
    report = ImportReport(level=level)
    rows = _validate(features, level, crs, code_field, name_field, parent_field, report)
    _check_parents(rows, level, report)
    report.errors.sort(key=lambda problem: problem.index)
    if not report.ok:
        return report
    existing = {r.code: r for r in db.session.scalars(
        select(Region).where(Region.code.in_([row.code for row in rows])))}
    for row in rows:
        region = existing.get(row.code)
        if region is None:
            region = Region(code=row.code, level=level)
            db.session.add(region)
            report.created += 1
        else:
            if region.level != level:
                report.errors.append(
                    FeatureProblem(row.index, row.code, f"already a {region.level}"))
                continue
            if _same(region, row):
                report.unchanged += 1
                continue
            report.updated += 1
        region.name = row.name
        region.parent_code = row.parent_code
        region.boundary = from_shape(row.geometry, srid=4326)
    if report.ok:
        db.session.commit()
    else:
        db.session.rollback()
        report.created = report.updated = 0
    return report


def _same(region: Region, row: _Row) -> bool:
    return (region.name, region.parent_code) == (row.name, row.parent_code) and \
        to_shape(region.boundary).equals_exact(row.geometry, 1e-9)


def _validate(features, level, crs, code_field, name_field, parent_field, report) -> list[_Row]:
    rows: list[_Row] = []
    seen: set[str] = set()
    for index, feature in enumerate(features):
        props = (feature or {}).get("properties") or {}
        code = _code(props, code_field)
        problem = _code_problem(code, level, seen)
        name = str(props.get(name_field) or "").strip()
        if problem is None and not name:
            problem = f"missing name field {name_field!r}"
        geometry = None
        if problem is None:
            geometry, note = _geometry(feature.get("geometry"), crs)
            if geometry is None:
                problem = note
            elif note:
                report.repaired.append(FeatureProblem(index, code, note))
        if problem:
            report.errors.append(FeatureProblem(index, code, problem))
            continue
        seen.add(code)
        parent = None
        if level != "county":
            parent = str(props.get(parent_field) or "") if parent_field else ""
            parent = parent or code[:LEVEL_CODE_LENGTH[PARENT_LEVEL[level]]]
        rows.append(_Row(index, code, name, parent, geometry))
    return rows


def _code(props: dict, code_field: str | None) -> str | None:
    fields = [code_field] if code_field else ["code", "adcode"]
    for name in fields:
        if props.get(name) not in (None, ""):
            return str(props[name]).strip()
    return None


def _code_problem(code: str | None, level: str, seen: set[str]) -> str | None:
    length = LEVEL_CODE_LENGTH[level]
    if not code:
        return "missing code"
    if not (code.isdigit() and len(code) == length):
        return f"code {code!r} is not a {length}-digit {level} code"
    if code in seen:
        return f"code {code} appears twice in the file"
    return None


def _geometry(raw, crs: str):
    if not raw:
        return None, "missing geometry"
    try:
        geom = shape(raw)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        return None, f"unreadable geometry: {exc}"
    geom, note = repair_polygon(geom)
    if geom is None:
        return None, note
    return geometry_to_wgs84(geom, crs), note


def _check_parents(rows: list[_Row], level: str, report: ImportReport) -> None:
    if level == "county":
        return
    wanted = {row.parent_code for row in rows}
    found = set(db.session.scalars(select(Region.code).where(
        Region.code.in_(wanted), Region.level == PARENT_LEVEL[level])))
    for row in rows:
        if row.parent_code not in found:
            report.errors.append(FeatureProblem(
                row.index, row.code, f"unknown parent {PARENT_LEVEL[level]} {row.parent_code}"))
        elif not row.code.startswith(row.parent_code):
            report.errors.append(FeatureProblem(
                row.index, row.code, f"code does not lie under its parent {row.parent_code}"))
