"""Enrolling a cadre's phone → services/access/enrolment.py.

    POST /api/v1/enrolments          a device and a one-time code for a cadre (admin, inspector)
    POST /api/v1/enrolments/redeem   the code → a device token for this browser (no login)
    POST /api/v1/auth/device         a cadre's username + password → a device token (throttled)
"""
from flask import g, request
from flask_smorest import Blueprint

from ...config import app_settings
from ...services.access import enrolment
from ..schemas.access.enrolment import (
    EnrolmentIn,
    EnrolmentOut,
    PhoneDeviceOut,
    PhoneLoginIn,
    RedeemIn,
)
from ..security import OPEN, login_required
from .auth import checked_login

blp = Blueprint("enrolment", __name__, url_prefix="/api/v1",
                description="Enrolling a cadre's phone")


def _phone_device(made: enrolment.PhoneDevice) -> dict:
    return {"device_id": made.device.id, "token": made.token, "cadre_id": made.cadre.id,
            "cadre_name": made.cadre.name}


@blp.route("/enrolments", methods=["POST"])
@login_required("admin", "inspector")
@blp.arguments(EnrolmentIn)
@blp.response(201, EnrolmentOut)
def create_enrolment(body):
    """Register a device for a cadre and make a one-time enrolment code for the phone page.

    Admins enrol any cadre; an inspector a cadre posted in their regions today. The answer
    holds the device token (for OwnTracks or Traccar Client) and the code, which are not
    stored, and what each app's QR code holds. The code is valid for
    `FIELDAPP_ENROL_TTL_MIN` minutes and redeems once.
    """
    settings = app_settings()
    made = enrolment.create_enrolment(settings.enrolment.ttl, g.scope, body["cadre_id"],
                                      body.get("label"))
    return {"id": made.enrolment.id, "cadre_id": made.cadre.id, "cadre_name": made.cadre.name,
            "device_id": made.device.id, "device_token": made.device_token, "code": made.code,
            "expires_at": made.enrolment.expires_at,
            **enrolment.links(settings.mqtt, enrolment.base_url(
                settings.enrolment.public_url, request.host_url), made)}


@blp.route("/enrolments/redeem", methods=["POST"])
@blp.doc(security=OPEN)
@blp.arguments(RedeemIn)
@blp.response(201, PhoneDeviceOut)
@blp.alt_response(404, description="no such enrolment code")
@blp.alt_response(410, description="the code has expired, been used, or its device revoked")
def redeem_enrolment(body):
    """Redeem a one-time enrolment code: this browser becomes a device of the code's cadre,
    with a token of its own (shown in this answer only)."""
    return _phone_device(enrolment.redeem(body["code"], body.get("label")))


@blp.route("/auth/device", methods=["POST"])
@blp.doc(security=OPEN)
@blp.arguments(PhoneLoginIn)
@blp.response(201, PhoneDeviceOut)
@blp.alt_response(429, description="too many failed logins from this address or on this "
                  "account, as for /auth/token (header Retry-After, seconds)")
def device_login(body):
    """Log in once on a phone: a cadre's username and password register this browser as a
    device of that cadre (403 for any other role). The device is refused from the moment
    the login's password, role, cadre or active flag changes. Throttled as /auth/token is,
    by the same counters."""
    user = checked_login(body["username"], body["password"])
    return _phone_device(enrolment.register_login_device(user, body.get("label")))
