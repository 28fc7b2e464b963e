"""A presence audit as the file a reader asked for: JSON, CSV, XLSX or PDF."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import date, datetime

from ..config import Settings
from ..db.connections import read_without_write_lock
from ..services.access.scope import Scope
from .audit_pdf import audit_pdf
from .audit_table import audit_csv
from .audit_xlsx import audit_xlsx

FORMATS = ("json", "csv", "xlsx", "pdf")


def audit_file(settings: Settings, scope: Scope, audit: dict, fmt: str,
               progress: Callable[[Iterable, str], Iterable] = lambda items, what: items,
               ) -> bytes | str:
    """`audit` (as services/audits/presence_audit returns it) as `fmt`: text for json and
    csv, bytes for xlsx and pdf. `progress(items, what)` wraps what a long file is built
    over (the PDF's cadres)."""
    read_without_write_lock()
    if fmt == "json":
        return audit_json(audit)
    if fmt == "csv":
        return audit_csv(audit)
    if fmt == "xlsx":
        return audit_xlsx(audit)
    if fmt == "pdf":
        return audit_pdf(settings, scope, audit, progress)
    raise ValueError(f"unknown audit format {fmt!r}")


def audit_json(audit: dict) -> str:
    """The audit as the API answers it: the same keys, dates and times in ISO-8601."""
    return json.dumps(audit, default=_iso, ensure_ascii=False, indent=1) + "\n"


def _iso(value):
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")
