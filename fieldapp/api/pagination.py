"""Page/per_page pagination with a total, the same on every list, through flask-sqlalchemy's
`db.paginate`: `@paginated` for a view that returns its query, `page_of` for one that
needs the page in hand."""
from __future__ import annotations

from functools import wraps

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from ..extensions import db

PAGE_MAX = 100_000  # with per_page ≤ FIELDAPP_PAGE_SIZE_MAX, OFFSET stays a small number
PER_PAGE_MAX = 1_000_000  # asked for; answered with at most FIELDAPP_PAGE_SIZE_MAX


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=PAGE_MAX))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=PER_PAGE_MAX),
                              metadata={"description": "capped at FIELDAPP_PAGE_SIZE_MAX"})


def page_schema(item: type[Schema]) -> type[Schema]:
    """A paginated list of `item`."""
    return Schema.from_dict({
        "items": fields.List(fields.Nested(item)), "page": fields.Integer(),
        "per_page": fields.Integer(), "total": fields.Integer()},
        name=f"{item.__name__}Page")


def page_of(statement, args: dict) -> tuple[list, dict]:
    """One page of the ORM rows `statement` selects: (rows, {"page", "per_page", "total"});
    per_page is capped at FIELDAPP_PAGE_SIZE_MAX."""
    page = db.paginate(statement, page=args["page"], per_page=args["per_page"],
                       max_per_page=current_app.config["PAGE_SIZE_MAX"], error_out=False)
    return page.items, {"page": page.page, "per_page": page.per_page, "total": page.total}


def paginated(blp: Blueprint, item: type[Schema], on_page=None):
    """The view returns a query of `item` rows; the answer is one page of them. Takes
    page/per_page from the query string after the view's own arguments. `on_page(rows,
    meta, *view_args)`, if given, sees the page before it is answered (the access log)."""

    def decorator(view):
        @blp.arguments(PageArgs, location="query")
        @blp.response(200, page_schema(item))
        @wraps(view)
        def wrapped(*args, **kwargs):
            *view_args, page_args = args
            rows, meta = page_of(view(*view_args, **kwargs), page_args)
            if on_page is not None:
                on_page(rows, meta, *view_args)
            return {"items": rows, **meta}

        return wrapped

    return decorator
