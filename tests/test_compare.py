import errno
import json
from pathlib import Path

import pandas as pd
import pytest

import commsim
from commsim import compare, engine, results, store

FAST = ["city=small", "days=20", "warmup_days=5"]


def _manifest(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text())


def _args(out, *extra, strategies="baseline", replicates=3):
    return ["--strategies", strategies, "--replicates", str(replicates), "--out", str(out),
            "--launcher", "serial", "--quiet", *extra, *FAST]  # fmt: skip


def test_plan_is_seed_major_with_common_seeds(tmp_path):
    jobs = compare.plan(["baseline", "watch"], 3, tmp_path, ["city=small"])
    assert [(j.label, j.seed) for j in jobs] == [
        ("baseline", 0),
        ("watch", 0),
        ("baseline", 1),
        ("watch", 1),
        ("baseline", 2),
        ("watch", 2),
    ]
    assert jobs[1].all_overrides == ["policy=watch", "city=small", "seed=0"]
    assert jobs[1].run_dir == tmp_path / "runs" / "watch" / "seed_0"


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
        (["+policy.no_such_lever=1"], "policy.no_such_lever='1': unknown key under policy"),
        (["days"], "days: overrides look like key=value"),
        (["--replicates", "abc"], "argument --replicates: invalid int value: 'abc'"),
        (["--launcher", "cloud"], "--launcher='cloud': must be one of serial, local, ray"),
        (["--jobs", "0"], "--jobs=0: must be at least 1"),
        (["hydra.launcher.n_jobs=2"], "hydra settings do not apply; use --launcher"),
    ],
)
def test_bad_input_stops_before_running(tmp_path, capsys, argv, message):
    assert compare.main(["--out", str(tmp_path / "out"), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("commsim: error: ") and message in err
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "out").exists()


@pytest.fixture
def done(tmp_path):
    """A finished comparison of two strategies x two seeds."""
    out = tmp_path / "cmp"
    argv = _args(out, strategies="baseline,neighborhood_watch", replicates=2)
    assert compare.main(argv) == 0
    return out, argv


def test_resume_reuses_complete_runs_and_redoes_every_other_state(done, capsys):
    out, argv = done
    runs = out / "runs"
    index = pd.read_csv(out / "index.csv")
    assert list(index["run_dir"]) == sorted(
        f"runs/{s}/seed_{k}" for s in ("baseline", "neighborhood_watch") for k in (0, 1)
    )
    assert (index["overrides"].str.contains("policy=")).all()
    started = {d: _manifest(d)["started"] for d in runs.glob("*/seed_*")}
    # One run failed, one was interrupted, one has a truncated table, one is fine.
    failed = _manifest(runs / "baseline" / "seed_0") | {"status": "failed", "error": "boom"}
    (runs / "baseline" / "seed_0" / "manifest.json").write_text(json.dumps(failed))
    running = _manifest(runs / "baseline" / "seed_1") | {"status": "running"}
    (runs / "baseline" / "seed_1" / "manifest.json").write_text(json.dumps(running))
    series = runs / "neighborhood_watch" / "seed_0" / "timeseries.parquet"
    series.write_bytes(series.read_bytes()[:300])
    capsys.readouterr()
    assert compare.main(argv) == 0
    err = capsys.readouterr().err
    assert "redoing 1 corrupt run(s)" in err
    assert "ran 3 (0 failed), reused 1 complete" in err
    kept = runs / "neighborhood_watch" / "seed_1"
    assert _manifest(kept)["started"] == started[kept]
    assert all(store.run_state(d).complete for d in started)
    # Runs made by an earlier model version are redone, although their config is the same.
    old = _manifest(kept) | {"model_version": store.MODEL_VERSION - 1}
    (kept / "manifest.json").write_text(json.dumps(old))
    assert compare.main(argv) == 0
    err = capsys.readouterr().err
    assert "redoing 1 stale run(s)" in err and "ran 1 (0 failed), reused 3 complete" in err
    assert _manifest(kept)["model_version"] == store.MODEL_VERSION
    # Other settings in the same folder: every run is stale and redone.
    assert compare.main([*argv, "days=21"]) == 0
    assert "redoing 4 stale run(s)" in capsys.readouterr().err
    summary = pd.read_parquet(out / "report" / "runs.parquet")
    assert len(summary) == 4


def test_a_report_that_cannot_be_written_is_one_line_and_keeps_the_runs(done, capsys, monkeypatch):
    out, argv = done
    before = (out / "report" / "report.html").read_bytes()

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(commsim.report, "_move_into_place", full_disk)
    capsys.readouterr()
    assert compare.main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("commsim: error: report failed: disk full")
    assert f"commsim report {out / 'runs'}" in err[-1]
    assert (out / "report" / "report.html").read_bytes() == before  # the old report stays
    assert all(store.run_state(d).complete for d in (out / "runs").glob("*/seed_*"))


def test_report_survives_a_truncated_run(done, capsys):
    out, _ = done
    series = out / "runs" / "baseline" / "seed_1" / "timeseries.parquet"
    series.write_bytes(series.read_bytes()[:300])
    before = (out / "report" / "report.html").stat().st_mtime_ns
    assert commsim.report.main([str(out / "runs"), "--out", str(out / "report")]) == 0
    err = capsys.readouterr().err
    assert "left out: baseline/seed_1: corrupt: timeseries.parquet fails its checksum" in err
    skipped = pd.read_csv(out / "report" / "skipped.csv")
    assert list(skipped["status"]) == ["corrupt"]
    assert (out / "report" / "report.html").stat().st_mtime_ns > before
    assert len(pd.read_parquet(out / "report" / "runs.parquet")) == 3


def test_failed_run_is_recorded_and_others_go_on(tmp_path, monkeypatch, capsys):
    real_run = engine.jobs.run

    def flaky_run(config, **kwargs):
        if config.seed == 1:
            raise RuntimeError("offender pool exploded")
        return real_run(config, **kwargs)

    monkeypatch.setattr(engine.jobs, "run", flaky_run)
    out = tmp_path / "cmp"
    assert compare.main(_args(out)) == 1
    failed = _manifest(out / "runs" / "baseline" / "seed_1")
    assert failed["status"] == "failed"
    assert failed["error"] == "RuntimeError: offender pool exploded"
    for k in (0, 2):
        assert _manifest(out / "runs" / "baseline" / f"seed_{k}")["status"] == "complete"
    skipped = pd.read_csv(out / "report" / "skipped.csv")
    assert list(skipped["run_dir"]) == ["baseline/seed_1"]
    assert "offender pool exploded" in (out / "report" / "report.md").read_text()
    assert "failed: " in capsys.readouterr().err

    # Run again with a working model: only the failed run is redone.
    monkeypatch.setattr(engine.jobs, "run", real_run)
    mtime = (out / "runs" / "baseline" / "seed_0" / "summary.json").stat().st_mtime_ns
    assert compare.main(_args(out)) == 0
    assert "ran 1 (0 failed), reused 2" in capsys.readouterr().err
    assert (out / "runs" / "baseline" / "seed_0" / "summary.json").stat().st_mtime_ns == mtime
    assert _manifest(out / "runs" / "baseline" / "seed_1")["status"] == "complete"


def test_report_only_uses_this_comparisons_runs(tmp_path):
    out = tmp_path / "cmp"
    assert compare.main(_args(out, replicates=3)) == 0
    assert compare.main(_args(out, replicates=2)) == 0
    assert len(pd.read_parquet(out / "report" / "runs.parquet")) == 2


def _no_runs(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("a run was started")

    monkeypatch.setattr(engine.jobs, "run", forbidden)


def test_a_second_compare_on_the_same_folder_stops_with_one_line(tmp_path, monkeypatch, capsys):
    _no_runs(monkeypatch)
    out = tmp_path / "cmp"
    with store.lock(out, "--out"):  # another commsim compare is writing here
        assert compare.main(_args(out)) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"commsim: error: --out {out} is in use by another commsim process")
    assert len(err.splitlines()) == 1
    assert not (out / "runs").exists()


def test_a_read_only_folder_fails_before_any_run(tmp_path, monkeypatch, capsys):
    _no_runs(monkeypatch)

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path / "cmp" / "runs"))

    monkeypatch.setattr(store.tempfile, "mkstemp", read_only)
    assert compare.main(_args(tmp_path / "cmp")) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"commsim: error: --out {tmp_path / 'cmp' / 'runs'}: read-only file system: "
        f"cannot write {tmp_path / 'cmp' / 'runs'}"
    )


def test_a_full_disk_stops_with_one_line_and_resumes(tmp_path, monkeypatch, capsys):
    real = store.write_parquet
    run_dirs = []

    def fills_up(path, frame):
        run_dir = Path(path).parent
        if run_dir not in run_dirs:
            run_dirs.append(run_dir)
        if len(run_dirs) > 1:  # every table of the first run fits, the second run's do not
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, frame)

    monkeypatch.setattr(store, "write_parquet", fills_up)
    out = tmp_path / "cmp"
    assert compare.main(_args(out)) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("commsim: error: disk full: no space left to write")
    states = [store.run_state(out / "runs" / "baseline" / f"seed_{k}") for k in range(3)]
    assert [s.status for s in states] == ["complete", "failed", "missing"]
    assert states[1].reason.startswith("disk full")
    assert not list(out.rglob("*.tmp"))
    monkeypatch.setattr(store, "write_parquet", real)
    assert compare.main(_args(out)) == 0
    assert "ran 2 (0 failed), reused 1 complete" in capsys.readouterr().err


def test_end_to_end_on_two_cores_equals_serial(tmp_path):
    strategies = compare.available_strategies()[:2]
    out = tmp_path / "cmp"
    argv = ["--strategies", ",".join(strategies), "--replicates", "2", "--out", str(out)]
    assert compare.main([*argv, "--launcher", "local", "--jobs", "2", "--quiet", *FAST]) == 0

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
    assert not [p for p in report_dir.iterdir() if p.name.startswith(".report-")]
    summary = pd.read_csv(report_dir / "summary.csv")
    assert set(summary["strategy"]) == set(strategies)
    assert (summary.loc[summary["strategy"] == strategies[1], "n_pairs"] == 2).all()
    ts = pd.read_parquet(report_dir / "timeseries.parquet")
    assert len(ts) == 4 * 20

    serial = tmp_path / "serial"
    argv = ["--strategies", ",".join(strategies), "--replicates", "2", "--out", str(serial)]
    assert compare.main([*argv, "--launcher", "serial", "--quiet", *FAST]) == 0
    a = pd.read_parquet(out / "report" / "runs.parquet").drop(columns="wall_seconds")
    b = pd.read_parquet(serial / "report" / "runs.parquet").drop(columns="wall_seconds")
    pd.testing.assert_frame_equal(a, b)


def test_dead_worker_counts_as_failed_run(tmp_path):
    [job] = engine.prepare(compare.plan(["baseline"], 1, tmp_path, FAST))
    job.run_dir.mkdir(parents=True)  # the worker had started the run when it died
    (job.run_dir / "manifest.json").write_text(json.dumps({"status": "running", "seed": 0}))
    result = engine.backends._lost(job, "worker process died: BrokenProcessPool")
    assert result.status == "failed"
    state = store.run_state(job.run_dir)
    assert state.status == "failed" and state.reason.startswith("worker process died")
