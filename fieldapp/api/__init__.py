"""HTTP layer: blueprints, schemas, auth decorators. Thin: parse, call, return."""
from flask import Flask

from ..extensions import rest_api


def register_blueprints(app: Flask) -> None:
    from . import (
        auth,
        flags,
        health,
        leaves,
        media,
        people,
        phone_clients,
        pings,
        presence,
        regions,
        reports,
    )

    app.register_blueprint(health.blp)
    for module in (auth, regions, people, pings, phone_clients, leaves, presence, flags,
                   media, reports):
        rest_api.register_blueprint(module.blp)
