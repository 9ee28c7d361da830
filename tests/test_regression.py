"""Seeded regression baseline: an unintended change to the model's numbers fails here.

When a change is intended, regenerate with
``COMMSIM_UPDATE_BASELINE=1 pytest tests/test_regression.py`` and say why in the commit.
"""

import json
import os
from pathlib import Path

import pytest

from runs import SHORT, cached_run

BASELINE = Path(__file__).parent / "baselines" / "small_seed0.json"


def test_small_city_baseline():
    summary = cached_run(SHORT, 0).summary
    if os.environ.get("COMMSIM_UPDATE_BASELINE"):
        BASELINE.parent.mkdir(exist_ok=True)
        BASELINE.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    expected = json.loads(BASELINE.read_text())
    assert set(summary) == set(expected)
    for key, value in expected.items():
        assert summary[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key
