"""What gunicorn and the app write in their logs: JSON lines, with device tokens and
credentials masked.

OsmAnd and Traccar Client send the device token in the query string
(`GET /api/v1/ingest/osmand?id=<token>&lat=…`), and gunicorn's access log writes the request
line verbatim; its error log names the URI of a request that failed. `MaskingLogger`
(`--logger-class fieldapp.serving.MaskingLogger`, as scripts/start.sh runs it) writes
`id=***` instead, for every token-bearing parameter (`id`, `deviceid`, `device_id`, `token`,
however percent-encoded), and keeps only the scheme of an Authorization header
(`Bearer ***`, `Device ***`, `Basic ***`), in every atom of the access-log format and in
every line of the error log, tracebacks included. `JsonLogger` (what scripts/start.sh runs)
does the same and writes each line as one JSON object: an access line with the request's id
(the X-Request-ID the app answered), method, path, status, bytes and milliseconds; an error
line with its level and message. `JsonLines` formats the app's own log records alike.
Imports nothing of the app: gunicorn loads it before the app.
"""
from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from urllib.parse import unquote_plus

from gunicorn.config import AccessLogFormat
from gunicorn.glogging import Logger

TOKEN_PARAMS = frozenset({"id", "deviceid", "device_id", "token"})
MASK = "***"
_PARAM = re.compile(r"(^|[?&;])([^=&;?#\s/\"]+)=([^&;#\s\"]*)")
_CREDENTIAL_HEADERS = ("authorization", "proxy-authorization", "cookie")


def mask_params(text: str) -> str:
    """`text` (a query string, a URI or a request line) with token-bearing parameters'
    values replaced by ***."""
    def replace(match: re.Match) -> str:
        start, name, _value = match.groups()
        if unquote_plus(name).strip().lower() in TOKEN_PARAMS:
            return f"{start}{name}={MASK}"
        return match.group(0)

    return _PARAM.sub(replace, text)


def mask_credential(value: str) -> str:
    """An Authorization value with only its scheme kept: `Device ***`."""
    scheme, _, secret = value.strip().partition(" ")
    return f"{scheme} {MASK}" if secret else MASK


class MaskingLogger(Logger):
    """gunicorn's logger, writing no device token and no credential."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if not isinstance(value, str):
                continue
            if any(name in key for name in _CREDENTIAL_HEADERS):
                atoms[key] = mask_credential(value) if "authorization" in key else MASK
            else:
                atoms[key] = mask_params(value)
        return atoms

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not isinstance(handler.formatter, _MaskingFormatter):
                    handler.setFormatter(_MaskingFormatter(handler.formatter))


class _MaskingFormatter(logging.Formatter):
    """Formats as the handler's formatter did, then masks token-bearing parameters in the
    whole line, traceback included (the error log names the URI of a failed request)."""

    def __init__(self, inner: logging.Formatter | None):
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        return mask_params(self.inner.format(record))


class JsonLines(logging.Formatter):
    """A log record as one JSON object: time (UTC), level, logger, message and, when the
    record carries one, the request's id; tracebacks inside it; token parameters masked."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"ts": datetime.fromtimestamp(record.created, UTC).isoformat(
            timespec="milliseconds"), "level": record.levelname.lower(),
            "logger": record.name, "message": mask_params(record.getMessage())}
        if getattr(record, "request_id", None):
            entry["request_id"] = record.request_id
        if record.exc_info:
            entry["exc"] = mask_params(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class JsonLogger(MaskingLogger):
    """gunicorn's logs as JSON lines, masked as MaskingLogger masks them. An
    --access-logformat other than gunicorn's default is kept too, as the entry's `line`."""

    def setup(self, cfg):
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(JsonLines())

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        entry = {"ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
                 "type": "access", "request_id": atoms.get("{x-request-id}o"),
                 "remote": atoms["h"], "method": atoms["m"],
                 "path": atoms["U"] + (f"?{atoms['q']}" if atoms["q"] else ""),
                 "status": int(atoms["s"]) if str(atoms["s"]).isdigit() else atoms["s"],
                 "bytes": atoms["B"], "ms": round(atoms["D"] / 1000, 1),
                 "agent": atoms["a"], "referer": atoms["f"]}
        if self.cfg.access_log_format != AccessLogFormat.default:
            entry["line"] = self.cfg.access_log_format % self.atoms_wrapper_class(atoms)
        self.access_log.info("%s", json.dumps(entry, ensure_ascii=False))
