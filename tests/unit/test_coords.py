import numpy as np
import pytest

from fieldapp.domain import coords

# WGS-84 → GCJ-02 reference pairs (lat, lon) published with googollee/eviltransform's tests.
REFERENCE = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),    # Shanghai
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),    # Shenzhen
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),    # Beijing
]
METRES_PER_DEGREE = 111_320


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE)
def test_wgs84_to_gcj02_matches_reference(wgs, gcj):
    lat, lon = coords.wgs84_to_gcj02(*wgs)
    assert lat == pytest.approx(gcj[0], abs=1e-9)
    assert lon == pytest.approx(gcj[1], abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE)
def test_gcj02_inverse_is_within_half_a_metre(wgs, gcj):
    lat, lon = coords.gcj02_to_wgs84(*gcj)
    assert abs(lat - wgs[0]) * METRES_PER_DEGREE < 0.5
    assert abs(lon - wgs[1]) * METRES_PER_DEGREE < 0.5


def test_gcj02_inverse_over_china_grid_is_sub_half_metre():
    lat, lon = np.meshgrid(np.linspace(18.5, 53, 60), np.linspace(74, 134, 60))
    g_lat, g_lon = coords.wgs84_to_gcj02(lat.ravel(), lon.ravel())
    back_lat, back_lon = coords.gcj02_to_wgs84(g_lat, g_lon)
    error_m = np.hypot(back_lat - lat.ravel(), back_lon - lon.ravel()) * METRES_PER_DEGREE
    assert error_m.max() < 0.5


def test_shift_near_qingfeng_is_about_half_a_kilometre():
    lat, lon = coords.wgs84_to_gcj02(35.9101, 115.1402)
    shift = np.hypot((lat - 35.9101), (lon - 115.1402) * np.cos(np.radians(35.91)))
    assert 450 < shift * METRES_PER_DEGREE < 650


@pytest.mark.parametrize("point", [(48.8566, 2.3522), (-33.86, 151.21), (40.71, -74.0)])
def test_identity_outside_china(point):
    for forward in (coords.wgs84_to_gcj02, coords.gcj02_to_wgs84, coords.wgs84_to_bd09,
                    coords.bd09_to_wgs84):
        assert forward(*point) == pytest.approx(point, abs=1e-12)


def test_bd09_round_trip():
    lat, lon = np.array([35.9101, 31.2304]), np.array([115.1402, 121.4737])
    b_lat, b_lon = coords.wgs84_to_bd09(lat, lon)
    assert np.all(np.abs(b_lat - lat) > 1e-3)  # really shifted
    back_lat, back_lon = coords.bd09_to_wgs84(b_lat, b_lon)
    assert np.allclose(back_lat, lat, atol=1e-8) and np.allclose(back_lon, lon, atol=1e-8)


def test_mixed_batch_converts_each_item_in_its_own_crs():
    w = (35.9101, 115.1402)
    g = coords.wgs84_to_gcj02(*w)
    b = coords.wgs84_to_bd09(*w)
    lat = np.array([w[0], g[0], b[0]])
    lon = np.array([w[1], g[1], b[1]])
    out_lat, out_lon = coords.to_wgs84_mixed(lat, lon, np.array(["wgs84", "gcj02", "bd09"]))
    assert np.allclose(out_lat, w[0], atol=1e-8) and np.allclose(out_lon, w[1], atol=1e-8)


def test_unknown_crs_is_refused():
    with pytest.raises(ValueError, match="unknown crs"):
        coords.to_wgs84(1.0, 2.0, "utm")
