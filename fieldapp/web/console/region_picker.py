"""The region picker of the audit and summary pages: where it starts and what it offers."""
from __future__ import annotations

from flask import g

from ...services.geodata.regions import get_region, townships_in
from ...services.presence.evaluation import default_region


def reader_region() -> str:
    """The reader's first region; the county for an admin."""
    codes = sorted(g.user.region_codes)
    return codes[0] if codes and not g.scope.everything else default_region()


def region_choices() -> list[tuple[str, str]]:
    """(code, name): the county, then the townships in the reader's scope, by code."""
    county = get_region(default_region())
    return [(county.code, county.name),
            *((t.code, t.name) for t in townships_in(g.scope.region_clause))]
