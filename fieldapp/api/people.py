"""Cadres, assignments, users and devices → services/people/registry.py. Writes are the
admin's; reads are scoped.

    /api/v1/cadres[/<id>]   /api/v1/assignments[/<id>]   /api/v1/users[/<id>]
    /api/v1/devices[/<id>]
"""
from flask import g
from flask_smorest import Blueprint

from ..errors import Unprocessable
from ..models import Assignment, Cadre, Device, User
from ..services.people import registry
from ..services.rows import get_or_404
from .pagination import paginated
from .schemas import people as s
from .security import login_required

blp = Blueprint("people", __name__, url_prefix="/api/v1", description="People and devices")


@blp.route("/cadres", methods=["POST"])
@login_required("admin")
@blp.arguments(s.CadreIn)
@blp.response(201, s.CadreOut)
def create_cadre(body):
    """Register a cadre."""
    return registry.create_cadre(**body)


@blp.route("/cadres", methods=["GET"])
@login_required()
@blp.arguments(s.CadreFilter, location="query")
@paginated(blp, s.CadreOut)
def list_cadres(filters):
    """Cadres visible to the caller, by id."""
    return registry.cadres_query(g.scope, filters)


@blp.route("/cadres/<int:cadre_id>", methods=["GET"])
@login_required()
@blp.response(200, s.CadreOut)
def get_cadre(cadre_id):
    g.scope.require_cadre(cadre_id)
    return get_or_404(Cadre, cadre_id)


@blp.route("/cadres/<int:cadre_id>", methods=["PATCH"])
@login_required("admin")
@blp.arguments(s.CadrePatch)
@blp.response(200, s.CadreOut)
def patch_cadre(body, cadre_id):
    return registry.apply_changes(get_or_404(Cadre, cadre_id), body)


@blp.route("/assignments", methods=["POST"])
@login_required("admin")
@blp.arguments(s.AssignmentIn)
@blp.response(201, s.AssignmentOut)
def create_assignment(body):
    """Post a cadre to a village (or a township, for county leaders)."""
    code = body.pop("village_code", None) or body.pop("region_code", None)
    if code is None:
        raise Unprocessable("village_code or region_code is required",
                            {"village_code": ["Missing data for required field."]})
    body.pop("region_code", None)
    return registry.create_assignment(region_code=code, **body)


@blp.route("/assignments", methods=["GET"])
@login_required()
@blp.arguments(s.AssignmentFilter, location="query")
@paginated(blp, s.AssignmentOut)
def list_assignments(filters):
    """Visible assignments, by id."""
    return registry.assignments_query(g.scope, filters)


@blp.route("/assignments/<int:assignment_id>", methods=["GET"])
@login_required()
@blp.response(200, s.AssignmentOut)
def get_assignment(assignment_id):
    assignment = get_or_404(Assignment, assignment_id)
    g.scope.require_cadre(assignment.cadre_id)
    return assignment


@blp.route("/assignments/<int:assignment_id>", methods=["PATCH"])
@login_required("admin")
@blp.arguments(s.AssignmentPatch)
@blp.response(200, s.AssignmentOut)
def patch_assignment(body, assignment_id):
    return registry.update_assignment(get_or_404(Assignment, assignment_id), body)


@blp.route("/users", methods=["POST"])
@login_required("admin")
@blp.arguments(s.UserIn)
@blp.response(201, s.UserOut)
def create_user(body):
    return registry.create_user(**body)


@blp.route("/users", methods=["GET"])
@login_required("admin")
@paginated(blp, s.UserOut)
def list_users():
    return registry.users_query()


@blp.route("/users/<int:user_id>", methods=["GET"])
@login_required("admin")
@blp.response(200, s.UserOut)
def get_user(user_id):
    return get_or_404(User, user_id)


@blp.route("/users/<int:user_id>", methods=["PATCH"])
@login_required("admin")
@blp.arguments(s.UserPatch)
@blp.response(200, s.UserOut)
def patch_user(body, user_id):
    return registry.update_user(get_or_404(User, user_id), body)


@blp.route("/devices", methods=["POST"])
@login_required("admin")
@blp.arguments(s.DeviceIn)
@blp.response(201, s.DeviceCreated)
def create_device(body):
    """Register a phone. The token is in this answer only; it is stored hashed."""
    device, token = registry.create_device(**body)
    return {"id": device.id, "cadre_id": device.cadre_id, "label": device.label,
            "created_at": device.created_at, "revoked_at": None, "token": token}


@blp.route("/devices", methods=["GET"])
@login_required()
@paginated(blp, s.DeviceOut)
def list_devices():
    return registry.devices_query(g.scope)


@blp.route("/devices/<int:device_id>", methods=["PATCH"])
@login_required("admin")
@blp.arguments(s.DevicePatch)
@blp.response(200, s.DeviceOut)
def patch_device(body, device_id):
    """Relabel or revoke a device (revocation cannot be undone)."""
    return registry.update_device(get_or_404(Device, device_id), body)
