"""The dispositions pages of the console (being built)."""
from . import blp  # noqa: F401
