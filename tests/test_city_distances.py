"""Street distances on demand agree with a full shortest-path matrix."""

import numpy as np
import pytest
from scipy.sparse import csgraph

from commsim.city import build_city
from commsim.params import CityConfig
from commsim.streetdist import StreetDistances


@pytest.fixture(scope="module", params=["neighborhoods", "organic", "grid"])
def city_and_truth(request):
    city = build_city(
        CityConfig(kind=request.param, places=150, neighborhoods=3), np.random.default_rng(4)
    )
    truth = csgraph.shortest_path(city.weighted, directed=False).astype(np.float32)
    return city, truth


def test_distances_to_match_shortest_path(city_and_truth):
    city, truth = city_and_truth
    rng = np.random.default_rng(0)
    for target in rng.integers(0, city.n_places, 10):
        sources = rng.integers(0, city.n_places, 25)
        assert np.array_equal(city.distances_to(target, sources), truth[sources, target])


def test_nearest_is_the_argmin_of_the_true_distances(city_and_truth):
    city, truth = city_and_truth
    rng = np.random.default_rng(1)
    for _ in range(60):
        target = int(rng.integers(city.n_places))
        sources = rng.integers(0, city.n_places, int(rng.integers(1, 12)))
        k, d = city.nearest(target, sources)
        assert k == int(np.argmin(truth[sources, target]))
        assert d == pytest.approx(float(truth[sources, target].min()), abs=0)


def test_nearest_breaks_ties_by_first_source(city_and_truth):
    city, _ = city_and_truth
    assert city.nearest(5, np.array([9, 9, 9])) == (0, city.nearest(5, np.array([9]))[1])
    assert city.nearest(5, np.array([9, 5, 5])) == (1, 0.0)


@pytest.mark.parametrize("dense_places", [0, 10_000], ids=["keys", "table"])
@pytest.mark.parametrize("radius", [0.0, 150.0, 400.0, 1500.0, 1e9])
def test_within_matches_shortest_path(city_and_truth, radius, dense_places):
    city, truth = city_and_truth
    sd = StreetDistances(city.weighted, city.pos, dense_places=dense_places)
    rng = np.random.default_rng(2)
    for _ in range(3):  # new homes each round: the caches grow and merge
        homes = rng.integers(0, city.n_places, 1000)
        places = rng.integers(0, city.n_places, 1000)
        expected = truth[homes, places] <= np.float32(radius)
        assert np.array_equal(sd.within(homes, places, radius), expected)
        # Asked again (now from the cache), the answer is the same.
        assert np.array_equal(sd.within(homes, places, radius), expected)


def test_within_is_exact_when_streets_are_shorter_than_the_straight_line():
    # Three places in a row; the street 0-2 is recorded shorter than the gap between them.
    from scipy import sparse

    pos = np.array([[0.0, 0.0], [500.0, 0.0], [1000.0, 0.0]])
    w = sparse.csr_matrix(([500.0, 500.0, 100.0] * 2, ([0, 1, 0, 1, 2, 2], [1, 2, 2, 0, 1, 0])))
    sd = StreetDistances(w, pos, dense_places=0)
    assert sd.factor == pytest.approx(0.1)
    assert sd.within(np.array([0]), np.array([2]), 150.0).tolist() == [True]
    assert sd.nearest(0, np.array([1, 2])) == (1, 100.0)


def test_the_cache_stays_within_its_memory_bound(city_and_truth):
    city, _ = city_and_truth
    sd = StreetDistances(city.weighted, city.pos, cache_bytes=4000)
    for target in range(40):
        sd.distances_to(target, np.arange(10))
    assert sd._row_bytes <= 4000 or len(sd._rows) == 1
    assert len(sd._rows) < 40
