"""HTTP layer: blueprints, schemas, auth decorators. Thin: parse, call, return."""
from flask import Flask

from ..extensions import rest_api


def register_blueprints(app: Flask) -> None:
    from . import auth, health, people, phone_clients, pings, regions

    app.register_blueprint(health.blp)
    for module in (auth, regions, people, pings, phone_clients):
        rest_api.register_blueprint(module.blp)
