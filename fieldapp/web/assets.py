"""URLs of the vendored front-end libraries (fieldapp/static/vendor/, pinned in its lock.json
by tools/vendor_assets.py)."""
from __future__ import annotations

import functools
import json
from pathlib import Path

LOCK = Path(__file__).resolve().parent.parent / "static" / "vendor" / "lock.json"


@functools.cache
def _versions() -> dict[str, str]:
    return {name: entry["version"]
            for name, entry in json.loads(LOCK.read_text())["packages"].items()}


def vendored(name: str, path: str = "") -> str:
    """/static/vendor/<name>-<version>/<path> of a pinned package."""
    return f"/static/vendor/{name}-{_versions()[name]}/{path}"
