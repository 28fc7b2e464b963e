"""What every template may use: vendored asset URLs, labels of stored codes, the finding
summary in the reader's language, local times, and the map settings."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask, g

from ..config import app_settings
from ..i18n import LANGUAGES, finding_summary, label, select_language
from .assets import vendored


def install(app: Flask) -> None:
    app.jinja_env.globals.update(vendored=vendored, label=label,
                                 finding_summary=finding_summary, languages=LANGUAGES)
    app.jinja_env.filters.update(local=_local, when=_when)
    app.context_processor(_page_context)


def _page_context() -> dict:
    config = app_settings()
    return {"language": select_language(), "user": g.get("user"),
            "basemap": _basemap(), "zone_name": config.zone.key}


def _basemap() -> dict:
    from flask import current_app

    config = current_app.config
    return {"url": config["BASEMAP_URL"], "crs": config["BASEMAP_CRS"],
            "attribution": config["BASEMAP_ATTRIBUTION"]}


def _local(moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC instant as local wall time in the settings' zone."""
    if moment is None:
        return ""
    return moment.astimezone(app_settings().zone).strftime(pattern)


def _when(day: date | None) -> str:
    return day.isoformat() if day else ""
