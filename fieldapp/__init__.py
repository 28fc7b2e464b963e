"""fieldapp: evidence of whether village-stationed cadres are really there, day and night."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app, request

from .config import SETTINGS_KEY, Settings, load_settings
from .db.connections import close_request_connection
from .db.engines import (
    AUTOCOMMIT_ENGINE,
    autocommit_engine,
    engine_options,
    install_sqlite_pragmas,
    ping_when_idle,
)
from .errors import TooLarge, error_response, register_error_handlers
from .extensions import db, jwt, limiter, migrate, rest_api

API_SETTINGS = {
    "API_TITLE": "fieldapp",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    "OPENAPI_SWAGGER_UI_URL": "https://cdn.jsdelivr.net/npm/swagger-ui-dist/",
}


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.json.ensure_ascii = False
    settings = load_settings(app.instance_path, config)
    url, options = engine_options(settings["DATABASE_URL"])
    app.config.update(settings, **API_SETTINGS)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=url,
        SQLALCHEMY_ENGINE_OPTIONS=options,
        JWT_SECRET_KEY=settings["SECRET_KEY"],
        JWT_ACCESS_TOKEN_EXPIRES=timedelta(seconds=settings["TOKEN_TTL_S"]),
        MAX_CONTENT_LENGTH=(settings["MAX_VIDEO_MB"] + 1) * 1024 * 1024,
        JSON_SORT_KEYS=False,
    )
    app.extensions[SETTINGS_KEY] = Settings.from_config(app.config)
    db.init_app(app)
    with app.app_context():
        install_sqlite_pragmas(db.engine, settings["SQLITE_CHECKPOINT_PAGES"])
        autocommit = autocommit_engine(db.engine, url, options)
        for engine in {db.engine, autocommit}:
            ping_when_idle(engine, settings["DB_PING_IDLE_S"])
        app.extensions[AUTOCOMMIT_ENGINE] = autocommit
    migrate.init_app(app, db, directory=str(_migrations_dir()), render_as_batch=True)
    rest_api.init_app(app)
    jwt.init_app(app)
    limiter.init_app(app)
    _jwt_errors()
    register_error_handlers(app)
    app.before_request(_limit_json_body)
    app.teardown_request(close_request_connection)

    from .api import register_blueprints
    from .api.ingest_fast_path import DevicePingFastPath
    from .cli import register_commands

    register_blueprints(app)
    register_commands(app)
    if settings["DEVICE_FAST_PATH"]:
        app.wsgi_app = DevicePingFastPath(app)
    return app


def _migrations_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "migrations"


def _limit_json_body():
    """JSON bodies have their own, smaller limit than media uploads."""
    limit = current_app.config["MAX_JSON_BYTES"]
    if request.mimetype.endswith("json") and (request.content_length or 0) > limit:
        raise TooLarge.json_body(limit)
    return None


def _jwt_errors() -> None:
    """flask-jwt-extended's errors in the one error shape."""
    jwt.unauthorized_loader(lambda reason: error_response(401, f"missing credentials: {reason}"))
    jwt.invalid_token_loader(lambda reason: error_response(401, f"invalid token: {reason}"))
    jwt.expired_token_loader(lambda _h, _p: error_response(401, "token has expired"))
    jwt.revoked_token_loader(lambda _h, _p: error_response(401, "token has been revoked"))
    jwt.needs_fresh_token_loader(lambda _h, _p: error_response(401, "fresh login needed"))
    jwt.user_lookup_error_loader(lambda _h, _p: error_response(401, "unknown user"))
