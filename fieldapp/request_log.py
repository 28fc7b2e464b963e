"""Each request's id, answered as X-Request-ID and carried by every log line written while
it runs, and the app's own log records as JSON lines (serving.JsonLines) on stderr.

An X-Request-ID a request arrives with is kept only behind a trusted proxy
(FIELDAPP_PROXY_HOPS > 0: nginx sets it, and its log and ours then name the same request);
otherwise, and when it is not a plain token of 8–128 characters, a new one is made.
"""
from __future__ import annotations

import logging
import re
import sys
import uuid

from flask import Flask, g, has_request_context, request

from .serving import JsonLines

REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,128}")


class _WithRequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context() and not getattr(record, "request_id", None):
            record.request_id = g.get("request_id")
        return True


def install(app: Flask, proxy_hops: int) -> None:
    @app.before_request
    def _assign_request_id():
        given = request.headers.get("X-Request-ID", "")
        g.request_id = (given if proxy_hops and REQUEST_ID.fullmatch(given)
                        else uuid.uuid4().hex)

    @app.after_request
    def _answer_request_id(response):
        if "request_id" in g:
            response.headers["X-Request-ID"] = g.request_id
        return response

    logger = logging.getLogger("fieldapp")  # app.logger, and every module's logger below it
    if not any(isinstance(h.formatter, JsonLines) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonLines())
        handler.addFilter(_WithRequestId())
        logger.addHandler(handler)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.INFO)
