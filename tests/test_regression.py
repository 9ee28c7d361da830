"""Seeded regression baselines: an unintended change to the model's numbers fails here.

Two runs are pinned: the small city's baseline, and on the default city a strategy
that switches on
every programme, a patrol strategy, a shock and a budget that buys officers, so
every lever module, arrests and funding are guarded. When a change is intended,
raise ``commsim.store.MODEL_VERSION`` (so that runs made before are redone, not
reused), regenerate with ``COMMSIM_UPDATE_BASELINE=1 pytest tests/test_regression.py``
and say why in the commit. Regenerating refuses new numbers under an unchanged
model version.
"""

import json
import os
from pathlib import Path

import pytest

from commsim.store import MODEL_VERSION
from runs import cached_run

HERE = Path(__file__).parent / "baselines"
MADE_UNDER = HERE / "model_version.txt"  # the model version the baselines were made under
RUNS = {
    "small_seed0": ("city=small", "days=60", "warmup_days=10"),
    "everything_seed0": (
        "days=60",
        "warmup_days=20",
        "policy=combined",
        "policy.funding=1500000",
        "policy.shocks=[{day:30,kind:misconduct,group:minority}]",
    ),
}


@pytest.mark.parametrize("name", RUNS)
def test_seeded_baseline(name):
    result = cached_run(RUNS[name], 0)
    summary = result.summary
    path = HERE / f"{name}.json"
    if os.environ.get("COMMSIM_UPDATE_BASELINE"):
        changed = path.exists() and not _same(summary, json.loads(path.read_text()))
        if changed and _made_under() == MODEL_VERSION:
            pytest.fail(
                f"{name}: the model's numbers changed under model version {MODEL_VERSION}; "
                "raise commsim.store.MODEL_VERSION so that runs made before are redone"
            )
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
        MADE_UNDER.write_text(f"{MODEL_VERSION}\n")
    expected = json.loads(path.read_text())
    assert _made_under() == MODEL_VERSION, (
        f"the baselines were made under model version {_made_under()}, this is "
        f"{MODEL_VERSION}: regenerate them (COMMSIM_UPDATE_BASELINE=1)"
    )
    assert set(summary) == set(expected)
    for key, value in expected.items():
        assert summary[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key


def _made_under() -> int:
    return int(MADE_UNDER.read_text()) if MADE_UNDER.exists() else 0


def _same(summary: dict, expected: dict) -> bool:
    return set(summary) == set(expected) and all(
        summary[k] == pytest.approx(v, rel=1e-9, abs=1e-12) for k, v in expected.items()
    )


def test_everything_baseline_exercises_every_lever():
    from commsim import CommunityModel, load_config
    from commsim.levers import LEVERS

    model = CommunityModel(load_config(list(RUNS["everything_seed0"])), seed=0)
    assert {lv.key for lv in model.levers} >= set(LEVERS)
    summary = cached_run(RUNS["everything_seed0"], 0).summary
    assert summary["arrests"] > 0 and summary["cost_usd"] > 0
    assert cached_run(RUNS["everything_seed0"], 0).counts["officers"] > model.world.n_base_officers
