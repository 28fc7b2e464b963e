"""Page/per_page pagination with a total, the same on every list."""
from __future__ import annotations

from flask import current_app
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from ..extensions import db


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1))


def page_of(statement, args: dict) -> tuple[list, dict]:
    """Run `statement` for one page; returns (rows, {"page", "per_page", "total"})."""
    per_page = min(args.get("per_page", 50), current_app.config["PAGE_SIZE_MAX"])
    page = args.get("page", 1)
    total = db.session.scalar(select(func.count()).select_from(
        statement.order_by(None).subquery()))
    rows = db.session.execute(statement.limit(per_page).offset((page - 1) * per_page))
    return list(rows.scalars() if _single_entity(statement) else rows), {
        "page": page, "per_page": per_page, "total": total}


def _single_entity(statement) -> bool:
    return len(statement.column_descriptions) == 1


def paged(items: list, meta: dict) -> dict:
    return {"items": items, **meta}
