"""What gunicorn writes about requests, with device tokens and credentials masked.

OsmAnd and Traccar Client send the device token in the query string
(`GET /api/v1/ingest/osmand?id=<token>&lat=…`), and gunicorn's access log writes the request
line verbatim; its error log names the URI of a request that failed. `MaskingLogger`
(`--logger-class fieldapp.serving.MaskingLogger`, as scripts/start.sh runs it) writes
`id=***` instead, for every token-bearing parameter (`id`, `deviceid`, `device_id`, `token`,
however percent-encoded), and keeps only the scheme of an Authorization header
(`Bearer ***`, `Device ***`, `Basic ***`), in every atom of the access-log format and in
every line of the error log, tracebacks included. Imports nothing of the app: gunicorn
loads it before the app.
"""
from __future__ import annotations

import logging
import re
from urllib.parse import unquote_plus

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
