"""Reading pings: the query and their JSON and GeoJSON shapes."""
from __future__ import annotations

from sqlalchemy import select

from ...models import Ping
from ..access.scope import Scope
from ..rows import in_time_range


def pings_query(scope: Scope, cadre_id: int, filters: dict):
    """A cadre's pings recorded on dates the scope sees them, newest first."""
    query = in_time_range(select(Ping).where(
        Ping.cadre_id == cadre_id, scope.instant_clause(Ping.recorded_at, cadre_id)),
        Ping.recorded_at, filters)
    if "fence" in filters:
        query = query.where(Ping.fence == filters["fence"])
    return query.order_by(Ping.recorded_at.desc(), Ping.id.desc())


def ping_dict(ping: Ping) -> dict:
    return {"id": ping.client_id, "lat": ping.lat, "lon": ping.lon,
            "original": {"lat": ping.orig_lat, "lon": ping.orig_lon, "crs": ping.crs},
            "accuracy": ping.accuracy, "recorded_at": ping.recorded_at.isoformat(),
            "clock": ping.clock, "received_at": ping.received_at.isoformat(), "fence": ping.fence,
            "distance_m": ping.distance_m, "village_code": ping.village_code,
            "speed": ping.speed, "battery": ping.battery, "mock": ping.mock,
            "device_id": ping.device_id}


def ping_feature(ping: Ping) -> dict:
    properties = ping_dict(ping)
    return {"type": "Feature", "id": properties.pop("id"),
            "geometry": {"type": "Point", "coordinates": [ping.lon, ping.lat]},
            "properties": properties}
