"""Who may see what, decided in one place.

Admin codes nest (village 12 digits ⊃ township 9 ⊃ county 6), so a user's scope is a list of
code prefixes: inspectors and discipline users their regions, cadres their assigned posts.
"""
from __future__ import annotations

from sqlalchemy import and_, false, or_, select, true
from sqlalchemy.sql import ColumnElement

from ...errors import Forbidden
from ...extensions import db
from ...models import Assignment, Finding, User


class Scope:
    def __init__(self, user: User):
        self.user = user
        self.everything = user.role == "admin"
        if user.role == "cadre":
            self.prefixes = list(db.session.scalars(select(Assignment.region_code).where(
                Assignment.cadre_id == user.cadre_id)))
        else:
            self.prefixes = user.region_codes

    def region_visible(self, code: str) -> bool:
        """A region inside the scope, or above it (so a user can see the county outline)."""
        return self.everything or any(
            code.startswith(p) or p.startswith(code) for p in self.prefixes)

    def region_clause(self, column) -> ColumnElement:
        """SQL condition: `column` (a region code) lies inside the scope."""
        if self.everything:
            return true()
        if not self.prefixes:
            return false()
        return or_(*(column.like(p + "%") for p in self.prefixes))

    def cadre_clause(self, column) -> ColumnElement:
        """SQL condition: the cadre id in `column` is visible."""
        if self.everything:
            return true()
        if self.user.role == "cadre":
            return column == self.user.cadre_id
        posted = select(Assignment.cadre_id).where(self.region_clause(Assignment.region_code))
        return column.in_(posted)

    def findings_clause(self) -> ColumnElement:
        """SQL condition on findings: cadres see their own, discipline users the escalated
        ones in their regions, inspectors everything in their regions, admins everything."""
        role = self.user.role
        if role == "cadre":
            return Finding.cadre_id == self.user.cadre_id
        region = self.region_clause(Finding.region_code)
        if role == "discipline":
            return and_(region, Finding.status == "escalated")
        return region

    def cadre_visible(self, cadre_id: int) -> bool:
        if self.everything:
            return True
        if self.user.role == "cadre":
            return cadre_id == self.user.cadre_id
        return db.session.scalar(select(Assignment.id).where(
            Assignment.cadre_id == cadre_id,
            self.region_clause(Assignment.region_code)).limit(1)) is not None

    def require_cadre(self, cadre_id: int) -> None:
        if not self.cadre_visible(cadre_id):
            raise Forbidden(f"cadre {cadre_id} is outside your scope")

    def require_region(self, code: str) -> None:
        if not self.region_visible(code):
            raise Forbidden(f"region {code} is outside your scope")
