"""Region boundaries as GeoJSON, so a phone can draw its fence."""
from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from ..services import regions
from .security import login_required

blp = Blueprint("regions", __name__, url_prefix="/api/v1", description="Regions and boundaries")


class SimplifyArgs(Schema):
    simplify_m = fields.Float(validate=validate.Range(min=0, max=5000),
                              metadata={"description": "simplify boundaries to this many metres"})


class VillageArgs(SimplifyArgs):
    parent = fields.String(required=True, validate=validate.Regexp(r"^\d{6}(\d{3})?$"),
                           metadata={"description": "county or township code"})


@blp.route("/regions/<code>")
@login_required()
@blp.arguments(SimplifyArgs, location="query")
def get_region(args, code):
    """One region as a GeoJSON Feature."""
    g.scope.require_region(code)
    return regions.feature(regions.get_region(code), args.get("simplify_m"))


@blp.route("/villages")
@login_required()
@blp.arguments(VillageArgs, location="query")
def list_villages(args):
    """The villages under a county or township as a GeoJSON FeatureCollection."""
    g.scope.require_region(args["parent"])
    found = regions.villages_under(args["parent"], g.scope.region_clause)
    return {"type": "FeatureCollection",
            "features": [regions.feature(v, args.get("simplify_m")) for v in found]}
