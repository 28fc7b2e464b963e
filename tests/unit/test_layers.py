"""The layers of docs/architecture.md hold: the import-linter contracts in pyproject.toml."""
from pathlib import Path

from importlinter.cli import lint_imports

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_import_contracts_are_kept():
    assert lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True) == 0


def test_services_are_handed_their_settings():
    """No use case reaches for the app's settings: import-linter sees modules, not names,
    and services import fieldapp.config for the Settings type."""
    services = PYPROJECT.parent / "fieldapp" / "services"
    reaching = [f"{path.relative_to(services)}: {name}"
                for path in services.rglob("*.py")
                for name in ("app_settings", "current_app")
                if name in path.read_text()]
    assert reaching == []
