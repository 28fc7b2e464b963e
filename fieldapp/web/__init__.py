"""Server-rendered pages: the supervisors' console under /console/ (Jinja + htmx, Leaflet
maps), and the cadre's phone page under /m/. Same services and the same scope as api/;
the console has cookie sessions with CSRF on every form.

Where each page is handled (templates in web/templates/console/):

    /console/login, /logout, /lang/<code>   web/sessions.py
    /console/                               web/console/__init__.py (start page by role)
    /console/findings                       web/console/queue.py      → services/findings/
    /console/findings/<id>                  web/console/dossier.py    → services/findings/
    /console/cadres/<id>                    web/console/cadres.py     → services/presence/
    /console/townships/<code>               web/console/townships.py → services/presence/
    /console/leaves                         web/console/leaves.py     → services/presence/leaves.py
    /console/audits, /audits/presence.<fmt>,
    /audits/package                         web/console/audits.py     → services/audits/, documents/
    /console/findings/<id>/package          web/console/dossier.py    → documents/packages.py
    /console/dispositions                   web/console/dispositions.py → services/findings/
    /console/summaries                      web/console/summaries.py  → services/audits/
    /console/spotchecks, /spotchecks/<id>   web/console/spotchecks.py → services/spotchecks/
    /console/challenges                     web/console/challenges.py → services/spotchecks/
    /console/cadres/<id>/enrol              web/console/enrolment.py  → services/access/enrolment.py
    /console/retention                      web/console/retention.py  → services/retention/
    /m/, /m/enrol, /m/manifest.webmanifest, /m/sw.js
                                            web/phone/ (the cadre's phone page; its data come
                                            from the API, with the phone's device token)
"""
from __future__ import annotations

from flask import Flask, redirect, url_for
from flask.sessions import SecureCookieSessionInterface

from ..errors import ERROR_PAGE
from . import errors, templating


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed cookie session, marked Secure whenever the page came over https."""

    def get_cookie_secure(self, app: Flask) -> bool:
        from flask import request

        return request.is_secure or super().get_cookie_secure(app)


def register_pages(app: Flask) -> None:
    from .console import blp as console
    from .phone import blp as phone
    from .sessions import blp as sessions

    app.session_interface = SessionCookies()
    app.register_blueprint(sessions)
    app.register_blueprint(console)
    app.register_blueprint(phone)
    templating.install(app)
    app.extensions[ERROR_PAGE] = errors.error_page
    app.add_url_rule("/", "root", lambda: redirect(url_for("console.start")))
