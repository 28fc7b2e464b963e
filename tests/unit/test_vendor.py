"""The vendored front-end libraries are the pinned ones, byte for byte, each with its
licence; templates load nothing from another host."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "fieldapp" / "static" / "vendor"
OTHER_HOST = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.I)


def test_vendored_files_match_the_lock():
    check = subprocess.run([sys.executable, str(ROOT / "tools" / "vendor_assets.py"),
                            "--check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_every_vendored_package_carries_its_licence():
    for package in (p for p in VENDOR.iterdir() if p.is_dir()):
        assert any(package.glob("LICEN[CS]E*")), f"{package.name} has no licence file"


def test_no_template_or_script_loads_from_another_host():
    sources = [*(ROOT / "fieldapp" / "web" / "templates").rglob("*.html"),
               *(ROOT / "fieldapp" / "static").glob("*.js"),
               *(ROOT / "fieldapp" / "static").glob("*.css")]
    offenders = [f"{path.relative_to(ROOT)}: {match}" for path in sources
                 for match in OTHER_HOST.findall(path.read_text())]
    assert not offenders, offenders
