"""Invariants for any lever values in range (DESIGN §7)."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commsim import load_config, run
from commsim.params import PATROL_STRATEGIES

levers = st.fixed_dictionaries(
    {
        "watch_coverage": st.floats(0, 1),
        "volunteer_patrollers": st.integers(0, 200),
        "meetings_per_month": st.floats(0, 8),
        "campaign_weeks": st.integers(0, 6),
        "campaign_reach": st.floats(0, 1),
        "youth_outreach_places": st.integers(0, 80),
        "app_adoption": st.floats(0, 1),
        "training_share": st.floats(0, 1),
        "patrol_strategy": st.sampled_from(PATROL_STRATEGIES),
    }
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(levers=levers, seed=st.integers(0, 10_000), share=st.floats(0, 1))
def test_outputs_stay_valid_for_any_levers(levers, seed, share):
    overrides = [
        "city=small",
        "days=15",
        "warmup_days=3",
        f"police.preventive_patrol_share={share}",
    ] + [f"policy.{k}={v}" for k, v in levers.items()]
    result = run(load_config(overrides), seed=seed)
    ts, ev, s = result.timeseries, result.events, result.summary
    numeric = ts.select_dtypes("number").to_numpy()
    assert np.isfinite(numeric).all()
    assert (numeric >= 0).all()
    for key in (
        "trust_mean",
        "fear_mean",
        "reporting_rate",
        "clearance_rate",
        "watch_participation",
    ):
        assert ((ts[key] >= 0) & (ts[key] <= 1)).all(), key
    assert all(np.isfinite(v) and v >= 0 for v in s.values())
    assert 0 <= s["trust_mean"] <= 1 and 0 <= s["reporting_rate"] <= 1
    assert s["crimes_reported"] <= s["crimes"]
    assert ev["arrested"].sum() <= ev["recorded"].sum()
    assert 0 <= s["contact_prevalence"] <= 1 and 0 <= s["collective_efficacy"] <= 1
    # Everyone the police approached had a contact.
    assert (ts["police_initiated_prevalence"] <= ts["contact_prevalence"]).all()
    assert ev["response_min"].dropna().ge(0).all()
    assert len(ts) == 15
