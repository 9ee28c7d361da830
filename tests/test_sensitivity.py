"""Sensitivity analysis: rankings make sense, outputs are written, bad input is one line."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import yaml

from commsim import ConfigError, store
from commsim.sensitivity import (
    INDEX_COLUMNS,
    analyze,
    check_spec,
    compute_indices,
    load_spec,
    main,
    parse_spec,
    ranking_figure,
)

TINY = ["city=small", "days=45", "warmup_days=10"]
# Burglary volume drives crime; the price of a meeting cannot when no meeting is held.
PROBLEM = {
    "offending.rate_burglary": [0.01, 0.06],
    "costs.meeting": [500.0, 5000.0],
}


@pytest.fixture(scope="module")
def morris_table():
    return analyze(PROBLEM, ["crimes", "cost_usd"], "morris", 3, TINY, n_jobs=2)


def _value(table: pd.DataFrame, parameter: str, outcome: str, index: str) -> float:
    row = table[
        (table["parameter"] == parameter)
        & (table["outcome"] == outcome)
        & (table["index"] == index)
    ]
    assert len(row) == 1
    return float(row["value"].iloc[0])


def test_morris_ranks_a_crime_driver_above_a_parameter_that_cannot_matter(morris_table):
    assert list(morris_table.columns) == INDEX_COLUMNS
    burglary = _value(morris_table, "offending.rate_burglary", "crimes", "mu_star")
    meeting = _value(morris_table, "costs.meeting", "crimes", "mu_star")
    assert burglary > 0
    assert meeting == 0.0  # common random numbers: an inert parameter changes nothing
    assert _value(morris_table, "offending.rate_burglary", "crimes", "mu") > 0  # more, not less


def test_morris_table_is_tidy(morris_table):
    assert set(morris_table["index"]) == {"mu_star", "sigma", "mu"}
    assert set(morris_table["method"]) == {"morris"}
    assert len(morris_table) == 2 * 2 * 3  # parameters x outcomes x indices
    conf = morris_table.loc[morris_table["index"] == "mu_star", "conf"]
    assert conf.notna().all()


def test_sobol_indices_from_a_known_function():
    # y = 4 a + b: a carries 16/17 of the variance, b 1/17; an inert c none.
    spec = parse_spec({"parameters": {"a": [0, 1], "b": [0, 1], "c": [0, 1]}, "outcomes": ["y"]})
    from SALib.sample import sobol as sobol_sample

    inputs = sobol_sample.sample(spec.problem, 256, calc_second_order=False, seed=1)
    outputs = (4 * inputs[:, 0] + inputs[:, 1])[:, None]
    table = compute_indices(spec, "sobol", inputs, outputs)
    st = table[table["index"] == "ST"].set_index("parameter")["value"]
    assert st["a"] == pytest.approx(16 / 17, abs=0.05)
    assert st["b"] == pytest.approx(1 / 17, abs=0.03)
    assert abs(st["c"]) < 0.01
    fig = ranking_figure(table)
    assert fig.get_suptitle().startswith("Sobol indices")


def test_cli_writes_table_and_plot(tmp_path, capsys):
    config = tmp_path / "tiny.yaml"
    config.write_text(
        "outcomes: [crimes]\n"
        f"base_overrides: [{', '.join(TINY)}]\n"
        "parameters:\n"
        "  offending.rate_burglary: {bounds: [0.01, 0.06]}  # drives crime\n"
        "  policy.patrol_strategy: {values: [random, hotspot]}\n"
    )
    out = tmp_path / "out"
    code = main(["--config", str(config), "--trajectories", "2", "--jobs", "2", "--no-progress",
                 "--out", str(out), "police.preventive_patrol_share=0.3"])  # fmt: skip
    assert code == 0
    for name in ("indices.csv", "indices.parquet", "ranking.png", "samples.parquet"):
        assert (out / name).is_file(), name
    # The manifest keeps the parameter file's settings apart from the command line's, and
    # config.yaml is the resolved config every sample started from.
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["spec_file"] == str(config)
    assert manifest["spec_file_overrides"] == TINY
    assert manifest["command_line_overrides"] == ["police.preventive_patrol_share=0.3"]
    base = yaml.safe_load((out / "config.yaml").read_text())
    assert base["police"]["preventive_patrol_share"] == 0.3
    assert manifest["base_config_hash"] == store.config_hash((out / "config.yaml").read_text())
    csv = pd.read_csv(out / "indices.csv")
    assert list(csv.columns) == INDEX_COLUMNS
    assert pd.read_parquet(out / "indices.parquet").shape == csv.shape
    samples = pd.read_parquet(out / "samples.parquet")
    assert set(samples["policy.patrol_strategy"]) <= {"random", "hotspot"}
    assert len(samples) == 2 * 3  # trajectories x (parameters + 1)
    # Every outcome of the runs is kept, not only the analysed one.
    assert {"crimes", "trust_mean", "reporting_rate", "trust_mean_minority"} <= set(samples)
    assert "offending.rate_burglary" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("offending.rate_burgalry: [0.01, 0.02]", "offending.rate_burgalry: unknown key"),
        ("offending.rate_burglary: [0.05, 0.01]", "low < high"),
        ("offending.rate_burglary: [0.01, 2.0]", "must be between 0 and 1"),
        ("offending.rate_burglary: [0.01]", "must be two numbers"),
        ("policy.patrol_strategy: [0, 1]", "vary it with 'values"),
        ("policy.patrol_strategy: {values: [random, nope]}", "must be one of random"),
        ("offending: [0, 1]", "group of settings"),
    ],
)
def test_bad_parameter_gives_one_clear_line(tmp_path, capsys, entry, expected):
    config = tmp_path / "bad.yaml"
    config.write_text(f"base_overrides: [city=small]\nparameters:\n  {entry}\n")
    code = main(["--config", str(config), "--trajectories", "2", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("commsim: error: ")
    assert "\n" not in err
    assert expected in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--method", "fast"], "must be one of morris, sobol"),
        (["--outcomes", "crims"], "outcomes='crims'"),
        (["--method", "sobol", "--samples", "6"], "power of two"),
        (["--trajectories", "1"], "at least 2"),
        (["--trajectories", "0"], "--trajectories=0: must be at least 2"),
        (["--trajectories", "-4"], "--trajectories=-4: must be at least 2"),
        (["--method", "sobol", "--samples", "0"], "--samples=0: must be a power of two"),
        (["--config", "no-such-spec"], "no such file"),
        (["city=nowhere"], "city"),
        (["--bogus"], "unrecognized arguments"),
        (["--launcher", "nope"], "--launcher='nope': must be one of serial, local"),
        (["--jobs", "0"], "--jobs=0: must be at least 1"),
    ],
)
def test_bad_arguments_give_one_clear_line(capsys, args, expected):
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("commsim: error: ") and "\n" not in err
    assert expected in err


def test_default_spec_is_valid_and_spans_behaviour_and_levers():
    spec, base = check_spec(load_spec())
    keys = [p.key for p in spec.parameters]
    assert 8 <= len(keys) <= 16
    assert any(k.startswith("policy.") for k in keys)
    assert any(not k.startswith("policy.") for k in keys)
    assert {"crimes", "trust_mean"} <= set(spec.outcomes)
    assert base.days >= 730 and spec.replicates >= 3  # the offender population must respond
    from commsim.params import SimConfig
    from commsim.paramspec import lookup

    for p in spec.parameters:  # behaviour ranges are the evidence's
        info = lookup(SimConfig(), p.key)
        if info.plausible and p.kind != "choice":
            assert (p.low, p.high) == pytest.approx(info.plausible), p.key


def test_integer_settings_are_rounded():
    spec, _ = check_spec(parse_spec({"parameters": {"policy.youth_outreach_places": [0, 10]}}))
    (p,) = spec.parameters
    assert p.kind == "int"
    assert p.override(3.4) == "policy.youth_outreach_places=3"


def test_analyze_rejects_unknown_key():
    with pytest.raises(ConfigError, match="unknown key"):
        analyze({"trust.nope": [0, 1]}, ["crimes"], "morris", 2, TINY)


def test_constant_outcome_gives_zero_sobol_indices():
    spec = parse_spec({"parameters": {"a": [0, 1], "b": [0, 1]}, "outcomes": ["y"]})
    inputs = np.random.default_rng(0).random((8, 2))
    table = compute_indices(spec, "sobol", inputs, np.ones((8, 1)))
    assert (table["value"] == 0).all()
    assert not any(math.isnan(v) for v in table["value"])


def test_cli_keeps_its_runs_and_resumes(tmp_path, capsys):
    import json

    config = tmp_path / "tiny.yaml"
    config.write_text(
        "outcomes: [crimes]\n"
        "base_overrides: [city=small, days=10, warmup_days=2]\n"
        "parameters:\n"
        "  offending.rate_burglary: {bounds: [0.01, 0.06]}\n"
    )
    out = tmp_path / "out"
    argv = ["--config", str(config), "--trajectories", "2", "--launcher", "serial",
            "--no-progress", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    first = pd.read_csv(out / "indices.csv")
    index = pd.read_csv(out / "runs" / "index.csv")
    assert len(index) == len(set(index["run_dir"])) >= 3
    started = {
        p.parent.name: json.loads(p.read_text())["started"]
        for p in (out / "runs").glob("*/manifest.json")
    }
    assert set(started) == set(index["run_dir"])
    assert main(argv) == 0  # every run is reused: same indices, nothing rerun
    pd.testing.assert_frame_equal(pd.read_csv(out / "indices.csv"), first)
    for p in (out / "runs").glob("*/manifest.json"):
        assert json.loads(p.read_text())["started"] == started[p.parent.name]
