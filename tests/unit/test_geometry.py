from shapely.geometry import LineString, Polygon

from fieldapp.domain.geometry import geometry_to_wgs84, repair_polygon


def test_valid_polygon_becomes_multipolygon_without_note():
    geom, note = repair_polygon(Polygon([(0, 0), (1, 0), (1, 1), (0, 1)]))
    assert geom.geom_type == "MultiPolygon" and note is None


def test_bow_tie_is_repaired_and_reported():
    geom, note = repair_polygon(Polygon([(0, 0), (1, 1), (1, 0), (0, 1)]))
    assert geom.is_valid and geom.area > 0
    assert note.startswith("repaired: Self-intersection")


def test_line_is_refused():
    geom, note = repair_polygon(LineString([(0, 0), (1, 1)]))
    assert geom is None and "not a polygon" in note


def test_gcj02_geometry_is_shifted_back():
    square = Polygon([(115.10, 35.90), (115.11, 35.90), (115.11, 35.91), (115.10, 35.91)])
    shifted = geometry_to_wgs84(square, "gcj02")
    dx = square.centroid.x - shifted.centroid.x
    assert 0.003 < dx < 0.008  # GCJ-02 lies ~500 m east of WGS-84 here
