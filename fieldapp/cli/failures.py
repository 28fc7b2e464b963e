"""How a command fails: an expected failure is one line on stderr and exit status 1."""
from __future__ import annotations

import functools
import sys

import click

from ..db.engines import SpatialBackendError
from ..errors import ServiceError


def one_line_failures(command):
    """Turn expected failures into one line on stderr and exit status 1."""

    @functools.wraps(command)
    def wrapped(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (SpatialBackendError, ServiceError) as exc:
            click.echo(f"fieldapp: {exc}", err=True)
            sys.exit(1)

    return wrapped
