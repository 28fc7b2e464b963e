"""One row by its key, or the 404 every use case answers when it is absent."""
from ..errors import NotFound
from ..extensions import db


def get_or_404(model, key):
    row = db.session.get(model, key)
    if row is None:
        raise NotFound(f"{model.__name__.lower()} {key} not found")
    return row
