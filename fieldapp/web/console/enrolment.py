"""Enrolling a cadre's phone (为手机登记), for admins and inspectors of a cadre posted in
their regions today → services/access/enrolment.py. The form makes the enrolment; the page
it answers shows, once, three QR codes drawn here as inline SVG: the phone page's one-time
link, OwnTracks' configuration link and Traccar Client's, with the device's token to type
where a phone cannot scan. Nothing of it is stored but digests, so reloading shows nothing.

    GET  /console/cadres/<id>/enrol    the form
    POST /console/cadres/<id>/enrol    label → the QR codes
"""
from __future__ import annotations

import segno
from flask import g, render_template, request
from flask_babel import gettext
from markupsafe import Markup

from ...config import app_settings
from ...errors import BadInput
from ...extensions import db
from ...models import Cadre
from ...services.access import enrolment
from ..sessions import page_login
from . import blp

LABEL_MAX = 80


def qr_svg(content: str) -> Markup:
    """A QR code of `content` as inline SVG (error correction M, 4 px modules)."""
    return Markup(segno.make(content, error="m").svg_inline(scale=4, border=4))


@blp.route("/cadres/<int:cadre_id>/enrol")
@page_login(*enrolment.ENROLLERS)
def enrol(cadre_id):
    enrolment.require_enroller(g.scope, cadre_id)
    return render_template("console/enrol.html", cadre=db.session.get(Cadre, cadre_id),
                           made=None, label_max=LABEL_MAX)


@blp.route("/cadres/<int:cadre_id>/enrol", methods=["POST"])
@page_login(*enrolment.ENROLLERS)
def create_enrolment(cadre_id):
    label = request.form.get("label", "").strip() or None
    if label is not None and len(label) > LABEL_MAX:
        raise BadInput(gettext("A device name has at most %(n)d characters.", n=LABEL_MAX))
    settings = app_settings()
    made = enrolment.create_enrolment(settings.enrolment.ttl, g.scope, cadre_id, label)
    links = enrolment.links(settings.mqtt, enrolment.base_url(
        settings.enrolment.public_url, request.host_url), made)
    codes = {name: qr_svg(links[f"{name}_url"]) for name in ("phone", "owntracks", "traccar")}
    return render_template("console/enrol.html", cadre=made.cadre, made=made, links=links,
                           codes=codes, mqtt=settings.mqtt.broker is not None,
                           label_max=LABEL_MAX)
