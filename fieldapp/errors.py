"""One JSON error shape for every 4xx/5xx: {"code", "status", "message", "errors"}."""
from __future__ import annotations

import logging
from http import HTTPStatus

from flask import Flask, jsonify
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
    """503: the work is refused for now (every decode slot is taken); retry after a while."""

    status = 503

    def __init__(self, message: str, retry_after_s: int):
        super().__init__(message)
        self.headers = {"Retry-After": str(retry_after_s)}


INTERNAL_ERROR = "Internal error; it has been logged."


def error_response(code: int, message: str, errors: dict | None = None, headers=None):
    body = {"code": code, "status": HTTPStatus(code).phrase, "message": message,
            "errors": errors or {}}
    response = jsonify(body)
    response.status_code = code
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _webargs_errors(exc: HTTPException) -> dict:
    """Flatten webargs' {"messages": {"json": {...}}} into {...field: [messages]}."""
    messages = (getattr(exc, "data", None) or {}).get("messages") or {}
    if len(messages) == 1:
        return next(iter(messages.values()))
    return messages


def register_error_handlers(app: Flask) -> None:
    from .extensions import db

    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        db.session.rollback()
        return error_response(exc.status, exc.message, exc.errors,
                              getattr(exc, "headers", None))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        db.session.rollback()
        errors = _webargs_errors(exc)
        message = (getattr(exc, "data", None) or {}).get("message") or exc.description
        if errors and exc.code == 422:
            message = "The request has invalid fields."
        headers = dict(exc.get_response().headers) if exc.code in (405, 429) else None
        if headers:
            headers = {k: v for k, v in headers.items() if k in ("Allow", "Retry-After")}
        return error_response(exc.code or 500, message, errors, headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        db.session.rollback()
        log.exception("unhandled error")
        return error_response(500, INTERNAL_ERROR)
