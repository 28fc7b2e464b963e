"""`flask retention` (placeholder)."""
from flask.cli import AppGroup

retention_cli = AppGroup("retention", help="Retention of fixes and media.")
