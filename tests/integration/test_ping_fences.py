"""Fence verdicts of ingested pings: the cache follows a boundary change, and the vectorised
test agrees with plain Shapely."""
import json

import numpy as np
import pytest
from geoalchemy2.shape import to_shape
from shapely.geometry import Point, box, mapping

from fieldapp.extensions import db
from fieldapp.models import Region
from fieldapp.services.geodata.boundaries import import_features, load_features
from fieldapp.services.people.demo import FILES

from .helpers import OTHER_VILLAGE, VILLAGE
from .ping_helpers import phone, ping

pytestmark = pytest.mark.device_paths


def test_boundary_change_refreshes_the_fence_cache(client, tmp_path):
    _, headers = phone(village=OTHER_VILLAGE)
    boundary = to_shape(db.session.get(Region, OTHER_VILLAGE).boundary)
    point = boundary.representative_point()
    assert client.post("/api/v1/pings", json=ping(point.y, point.x),
                       headers=headers).get_json()["results"][0]["fence"] == "inside"
    far = box(point.x + 0.1, point.y + 0.1, point.x + 0.11, point.y + 0.11)
    path = tmp_path / "moved.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": mapping(far),
        "properties": {"code": OTHER_VILLAGE, "name": "挪走的村"}}]}))
    db.session.commit()
    try:
        result = client.application.test_cli_runner().invoke(
            args=["geodata", "import", str(path), "--level", "village"])
        assert result.exit_code == 0, result.output
        assert client.post("/api/v1/pings", json=ping(point.y, point.x),
                           headers=headers).get_json()["results"][0]["fence"] == "outside"
    finally:  # put the demo boundary back for the other tests
        db.session.commit()
        assert import_features(load_features(FILES[2][1]), "village").ok


def test_vectorised_fence_matches_scalar_shapely(client):
    """The batch verdicts equal a plain per-point Shapely computation."""
    _, headers = phone()
    boundary = to_shape(db.session.get(Region, VILLAGE).boundary)
    rng = np.random.default_rng(3)
    minx, miny, maxx, maxy = boundary.bounds
    lats = rng.uniform(miny - 0.01, maxy + 0.01, 200)
    lons = rng.uniform(minx - 0.01, maxx + 0.01, 200)
    body = client.post("/api/v1/pings", headers=headers, json={"pings": [
        ping(float(a), float(o), accuracy=5) for a, o in zip(lats, lons, strict=True)]}).get_json()
    for r, a, o in zip(body["results"], lats, lons, strict=True):
        inside = boundary.contains(Point(o, a))
        assert (r["distance_m"] == 0) == inside
