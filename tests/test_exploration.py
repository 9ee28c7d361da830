"""Uncertainty in comparisons, Latin hypercube sweeps, load_sweep, pooling and noise marks."""

import pandas as pd
import pytest

import commsim
from commsim import compare, plots, report, results, sampling, sweep
from commsim.params import ConfigError, SimConfig
from commsim.paramspec import describe
from fake_runs import write_run

FAST = ["city=small", "days=6", "warmup_days=2"]


def test_latin_hypercube_puts_one_point_in_each_slice():
    ranges = {"a": sampling.Range(0.0, 1.0), "b": sampling.Range(10, 20, integer=True)}
    draws = sampling.latin_hypercube(ranges, 5, seed=3)
    assert sorted(int(d["a"] * 5) for d in draws) == [0, 1, 2, 3, 4]
    assert all(isinstance(d["b"], int) and 10 <= d["b"] <= 20 for d in draws)
    assert draws == sampling.latin_hypercube(ranges, 5, seed=3)  # same seed, same sample
    assert draws != sampling.latin_hypercube(ranges, 5, seed=4)


def test_uncertainty_draws_cover_the_plausible_parameters_and_respect_fixed_ones():
    plausible = {p.key: p.plausible for p in describe(SimConfig) if p.plausible}
    draws, keys = compare.uncertainty_draws(4, ["trust.asymmetry=9"])
    assert set(keys) == set(plausible) - {"trust.asymmetry"}
    for draw in draws:
        for key, value in draw.items():
            lo, hi = plausible[key]
            assert lo <= value <= hi
    jobs = compare.plan(["baseline", "combined"], 4, "out", FAST, draws)
    by_seed = {}
    for job in jobs:  # replicate k is the same draw for every strategy: paired
        by_seed.setdefault(job.seed, set()).add(tuple(v for k, v in job.values if k != "seed"))
    assert all(len(v) == 1 for v in by_seed.values())
    assert len({next(iter(v)) for v in by_seed.values()}) == 4


@pytest.mark.slow
def test_compare_with_uncertainty_reports_the_sampled_parameters(tmp_path):
    out = tmp_path / "cmp"
    argv = ["--strategies", "baseline,neighborhood_watch", "--replicates", "3", "--out", str(out),
            "--launcher", "serial", "--quiet", "--uncertainty", *FAST]  # fmt: skip
    assert compare.main(argv) == 0
    rep_runs = results.runs_table(results.load_runs(out / "runs"))
    sampled = results.sampled_per_replicate(rep_runs)
    assert "trust.asymmetry" in sampled and len(sampled) > 10
    md = (out / "report" / "report.md").read_text()
    assert "Intervals include parameter uncertainty" in md and "trust.asymmetry" in md
    assert "Strategy comparison" in md  # the draws are not taken for swept settings


def _grid(root, seeds=range(3), money=(0, 2_000_000)):
    for cov in (0.0, 0.4):
        for fund in money:
            for k in seeds:
                crimes = 100 - 50 * cov - fund / 1e5 + k + (3 if cov == 0.4 and fund == 0 else 0)
                write_run(
                    root / f"{cov}_{fund}_{k}",
                    seed=k,
                    days=3,
                    overrides=[f"policy.watch_coverage={cov}", f"policy.funding={fund}"],
                    summary={"crimes": crimes},
                )
    return root


def test_heatmap_marks_cells_within_noise_and_formats_dollars(tmp_path):
    rep = report.build_report(
        _grid(tmp_path / "m"), tmp_path / "r", x="policy.watch_coverage", y="policy.funding"
    )
    assert rep.mode == "sweep-2d"
    noise = results.paired_vs_reference(
        rep.runs, "crimes", ["strategy", "policy.watch_coverage", "policy.funding"]
    )
    # Every difference is exact (the same shift for every seed): no cell is within noise
    # but the reference itself.
    inside = (noise["diff_ci_low"] <= 0) & (noise["diff_ci_high"] >= 0)
    assert inside.sum() == 1
    fig = plots.sweep_heatmap(
        rep.summary, "policy.watch_coverage", "policy.funding", "crimes",
        y_unit="USD per year", noise=noise,
    )  # fmt: skip
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["$0", "$2M"]
    assert sum(t.get_text().startswith("≈") for t in ax.texts) == 1
    assert "within noise" in fig._suptitle.get_text()


def test_axis_labels_come_from_the_parameter_metadata():
    label, unit = report.param_axis("policy.funding")
    assert unit.startswith("USD") and "policy.funding" in label
    assert report.param_axis("city.dir") == ("city.dir", "")  # not a number setting: as is
    assert plots.format_value(2_000_000, "USD per year") == "$2M"
    assert plots.format_value(12000.0) == "12,000"


def test_report_says_it_pools_over_another_swept_parameter(tmp_path, capsys):
    root = _grid(tmp_path / "m")
    assert (
        report.main([str(root), "--x", "policy.watch_coverage", "--out", str(tmp_path / "r")]) == 0
    )
    err = capsys.readouterr().err
    assert "pooled over policy.funding" in err
    md = (tmp_path / "r" / "report.md").read_text()
    assert "Runs per setting: 6 (3 seed(s) x the values of the pooled parameter(s)" in md
    assert "not a replicate interval" in md


def test_load_sweep_gives_plain_columns(tmp_path):
    root = _grid(tmp_path / "m")
    write_run(root / "broken", status="failed", error="boom", write_files=False)
    frame = commsim.load_sweep(root)
    assert {"policy.watch_coverage", "policy.funding", "seed", "crimes"} <= set(frame.columns)
    assert frame.attrs["swept"] == ["policy.watch_coverage", "policy.funding"]
    assert len(frame) == 12 and len(frame.attrs["skipped"]) == 1
    assert frame.groupby("policy.watch_coverage")["crimes"].mean().is_monotonic_decreasing


def test_sweep_parses_ranges_and_settings():
    ranges, fixed = sweep.parse_ranges(
        ["policy.watch_coverage=0:0.5", "policy.volunteer_patrollers=0:40", "city=small"]
    )
    assert ranges["policy.watch_coverage"] == sampling.Range(0.0, 0.5, False)
    assert ranges["policy.volunteer_patrollers"].integer
    assert fixed == ["city=small"]
    for bad, message in [
        (["policy.watch_coverage=0.5:0.1"], "low < high"),
        (["policy.watch_coverage=0:1.5"], "must be between 0 and 1"),
        (["city=small"], "no key=low:high among the arguments"),
        (["nokey"], "must be key=value"),
    ]:
        with pytest.raises(ConfigError, match=message):
            sweep.parse_ranges(bad)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["seed=1:5", "policy.watch_coverage=0:0.5"],
            "seed='1:5': seeds are not sampled: every point runs seeds 0..R-1 (--replicates R; "
            "--seed seeds the sampler)",
        ),
        (["policy.watch_coverage=0:0.5", "+seed=3"], "+seed='3': seeds are not sampled"),
        (
            ["policy.watch_coverage=a:b"],
            "policy.watch_coverage='a:b': a range is two numbers low:high, "
            "e.g. policy.watch_coverage=0:0.5",
        ),
        (
            ["city=small", "days=30"],
            "ranges: no key=low:high among the arguments (city=small, days=30); give at least "
            "one range to sample, e.g. policy.watch_coverage=0:0.5",
        ),
        (["--seed", "-1", "policy.watch_coverage=0:0.5"], "argument --seed: must be a whole"),
    ],
)
def test_sweep_names_the_bad_argument_before_any_run(tmp_path, capsys, args, message):
    assert sweep.main(["--lhs", "3", "--out", str(tmp_path / "lhs"), *args]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"commsim: error: {message}")
    assert not (tmp_path / "lhs").exists()


def test_sweep_command_runs_a_hypercube_through_the_engine(tmp_path, capsys):
    out = tmp_path / "lhs"
    argv = ["--lhs", "3", "--replicates", "2", "--out", str(out), "--launcher", "serial",
            "--quiet", "policy.watch_coverage=0:0.6", "trust.asymmetry=4:14", *FAST]  # fmt: skip
    assert sweep.main(argv) == 0
    table = pd.read_parquet(out / "sweep.parquet")
    assert len(table) == 6
    assert table["policy.watch_coverage"].nunique() == 3
    assert sorted(int(v // 0.2) for v in table["policy.watch_coverage"].unique()) == [0, 1, 2]
    assert (table.groupby("policy.watch_coverage")["seed"].apply(sorted) == [[0, 1]] * 3).all()
    # Run again: every run is reused.
    assert sweep.main(argv) == 0
    assert "6 runs complete" in capsys.readouterr().err
    assert sweep.main(["--lhs", "0", "trust.asymmetry=4:14"]) == 2
