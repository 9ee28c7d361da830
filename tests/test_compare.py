import json
from pathlib import Path

import pandas as pd
import pytest

import commsim
from commsim import compare, results
from fake_runs import write_run

FAST = ["city=small", "days=20", "warmup_days=5"]


def _manifest(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text())


def test_plan_is_seed_major_with_common_seeds(tmp_path):
    tasks = compare.plan(["baseline", "watch"], 3, tmp_path, ["city=small"])
    assert [(t.strategy, t.seed) for t in tasks] == [
        ("baseline", 0),
        ("watch", 0),
        ("baseline", 1),
        ("watch", 1),
        ("baseline", 2),
        ("watch", 2),
    ]
    assert tasks[1].overrides == ("policy=watch", "city=small", "seed=0")
    assert tasks[1].run_dir == tmp_path / "runs" / "watch" / "seed_0"


def test_default_strategies_are_the_policy_options_baseline_first():
    names = compare.available_strategies()
    assert names[0] == "baseline"
    assert set(names) == set(commsim.config.options("policy"))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--strategies", "baseline,nope"], "strategies=baseline,nope: choose from baseline"),
        (["seed=3"], "seed=3: compare uses seeds 0..N-1"),
        (["policy=baseline"], "policy=baseline: choose strategies with --strategies"),
        (["--replicates", "0"], "replicates=0: must be at least 1"),
        (["replicates=x"], "replicates=x: must be a whole number"),
        (["policy.watch_coverage=2"], "policy.watch_coverage=2"),
        (["days"], "days: overrides look like key=value"),
        (["--replicates", "abc"], "argument --replicates: invalid int value: 'abc'"),
    ],
)
def test_bad_input_stops_before_running(tmp_path, capsys, argv, message):
    assert compare.main(["--out", str(tmp_path / "out"), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("commsim: error: ") and message in err
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_resume_skips_complete_runs_and_redoes_the_rest(tmp_path, monkeypatch):
    tasks = compare.plan(["baseline", "watch"], 2, tmp_path, ["days=9"])
    done = tasks[0]
    write_run(done.run_dir, seed=0, overrides=["days=9"])
    write_run(tasks[1].run_dir, strategy="watch", seed=0, status="failed", write_files=False)
    write_run(tasks[2].run_dir, seed=1, status="running", write_files=False)
    # Complete, but made with other settings: redone.
    write_run(tasks[3].run_dir, strategy="watch", seed=1, overrides=["days=10"])

    ran = []

    def fake_run_one(task):
        ran.append(task)
        return compare.Outcome(task, "complete")

    monkeypatch.setattr(compare, "_run_one", fake_run_one)
    outcomes = compare.run_tasks(tasks, jobs=1, progress=False)
    assert [o.status for o in outcomes] == ["skipped", "complete", "complete", "complete"]
    assert ran == tasks[1:]


def test_failed_run_is_recorded_and_others_go_on(tmp_path, monkeypatch, capsys):
    real_run = commsim.run

    def flaky_run(config, seed=None, **kwargs):
        if seed == 1:
            raise RuntimeError("offender pool exploded")
        return real_run(config, seed=seed, **kwargs)

    monkeypatch.setattr(commsim, "run", flaky_run)
    out = tmp_path / "cmp"
    argv = ["--strategies", "baseline", "--replicates", "3", "--out", str(out), "--jobs", "1"]
    code = compare.main([*argv, "--quiet", *FAST])
    assert code == 1
    failed = _manifest(out / "runs" / "baseline" / "seed_1")
    assert failed["status"] == "failed"
    assert failed["error"] == "RuntimeError: offender pool exploded"
    assert "Traceback" in failed["traceback"]
    for k in (0, 2):
        assert _manifest(out / "runs" / "baseline" / f"seed_{k}")["status"] == "complete"
    skipped = pd.read_csv(out / "report" / "skipped.csv")
    assert list(skipped["run_dir"]) == ["baseline/seed_1"]
    assert "offender pool exploded" in (out / "report" / "report.md").read_text()
    assert "failed: " in capsys.readouterr().err

    # Run again with a working model: only the failed run is redone.
    monkeypatch.setattr(commsim, "run", real_run)
    mtime = (out / "runs" / "baseline" / "seed_0" / "summary.json").stat().st_mtime_ns
    assert compare.main([*argv, "--quiet", *FAST]) == 0
    assert "ran 1 (0 failed), skipped 2" in capsys.readouterr().err
    assert (out / "runs" / "baseline" / "seed_0" / "summary.json").stat().st_mtime_ns == mtime
    assert _manifest(out / "runs" / "baseline" / "seed_1")["status"] == "complete"


def test_report_only_uses_this_comparisons_runs(tmp_path):
    out = tmp_path / "cmp"
    base = ["--strategies", "baseline", "--out", str(out), "--jobs", "1", "--quiet", *FAST]
    assert compare.main([*base, "--replicates", "3"]) == 0
    assert compare.main([*base, "--replicates", "2"]) == 0
    assert len(pd.read_parquet(out / "report" / "runs.parquet")) == 2


def _two_strategies():
    names = compare.available_strategies()
    if len(names) < 2:
        pytest.skip("needs at least two policy options in conf/policy")
    return names[:2]


def test_end_to_end_on_the_small_city(tmp_path):
    strategies = _two_strategies()
    out = tmp_path / "cmp"
    argv = ["--strategies", ",".join(strategies), "--replicates", "2", "--out", str(out)]
    assert compare.main([*argv, "--jobs", "2", "--quiet", *FAST]) == 0

    runs = results.load_runs(out / "runs")
    assert len(runs.complete) == 4 and not runs.skipped
    for strategy in strategies:
        for k in (0, 1):
            manifest = _manifest(out / "runs" / strategy / f"seed_{k}")
            assert manifest["strategy"] == strategy and manifest["seed"] == k
            assert f"policy={strategy}" in manifest["overrides"]
    report_dir = out / "report"
    for name in ("summary.csv", "runs.parquet", "timeseries.parquet", "report.html", "effects.png"):
        assert (report_dir / name).is_file(), name
    summary = pd.read_csv(report_dir / "summary.csv")
    assert set(summary["strategy"]) == set(strategies)
    assert (summary.loc[summary["strategy"] == strategies[1], "n_pairs"] == 2).all()
    ts = pd.read_parquet(report_dir / "timeseries.parquet")
    assert len(ts) == 4 * 20

    # Same seeds in one process give the same numbers as the parallel runs.
    serial = tmp_path / "serial"
    argv = ["--strategies", ",".join(strategies), "--replicates", "2", "--out", str(serial)]
    assert compare.main([*argv, "--jobs", "1", "--quiet", *FAST]) == 0
    a = pd.read_parquet(out / "report" / "runs.parquet").drop(columns="wall_seconds")
    b = pd.read_parquet(serial / "report" / "runs.parquet").drop(columns="wall_seconds")
    pd.testing.assert_frame_equal(a, b)


def test_dead_worker_counts_as_failed_run(tmp_path):
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    task = compare.plan(["baseline"], 1, tmp_path)[0]
    future = Future()
    future.set_exception(BrokenProcessPool("a child process terminated abruptly"))
    outcome = compare._collect(future, task)
    assert outcome.status == "failed" and outcome.error.startswith("worker process died")
    manifest = _manifest(task.run_dir)
    assert manifest["status"] == "failed" and manifest["strategy"] == "baseline"
    assert results.classify_run(task.run_dir).status == "failed"
