"""Fetch the pinned front-end libraries from the npm registry into fieldapp/static/vendor/.

    .venv/bin/python tools/vendor_assets.py          # fetch (only what is missing or changed)
    .venv/bin/python tools/vendor_assets.py --check  # offline: the files match the lock

Each package's tarball is checked against the registry's SHA-512 integrity before anything
is unpacked; only the files a page loads and the licence are kept, in
`vendor/<name>-<version>/`. `vendor/lock.json` records every kept file's SHA-256, so
tests/unit/test_vendor.py can check the committed copy without a network. Change a version
here, run the script, commit the result.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import shutil
import sys
import tarfile
import urllib.request
from pathlib import Path

VENDOR = Path(__file__).resolve().parent.parent / "fieldapp" / "static" / "vendor"
LOCK = VENDOR / "lock.json"
REGISTRY = "https://registry.npmjs.org"

# name → (version, files inside the package to keep); its licence (and NOTICE) are kept too
PACKAGES: dict[str, tuple[str, list[str]]] = {
    "htmx.org": ("2.0.11", ["dist/htmx.min.js"]),
    "leaflet": ("1.9.4", ["dist/leaflet.js", "dist/leaflet.css", "dist/images/layers.png",
                          "dist/images/layers-2x.png", "dist/images/marker-icon.png",
                          "dist/images/marker-icon-2x.png", "dist/images/marker-shadow.png"]),
    "swagger-ui-dist": ("5.35.0", ["swagger-ui-bundle.js", "swagger-ui-standalone-preset.js",
                                   "swagger-ui.css", "favicon-32x32.png",
                                   "favicon-16x16.png"]),
}
LICENCE_NAMES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE")


def folder(name: str, version: str) -> str:
    return f"{name}-{version}"


def fetch(name: str, version: str) -> tuple[bytes, dict]:
    with urllib.request.urlopen(f"{REGISTRY}/{name}/{version}", timeout=60) as answer:
        meta = json.load(answer)
    dist = meta["dist"]
    with urllib.request.urlopen(dist["tarball"], timeout=120) as answer:
        tarball = answer.read()
    algorithm, _, expected = dist["integrity"].partition("-")
    if algorithm != "sha512" or base64.b64encode(hashlib.sha512(tarball).digest()).decode() \
            != expected:
        raise SystemExit(f"{name}@{version}: tarball does not match the registry's integrity")
    return tarball, {"license": meta.get("license"), "integrity": dist["integrity"]}


def unpack(name: str, version: str, tarball: bytes) -> dict[str, str]:
    """Write the kept files; return their SHA-256 by path under vendor/."""
    _, wanted = PACKAGES[name]
    target = VENDOR / folder(name, version)
    shutil.rmtree(target, ignore_errors=True)
    kept: dict[str, str] = {}
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tar:
        members = {m.name.removeprefix("package/"): m for m in tar.getmembers() if m.isfile()}
        licence = next((n for n in LICENCE_NAMES if n in members), None)
        if licence is None:
            raise SystemExit(f"{name}@{version}: no licence file in the package")
        notices = [n for n in ("NOTICE",) if n in members]  # Apache-2.0 asks for it
        for inner in [*wanted, licence, *notices]:
            if inner not in members:
                raise SystemExit(f"{name}@{version}: {inner} is not in the package")
            data = tar.extractfile(members[inner]).read()
            path = target / inner
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            kept[f"{folder(name, version)}/{inner}"] = hashlib.sha256(data).hexdigest()
    return kept


def check() -> list[str]:
    """Differences between the files on disk and the lock (empty when they agree)."""
    lock = json.loads(LOCK.read_text())
    problems = []
    for name, (version, _) in PACKAGES.items():
        entry = lock["packages"].get(name)
        if entry is None or entry["version"] != version:
            problems.append(f"{name}: pinned {version}, lock has "
                            f"{entry and entry['version']}")
            continue
        for path, digest in entry["files"].items():
            file = VENDOR / path
            if not file.is_file():
                problems.append(f"{path}: missing")
            elif hashlib.sha256(file.read_bytes()).hexdigest() != digest:
                problems.append(f"{path}: differs from the lock")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="verify offline, fetch nothing")
    args = parser.parse_args()
    if args.check:
        problems = check()
        print("\n".join(problems) or "vendor/ matches lock.json")
        sys.exit(1 if problems else 0)
    lock = json.loads(LOCK.read_text()) if LOCK.exists() else {"packages": {}}
    for name, (version, _) in PACKAGES.items():
        entry = lock["packages"].get(name)
        if entry and entry["version"] == version and not any(
                p.startswith(name + ":") or p.startswith(folder(name, version))
                for p in check()):
            continue
        print(f"fetching {name}@{version}")
        tarball, meta = fetch(name, version)
        lock["packages"][name] = {"version": version, **meta,
                                  "files": unpack(name, version, tarball)}
    pinned = {folder(n, v) for n, (v, _) in PACKAGES.items()}
    for stale in VENDOR.iterdir():
        if stale.is_dir() and stale.name not in pinned:
            shutil.rmtree(stale)
    lock["packages"] = {n: lock["packages"][n] for n in PACKAGES}
    LOCK.write_text(json.dumps(lock, indent=2, ensure_ascii=False) + "\n")
    print("vendor/ matches lock.json" if not check() else "\n".join(check()))


if __name__ == "__main__":
    main()
