"""The model's pure equations, each on its own."""

import numpy as np
import pytest
from scipy import sparse

from commsim import dynamics
from commsim.behaviour import OffendingParams, ReportingParams
from commsim.streams import KeyedDay, Streams

OP, RP = OffendingParams(), ReportingParams()
TYPES = ("burglary", "robbery", "vandalism")


def test_burglary_needs_empty_homes():
    occupied = dynamics.burglary_opportunity(np.array([4.0, 4.0]), np.array([1.0, 0.0]))
    assert occupied[0] == 0.0 and occupied[1] > 0


def test_robbery_needs_someone_present():
    assert dynamics.robbery_opportunity(np.array([0.0]))[0] == 0.0
    assert (
        dynamics.robbery_opportunity(np.array([3.0]))[0]
        > dynamics.robbery_opportunity(np.array([1.0]))[0]
    )


def _probs(hour, deter=1.0, motivation=1.0, n=1):
    opp = {k: np.ones(n) for k in TYPES}
    return dynamics.offence_probabilities(
        hour, np.full(n, motivation), np.ones(n), np.full((n, 3), deter), opp, OP
    )


def test_offence_probabilities_bounded_follow_hours_and_deterrence():
    assert (_probs(21, motivation=1e4).sum(axis=1) <= 0.95 + 1e-12).all()
    noon, night = _probs(12), _probs(21)
    assert noon[0, 0] > night[0, 0]  # burglary by day
    assert night[0, 1] > noon[0, 1]  # robbery by night
    assert _probs(21, deter=0.5) == pytest.approx(0.5 * night)


def test_reporting_rises_with_trust_per_sd_and_levers_and_falls_for_witnesses():
    low, high = dynamics.report_probability(np.array([0.3, 0.5]), 0.0, RP, trust_mean=0.3)
    logit = np.log(high / (1 - high)) - np.log(low / (1 - low))
    assert logit == pytest.approx(RP.trust_logit_per_sd * 0.2 / dynamics.TRUST_SD)  # one SD
    base = dynamics.report_probability(0.5, 0.0, RP)
    assert dynamics.report_probability(0.5, 0.0, RP, extra_logit=0.5) > base
    assert dynamics.report_probability(0.5, 0.0, RP, witness=True) < base


def test_seriousness_dominates_trust_in_reporting():
    # Tarling & Morris 2010: the type's intercept spans more than two SD of trust.
    spread = max(RP.logit_robbery, RP.logit_burglary) - RP.logit_vandalism
    assert spread > 2 * RP.trust_logit_per_sd


def test_cooperation_rises_with_trust():
    low, mid, high = dynamics.cooperation_probability(np.array([0.3, 0.5, 0.7]), 0.7, 0.4)
    assert low < mid < high and mid == pytest.approx(0.7)


def test_response_time_grows_with_handling_queue_and_distance():
    def minutes(distance=1000, handling=7.0, free=True):
        return dynamics.response_minutes(distance, RP, handling_min=handling, officer_free=free)

    assert minutes(handling=3.0) < minutes()
    assert minutes(free=False) > minutes()
    assert minutes(distance=2000) > minutes()


def test_on_scene_arrest_falls_with_response_time():
    fast = dynamics.on_scene_arrest_probability(2.0, 0.4, 15.0)
    slow = dynamics.on_scene_arrest_probability(60.0, 0.4, 15.0)
    assert 0 < slow < fast <= 0.4


def test_near_repeat_boost_spreads_to_neighbours():
    adj = sparse.csr_matrix(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=float))
    boost = np.zeros(3)
    dynamics.spread_boost(boost, 0, adj, 1.0, 0.3)
    assert boost.tolist() == [1.0, 0.3, 0.0]


def test_attractiveness_saturates_and_base_has_mean_one():
    base = dynamics.base_attractiveness(
        np.ones(500), np.zeros(500), np.random.default_rng(0).standard_normal(500), 0.7
    )
    assert base.mean() == pytest.approx(1.0)
    boosted = dynamics.attractiveness(np.ones(1), np.array([1e6]), 2.0)
    assert boosted[0] == pytest.approx(3.0, rel=1e-3)


def test_keyed_draws_depend_only_on_their_key():
    s = Streams(seed=4)
    a = s.keyed("x", 7, np.array([1, 2, 3]), 2)
    b = s.keyed("x", 7, np.array([3, 1]), 2)
    assert np.array_equal(a[[2, 0]], b)
    assert not np.array_equal(a, s.keyed("x", 8, np.array([1, 2, 3]), 2))
    assert not np.array_equal(a, Streams(seed=5).keyed("x", 7, np.array([1, 2, 3]), 2))
    u = s.keyed("y", 0, np.arange(20_000), 3)
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.01


def test_a_days_keyed_draws_are_the_hourly_draws_of_that_day():
    s = Streams(seed=1)
    day = KeyedDay(s, "offending", 3, np.array([2, 5, 9]), slots=2)
    full = s.keyed("offending", 3, np.array([5]), 48)
    assert np.array_equal(day.at(4, np.array([5])), full[:, 8:10])
