"""The cadre's phone page under /m/: one app shell, Chinese first, that keeps its device
token in the browser and talks to the JSON API with `Authorization: Device <token>`. The
pages hold no cadre data: what a cadre sees is fetched by the browser (docs/phone.md).

    GET /m/                       the app shell (check in, photo, work record, my record…)
    GET /m/enrol                  the same shell, redeeming the one-time code in #<code>
    GET /m/manifest.webmanifest   the PWA manifest
    GET /m/sw.js                  the service worker (scope /m/): the shell opens offline

Scripts and styles are fieldapp/static/phone/ (plain ES modules); the words they show are
`texts.TEXTS`, rendered into the page in the reader's language.
"""
from __future__ import annotations

import json

from flask import Blueprint, render_template, url_for

from ...config import app_settings
from ...i18n import select_language
from .shell import CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY, shell_files, shell_version
from .texts import page_config, web_manifest

blp = Blueprint("phone", __name__, url_prefix="/m")


@blp.after_request
def _phone_headers(response):
    """The phone pages load nothing from another host and run no inline script."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def _shell(enrol: bool):
    return render_template("phone/app.html", enrol=enrol,
                           config=page_config(app_settings(), select_language()))


@blp.route("/")
def app_shell():
    return _shell(enrol=False)


@blp.route("/enrol")
def enrol():
    return _shell(enrol=True)


@blp.route("/manifest.webmanifest")
def manifest():
    body = json.dumps(web_manifest({size: url_for("static", filename=f"phone/icon-{size}.png")
                                    for size in (192, 512)}), ensure_ascii=False)
    return body, 200, {"Content-Type": "application/manifest+json; charset=utf-8"}


@blp.route("/sw.js")
def service_worker():
    """Served under /m/ so that its scope is /m/; its version changes with the shell's
    files and the reader's language, so a changed shell replaces the cached one."""
    language = select_language()
    body = render_template("phone/sw.js", files=shell_files(),
                           version=shell_version(language))
    return body, 200, {"Content-Type": "text/javascript; charset=utf-8",
                       "Service-Worker-Allowed": "/m/", "Vary": "Accept-Language, Cookie"}
