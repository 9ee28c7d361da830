import json
import math
from dataclasses import fields

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from commsim import results
from fake_runs import reseal, write_comparison, write_run


def _row(summary: pd.DataFrame, strategy: str, outcome: str) -> pd.Series:
    rows = summary[(summary["strategy"] == strategy) & (summary["outcome"] == outcome)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_t_interval_matches_textbook_values():
    mean, low, high = results.t_interval([1, 2, 3, 4, 5])
    half = stats.t.ppf(0.975, 4) * np.std([1, 2, 3, 4, 5], ddof=1) / math.sqrt(5)
    assert mean == 3.0
    assert low == pytest.approx(3 - half) and high == pytest.approx(3 + half)
    assert low == pytest.approx(1.0368, abs=1e-4)
    assert math.isnan(results.t_interval([7.0])[1])
    assert results.t_interval([2.0, 2.0, 2.0]) == (2.0, 2.0, 2.0)


def test_paired_difference_gives_known_ci(tmp_path):
    # Baseline varies a lot between seeds; the strategy is baseline + d_k with d = 1..5,
    # so the paired CI is 3 +/- t(0.975, 4) * sd(d) / sqrt(5) whatever the seed spread.
    diffs = [1.0, 2.0, 3.0, 4.0, 5.0]
    for k, d in enumerate(diffs):
        base = 1000.0 + 200.0 * k
        write_run(tmp_path / "baseline" / f"seed_{k}", seed=k, summary={"crimes": base})
        write_run(
            tmp_path / "watch" / f"seed_{k}",
            strategy="watch",
            seed=k,
            summary={"crimes": base + d},
        )
    runs = results.runs_table(results.load_runs(tmp_path))
    summary = results.summarize(runs, outcomes=["crimes"])
    row = _row(summary, "watch", "crimes")
    assert row["n_pairs"] == 5
    assert row["diff"] == pytest.approx(3.0)
    assert row["diff_ci_low"] == pytest.approx(1.0368, abs=1e-4)
    assert row["diff_ci_high"] == pytest.approx(4.9632, abs=1e-4)
    assert bool(row["significant"])
    assert row["baseline_mean"] == pytest.approx(1400.0)
    assert row["pct_change"] == pytest.approx(100 * 3 / 1400)
    # The unpaired CI of the strategy's own mean is far wider than the paired one.
    assert row["ci_high"] - row["ci_low"] > 50 * (row["diff_ci_high"] - row["diff_ci_low"])
    base_row = _row(summary, "baseline", "crimes")
    assert math.isnan(base_row["diff"]) and not bool(base_row["significant"])


def test_pairing_uses_seed_not_order(tmp_path):
    # Seeds written in a different order per strategy, one unmatched seed.
    for k in (0, 1, 2, 3):
        write_run(tmp_path / f"b{3 - k}", seed=k, summary={"crimes": 100.0 * k})
    for k in (2, 0, 1, 9):
        write_run(tmp_path / f"s{k}", strategy="s", seed=k, summary={"crimes": 100.0 * k - 10})
    summary = results.summarize(results.runs_table(results.load_runs(tmp_path)), ["crimes"])
    row = _row(summary, "s", "crimes")
    assert row["n_pairs"] == 3
    assert row["diff"] == pytest.approx(-10.0)
    assert row["diff_ci_low"] == pytest.approx(-10.0) and row["diff_ci_high"] == pytest.approx(
        -10.0
    )
    assert row["n"] == 4  # the strategy's own mean uses all its runs


def test_incomplete_and_failed_runs_are_excluded_and_listed(tmp_path):
    write_run(tmp_path / "baseline" / "seed_0", seed=0)
    write_run(tmp_path / "baseline" / "seed_1", seed=1, status="running", write_files=False)
    write_run(
        tmp_path / "baseline" / "seed_2",
        seed=2,
        status="failed",
        error="Traceback...\nValueError: trust went NaN",
        write_files=False,
    )
    # Killed before the manifest was written.
    (tmp_path / "baseline" / "seed_3").mkdir()
    (tmp_path / "baseline" / "seed_3" / "summary.json").write_text("{}")
    # Manifest says complete but the series file is gone.
    gone = write_run(tmp_path / "baseline" / "seed_4", seed=4)
    (gone / "timeseries.parquet").unlink()
    # Corrupt summary.
    bad = write_run(tmp_path / "baseline" / "seed_5", seed=5)
    (bad / "summary.json").write_text("{not json")
    # A commsim 0.1 run (no checksums) whose summary does not parse.
    old = write_run(tmp_path / "baseline" / "seed_6", seed=6, legacy=True)
    (old / "summary.json").write_text("{not json")
    # A commsim 0.1 run whose files parse: used.
    write_run(tmp_path / "baseline" / "seed_7", seed=7, legacy=True)

    runset = results.load_runs(tmp_path)
    runs = results.runs_table(runset)
    assert list(runs["seed"]) == [0, 7]
    assert [r.path.name for r in runset.legacy] == ["seed_7"]
    skipped = runset.skipped_table().set_index("run_dir")
    assert set(skipped.index) == {f"baseline/seed_{k}" for k in (1, 2, 3, 4, 5, 6)}
    assert skipped.loc["baseline/seed_2", "status"] == "failed"
    assert skipped.loc["baseline/seed_2", "reason"] == "ValueError: trust went NaN"
    assert skipped.loc["baseline/seed_1", "status"] == "incomplete"
    assert "running" in skipped.loc["baseline/seed_1", "reason"]
    assert "no manifest" in skipped.loc["baseline/seed_3", "reason"]
    assert skipped.loc["baseline/seed_4", "status"] == "corrupt"
    assert "timeseries.parquet is missing" in skipped.loc["baseline/seed_4", "reason"]
    assert skipped.loc["baseline/seed_5", "status"] == "corrupt"
    assert "summary.json fails its checksum" in skipped.loc["baseline/seed_5", "reason"]
    assert skipped.loc["baseline/seed_6", "status"] == "corrupt"
    assert "summary.json does not parse" in skipped.loc["baseline/seed_6", "reason"]
    assert [r.path.name for r in runset.failed] == ["seed_2"]


def test_stale_runs_are_left_out_when_a_config_hash_is_expected(tmp_path):
    a = write_run(tmp_path / "a", seed=0)
    b = write_run(tmp_path / "b", seed=1)
    runset = results.load_runs(tmp_path, expected={a: "x", b: "another"})
    assert [r.path.name for r in runset.complete] == ["a"]
    [stale] = runset.skipped
    assert stale.status == "stale" and "another" in stale.reason


def test_fake_costs_are_real_cost_keys():
    import yaml

    from commsim.params import CostParams
    from fake_runs import COSTS_YAML

    assert set(yaml.safe_load(COSTS_YAML)["costs"]) <= {f.name for f in fields(CostParams)}


def test_report_folder_next_to_runs_is_not_a_run(tmp_path):
    write_run(tmp_path / "runs" / "baseline" / "seed_0", seed=0)
    report = tmp_path / "report"
    report.mkdir()
    pd.DataFrame({"a": [1]}).to_parquet(report / "timeseries.parquet")
    runset = results.load_runs(tmp_path)
    assert len(runset.complete) == 1 and not runset.skipped


def test_missing_folder_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        results.load_runs(tmp_path / "nope")


def test_cis_shrink_with_replicates(tmp_path):
    widths = {}
    for n in (4, 40):
        root = write_comparison(
            tmp_path / str(n), {"watch": {"crimes": -30.0}}, seeds=range(n), noise=20.0, days=5
        )
        summary = results.summarize(results.runs_table(results.load_runs(root)), ["crimes"])
        row = _row(summary, "watch", "crimes")
        widths[n] = row["diff_ci_high"] - row["diff_ci_low"]
        assert row["diff_ci_low"] < -30.0 < row["diff_ci_high"]
    # Width scales roughly with 1/sqrt(n): 10x the replicates, ~1/3 the width.
    assert widths[40] < 0.5 * widths[4]


def test_runs_table_has_parameters_and_summary_keys(tmp_path):
    for cov in (0.0, 0.25):
        for k in (0, 1):
            write_run(
                tmp_path / f"cov{cov}" / str(k),
                seed=k,
                overrides=["city=small", f"policy.watch_coverage={cov}", "+policy.funding=1e5"],
                summary={"crimes": 100 - 100 * cov, "reporting_rate": 0.4},
            )
    runs = results.runs_table(results.load_runs(tmp_path))
    assert len(runs) == 4
    assert runs.attrs["params"] == ["city", "policy.watch_coverage", "policy.funding"]
    assert {"crimes", "reporting_rate", "trust_mean"} <= set(runs.attrs["outcomes"])
    assert runs["policy.watch_coverage"].dtype == float
    assert runs["policy.funding"].iloc[0] == 1e5
    assert results.swept_parameters(runs) == ["policy.watch_coverage"]
    assert list(runs["run_dir"]) == ["cov0.0/0", "cov0.0/1", "cov0.25/0", "cov0.25/1"]
    # Grouping by the swept parameter.
    summary = results.summarize(runs, ["crimes"], by="policy.watch_coverage", baseline=None)
    assert list(summary["mean"]) == [100.0, 75.0]
    assert summary["diff"].isna().all()


def test_sweep_with_strategies_pairs_within_each_setting(tmp_path):
    for cov in (0.1, 0.2):
        for k in range(3):
            over = [f"policy.watch_coverage={cov}"]
            write_run(tmp_path / f"b{cov}{k}", seed=k, overrides=over, summary={"crimes": 50.0 * k})
            write_run(
                tmp_path / f"w{cov}{k}",
                strategy="watch",
                seed=k,
                overrides=over,
                summary={"crimes": 50.0 * k - 100 * cov},
            )
    runs = results.runs_table(results.load_runs(tmp_path))
    summary = results.summarize(runs, ["crimes"], by=["strategy", "policy.watch_coverage"])
    watch = summary[summary["strategy"] == "watch"].set_index("policy.watch_coverage")
    assert watch.loc[0.1, "diff"] == pytest.approx(-10.0)
    assert watch.loc[0.2, "diff"] == pytest.approx(-20.0)
    assert (watch["n_pairs"] == 3).all()


def test_cost_effectiveness_only_where_cost_differs(tmp_path):
    root = write_comparison(
        tmp_path,
        {
            "watch": {"crimes": -100.0, "cost_usd": 500_000.0},
            "same_money": {"crimes": -20.0},
            "cheaper": {"crimes": -5.0, "cost_usd": -1000.0},
        },
        base={"crimes": 1000.0, "trust_mean": 0.5, "cost_usd": 2_000_000.0},
        seeds=range(4),
        days=5,
    )
    summary = results.summarize(results.runs_table(results.load_runs(root)))
    watch = _row(summary, "watch", "trust_mean")  # strategy-level columns on every row
    assert watch["extra_cost_usd"] == pytest.approx(500_000.0)
    assert watch["crimes_averted_per_1m_usd"] == pytest.approx(200.0)
    assert watch["crimes_averted_per_1m_usd_ci_low"] == pytest.approx(200.0)
    assert math.isnan(_row(summary, "same_money", "crimes")["crimes_averted_per_1m_usd"])
    assert math.isnan(_row(summary, "cheaper", "crimes")["crimes_averted_per_1m_usd"])
    assert _row(summary, "same_money", "crimes")["pct_change"] == pytest.approx(
        -20.0 / 1075.0 * 100
    )


def test_group_breakdown(tmp_path):
    root = write_comparison(tmp_path, {"watch": {"trust_mean": 0.1}}, seeds=range(3), days=5)
    summary = results.summarize(results.runs_table(results.load_runs(root)))
    eq = results.group_breakdown(summary)
    trust = eq[(eq["metric"] == "trust_mean") & (eq["strategy"] == "watch")]
    assert list(trust["group"]) == ["majority", "minority", "newcomer"]
    assert list(trust["mean"]) == pytest.approx([0.6, 0.55, 0.5])
    assert set(eq["metric"]) == {"trust_mean", "victimization_rate"}


def test_timeseries_bands_streams_group_by_group(tmp_path):
    for k, level in enumerate([1.0, 2.0, 3.0, 4.0]):
        for strategy, shift in (("baseline", 0.0), ("watch", 10.0)):
            run = write_run(tmp_path / strategy / f"seed_{k}", strategy=strategy, seed=k, days=4)
            series = pd.DataFrame({"day": range(4), "crimes": [level + shift] * 4})
            series["trust_mean"] = 0.5
            series.to_parquet(run / "timeseries.parquet")
            reseal(run)
    runs = results.runs_table(results.load_runs(tmp_path))
    seen = []
    bands = results.timeseries_bands(
        runs,
        tmp_path,
        ["crimes", "trust_mean"],
        quantiles=(0.0, 1.0),
        on_group=lambda key, frame: seen.append((key, sorted(set(frame["strategy"])), len(frame))),
    )
    # One call per strategy, each holding only that strategy's 4 runs x 4 days.
    assert seen == [(("baseline",), ["baseline"], 16), (("watch",), ["watch"], 16)]
    crimes = bands[(bands["metric"] == "crimes") & (bands["day"] == 2)].set_index("strategy")
    assert crimes.loc["baseline", "mean"] == pytest.approx(2.5)
    assert crimes.loc["watch", "mean"] == pytest.approx(12.5)
    assert crimes.loc["baseline", "q_low"] == 1.0 and crimes.loc["baseline", "q_high"] == 4.0
    assert crimes.loc["baseline", "n"] == 4
    _, low, high = results.t_interval([1, 2, 3, 4])
    assert crimes.loc["baseline", "ci_low"] == pytest.approx(low)
    assert crimes.loc["baseline", "ci_high"] == pytest.approx(high)


def test_timeseries_bands_rolling_window(tmp_path):
    run = write_run(tmp_path / "r", days=5)
    pd.DataFrame({"day": range(5), "crimes": [0.0, 0.0, 9.0, 0.0, 0.0]}).to_parquet(
        run / "timeseries.parquet"
    )
    reseal(run)
    runs = results.runs_table(results.load_runs(tmp_path))
    bands = results.timeseries_bands(runs, tmp_path, ["crimes"], window=3)
    assert list(bands["mean"]) == pytest.approx([0.0, 3.0, 3.0, 3.0, 0.0])


def test_place_counts_averages_over_runs(tmp_path):
    for k, places in enumerate([[0, 0, 1], [0, 2, 2, 2]]):
        run = write_run(tmp_path / f"seed_{k}", seed=k, days=3)
        pd.DataFrame({"place": places, "day": 0}).to_parquet(run / "events.parquet")
        reseal(run)
    runs = results.runs_table(results.load_runs(tmp_path))
    counts = results.place_counts(runs, tmp_path).set_index("place")
    assert counts["crimes_per_run"].to_dict() == {0: 1.5, 1: 0.5, 2: 1.5}
    assert (counts["runs"] == 2).all()


def test_manifest_without_strategy_falls_back_to_policy_override(tmp_path):
    run = write_run(tmp_path / "r", strategy="watch", seed=3)
    manifest = json.loads((run / "manifest.json").read_text())
    del manifest["strategy"], manifest["seed"]
    (run / "manifest.json").write_text(json.dumps(manifest))
    runs = results.runs_table(results.load_runs(tmp_path))
    assert runs.loc[0, "strategy"] == "watch" and runs.loc[0, "seed"] == 3


def test_direction():
    assert results.direction("crimes", -1.0) == "better"
    assert results.direction("trust_mean_minority", -0.1) == "worse"
    assert results.direction("crimes_reported", -5.0) == "lower"
    assert results.direction("cost_usd", 100.0) == "higher"
    assert results.direction("crimes", 0.0) == "unchanged"


def test_outcomes_follow_design_order(tmp_path):
    summary = {"cost_usd": 1.0, "trust_mean_minority": 0.4, "crimes": 3.0, "zzz": 1.0}
    summary["trust_mean"] = 0.5
    write_run(tmp_path / "r", summary=summary)
    runs = results.runs_table(results.load_runs(tmp_path))
    assert runs.attrs["outcomes"] == [
        "crimes",
        "trust_mean",
        "trust_mean_minority",
        "cost_usd",
        "zzz",
    ]


def test_higher_is_better():
    assert results.higher_is_better("trust_mean")
    assert results.higher_is_better("reporting_rate")
    assert not results.higher_is_better("victimization_rate_minority")
    assert not results.higher_is_better("response_time_median_min")


def test_hydra_job_without_manifest_is_incomplete(tmp_path):
    write_run(tmp_path / "multirun" / "0_seed=0", seed=0)
    job = tmp_path / "multirun" / "1_seed=1"
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "config.yaml").write_text("seed: 1\n")
    runset = results.load_runs(tmp_path)
    assert [r.path.name for r in runset.complete] == ["0_seed=0"]
    assert [(r.path.name, r.status) for r in runset.skipped] == [("1_seed=1", "incomplete")]
