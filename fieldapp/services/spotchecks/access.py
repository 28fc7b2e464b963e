"""Who may read a spot-check plan or a visit, and who may make, draw and reveal plans and
record visits.

Plans and visits are the supervision office's work: inspectors and admins plan and visit,
the discipline office reads, cadres never see them (the API and pages answer them 404, so a
cadre cannot learn that a plan exists). A plan is read by anyone whose regions meet its
region (inside it or above it: an inspector of one township reads the county's plan);
making, drawing and revealing it, and seeing its secret before the reveal, need regions
that cover all of it. A visit is read by whoever's regions hold its village, and recorded
by an inspector or admin whose regions hold it.
"""
from __future__ import annotations

from sqlalchemy import or_, true
from sqlalchemy.sql import ColumnElement

from ...errors import Forbidden, NotFound
from ..access.scope import Scope

PLANNERS = ("inspector", "admin")
READERS = ("inspector", "admin", "discipline")
ANCESTOR_LENGTHS = (6, 9)  # a region code's county and township prefixes


def covers(scope: Scope, code: str) -> bool:
    """The scope holds all of region `code`."""
    return scope.everything or any(code.startswith(prefix) for prefix in scope.prefixes)


def may_plan(scope: Scope, code: str) -> bool:
    return scope.user.role in PLANNERS and covers(scope, code)


def meets_clause(scope: Scope, column) -> ColumnElement:
    """SQL condition: the region code in `column` lies inside the scope or above it."""
    if scope.everything:
        return true()
    ancestors = {prefix[:n] for prefix in scope.prefixes for n in ANCESTOR_LENGTHS
                 if len(prefix) > n}
    return or_(scope.region_clause(column), column.in_(sorted(ancestors)))


def require_reader(scope: Scope) -> None:
    """Cadres are answered as if nothing were there."""
    if scope.user.role not in READERS:
        raise NotFound("not found")


def require_planner(scope: Scope, code: str, what: str) -> None:
    """403 unless the reader may plan for all of region `code` (the caller has checked
    that they may read it)."""
    if scope.user.role not in PLANNERS:
        raise Forbidden(f"only inspectors and admins {what}")
    if not covers(scope, code):
        raise Forbidden(f"region {code} is not all inside your regions: whoever covers it "
                        f"{what}")
