"""What the phone page's service worker caches, the version that names the cache, and the
headers the phone pages carry."""
from __future__ import annotations

import functools
import hashlib
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "static"
PHONE_STATIC = STATIC / "phone"
TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "phone"
CATALOG = STATIC.parent / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.mo"
SHELL_PAGES = ("/m/", "/m/manifest.webmanifest")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
PERMISSIONS_POLICY = "geolocation=(self), camera=(self), microphone=()"


@functools.cache
def _static_files() -> tuple[str, ...]:
    return tuple(sorted(f"/static/phone/{p.relative_to(PHONE_STATIC).as_posix()}"
                        for p in PHONE_STATIC.rglob("*") if p.is_file()))


def shell_files() -> list[str]:
    """The URLs the service worker caches at install: the shell and its static files."""
    return [*SHELL_PAGES, *_static_files()]


@functools.cache
def _files_digest() -> str:
    digest = hashlib.sha256()
    for url in _static_files():
        digest.update(url.encode())
        digest.update((STATIC / url.removeprefix("/static/")).read_bytes())
    for path in (TEMPLATES / "app.html",
                 Path(__file__).with_name("texts.py"), CATALOG):
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def shell_version(language: str) -> str:
    """Names the cache: the shell's files, its words and the reader's language."""
    return f"{_files_digest()}-{language}"
