"""Cadres, assignments, users and devices. Writes are the admin's; reads are scoped."""
from flask import g
from flask_smorest import Blueprint
from sqlalchemy import select

from ..errors import Unprocessable
from ..models import Assignment, Cadre, Device, User
from ..services import people
from . import schemas as s
from .pagination import PageArgs, page_of, paged
from .security import login_required

blp = Blueprint("people", __name__, url_prefix="/api/v1", description="People and devices")


@blp.route("/cadres", methods=["POST"])
@login_required("admin")
@blp.arguments(s.CadreIn)
@blp.response(201, s.CadreOut)
def create_cadre(body):
    """Register a cadre."""
    return people.create_cadre(**body)


@blp.route("/cadres", methods=["GET"])
@login_required()
@blp.arguments(s.CadreFilter, location="query")
@blp.arguments(PageArgs, location="query")
@blp.response(200, s.page_schema(s.CadreOut))
def list_cadres(filters, page):
    """Cadres visible to the caller, by id."""
    query = select(Cadre).where(g.scope.cadre_clause(Cadre.id)).order_by(Cadre.id)
    if "role" in filters:
        query = query.where(Cadre.role == filters["role"])
    if "region" in filters:
        query = query.where(Cadre.id.in_(select(Assignment.cadre_id).where(
            Assignment.region_code.like(filters["region"] + "%"))))
    return paged(*page_of(query, page))


@blp.route("/cadres/<int:cadre_id>", methods=["GET"])
@login_required()
@blp.response(200, s.CadreOut)
def get_cadre(cadre_id):
    g.scope.require_cadre(cadre_id)
    return people.get_or_404(Cadre, cadre_id)


@blp.route("/cadres/<int:cadre_id>", methods=["PATCH"])
@login_required("admin")
@blp.arguments(s.CadrePatch)
@blp.response(200, s.CadreOut)
def patch_cadre(body, cadre_id):
    return people.update(people.get_or_404(Cadre, cadre_id), body)


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
    return people.create_assignment(region_code=code, **body)


@blp.route("/assignments", methods=["GET"])
@login_required()
@blp.arguments(s.AssignmentFilter, location="query")
@blp.arguments(PageArgs, location="query")
@blp.response(200, s.page_schema(s.AssignmentOut))
def list_assignments(filters, page):
    query = (select(Assignment).where(g.scope.cadre_clause(Assignment.cadre_id))
             .order_by(Assignment.id))
    if "cadre_id" in filters:
        query = query.where(Assignment.cadre_id == filters["cadre_id"])
    if "region" in filters:
        query = query.where(Assignment.region_code.like(filters["region"] + "%"))
    return paged(*page_of(query, page))


@blp.route("/assignments/<int:assignment_id>", methods=["GET"])
@login_required()
@blp.response(200, s.AssignmentOut)
def get_assignment(assignment_id):
    assignment = people.get_or_404(Assignment, assignment_id)
    g.scope.require_cadre(assignment.cadre_id)
    return assignment


@blp.route("/assignments/<int:assignment_id>", methods=["PATCH"])
@login_required("admin")
@blp.arguments(s.AssignmentPatch)
@blp.response(200, s.AssignmentOut)
def patch_assignment(body, assignment_id):
    return people.update_assignment(people.get_or_404(Assignment, assignment_id), body)


@blp.route("/users", methods=["POST"])
@login_required("admin")
@blp.arguments(s.UserIn)
@blp.response(201, s.UserOut)
def create_user(body):
    return people.create_user(**body)


@blp.route("/users", methods=["GET"])
@login_required("admin")
@blp.arguments(PageArgs, location="query")
@blp.response(200, s.page_schema(s.UserOut))
def list_users(page):
    return paged(*page_of(select(User).order_by(User.id), page))


@blp.route("/users/<int:user_id>", methods=["GET"])
@login_required("admin")
@blp.response(200, s.UserOut)
def get_user(user_id):
    return people.get_or_404(User, user_id)


@blp.route("/users/<int:user_id>", methods=["PATCH"])
@login_required("admin")
@blp.arguments(s.UserPatch)
@blp.response(200, s.UserOut)
def patch_user(body, user_id):
    return people.update_user(people.get_or_404(User, user_id), body)


@blp.route("/devices", methods=["POST"])
@login_required("admin")
@blp.arguments(s.DeviceIn)
@blp.response(201, s.DeviceCreated)
def create_device(body):
    """Register a phone. The token is in this answer only; it is stored hashed."""
    device, token = people.create_device(**body)
    return {"id": device.id, "cadre_id": device.cadre_id, "label": device.label,
            "created_at": device.created_at, "revoked_at": None, "token": token}


@blp.route("/devices", methods=["GET"])
@login_required()
@blp.arguments(PageArgs, location="query")
@blp.response(200, s.page_schema(s.DeviceOut))
def list_devices(page):
    query = select(Device).where(g.scope.cadre_clause(Device.cadre_id)).order_by(Device.id)
    return paged(*page_of(query, page))


@blp.route("/devices/<int:device_id>", methods=["PATCH"])
@login_required("admin")
@blp.arguments(s.DevicePatch)
@blp.response(200, s.DeviceOut)
def patch_device(body, device_id):
    """Relabel or revoke a device (revocation cannot be undone)."""
    device = people.get_or_404(Device, device_id)
    if body.get("revoked"):
        people.revoke_device(device)
    elif body.get("revoked") is False and device.revoked_at is not None:
        raise Unprocessable("a revoked device stays revoked; register a new one",
                            {"revoked": ["cannot be undone"]})
    if "label" in body:
        people.update(device, {"label": body["label"]})
    return device
