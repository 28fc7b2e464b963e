"""GET /metrics: Prometheus' text format (fieldapp/metrics.py), served only to this machine
or to a scraper holding FIELDAPP_METRICS_TOKEN; anyone else gets 404, as if there were none."""
from __future__ import annotations

import hmac
import ipaddress

from flask import Blueprint, Response, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST

from ..errors import NotFound
from ..metrics import exposition

blp = Blueprint("metrics", __name__)


def _allowed() -> bool:
    token = current_app.config["METRICS_TOKEN"]
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


@blp.route("/metrics", methods=["GET"])
def metrics():
    if not _allowed():
        raise NotFound("not found")
    return Response(exposition(current_app._get_current_object()),
                    mimetype=CONTENT_TYPE_LATEST.split(";")[0],
                    headers={"Cache-Control": "no-store"})
