"""Reading regions and their boundaries."""
from __future__ import annotations

import shapely
from geoalchemy2.shape import to_shape
from shapely.geometry import mapping
from sqlalchemy import select

from ...extensions import db
from ...models import Region
from ..rows import get_or_404

METRES_PER_DEGREE = 111_320.0


def feature(region: Region, simplify_m: float | None = None) -> dict:
    """The region as a GeoJSON Feature in WGS-84."""
    geom = to_shape(region.boundary)
    if simplify_m:
        geom = shapely.simplify(geom, simplify_m / METRES_PER_DEGREE, preserve_topology=True)
    return {"type": "Feature", "id": region.code, "geometry": mapping(geom),
            "properties": {"code": region.code, "name": region.name, "level": region.level,
                           "parent_code": region.parent_code}}


def post_feature(code: str) -> dict | None:
    """A cadre's post as a map draws it: its Feature, marked role "post" (None if the
    region is gone)."""
    region = db.session.get(Region, code)
    if region is None:
        return None
    shape = feature(region)
    shape["properties"]["role"] = "post"
    return shape


def get_region(code: str) -> Region:
    return get_or_404(Region, code)


def villages_under(parent: str, region_clause) -> list[Region]:
    return list(db.session.scalars(select(Region).where(
        Region.level == "village", Region.code.like(parent + "%"), region_clause(Region.code))
        .order_by(Region.code)))


def townships_in(region_clause) -> list[Region]:
    """The townships `region_clause` (a scope's) holds, by code."""
    return list(db.session.scalars(select(Region).where(
        Region.level == "township", region_clause(Region.code)).order_by(Region.code)))
