"""What every template may use: vendored asset URLs, labels of stored codes, the finding
summary in the reader's language, local times, map data as compact JSON, and the query
values a link may keep."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask, g, request

from ..config import app_settings
from ..i18n import LANGUAGES, event_note, finding_summary, label, select_language
from .assets import vendored
from .maps import map_json


def install(app: Flask) -> None:
    app.jinja_env.globals.update(vendored=vendored, label=label, query_args=_query_args,
                                 event_note=event_note, finding_summary=finding_summary,
                                 languages=LANGUAGES)
    app.jinja_env.filters.update(local=_local, when=_when, map_json=map_json)
    app.context_processor(_page_context)


def _page_context() -> dict:
    return {"language": select_language(), "user": g.get("user")}


def _query_args() -> dict:
    """The page's query values, for links that keep them: not `endpoint` nor a name
    starting with `_` (url_for's own `_external`, `_scheme`, `_method`, `_anchor`)."""
    return {k: v for k, v in request.args.items() if k != "endpoint" and not k.startswith("_")}


def _local(moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC instant as local wall time in the settings' zone."""
    if moment is None:
        return ""
    return moment.astimezone(app_settings().zone).strftime(pattern)


def _when(day: date | None) -> str:
    return day.isoformat() if day else ""
