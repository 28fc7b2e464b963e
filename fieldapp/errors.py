"""One JSON error shape for every 4xx/5xx: {"code", "status", "message", "errors"}."""
from __future__ import annotations

import logging
from http import HTTPStatus

from flask import Flask, current_app, has_request_context, jsonify, request
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class ServiceError(Exception):
    """Raised by services; carries the HTTP status the API answers with."""

    status = 400

    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class BadInput(ServiceError):
    status = 400


class Unauthorized(ServiceError):
    status = 401


class Forbidden(ServiceError):
    status = 403


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409


class TooLarge(ServiceError):
    status = 413

    @classmethod
    def json_body(cls, limit: int) -> TooLarge:
        return cls(f"JSON body over {limit} bytes")


class Unprocessable(ServiceError):
    status = 422


class Busy(ServiceError):
    """503: the work is refused for now (every decode slot is taken, a store that holds
    shared state cannot be reached); retry after a while."""

    status = 503

    def __init__(self, message: str, retry_after_s: int):
        super().__init__(message)
        self.headers = {"Retry-After": str(retry_after_s)}


INTERNAL_ERROR = "Internal error; it has been logged."
NOT_JSON = "The request body is not valid JSON."
TOO_DEEP = "The request body is nested too deeply."
HOLDS_NUL = "The request body holds a NUL character."
HOLDS_SURROGATE = ("The request body holds a lone UTF-16 surrogate (U+D800 to U+DFFF without "
                   "its pair): not a character.")
NUMBER_TOO_LONG = "The request body holds a number with more than 4300 digits."
UNAVAILABLE = "The database is unavailable; try again shortly."
RETRY_AFTER_S = 5
NOSNIFF = ("X-Content-Type-Options", "nosniff")
SQLITE_UNAVAILABLE = ("unable to open database", "database is locked", "disk I/O error")


def database_unavailable(exc: BaseException) -> bool:
    """True for a database that cannot be reached or is going away (refused connection,
    server shutting down, a dropped connection, SQLite's file unreadable or locked), as
    opposed to a statement the database refused. `exc` may be SQLAlchemy's wrapper or the
    driver's own error (the hot path's raw connections)."""
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        if not isinstance(exc, OperationalError):
            return False
        exc = exc.orig
    if not any(kind.__name__ == "OperationalError" for kind in type(exc).__mro__):
        return False
    if "sqlite" in type(exc).__module__:  # SQLite says "no such table" this way too
        return str(exc).startswith(SQLITE_UNAVAILABLE)
    return True  # psycopg: refused, shutting down, connection lost, timed out


def unavailable_response():
    return error_response(503, UNAVAILABLE, headers={"Retry-After": str(RETRY_AFTER_S)})


def too_deep_response():
    return error_response(400, TOO_DEEP, {"json": [TOO_DEEP]})


PAGE_PREFIXES = ("/console", "/m/")  # pages: errors are HTML (web/errors.py)
ERROR_PAGE = "fieldapp.error_page"  # its renderer, in app.extensions


def error_response(code: int, message: str, errors: dict | None = None, headers=None):
    """The one JSON error shape; under a page's URL, the error page instead."""
    page = current_app.extensions.get(ERROR_PAGE) if has_request_context() else None
    if page is not None and request.path.startswith(PAGE_PREFIXES):
        return page(code, message, headers)
    body = {"code": code, "status": HTTPStatus(code).phrase, "message": message,
            "errors": errors or {}}
    response = jsonify(body)
    response.status_code = code
    response.headers.setdefault(*NOSNIFF)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _webargs_errors(exc: HTTPException) -> dict:
    """Flatten webargs' {"messages": {"json": {...}}} into {...field: [messages]}; a
    message about the location as a whole (invalid JSON: {"json": [...]}) stays keyed by
    the location."""
    messages = (getattr(exc, "data", None) or {}).get("messages") or {}
    if len(messages) == 1 and isinstance(inner := next(iter(messages.values())), dict):
        return inner
    return messages


def _rollback(db) -> None:
    """Roll the session back; on a database that went away that may fail too."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 (the answer matters more than the rollback)
        log.warning("rollback failed", exc_info=True)


def register_error_handlers(app: Flask) -> None:
    from .extensions import db

    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        _rollback(db)
        return error_response(exc.status, exc.message, exc.errors,
                              getattr(exc, "headers", None))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        _rollback(db)
        errors = _webargs_errors(exc)
        message = (getattr(exc, "data", None) or {}).get("message") or exc.description
        if errors and exc.code == 422:
            message = "The request has invalid fields."
        elif errors.get("json") and exc.code == 400:
            message = NOT_JSON
            errors = {"json": [NOT_JSON]}
        elif exc.code == 413:
            limit = request.max_content_length
            message = f"body over {limit} bytes" if limit else "body too large"
        headers = dict(exc.get_response().headers) if exc.code in (405, 429) else None
        if headers:
            headers = {k: v for k, v in headers.items() if k in ("Allow", "Retry-After")}
        return error_response(exc.code or 500, message, errors, headers)

    @app.errorhandler(RecursionError)
    def _too_deep(exc: RecursionError):  # json.loads of `[` × 100,000, in Flask or webargs
        _rollback(db)
        return too_deep_response()

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        _rollback(db)
        if database_unavailable(exc):
            log.warning("database unavailable: %s", exc)
            return unavailable_response()
        log.exception("unhandled error")
        return error_response(500, INTERNAL_ERROR)
