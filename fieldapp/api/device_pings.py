"""A phone's `POST /api/v1/pings` with its device token, answered beneath Flask.

Phones send a fix at a time all day, so this one request sets the service's load, and
Flask's per-request machinery (request context, session, limiter hook, teardown) costs
more than the ping's own work. These requests are answered straight from WSGI by the same
services, limits, order of checks and error shape as the Flask route. Anything unusual
(a bearer token, another content type, a body without Content-Length) goes on to the route.
"""
from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy.exc import DBAPIError
from werkzeug.wrappers import Response

from ..database import OnDemandConnection
from ..errors import INTERNAL_ERROR, ServiceError, TooLarge, error_response
from ..services import ingest, senders

log = logging.getLogger(__name__)

PATH = "/api/v1/pings"


class DevicePings:
    """WSGI middleware in front of the Flask app's own `wsgi_app`."""

    def __init__(self, app: Flask):
        self.app = app
        self.flask_wsgi = app.wsgi_app

    def __call__(self, environ, start_response):
        token = _device_token(environ)
        if token is None:
            return self.flask_wsgi(environ, start_response)
        with self.app.app_context():
            answer = self._answer(environ, token)
        if isinstance(answer, Response):  # an error, in the route's own shape
            return answer(environ, start_response)
        start_response("200 OK", [("Content-Type", "application/json"),
                                  ("Content-Length", str(len(answer)))])
        return [answer]

    def _answer(self, environ, token: str) -> Response | bytes:
        """An error response, or the body of the 200 answer: the JSON the route would
        send, without the werkzeug Response around it (that cost 8% of the path)."""
        config = self.app.config
        try:
            length = int(environ["CONTENT_LENGTH"])
            if length > config["MAX_JSON_BYTES"]:
                raise TooLarge.json_body(config["MAX_JSON_BYTES"])
            body = self._json_or_none(environ["wsgi.input"].read(length))
            result = self._ingest_once_more_if_lost(token, body)
        except ServiceError as exc:
            return error_response(exc.status, exc.message, exc.errors)
        except Exception:
            log.exception("unhandled error")
            return error_response(500, INTERNAL_ERROR)
        return f"{self.app.json.dumps(result.as_dict(), separators=(',', ':'))}\n".encode()

    def _ingest_once_more_if_lost(self, token: str, body: object) -> ingest.IngestResult:
        """A connection lost to a server restart (see `ping_when_idle`) is renewed and the
        request tried once more; pings the lost attempt stored answer as duplicates."""
        try:
            with OnDemandConnection() as conn:
                return self._ingest(conn, token, body)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
        with OnDemandConnection() as conn:
            return self._ingest(conn, token, body)

    def _ingest(self, conn: OnDemandConnection, token: str,
                body: object) -> ingest.IngestResult:
        """Ingest as the route does, first with the cached sender. That path answers only
        what its INSERT confirmed; anything else (an error, duplicates, a changed sender)
        is answered afresh, in the route's order: the sender's 401 before the body's 4xx."""
        limit = self.app.config["PING_BATCH_MAX"]
        sender = senders.cached_device(conn, token)
        if sender.version is not None:
            try:
                return ingest.ingest(conn, sender, ingest.items_of(body, limit))
            except (ingest.StaleSender, ServiceError):
                pass
            sender = senders.require_device(conn, token)
        return ingest.ingest(conn, sender, ingest.items_of(body, limit))

    def _json_or_none(self, data: bytes) -> object:
        try:
            return self.app.json.loads(data)
        except ValueError:
            return None


def _device_token(environ) -> str | None:
    """The device token of a request this path answers, else None: a POST of
    `application/json` with a Content-Length to PATH. Read straight from the environ (a
    werkzeug Request cost as much as the fence test); anything else goes to the route."""
    token = senders.device_token(environ.get("HTTP_AUTHORIZATION", ""))
    if (token is None or environ.get("REQUEST_METHOD") != "POST"
            or environ.get("PATH_INFO") != PATH or "HTTP_TRANSFER_ENCODING" in environ
            or not environ.get("CONTENT_LENGTH", "").isdigit()):
        return None
    mimetype = environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower()
    return token if mimetype == "application/json" else None
