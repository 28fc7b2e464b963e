"""A phone with a device token, and pings for it, for the ping tests."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from geoalchemy2.shape import to_shape

from fieldapp.extensions import db
from fieldapp.models import Region
from fieldapp.services.people import registry as people

from .helpers import VILLAGE, make_cadre, make_user


def phone(**post):
    """A cadre posted to a village (VILLAGE unless `village=`), and their phone's headers."""
    cadre = make_cadre(**post)
    _, token = people.create_device(cadre.id)
    return cadre, {"Authorization": f"Device {token}"}


def page_phone(**post):
    """A cadre posted to a village, and the headers of a phone page enrolled for them by
    link (a device that acts for its cadre, unlike `phone`'s app device)."""
    from fieldapp.services.access import enrolment
    from fieldapp.services.access.scope import Scope

    cadre = make_cadre(**post)
    enroller = make_user(f"enroller-{uuid.uuid4().hex[:8]}", "admin")
    made = enrolment.create_enrolment(timedelta(minutes=5), Scope(enroller), cadre.id)
    redeemed = enrolment.redeem(made.code, "phone page")
    return cadre, {"Authorization": f"Device {redeemed.token}"}


def village_points():
    """(a point well inside VILLAGE, a point ~2 km outside it) in WGS-84 (lat, lon)."""
    boundary = to_shape(db.session.get(Region, VILLAGE).boundary)
    inside = boundary.representative_point()
    return (inside.y, inside.x), (boundary.bounds[3] + 0.02, inside.x)


def ping(lat, lon, minutes_ago=10, **extra):
    moment = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return {"id": str(uuid.uuid4()), "recorded_at": moment.isoformat(), "lat": lat, "lon": lon,
            "accuracy": 10, **extra}
