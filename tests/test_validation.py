"""The validation experiment: its measures on small synthetic data, and its targets file."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy import sparse

ROOT = Path(__file__).resolve().parents[1]
_PATH = ROOT / "experiments" / "validation" / "run_validation.py"
_spec = importlib.util.spec_from_file_location("run_validation", _PATH)
v = importlib.util.module_from_spec(_spec)
sys.modules["run_validation"] = v  # dataclasses look their module up by name
_spec.loader.exec_module(v)
TARGETS = yaml.safe_load((ROOT / "experiments" / "validation" / "targets.yaml").read_text())


def test_mean_ci_matches_a_t_interval():
    mean, lo, hi = v.mean_ci([1, 2, 3, 4, 5])
    assert mean == 3.0
    assert (lo, hi) == pytest.approx((1.037, 4.963), abs=1e-3)
    assert math.isnan(v.mean_ci([2.0])[1])


def test_elasticity_and_relative_change():
    # 50% more police, crime falls by the factor 1.5 ** -0.34: elasticity -0.34.
    assert v.elasticity(100, 100 * 1.5**-0.34, 2.4, 3.6) == pytest.approx(-0.34)
    assert v.relative_change(80, 60) == pytest.approx(-0.25)
    assert math.isnan(v.relative_change(0, 5))


def test_treated_places_and_their_catchment_on_a_path():
    adj = sparse.diags([np.ones(4), np.ones(4)], [-1, 1], format="csr")  # 0-1-2-3-4
    hot = v.top_places([0, 1, 9, 1, 0], share=0.2)
    assert list(hot) == [2]
    assert list(v.catchment(adj, hot)) == [1, 3]


def test_verdicts():
    assert v.verdict(0.1, 0.2, 0.0, 0.3) == "reproduced"
    assert v.verdict(-0.1, 0.4, 0.0, 0.3) == "consistent"
    assert v.verdict(0.4, 0.5, 0.0, 0.3) == "not reproduced"


def test_age_bands():
    assert v.age_band(np.array([12, 17, 18, 24, 25, 49, 50, 64, 65, 90])).tolist() == [
        0,
        0,
        1,
        1,
        2,
        3,
        4,
        4,
        5,
        5,
    ]


def test_targets_label_every_finding_and_hold_ten_held_out_magnitudes():
    labels = [f["label"] for f in TARGETS["findings"].values()]
    assert set(labels) <= {"calibrated", "structural", "held_out"}
    assert labels.count("held_out") >= 10
    for name, f in TARGETS["findings"].items():
        assert f["source"] and f["measure"] and f["range"], name
    assert (
        TARGETS["seeds"] >= 20
        and len(TARGETS["city_layouts"]) >= 2
        and TARGETS["horizon_days"] >= 730
    )


def test_every_finding_has_a_measure():
    # Each range key is computed by the experiment (keys of measure_pair or in-process findings).
    source = _PATH.read_text()
    for key in v.ranges(TARGETS):
        assert (
            f'"{key}"' in source
            or f'"{key.split(".")[0]}.' in source
            or f"{key.split('.')[0]}" in source
        ), key
