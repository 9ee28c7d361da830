import numpy as np
import pytest
from scipy import sparse

from commsim import dynamics
from commsim.behaviour import OffendingParams, ReportingParams

OP, RP = OffendingParams(), ReportingParams()


def _deter(**kw):
    args = dict(
        residents_present=np.array([0.0]),
        officers_here=np.array([0.0]),
        officers_nearby=np.array([0.0]),
        extra_hazard=np.array([0.0]),
        perceived_risk=np.array([0.0]),
        p=OP,
    )
    args.update({k: np.array([v]) for k, v in kw.items()})
    return float(dynamics.deterrence(**args)[0])


@pytest.mark.parametrize(
    "guardian",
    ["residents_present", "officers_here", "officers_nearby", "extra_hazard", "perceived_risk"],
)
def test_every_guardian_deters(guardian):
    assert _deter() == 1.0
    assert _deter(**{guardian: 1.0}) < 1.0


def test_officer_deters_more_than_a_resident():
    assert _deter(officers_here=1.0) < _deter(residents_present=1.0)


def test_burglary_needs_empty_homes():
    occupied = dynamics.burglary_opportunity(np.array([4.0, 4.0]), np.array([1.0, 0.0]))
    assert occupied[0] == 0.0 and occupied[1] > 0


def test_robbery_needs_someone_present():
    assert dynamics.robbery_opportunity(np.array([0.0]))[0] == 0.0
    assert (
        dynamics.robbery_opportunity(np.array([3.0]))[0]
        > dynamics.robbery_opportunity(np.array([1.0]))[0]
    )


def test_offence_probabilities_bounded_and_follow_hours():
    opp = {k: np.ones(3) for k in ("burglary", "robbery", "vandalism")}
    p = dynamics.offence_probabilities(21, np.full(3, 50.0), np.ones(3), np.ones(3), opp, OP)
    assert (p.sum(axis=1) <= 0.95 + 1e-12).all()
    noon = dynamics.offence_probabilities(
        12, np.ones(1), np.ones(1), np.ones(1), {k: v[:1] for k, v in opp.items()}, OP
    )
    night = dynamics.offence_probabilities(
        21, np.ones(1), np.ones(1), np.ones(1), {k: v[:1] for k, v in opp.items()}, OP
    )
    assert noon[0, 0] > night[0, 0]  # burglary by day
    assert night[0, 1] > noon[0, 1]  # robbery by night


def test_reporting_rises_with_trust_and_levers_logit_and_falls_for_witnesses():
    low, high = dynamics.report_probability(np.array([0.2, 0.8]), 0.0, RP)
    assert high > low
    base = dynamics.report_probability(0.5, 0.0, RP)
    assert dynamics.report_probability(0.5, 0.0, RP, extra_logit=0.5) > base
    assert dynamics.report_probability(0.5, 0.0, RP, witness=True) < base


def test_bad_contact_moves_trust_asymmetry_times_a_good_one():
    trust = np.array([0.5, 0.5])
    after = dynamics.contact_trust(trust, np.array([True, False]), gain=0.02, asymmetry=4.0)
    up, down = after[0] - 0.5, 0.5 - after[1]
    assert up == pytest.approx(0.02)
    assert down == pytest.approx(4 * up)


def test_contact_trust_stays_in_unit_interval():
    after = dynamics.contact_trust(np.array([0.99, 0.01]), np.array([True, False]), 0.05, 10.0)
    assert after[0] == 1.0 and after[1] == 0.0


def test_outcome_feedback():
    t = dynamics.outcome_trust(np.array([0.5, 0.5]), np.array([True, False]), 0.03, 0.05)
    assert t[0] > 0.5 > t[1]


def test_contagion_moves_towards_ties_mean_and_baseline():
    ties = sparse.csr_matrix(np.array([[0, 1.0], [1.0, 0]]))
    trust = np.array([0.2, 0.8])
    out = dynamics.contagion(trust, ties, np.array([True, True]), np.array([0.5, 0.5]), 0.1, 0.0)
    assert out[0] > 0.2 and out[1] < 0.8
    assert out.mean() == pytest.approx(0.5)  # symmetric ties conserve the mean
    lonely = dynamics.contagion(
        trust, ties, np.array([False, False]), np.array([0.5, 0.5]), 0.1, 0.1
    )
    assert lonely[0] == pytest.approx(0.2 + 0.1 * 0.3)


def test_arrest_chance_falls_with_response_time_and_rises_with_witnesses_and_intel():
    fast = dynamics.arrest_probability(2.0, 0, False, RP)
    slow = dynamics.arrest_probability(60.0, 0, False, RP)
    assert fast > slow
    assert dynamics.arrest_probability(60.0, 2, False, RP) > slow
    assert dynamics.arrest_probability(60.0, 0, True, RP) > slow


def test_response_time_grows_with_handling_queue_and_distance():
    def minutes(distance=1000, handling=7.0, free=True):
        return dynamics.response_minutes(distance, RP, handling_min=handling, officer_free=free)

    assert minutes(handling=3.0) < minutes()
    assert minutes(free=False) > minutes()
    assert minutes(distance=2000) > minutes()


def test_near_repeat_boost_spreads_to_neighbours():
    adj = sparse.csr_matrix(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=float))
    boost = np.zeros(3)
    dynamics.spread_boost(boost, 0, adj, 1.0, 0.3)
    assert boost.tolist() == [1.0, 0.3, 0.0]


def test_offender_pool_shrinks_with_collective_efficacy():
    base = np.array([10.0, 10.0])
    out = dynamics.offender_pool_target(base, np.array([0.3, 0.5]), np.array([0.3, 0.3]), 1.2)
    assert out[0] == pytest.approx(10.0) and out[1] < 10.0
    ce = dynamics.collective_efficacy(np.array([0.5, 0.5]), np.array([0.0, 0.5]), 0.3)
    assert ce[1] > ce[0]
