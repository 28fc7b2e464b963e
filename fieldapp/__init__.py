"""fieldapp: evidence of whether village-stationed cadres are really there, day and night."""
from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from . import metrics, request_log
from .api.schemas import MAX_BIG_ID, MAX_ID
from .api.security import DEFAULT_SECURITY, SECURITY_SCHEMES
from .config import SETTINGS_KEY, Settings, load_settings
from .db.connections import close_request_connection
from .db.engines import (
    AUTOCOMMIT_ENGINE,
    autocommit_engine,
    engine_options,
    install_sqlite_pragmas,
    ping_when_idle,
)
from .errors import (
    HOLDS_NUL,
    HOLDS_SURROGATE,
    NOSNIFF,
    NUMBER_TOO_LONG,
    PAGE_PREFIXES,
    TOO_DEEP,
    BadInput,
    TooLarge,
    error_response,
    register_error_handlers,
)
from .extensions import babel, csrf, db, jwt, migrate, rest_api
from .i18n import DEFAULT_LANGUAGE, select_language
from .web.assets import vendored

API_SETTINGS = {
    "API_TITLE": "fieldapp",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    # served from fieldapp/static/vendor/ (tools/vendor_assets.py), never a CDN
    "OPENAPI_SWAGGER_UI_URL": vendored("swagger-ui-dist"),
    "OPENAPI_SWAGGER_UI_CONFIG": {"validatorUrl": None},  # no calls to validator.swagger.io
    "API_SPEC_OPTIONS": {"components": {"securitySchemes": SECURITY_SCHEMES},
                         "security": DEFAULT_SECURITY},
}

class IdConverter(IntegerConverter):
    """`<int:...>` in every route: a row id, 1..2^31-1 (`<bigid:...>` for a BIGINT key).
    Anything else is no route (404), never a number the database cannot hold."""

    default_max = MAX_ID

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", self.default_max)
        super().__init__(map, *args, **kwargs)


class BigIdConverter(IdConverter):
    default_max = MAX_BIG_ID


def _id_param(converter: IdConverter) -> dict:
    return {"type": "integer", "minimum": converter.min, "maximum": converter.max}


_NUL_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")  # \u0000, not an escaped backslash's


_LONE_SURROGATE = re.compile(
    r"(?<!\\)(?:\\\\)*\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}")
_LONG_DIGITS = re.compile(rb"[0-9]{4300}")


def holds_nul(raw: str | bytes) -> bool:
    """Whether JSON text holds an escaped NUL character (a raw one is not JSON anyway)."""
    if isinstance(raw, bytes | bytearray):
        if b"\\u0000" not in raw:  # the usual case, without decoding the body
            return False
        raw = raw.decode("utf-8", "replace")
    return "\\u0000" in raw and _NUL_ESCAPE.search(raw) is not None


def json_refusal(raw: str | bytes) -> str | None:
    """Why JSON text that may parse is still refused: a NUL character (PostgreSQL cannot store
    it in text), a lone UTF-16 surrogate (no character: it cannot be encoded to store or
    answer), or a number past Python's 4300-digit conversion limit (ValueError, not a
    JSONDecodeError, in every parser). None for the usual body, without decoding it."""
    if holds_nul(raw):
        return HOLDS_NUL
    data = raw if isinstance(raw, bytes | bytearray) else raw.encode("utf-8", "replace")
    if (b"\\ud" in data or b"\\uD" in data) and _LONE_SURROGATE.search(
            data.decode("utf-8", "replace")):
        return HOLDS_SURROGATE
    if _LONG_DIGITS.search(data):
        try:
            json.loads(data)
        except ValueError:
            return NUMBER_TOO_LONG
    return None


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, where a body nested past the parser's depth (`[` × 100,000) is not
    JSON (a ValueError, so `get_json` answers it as such) instead of a RecursionError, and
    neither is one holding a NUL character (`\\u0000`: PostgreSQL cannot store it in text,
    and no field here means one). The device fast path parses with the same provider, so
    both paths answer them alike."""

    ensure_ascii = False

    def loads(self, s, **kwargs):
        if refusal := json_refusal(s):
            raise ValueError(refusal)
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError(TOO_DEEP) from None


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters.update(int=IdConverter, bigid=BigIdConverter)
    app.json = JSONProvider(app)
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
        WTF_CSRF_CHECK_DEFAULT=False,  # the pages check it (web/); the API takes bearer tokens
        WTF_CSRF_TIME_LIMIT=None,  # a token lives as long as the login session
        BABEL_DEFAULT_LOCALE=DEFAULT_LANGUAGE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="fieldapp_session",
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
    rest_api.register_converter(IdConverter, _id_param)
    rest_api.register_converter(BigIdConverter, _id_param)
    jwt.init_app(app)
    _jwt_errors()
    babel.init_app(app, locale_selector=select_language)
    csrf.init_app(app)
    register_error_handlers(app)
    app.before_request(_limit_body)
    app.after_request(_safe_headers)
    app.teardown_request(close_request_connection)
    request_log.install(app, settings["PROXY_HOPS"])
    metrics.install(app)

    from .api import register_blueprints
    from .api.ingest.fast_path import DevicePingFastPath
    from .cli import register_commands
    from .jobs import install as install_jobs
    from .web import register_pages

    register_blueprints(app)
    register_pages(app)
    register_commands(app)
    install_jobs(app)
    if settings["DEVICE_FAST_PATH"]:
        app.wsgi_app = DevicePingFastPath(app)
    if settings["PROXY_HOPS"]:  # outermost: the fast path sees the client's address too
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings["PROXY_HOPS"],
                                x_proto=settings["PROXY_HOPS"])
    return app


def _migrations_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "migrations"


def _limit_body():
    """Every body but a multipart upload to the API is held to FIELDAPP_MAX_JSON_BYTES
    (uploads to MAX_CONTENT_LENGTH, the video limit; the console takes none), counted in
    bytes read.

    A body with Content-Length is refused from the header. One without (chunked) is read
    here, once: werkzeug stops the stream at `request.max_content_length` when the server
    terminates the input (gunicorn does), but a read that reaches that limit returns the
    bytes so far without an error (werkzeug 3.1), so the limit is set one byte past ours
    and a body that fills it is refused. Views then read the cached bytes.

    A JSON body holding an escaped NUL (`\\u0000`) is refused here too (400), whichever
    parser the view uses (webargs parses on its own): PostgreSQL cannot store it in text.
    """
    if request.mimetype == "multipart/form-data" and not request.path.startswith("/console/"):
        return None
    limit = current_app.config["MAX_JSON_BYTES"]
    request.max_content_length = limit + 1
    if (request.content_length or 0) > limit:
        raise TooLarge.json_body(limit)
    if request.content_length is None and len(request.get_data(cache=True)) > limit:
        raise TooLarge.json_body(limit)
    if request.is_json and (refusal := json_refusal(request.get_data(cache=True))):
        raise BadInput(refusal, {"json": [refusal]})
    return None


def _safe_headers(response):
    """`X-Content-Type-Options: nosniff` on every answer (error responses set it too, and
    the device fast path on its own answers); an answer to a request with credentials, or
    a page (someone's data, or a form with their CSRF token), is never for a shared cache.
    No answer may be framed by another site (a console form clicked through an invisible
    frame). (Not `session.accessed`: Flask 3.1.3 sets it on any touch of the proxy, that
    test too.)"""
    response.headers.setdefault(*NOSNIFF)
    response.headers.setdefault("X-Frame-Options", "DENY")
    if "Authorization" in request.headers or request.path.startswith(PAGE_PREFIXES):
        response.headers.setdefault("Cache-Control", "private, no-store")
    return response


def _jwt_errors() -> None:
    """flask-jwt-extended's errors in the one error shape."""
    jwt.unauthorized_loader(lambda reason: error_response(401, f"missing credentials: {reason}"))
    jwt.invalid_token_loader(lambda reason: error_response(401, f"invalid token: {reason}"))
    jwt.expired_token_loader(lambda _h, _p: error_response(401, "token has expired"))
    jwt.revoked_token_loader(lambda _h, _p: error_response(401, "token has been revoked"))
    jwt.needs_fresh_token_loader(lambda _h, _p: error_response(401, "fresh login needed"))
    jwt.user_lookup_error_loader(lambda _h, _p: error_response(401, "unknown user"))
