"""The validation experiment's measurement functions, on small synthetic data."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

_PATH = Path(__file__).resolve().parents[1] / "experiments" / "validation" / "run_validation.py"
_spec = importlib.util.spec_from_file_location("run_validation", _PATH)
v = importlib.util.module_from_spec(_spec)
sys.modules["run_validation"] = v  # dataclasses look their module up by name
_spec.loader.exec_module(v)


def _events(rows):
    return pd.DataFrame(rows, columns=["day", "place", "type"])


def test_mean_ci_matches_t_interval():
    mean, lo, hi = v.mean_ci([1, 2, 3, 4, 5])
    assert mean == 3.0
    assert (lo, hi) == pytest.approx((1.037, 4.963), abs=1e-3)
    assert math.isnan(v.mean_ci([2.0])[1])


def test_share_of_places_for_half_of_crime():
    # 10 places; place 0 has 6 crimes, the others 0 or 1: place 0 alone holds >= half.
    places = [0] * 6 + [1, 2, 3, 4]
    assert v.share_of_places_for(places, 10, 0.5) == pytest.approx(0.1)
    # Evenly spread: half the crime needs half the places.
    assert v.share_of_places_for(range(10), 10, 0.5) == pytest.approx(0.5)


def test_top_share_of_victims():
    counts = [10] + [0] * 98 + [10]  # 2 of 100 people suffer everything
    assert v.top_share(counts, 0.02) == 1.0
    assert v.top_share([1] * 100, 0.04) == pytest.approx(0.04)


def test_hot_spots_and_catchment_on_a_path():
    # Path graph 0-1-2-3-4; the hot spot is place 2; its catchment is 1 and 3.
    adj = sparse.diags([np.ones(4), np.ones(4)], [-1, 1], format="csr")
    hot = v.top_places([0, 1, 9, 1, 0], share=0.2)
    assert list(hot) == [2]
    assert list(v.catchment(adj, hot)) == [1, 3]
    ev = _events([(0, 2, "burglary"), (1, 2, "robbery"), (2, 3, "burglary")])
    assert v.crimes_at(ev, hot) == 2
    assert v.crimes_at(ev, [2, 3], "burglary") == 2


def test_elasticity_and_relative_change():
    # 25% more police, crime falls by the factor 1.25 ** -0.5: elasticity -0.5.
    assert v.elasticity(100, 100 * 1.25**-0.5, 12, 15) == pytest.approx(-0.5)
    assert math.isnan(v.elasticity(0, 10, 12, 15))
    assert v.relative_change(200, 150) == pytest.approx(-0.25)


def test_rate_ratio_by_disadvantage():
    ratio = v.rate_ratio_by_disadvantage([10, 30, 60], [100, 100, 200], [0.1, 0.5, 0.8])
    assert ratio == pytest.approx(3.0)  # 0.3 per household vs 0.1


def test_same_place_repeat_ratio_sees_repeats_and_not_spread_crime():
    days, n_places = 100, 50
    # Pairs of burglaries 3 days apart at the same place: strong repeat.
    rows = [(d, p, "burglary") for p, d0 in enumerate(range(0, 80, 10)) for d in (d0, d0 + 3)]
    # 8 repeats observed; expected: base rate (16 per 5,000 place-days) x 30 days each.
    days_left = sum(min(30, days - 1 - d) for d, _, _ in rows)
    expected = days_left * 16 / (n_places * days)
    assert v.same_place_repeat_ratio(_events(rows), n_places, days) == pytest.approx(8 / expected)
    # One burglary per place: no repeats at all.
    rows = [(d, d % n_places, "burglary") for d in range(0, 40)]
    assert v.same_place_repeat_ratio(_events(rows), n_places, days) == 0.0


def test_window_rate_and_contact_asymmetry():
    ts = pd.DataFrame(
        {"day": [0, 1, 2, 3], "crimes_reported": [1, 1, 2, 0], "crimes": [2, 4, 4, 4]}
    )
    assert v.window_rate(ts, "crimes_reported", "crimes", 2) == pytest.approx(0.25)
    assert v.contact_asymmetry(0.02, 4.0) == pytest.approx(4.0)


def test_finding_rules_and_report():
    up = v.Finding("up", "S", "m", [0.1, 0.12, 0.11], "positive", low=0.0, rule="ci")
    flat = v.Finding("flat", "S", "m", [-0.2, 0.2, 0.05], "positive", low=0.0, rule="ci")
    no_rise = v.Finding("nr", "S", "m", [-0.1, 0.05, 0.0], "no rise", high=0.0, rule="not_above")
    out = v.Finding("out", "S", "m", [0.6, 0.7], "30-50%", 0.3, 0.5, unit="share", tuned=True)
    assert up.inside and not flat.inside and no_rise.inside and out.inside is False
    meta = dict(command="c", date="d", seeds="3", days="365", warmup="60", runs="9",
                minutes="1.0", launcher="2 local processes", version="0", commit="abc")  # fmt: skip
    text = v.render([up, flat, no_rise, out], meta)
    assert "| 1 | out | S | 65.0% [" in text  # calibrated rows first
    assert "| 2 | up | S |" in text
    assert "**no**" in text
    assert "Untuned findings reproduced: 2 of 3." in text
    assert "Calibration targets met: 0 of 1 (missed: out)." in text


def test_victim_counts_from_events_equal_the_models_own_count():
    from commsim import CommunityModel, load_config, run

    cfg = load_config(["city=small", "days=40", "warmup_days=5"])
    model = CommunityModel(cfg, seed=2)
    model.run_days(cfg.warmup_days)
    before = model.residents.victimizations.copy()
    model.run_days(cfg.days)
    counted = model.residents.victimizations - before
    result = run(cfg, seed=2)
    from_events = v.victim_counts(result.events, result.counts["residents"])
    assert counted.sum() > 0
    assert from_events.tolist() == counted.tolist()
