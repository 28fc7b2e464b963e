"""Reading rows the same way in every use case: one by its key (404 when absent), and a
list narrowed to a time range."""
from ..errors import NotFound
from ..extensions import db


def get_or_404(model, key):
    row = db.session.get(model, key)
    if row is None:
        raise NotFound(f"{model.__name__.lower()} {key} not found")
    return row


def in_time_range(query, column, filters: dict):
    """`query` narrowed to rows whose `column` lies in [filters["from"], filters["to"]);
    either bound may be absent."""
    if "from" in filters:
        query = query.where(column >= filters["from"])
    if "to" in filters:
        query = query.where(column < filters["to"])
    return query
