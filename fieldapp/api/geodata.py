"""Region boundaries as GeoJSON, so a phone can draw its fence → services/geodata/.

    GET /api/v1/regions/<code>    one region
    GET /api/v1/villages          the villages under a county or township
"""
from flask import g
from flask_smorest import Blueprint

from ..services.geodata import regions
from .schemas.geodata import RegionFeature, RegionFeatureCollection, SimplifyArgs, VillageArgs
from .security import login_required

blp = Blueprint("regions", __name__, url_prefix="/api/v1", description="Regions and boundaries")


@blp.route("/regions/<code>")
@login_required()
@blp.arguments(SimplifyArgs, location="query")
@blp.alt_response(200, schema=RegionFeature, description="a GeoJSON Feature")
def get_region(args, code):
    """One region as a GeoJSON Feature."""
    g.scope.require_region(code)
    return regions.feature(regions.get_region(code), args.get("simplify_m"))


@blp.route("/villages")
@login_required()
@blp.arguments(VillageArgs, location="query")
@blp.alt_response(200, schema=RegionFeatureCollection, description="a GeoJSON FeatureCollection")
def list_villages(args):
    """The villages under a county or township as a GeoJSON FeatureCollection."""
    g.scope.require_region(args["parent"])
    found = regions.villages_under(args["parent"], g.scope.region_clause)
    return {"type": "FeatureCollection",
            "features": [regions.feature(v, args.get("simplify_m")) for v in found]}
