"""Cadres, assignments, users and devices: create, change, and the scoped list queries."""
from __future__ import annotations

import hashlib
import secrets
from datetime import date

from sqlalchemy import or_, select

from ...domain.policies import DEFAULT_POLICY_BY_ROLE, POLICIES, POST_LEVEL_BY_ROLE
from ...errors import Conflict, NotFound, Unprocessable
from ...extensions import db
from ...models import Assignment, Cadre, Device, Region, User, UserRegion
from ...models.types import utcnow
from ..access.passwords import hash_password
from ..access.scope import Scope
from ..rows import get_or_404, in_region, where_equal


def create_cadre(name: str, role: str, unit: str | None = None,
                 phone: str | None = None) -> Cadre:
    cadre = Cadre(name=name, role=role, unit=unit, phone=phone)
    db.session.add(cadre)
    db.session.commit()
    return cadre


def apply_changes(obj, changes: dict):
    """Set the given attributes and commit."""
    for key, value in changes.items():
        setattr(obj, key, value)
    db.session.commit()
    return obj


def create_assignment(cadre_id: int, region_code: str, starts_on: date,
                      ends_on: date | None = None, policy: str | None = None) -> Assignment:
    cadre = get_or_404(Cadre, cadre_id)
    region = get_or_404(Region, region_code)
    _check_assignment(cadre, region, starts_on, ends_on, policy)
    assignment = Assignment(cadre_id=cadre.id, region_code=region.code, starts_on=starts_on,
                            ends_on=ends_on, policy=policy or DEFAULT_POLICY_BY_ROLE[cadre.role])
    db.session.add(assignment)
    db.session.commit()
    return assignment


def update_assignment(assignment: Assignment, changes: dict) -> Assignment:
    merged = {"starts_on": assignment.starts_on, "ends_on": assignment.ends_on,
              "policy": assignment.policy, **changes}
    _check_assignment(assignment.cadre, db.session.get(Region, assignment.region_code),
                      merged["starts_on"], merged["ends_on"], merged["policy"],
                      ignore_id=assignment.id)
    return apply_changes(assignment, changes)


def _check_assignment(cadre: Cadre, region: Region, starts_on: date, ends_on: date | None,
                      policy: str | None, ignore_id: int | None = None) -> None:
    expected = POST_LEVEL_BY_ROLE[cadre.role]
    if region.level != expected:
        raise Unprocessable(f"a {cadre.role} is posted to a {expected}, not a {region.level}",
                            {"region_code": [f"must be a {expected} code"]})
    if ends_on is not None and ends_on < starts_on:
        raise Unprocessable("ends_on is before starts_on", {"ends_on": ["before starts_on"]})
    if policy is not None and policy not in POLICIES:
        raise Unprocessable(f"unknown policy {policy!r}",
                            {"policy": [f"one of {', '.join(POLICIES)}"]})
    overlap = select(Assignment.id).where(
        Assignment.cadre_id == cadre.id,
        Assignment.id != (ignore_id or -1),
        or_(Assignment.ends_on.is_(None), Assignment.ends_on >= starts_on),
        Assignment.starts_on <= (ends_on or date.max),
    )
    clash = db.session.scalar(overlap.limit(1))
    if clash:
        raise Conflict(f"cadre {cadre.id} already has assignment {clash} in that period")


def create_user(username: str, password: str, role: str, cadre_id: int | None = None,
                regions: list[str] | None = None) -> User:
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise Conflict(f"username {username!r} is taken")
    _check_user_links(role, cadre_id, regions or [])
    user = User(username=username, password_hash=hash_password(password), role=role,
                cadre_id=cadre_id)
    user.scopes = [UserRegion(region_code=code) for code in sorted(set(regions or []))]
    db.session.add(user)
    db.session.commit()
    return user


def user_named(username: str) -> User:
    """The active login called `username`; 404 otherwise."""
    user = db.session.scalar(select(User).where(User.username == username,
                                                User.active.is_(True)))
    if user is None:
        raise NotFound(f"no active user {username!r}")
    return user


def update_user(user: User, changes: dict) -> User:
    if "password" in changes:
        user.password_hash = hash_password(changes.pop("password"))
    regions = changes.pop("regions", None)
    _check_user_links(changes.get("role", user.role), changes.get("cadre_id", user.cadre_id),
                      regions if regions is not None else user.region_codes)
    if regions is not None:
        user.scopes = [UserRegion(region_code=code) for code in sorted(set(regions))]
    return apply_changes(user, changes)


def _check_user_links(role: str, cadre_id: int | None, regions: list[str]) -> None:
    if role == "cadre" and cadre_id is None:
        raise Unprocessable("a cadre login needs cadre_id", {"cadre_id": ["required for cadre"]})
    if cadre_id is not None:
        get_or_404(Cadre, cadre_id)
    if role in ("inspector", "discipline") and not regions:
        raise Unprocessable(f"an {role} login needs regions", {"regions": ["required"]})
    known = set(db.session.scalars(select(Region.code).where(Region.code.in_(regions))))
    unknown = sorted(set(regions) - known)
    if unknown:
        raise Unprocessable("unknown region codes", {"regions": [f"unknown: {unknown}"]})


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_device(cadre_id: int, label: str | None = None) -> tuple[Device, str]:
    """Register a phone; returns the device and its token, which is not stored."""
    device, token = add_device(cadre_id, label)
    db.session.commit()
    return device, token


def add_device(cadre_id: int, label: str | None = None, user_id: int | None = None,
               user_token_version: int | None = None) -> tuple[Device, str]:
    """`create_device` without the commit (the caller's transaction adds more). With a
    login (`user_id` and its token version now), the device lives only as long as that
    login is unchanged (services/ingest/senders.py)."""
    get_or_404(Cadre, cadre_id)
    token = secrets.token_urlsafe(32)
    device = Device(cadre_id=cadre_id, label=label, token_hash=token_digest(token),
                    user_id=user_id, user_token_version=user_token_version)
    db.session.add(device)
    db.session.flush()
    return device, token


def revoke_device(device: Device) -> Device:
    if device.revoked_at is None:
        device.revoked_at = utcnow()
        db.session.commit()
    return device


def update_device(device: Device, changes: dict) -> Device:
    """Relabel or revoke; a revoked device stays revoked."""
    if changes.get("revoked") is False and device.revoked_at is not None:
        raise Unprocessable("a revoked device stays revoked; register a new one",
                            {"revoked": ["cannot be undone"]})
    if changes.get("revoked"):
        revoke_device(device)
    if "label" in changes:
        apply_changes(device, {"label": changes["label"]})
    return device


def cadres_query(scope: Scope, filters: dict):
    """Visible cadres, by id; `role` and `region` (a code prefix of a post) narrow it."""
    query = where_equal(select(Cadre).where(scope.cadre_clause(Cadre.id)), filters,
                        {"role": Cadre.role})
    if "region" in filters:
        posted = in_region(select(Assignment.cadre_id), filters, Assignment.region_code)
        query = query.where(Cadre.id.in_(posted))
    return query.order_by(Cadre.id)


def assignments_query(scope: Scope, filters: dict):
    """Assignments of visible cadres, by id."""
    query = where_equal(select(Assignment).where(scope.cadre_clause(Assignment.cadre_id)),
                        filters, {"cadre_id": Assignment.cadre_id})
    return in_region(query, filters, Assignment.region_code).order_by(Assignment.id)


def users_query():
    return select(User).order_by(User.id)


def devices_query(scope: Scope):
    return select(Device).where(scope.cadre_clause(Device.cadre_id)).order_by(Device.id)
