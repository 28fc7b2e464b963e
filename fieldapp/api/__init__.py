"""HTTP layer: blueprints, schemas, auth decorators. Thin: parse, call, return."""
from flask import Flask

from ..extensions import rest_api


def register_blueprints(app: Flask) -> None:
    from . import auth, health, people, regions

    app.register_blueprint(health.blp)
    for module in (auth, regions, people):
        rest_api.register_blueprint(module.blp)
