import re

import pandas as pd
import pyarrow.parquet as pq
import pytest

from commsim import report
from fake_runs import grid_city, write_comparison, write_run


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    root = tmp_path_factory.mktemp("cmp")
    runs = write_comparison(
        root / "runs",
        {
            "watch": {"crimes": -100.0, "cost_usd": 250_000.0},
            "meetings": {"trust_mean": -0.04, "cost_usd": 10_000.0},
        },
        seeds=range(4),
        noise=3.0,
        days=15,
    )
    write_run(
        runs / "watch" / "seed_9",
        strategy="watch",
        seed=9,
        status="failed",
        error="ValueError: bad lever",
        write_files=False,
    )
    write_run(runs / "meetings" / "seed_8", strategy="meetings", seed=8, status="running")
    out = root / "report"
    rep = report.build_report(
        runs, out, strategies=["baseline", "watch", "meetings"], graph=grid_city(5)
    )
    return runs, out, rep


def test_comparison_writes_every_file(comparison):
    _, out, rep = comparison
    assert rep.mode == "comparison"
    expected = {
        "summary.csv",
        "runs.parquet",
        "timeseries.parquet",
        "skipped.csv",
        "report.md",
        "report.html",
        "crime_over_time.png",
        "trust_reporting.png",
        "effects.png",
        "cost_effectiveness.png",
        "equity.png",
        "hotspots.png",
    }
    assert expected <= {p.name for p in out.iterdir()}
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_summary_csv_is_strategy_by_outcome(comparison):
    _, out, rep = comparison
    summary = pd.read_csv(out / "summary.csv")
    outcomes = rep.runs.attrs["outcomes"]
    assert len(summary) == 3 * len(outcomes)
    watch = summary[(summary["strategy"] == "watch") & (summary["outcome"] == "crimes")].iloc[0]
    assert watch["diff"] == pytest.approx(-100, abs=6)
    assert watch["diff_ci_low"] < watch["diff"] < watch["diff_ci_high"] < 0
    assert watch["crimes_averted_per_1m_usd"] == pytest.approx(400, rel=0.06)
    for col in ("mean", "ci_low", "ci_high", "pct_change", "significant", "n_pairs"):
        assert col in summary.columns


def test_failed_and_incomplete_runs_are_left_out_and_listed(comparison):
    _, out, _ = comparison
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 12
    assert set(runs["seed"]) == {0, 1, 2, 3}
    skipped = pd.read_csv(out / "skipped.csv").set_index("run_dir")
    assert skipped.loc["watch/seed_9", "status"] == "failed"
    assert skipped.loc["watch/seed_9", "reason"] == "ValueError: bad lever"
    assert skipped.loc["meetings/seed_8", "status"] == "incomplete"
    md = (out / "report.md").read_text()
    section = md.split("## Runs left out")[1]
    assert "watch/seed_9" in section and "ValueError: bad lever" in section
    assert "meetings/seed_8" in section
    assert "12 complete (2 left out" in md


def test_timeseries_parquet_is_tidy_and_written_per_group(comparison):
    _, out, _ = comparison
    file = pq.ParquetFile(out / "timeseries.parquet")
    assert file.metadata.num_row_groups == 3  # one per strategy: written incrementally
    ts = file.read().to_pandas()
    assert len(ts) == 12 * 15
    assert {"run_dir", "strategy", "seed", "day", "crimes", "trust_mean"} <= set(ts.columns)
    assert ts.groupby(["strategy", "seed"]).size().eq(15).all()
    assert ts["crimes"].dtype == float and ts["day"].dtype == "int64"


def test_report_states_replicates_seeds_costs_and_significance(comparison):
    _, out, _ = comparison
    md = (out / "report.md").read_text()
    assert "Replicates per strategy: 4; seeds 0-3" in md
    assert "watch_per_household_year" in md and "250" in md  # unit costs from config.yaml
    significant = md.split("## Differences whose 95% CI excludes zero")[1].split("##")[0]
    rows = [line for line in significant.splitlines() if line.startswith("| watch")]
    assert any("True crimes" in r and "better" in r for r in rows)
    assert any("Programme cost" in r and "higher" in r for r in rows)  # cost: no better side
    # meetings leaves crime unchanged: its crime difference is not listed.
    assert not any(line.startswith("| meetings | True crimes") for line in significant.splitlines())
    for png in ("effects.png", "hotspots.png", "equity.png"):
        assert f"]({png})" in md


def test_key_findings_name_the_best_and_the_harms(comparison):
    _, out, _ = comparison
    md = (out / "report.md").read_text()
    findings = md.split("## Key findings")[1].split("##")[0]
    # Strategies without a preset file are named by their humanised key.
    assert "Largest cut in true crimes: Watch, -" in findings
    assert "Most crimes averted per $1M of extra cost" in findings and "Watch, 4" in findings
    assert "No strategy raised mean trust in police." in findings
    assert "Meetings is worse than baseline (95% CI excludes zero) on: Mean trust" in findings


def test_html_is_self_contained(comparison):
    _, out, _ = comparison
    page = (out / "report.html").read_text()
    sources = re.findall(r'src="([^"]+)"', page)
    assert len(sources) == 6
    assert all(s.startswith("data:image/png;base64,") for s in sources)
    assert "http://" not in page and "https://" not in page
    assert "<table>" in page and "Runs left out" in page


def test_map_note_when_the_city_cannot_be_rebuilt(tmp_path):
    missing = tmp_path / "missing.graphml"
    root = write_comparison(
        tmp_path / "runs",
        {"watch": {"crimes": -5.0}},
        seeds=range(2),
        days=5,
        config_extra=f"city:\n  kind: graphml\n  graphml: {missing}\n",
    )
    rep = report.build_report(root, tmp_path / "out", graph=None)
    assert "map" not in rep.figures
    [note] = [n for n in rep.notes if "Hot-spot map not drawn" in n]
    assert "city.graphml" in note and "file not found" in note
    assert "Hot-spot map not drawn" in (tmp_path / "out" / "report.md").read_text()


def _sweep(root, params):
    for i, values in enumerate(params):
        for k in range(3):
            over = [f"{key}={v}" for key, v in values.items()]
            crimes = 100 - 50 * values.get("policy.watch_coverage", 0) + k
            write_run(
                root / f"job{i}_{k}", seed=k, days=4, overrides=over, summary={"crimes": crimes}
            )
    return root


def test_one_swept_parameter_gives_line(tmp_path):
    root = _sweep(tmp_path / "multirun", [{"policy.watch_coverage": c} for c in (0.0, 0.2, 0.4)])
    assert report.main([str(root), "--out", str(tmp_path / "rep")]) == 0
    md = (tmp_path / "rep" / "report.md").read_text()
    assert (tmp_path / "rep" / "sweep_crimes.png").is_file()
    assert "Swept policy.watch_coverage: 0.0, 0.2, 0.4" in md
    summary = pd.read_csv(tmp_path / "rep" / "summary.csv")
    crimes = summary[summary["outcome"] == "crimes"]
    assert list(crimes["mean"]) == pytest.approx([101, 91, 81])


def test_two_swept_parameters_give_heatmap(tmp_path):
    grid = [{"policy.watch_coverage": c, "policy.funding": f} for c in (0, 0.5) for f in (0, 9)]
    root = _sweep(tmp_path / "multirun", grid)
    assert report.main([str(root), "--outcome", "trust_mean"]) == 0
    assert (root / "report" / "heatmap_trust_mean.png").is_file()
    # Choosing one axis pools the other, and says so.
    rep = report.build_report(root, tmp_path / "x", x="policy.funding")
    assert rep.mode == "sweep-1d"
    assert any("pooled" in n and "policy.watch_coverage" in n for n in rep.notes)


def test_bad_input_exit_codes(tmp_path, capsys):
    root = _sweep(tmp_path / "m", [{"policy.watch_coverage": 0.1}])
    assert report.main([]) == 2
    assert "required: dir" in capsys.readouterr().err
    assert report.main([str(tmp_path / "missing")]) == 2
    assert report.main([str(root), "--x", "policy.nope"]) == 2
    assert report.main([str(root), "--outcome", "nope"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and all(line.startswith("commsim: error: ") for line in err)
    assert "--x=policy.nope: not a parameter" in err[1]
    assert "--outcome=nope: not a summary key" in err[2]
    empty = tmp_path / "empty"
    write_run(empty / "a", status="failed", error="boom", write_files=False)
    assert report.main([str(empty)]) == 2
    assert "no complete runs (1 failed, 0 incomplete)" in capsys.readouterr().err


def _folder_of_text(path):
    path.mkdir()
    (path / "notes.txt").write_text("not a run")
    return path


def _broken_summary(path):
    write_run(path / "a")
    (path / "a" / "summary.json").write_text("{not json")
    return path


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda p: p.mkdir() or p, "no complete runs (0 failed, 0 incomplete)"),
        (_folder_of_text, "no complete runs (0 failed, 0 incomplete)"),
        (_broken_summary, "no complete runs (0 failed, 0 incomplete, 1 corrupt)"),
        (lambda p: p.write_text("a,b\n") and p, "is a file, not a directory"),
        (lambda p: p, "no such directory"),
    ],
    ids=["empty", "text-files", "broken-summary", "a-file", "missing"],
)
def test_a_folder_without_runs_says_what_folder_is_expected(tmp_path, capsys, make, problem):
    folder = make(tmp_path / "given")
    assert report.main([str(folder), "--out", str(tmp_path / "rep")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and problem in lines[0]
    assert lines[0].endswith(
        "expected the output folder of commsim compare, commsim sweep or commsim run -m, "
        "holding complete runs (each with manifest.json and summary.json)"
    )
    assert not (tmp_path / "rep").exists()


def test_an_unknown_baseline_lists_the_strategies(tmp_path, capsys):
    runs = tmp_path / "runs"
    write_run(runs / "b", strategy="baseline")
    write_run(runs / "w", strategy="watch")
    assert report.main([str(runs), "--baseline", "nope", "--out", str(tmp_path / "rep")]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "commsim: error: --baseline=nope: no runs of that strategy here; the strategies are "
        "baseline, watch"
    ]
    assert not (tmp_path / "rep").exists()
    # Without --baseline, a folder with no 'baseline' runs is still reported.
    only_watch = tmp_path / "watch"
    write_run(only_watch / "w", strategy="watch")
    assert report.main([str(only_watch), "--out", str(tmp_path / "rep2")]) == 0


@pytest.mark.parametrize(
    ("value", "low", "high", "sign", "text"),
    [
        (-82.8, -202.0, 36.7, True, "-83 [-202, 37]"),
        (7.08e-05, -0.000167, 0.000309, True, "+0.00007 [-0.00017, 0.00031]"),
        (0.4, 0.365, 0.435, False, "0.400 [0.365, 0.435]"),
        (886.0, 758.0, 1013.0, False, "886 [758, 1,013]"),
        (915_000.0, 915_000.0, 915_000.0, True, "+915,000"),  # fixed: no interval shown
    ],
)
def test_estimates_are_rounded_to_their_precision(value, low, high, sign, text):
    assert report._estimate(value, low, high, sign) == text


def test_three_swept_parameters_give_tables_only(tmp_path):
    grid = [
        {"policy.watch_coverage": c, "policy.funding": f, "days": d}
        for c in (0, 0.5)
        for f in (0, 9)
        for d in (10, 20)
    ]
    root = _sweep(tmp_path / "multirun", grid)
    rep = report.build_report(root, tmp_path / "rep")
    assert rep.mode == "table" and not rep.figures
    assert any("--x and --y" in n for n in rep.notes)
    summary = pd.read_csv(tmp_path / "rep" / "summary.csv")
    assert len(summary[summary["outcome"] == "crimes"]) == 8


def test_runs_of_commsim_0_1_are_reported_with_a_note(tmp_path):
    for k in range(2):
        write_run(tmp_path / "runs" / f"seed_{k}", seed=k, legacy=True, days=4)
    write_run(tmp_path / "runs" / "seed_2", seed=2, days=4)
    rep = report.build_report(tmp_path / "runs", tmp_path / "rep", graph=grid_city(5))
    assert len(rep.runs) == 3
    [note] = [n for n in rep.notes if "commsim 0.1" in n]
    assert note.startswith("2 run(s) were written by commsim 0.1")
    assert "commsim 0.1" in (tmp_path / "rep" / "report.md").read_text()


def test_a_second_report_into_the_same_folder_is_one_line(tmp_path, capsys):
    from commsim import store

    root = _sweep(tmp_path / "m", [{"policy.watch_coverage": 0.1}])
    with store.lock(tmp_path / "rep"):
        assert report.main([str(root), "--out", str(tmp_path / "rep")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is in use by another commsim process" in err[0]


def test_a_failing_report_leaves_the_previous_one_as_it_was(tmp_path, monkeypatch, capsys):
    root = _sweep(tmp_path / "m", [{"policy.watch_coverage": c} for c in (0.0, 0.4)])
    out = tmp_path / "rep"
    assert report.main([str(root), "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}

    def broken(*args, **kwargs):
        raise ValueError("figure exploded")

    monkeypatch.setattr(report, "_figures", broken)
    assert report.main([str(root), "--out", str(out)]) == 1
    assert (
        capsys.readouterr()
        .err.strip()
        .endswith("commsim: error: report failed: ValueError: figure exploded")
    )
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after == before
    assert not [p for p in out.iterdir() if p.name.startswith(".report-")]


def test_series_writers_use_their_own_temporary_files(tmp_path):
    runs = write_comparison(tmp_path / "runs", {"watch": {"crimes": -5.0}}, seeds=range(2), days=3)
    from commsim import results

    table = results.runs_table(results.load_runs(runs))
    a = report._SeriesWriter(tmp_path / "ts.parquet", table, runs)
    b = report._SeriesWriter(tmp_path / "ts.parquet", table, runs)
    assert a.tmp != b.tmp
    for writer in (a, b):
        with writer:
            pass
    assert (tmp_path / "ts.parquet").is_file() and not list(tmp_path.glob(".*.tmp"))


def test_map_comes_from_the_city_section_alone(tmp_path):
    # A commsim 0.1 config: its other sections use keys that have since been renamed.
    old_keys = (
        "city:\n  kind: grid\n  places: 25\n  neighborhoods: 4\noffending:\n  watch_vigilance: 1\n"
    )
    root = write_comparison(
        tmp_path / "runs", {"watch": {"crimes": -5.0}}, seeds=range(2), days=5,
        config_extra=old_keys,
    )  # fmt: skip
    rep = report.build_report(root, tmp_path / "out", graph=None)
    assert rep.figures["map"] == "hotspots.png"
    assert not [n for n in rep.notes if "Hot-spot" in n]
