"""A cadre's presence calendar: one entry per local date, read from the stored day records
(what the last evaluation decided), limited to the posts and dates the scope sees."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from ...errors import Unprocessable
from ...extensions import db
from ...models import PresenceDay
from ..access.scope import Scope
from .records import PRESENCE_READ_MAX_DAYS


def calendar_days(scope: Scope, cadre_id: int, first: date, last: date,
                  region_code: str | None = None) -> list[dict]:
    """One dict per date of [first, last]: `date`, `day` and `night` (present, absent,
    no_data or excused; the night is the one that starts on the date), `day_counts` and
    `night_counts` ({inside, outside, uncertain} fixes), `night_centroid` ({lat, lon,
    distance_m} or None), `region_code` of the post, and `evaluated`. A date with no record
    the scope sees is no_data, with counts None and `evaluated` False. With `region_code`,
    only that post's records; a cadre with two posts on a date shows the earlier posting's.
    """
    if last < first:
        raise Unprocessable("the last date is before the first", {"to": ["before from"]})
    if (last - first).days + 1 > PRESENCE_READ_MAX_DAYS:
        raise Unprocessable(f"at most {PRESENCE_READ_MAX_DAYS} days at a time",
                            {"to": ["range too long"]})
    query = select(PresenceDay).where(
        PresenceDay.cadre_id == cadre_id, PresenceDay.day.between(first, last),
        scope.dates_clause(PresenceDay.cadre_id, PresenceDay.day))
    if scope.user.role != "cadre":
        query = query.where(scope.region_clause(PresenceDay.region_code))
    if region_code is not None:
        query = query.where(PresenceDay.region_code == region_code)
    records: dict[date, PresenceDay] = {}
    for record in db.session.scalars(query.order_by(PresenceDay.day,
                                                    PresenceDay.assignment_id)):
        records.setdefault(record.day, record)
    return [_entry(first + timedelta(days=i), records.get(first + timedelta(days=i)))
            for i in range((last - first).days + 1)]


def _entry(day: date, record: PresenceDay | None) -> dict:
    if record is None:
        return {"date": day, "day": "no_data", "night": "no_data", "day_counts": None,
                "night_counts": None, "night_centroid": None, "region_code": None,
                "evaluated": False}
    centroid = None
    if record.night_lat is not None and record.night_lon is not None:
        centroid = {"lat": record.night_lat, "lon": record.night_lon,
                    "distance_m": record.night_distance_m}
    return {"date": day, "day": record.day_status, "night": record.night_status,
            "day_counts": record.counts["day"], "night_counts": record.counts["night"],
            "night_centroid": centroid, "region_code": record.region_code, "evaluated": True}
