"""Reading rows the same way in every use case: one by its key (404 when absent), and a
list narrowed by the filters a caller gave."""
from ..errors import NotFound
from ..extensions import db


def get_or_404(model, key):
    row = db.session.get(model, key)
    if row is None:
        raise NotFound(f"{model.__name__.lower()} {key} not found")
    return row


def where_equal(query, filters: dict, columns: dict):
    """`query` narrowed to rows whose column equals each filter given; `columns` maps a
    filter's name to its column."""
    for name, column in columns.items():
        if name in filters:
            query = query.where(column == filters[name])
    return query


def in_region(query, filters: dict, column):
    """`query` narrowed to rows whose region code `column` lies under filters["region"]."""
    if "region" in filters:
        query = query.where(column.like(filters["region"] + "%"))
    return query


def in_time_range(query, column, filters: dict):
    """`query` narrowed to rows whose `column` lies in [filters["from"], filters["to"]);
    either bound may be absent."""
    if "from" in filters:
        query = query.where(column >= filters["from"])
    if "to" in filters:
        query = query.where(column < filters["to"])
    return query
