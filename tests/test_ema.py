"""The EMA Workbench adapter: experiments through the engine, PRIM and feature scoring."""

import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ema_workbench")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from ema_workbench import Policy, perform_experiments
    from ema_workbench.analysis import feature_scoring, prim
    from ema_workbench.em_framework import sample_uncertainties

from commsim import engine, load_config, run
from commsim.ema import (
    CommsimEvaluator,
    commsim_model,
    default_levers,
    lever_parameters,
    outcome_list,
    uncertainty_parameters,
)
from commsim.params import ConfigError, SimConfig
from commsim.paramspec import describe

BASE = ["city=small", "days=8", "warmup_days=4"]
UNCERTAIN = ["trust.asymmetry", "offending.risk_weight"]
LEVERS = ["policy.watch_coverage", "policy.patrol_strategy"]
OUTCOMES = ["crimes", "trust_mean", "trust_mean_minority", "reporting_rate"]


@pytest.fixture(scope="module")
def experiments():
    model = commsim_model(
        base_overrides=BASE, uncertainties=UNCERTAIN, levers=LEVERS, outcomes=OUTCOMES
    )
    with CommsimEvaluator(model, engine.Launcher("serial")) as evaluator:
        ex, out = perform_experiments(model, scenarios=4, policies=2, evaluator=evaluator)
    return model, ex, out


def test_parameters_come_from_the_metadata():
    plausible = {p.key: p.plausible for p in describe(SimConfig) if p.plausible}
    uncertainties = {u.name: (u.lower_bound, u.upper_bound) for u in uncertainty_parameters()}
    assert uncertainties == {k: (float(lo), float(hi)) for k, (lo, hi) in plausible.items()}
    levers = {p.key for p in default_levers()}
    assert "policy.watch_coverage" in levers and "policy.patrol_strategy" in levers
    assert "policy.funding" not in levers  # unbounded: only with a range the user gives
    [funding] = lever_parameters({"policy.funding": (0, 2e6)})
    assert (funding.lower_bound, funding.upper_bound) == (0, 2e6)
    with pytest.raises(ConfigError, match=r"policy\.funding"):
        lever_parameters(["policy.funding"])
    with pytest.raises(ConfigError, match="not a lever"):
        lever_parameters(["trust.asymmetry"])
    kinds = {o.name: o.kind for o in outcome_list(["crimes", "trust_mean", "cost_usd"])}
    assert kinds == {"crimes": -1, "trust_mean": 1, "cost_usd": 0}  # MINIMIZE, MAXIMIZE, INFO


def test_experiments_run_through_the_engine_and_equal_direct_runs(experiments):
    _, ex, out = experiments
    assert len(ex) == 8 and all(len(out[o]) == 8 for o in OUTCOMES)
    lo, hi = dict((p.key, p.plausible) for p in describe(SimConfig))["trust.asymmetry"]
    assert ex["trust.asymmetry"].between(lo, hi).all()
    assert ex["trust.asymmetry"].nunique() == 4  # four scenarios, each under both policies
    row = ex.iloc[5]
    overrides = [
        *BASE,
        f"trust.asymmetry={float(row['trust.asymmetry'])!r}",
        f"offending.risk_weight={float(row['offending.risk_weight'])!r}",
        f"policy.watch_coverage={float(row['policy.watch_coverage'])!r}",
        f"policy.patrol_strategy={row['policy.patrol_strategy']}",
    ]
    direct = run(load_config(overrides), seed=0).summary
    for o in OUTCOMES:
        assert out[o][5] == pytest.approx(direct[o])


def test_prim_and_feature_scoring_work_on_commsim(experiments):
    _, ex, out = experiments
    x = ex[[*UNCERTAIN, "policy.watch_coverage"]]
    trust = out["trust_mean_minority"]
    y = trust >= np.median(trust)
    assert 0 < y.sum() < len(y)
    box = prim.Prim(x, y, threshold=0.5).find_box()
    assert set(box.box_lims[-1].columns) <= set(x.columns)
    assert 0 <= box.coverage <= 1 and box.density >= y.mean() - 1e-9
    scores = feature_scoring.get_feature_scores_all(x, {o: out[o] for o in OUTCOMES})
    assert isinstance(scores, pd.DataFrame)
    assert set(scores.index) == set(x.columns) and set(scores.columns) == set(OUTCOMES)


def test_sequential_evaluation_gives_the_same_numbers(experiments):
    model = experiments[0]
    policy = Policy("p", **{"policy.watch_coverage": 0.3, "policy.patrol_strategy": "random"})
    scenarios = list(sample_uncertainties(model, 2))
    with CommsimEvaluator(model, engine.Launcher("local", jobs=2)) as evaluator:
        _, batched = perform_experiments(model, scenarios, [policy], evaluator=evaluator)
    _, single = perform_experiments(model, scenarios, [policy])  # the workbench's own loop
    for o in OUTCOMES:
        assert np.allclose(batched[o], single[o])


def test_a_bad_override_fails_before_any_run():
    with pytest.raises(ConfigError, match="days"):
        commsim_model(base_overrides=["days=-3"], uncertainties=UNCERTAIN, levers=LEVERS)
