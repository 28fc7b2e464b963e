"""The fast path of `POST /api/v1/pings` with a device token, answered beneath Flask.

Phones send a fix at a time all day, so this one request sets the service's load, and
Flask's per-request machinery (request context, session, limiter hook, teardown) costs
more than the ping's own work (bench/README.md). These requests are answered straight from
WSGI by the same service, limits, order of checks and error shape as the route in
`api/ingest/pings.py`; anything unusual (a bearer token, another content type, a body without
Content-Length, such as a chunked one) goes on to that route, whose body cap holds on the
bytes read. `FIELDAPP_DEVICE_FAST_PATH=0` turns it off.
"""
from __future__ import annotations

import logging

from flask import Flask
from werkzeug.wrappers import Response

from ...config import app_settings
from ...errors import (
    INTERNAL_ERROR,
    NOSNIFF,
    ServiceError,
    TooLarge,
    database_unavailable,
    error_response,
    too_deep_response,
    unavailable_response,
)
from ...metrics import count_pings
from ...services.ingest.device_pings import ingest_from_device
from ...services.ingest.senders import device_token

log = logging.getLogger(__name__)

PATH = "/api/v1/pings"


class DevicePingFastPath:
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
                                  ("Content-Length", str(len(answer))), NOSNIFF])
        return [answer]

    def _answer(self, environ, token: str) -> Response | bytes:
        """An error response, or the body of the 200 answer: the JSON the route would
        send, without a werkzeug Response around it."""
        settings = app_settings(self.app)
        limit = settings.ingest.max_json_bytes
        try:
            length = int(environ["CONTENT_LENGTH"])
            if length > limit:
                raise TooLarge.json_body(limit)
            body = self._json_or_none(environ["wsgi.input"].read(length))
            result = ingest_from_device(settings, token, body)
        except ServiceError as exc:
            return error_response(exc.status, exc.message, exc.errors)
        except RecursionError:  # json.loads of `[` × 100,000
            return too_deep_response()
        except Exception as exc:
            if database_unavailable(exc):
                log.warning("database unavailable: %s", exc)
                return unavailable_response()
            log.exception("unhandled error")
            return error_response(500, INTERNAL_ERROR)
        answer = result.as_dict()
        count_pings("native", answer)
        return f"{self.app.json.dumps(answer, separators=(',', ':'))}\n".encode()

    def _json_or_none(self, data: bytes) -> object:
        try:
            return self.app.json.loads(data)
        except ValueError:
            return None


def _device_token(environ) -> str | None:
    """The device token of a request this path answers, else None: a POST of
    `application/json` with a Content-Length to PATH, read straight from the environ
    without building a werkzeug Request; anything else goes to the route."""
    token = device_token(environ.get("HTTP_AUTHORIZATION", ""))
    if (token is None or environ.get("REQUEST_METHOD") != "POST"
            or environ.get("PATH_INFO") != PATH or "HTTP_TRANSFER_ENCODING" in environ
            or not environ.get("CONTENT_LENGTH", "").isdigit()):
        return None
    mimetype = environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower()
    return token if mimetype == "application/json" else None
