"""The default city meets DESIGN §5's calibration targets on several seeds."""

import numpy as np
import pytest

from commsim import load_config
from commsim.calibration import crimes_in, near_repeat_ratio
from commsim.city import city_for
from commsim.engine import run_many

SEEDS = range(10)
COVERED = [0, 1, 2]
WATCH = ["policy.watch_neighborhoods=[0,1,2]"]


@pytest.fixture(scope="module")
def year_runs():
    """One default-city year per seed, without and with 30% watch in half the city."""
    jobs = [([*WATCH, f"policy.watch_coverage={c}"], s) for s in SEEDS for c in (0.0, 0.3)]
    results = run_many(jobs)
    return {
        (s, c): results[2 * i + j] for i, s in enumerate(SEEDS) for j, c in enumerate((0.0, 0.3))
    }


def test_reporting_rate_within_ncvs_range(year_runs):
    # NCVS: ~42% of violent and about a third of property victimisations are reported.
    rates = [year_runs[(s, 0.0)].summary["reporting_rate"] for s in SEEDS]
    assert all(0.30 <= r <= 0.50 for r in rates), rates


def test_near_repeat_burglary_risk_at_least_doubles(year_runs):
    # Johnson et al. 2007: risk elevated near a burglary for at least two weeks.
    cfg = load_config([])
    city = city_for(cfg)
    ratios = [
        near_repeat_ratio(year_runs[(s, 0.0)].events, city.adjacency, cfg.days) for s in SEEDS
    ]
    assert min(ratios) >= 2.0, ratios


def test_watch_at_30_percent_cuts_crime_in_covered_neighbourhoods(year_runs):
    # Bennett, Holloway & Farrington 2008: about 26 of every 100 crimes prevented.
    base = sum(crimes_in(year_runs[(s, 0.0)].events, COVERED) for s in SEEDS)
    watch = sum(crimes_in(year_runs[(s, 0.3)].events, COVERED) for s in SEEDS)
    reduction = 1 - watch / base
    assert 0.15 <= reduction <= 0.30, reduction


def test_bad_contact_moves_trust_asymmetry_times_a_good_one():
    # Skogan 2006: a bad encounter weighs 4-14 times a good one. Measured on the
    # model's own contact process, with the officer's skill forcing good or bad.
    from commsim import CommunityModel, trust

    model = CommunityModel(city="small", seed=3)
    world = model.world
    people = np.arange(20)
    world.residents.trust[people] = 0.5
    world.officers.skill[0] = 1.0  # every contact goes well
    trust.contact(world, 0, people[:10])
    world.officers.skill[0] = 0.0  # every contact goes badly
    trust.contact(world, 0, people[10:])
    gain = world.residents.trust[people[:10]] - 0.5
    loss = 0.5 - world.residents.trust[people[10:]]
    ratio = loss.mean() / gain.mean()
    assert 4.0 - 1e-9 <= ratio <= 14.0 + 1e-9, ratio
    assert ratio == pytest.approx(model.config.trust.asymmetry)
