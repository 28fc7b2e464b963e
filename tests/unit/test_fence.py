import numpy as np
import pytest
from shapely.geometry import box

from fieldapp.domain.fence import FenceRules, VillageFence, classify

# A 1 km × ~1.1 km square village near Qingfeng.
LAT0, LON0 = 35.90, 115.10
DLAT = 1000 / 111_195  # ~1 km of latitude
VILLAGE = box(LON0, LAT0, LON0 + 0.011, LAT0 + DLAT)
RULES = FenceRules(tolerance_m=100, max_accuracy_m=200, assumed_accuracy_m=50)


def north_of_edge(metres: float) -> tuple[float, float]:
    return LAT0 + DLAT + metres / 111_195, LON0 + 0.005


def test_distance_is_in_metres_on_the_ground():
    fence = VillageFence("v", VILLAGE)
    lat, lon = np.array([north_of_edge(500)[0], LAT0 + 0.001]), np.array([LON0 + 0.005] * 2)
    d = fence.distances_m(lat, lon)
    assert d[0] == pytest.approx(500, rel=0.01)
    assert d[1] == 0


@pytest.mark.parametrize(("metres", "accuracy", "expected"), [
    (0, 10, "inside"),            # inside, sharp fix
    (80, 10, "inside"),           # within tolerance
    (0, 250, "uncertain"),        # inside but too coarse to count
    (300, 20, "outside"),         # clearly outside
    (300, 250, "uncertain"),      # coarse fix near the edge: d - acc <= tolerance
    (150, 60, "uncertain"),       # beyond tolerance, but not by more than the accuracy
    (150, 10, "outside"),         # beyond tolerance by more than the accuracy
    (1500, 1500, "uncertain"),    # 1.5 km accuracy on the edge counts neither way
    (170, np.nan, "outside"),     # unknown accuracy assumed 50 m: 170 - 50 > 100
    (140, np.nan, "uncertain"),   # 140 - 50 <= 100
])
def test_classification_follows_design(metres, accuracy, expected):
    fence = VillageFence("v", VILLAGE)
    lat, lon = north_of_edge(metres)
    d = fence.distances_m(np.array([lat]), np.array([lon]))
    assert classify(d, np.array([accuracy]), RULES)[0] == expected


def test_vectorised_over_a_batch():
    fence = VillageFence("v", VILLAGE)
    rng = np.random.default_rng(1)
    lat = rng.uniform(LAT0 - 0.02, LAT0 + 0.03, 5000)
    lon = rng.uniform(LON0 - 0.02, LON0 + 0.03, 5000)
    d = fence.distances_m(lat, lon)
    inside = (lat >= LAT0) & (lat <= LAT0 + DLAT) & (lon >= LON0) & (lon <= LON0 + 0.011)
    assert np.all(d[inside] == 0) and np.all(d[~inside] > 0)
