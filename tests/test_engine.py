"""The experiment engine: validation up front, reuse, faults, memory, Ctrl-C, backends."""

import errno
import gc
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

import commsim.config
from commsim import ConfigError, engine, store, with_overrides

TINY = ("city=small", "days=5", "warmup_days=2")


def _jobs(root, strategies=("baseline", "neighborhood_watch"), seeds=(0, 1)):
    return [
        engine.Job((f"policy={s}", *TINY), (("seed", k),), root / s / f"seed_{k}", label=s)
        for k in seeds
        for s in strategies
    ]


def test_every_config_is_composed_once_and_checked_before_any_run(tmp_path, monkeypatch):
    calls = []
    real = commsim.config.load_config

    def counting(overrides):
        calls.append(tuple(overrides))
        return real(overrides)

    monkeypatch.setattr(commsim.config, "load_config", counting)
    jobs = engine.prepare(_jobs(tmp_path, seeds=range(5)))
    assert len(jobs) == 10 and len(calls) == 2  # one composition per strategy
    assert [j.seed for j in jobs[:4]] == [0, 0, 1, 1]
    assert jobs[3].all_overrides == ["policy=neighborhood_watch", *TINY, "seed=1"]

    bad = [*_jobs(tmp_path), engine.Job(TINY, (("policy.watch_coverage", 3.0),), tmp_path / "x")]
    with pytest.raises(ConfigError, match=r"policy.watch_coverage=3.0: must be between 0 and 1"):
        engine.run_jobs(bad, progress=False)
    assert not any(tmp_path.iterdir())  # nothing ran


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["+policy.no_such_lever=1"], "policy.no_such_lever='1': unknown key under policy"),
        (["city="], "city='': must be one of default"),
        (["=5"], "override='=5': has no key"),
    ],
)
def test_composition_errors_name_the_key(overrides, message):
    with pytest.raises(ConfigError) as info:
        engine.compose(overrides)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_complete_runs_are_reused_stale_and_corrupt_ones_redone(tmp_path):
    [job] = engine.prepare(_jobs(tmp_path, ("baseline",), (0,)))
    first = engine.execute(job)
    assert first.status == "complete" and first.summary["crimes"] >= 0
    assert engine.execute(job).status == "skipped"
    assert engine.run_jobs([job], progress=False)[0].status == "skipped"
    # The same folder asked for another config: redone, not reused.
    [other] = engine.prepare([engine.Job((*TINY, "days=6"), (("seed", 0),), job.run_dir)])
    assert engine.execute(other).status == "complete"
    assert "days: 6" in (job.run_dir / "config.yaml").read_text()
    # A truncated table: redone.
    data = (job.run_dir / "events.parquet").read_bytes()
    (job.run_dir / "events.parquet").write_bytes(data[:50])
    assert store.run_state(job.run_dir).status == "corrupt"
    assert engine.execute(other).status == "complete"
    assert store.run_state(job.run_dir, engine.expected_hash(other.config)).complete


def test_a_busy_run_folder_is_left_to_its_holder(tmp_path):
    [job] = engine.prepare(_jobs(tmp_path, ("baseline",), (0,)))
    with store.lock(job.run_dir):
        result = engine.execute(job)
    assert result.status == "busy" and "is in use" in result.error
    assert store.run_state(job.run_dir).status == "missing"  # nothing written in its name


def test_a_full_disk_stops_the_batch_with_one_line(tmp_path, monkeypatch):
    def full(path, frame):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(store, "write_parquet", full)
    jobs = _jobs(tmp_path)
    with pytest.raises(engine.BatchStoppedError) as info:
        engine.run_jobs(jobs, engine.Launcher("serial"), progress=False)
    assert str(info.value).startswith("disk full: no space left to write ")
    states = [store.run_state(j.run_dir).status for j in jobs]
    assert states == ["failed", "missing", "missing", "missing"]  # stopped at the first


def test_a_failing_run_is_recorded_and_the_others_go_on(tmp_path, monkeypatch):
    real = engine.jobs.run

    def flaky(config, **kwargs):
        if config.seed == 1:
            raise RuntimeError("offender pool exploded")
        return real(config, **kwargs)

    monkeypatch.setattr(engine.jobs, "run", flaky)
    results = engine.run_jobs(_jobs(tmp_path), engine.Launcher("serial"), progress=False)
    assert [r.status for r in results] == ["complete", "complete", "failed", "failed"]
    assert results[2].error == "RuntimeError: offender pool exploded"
    assert store.run_state(results[2].job.run_dir).reason == "RuntimeError: offender pool exploded"


def test_memory_stays_flat_over_50_runs_in_one_process():
    """Mesa's class-level Agent._ids kept every model alive: ~0.7 MB per tiny run here."""
    [job] = engine.prepare([engine.Job(TINY, (("seed", 0),))])
    process = psutil.Process()
    rss = []
    for seed in range(50):
        config = with_overrides(job.config, seed=seed)
        assert engine.execute(engine.Job(config=config)).status == "complete"
        gc.collect()
        rss.append(process.memory_info().rss / 1e6)
    growth = sum(rss[-10:]) / 10 - sum(rss[:10]) / 10
    print(f"RSS first 10 runs {sum(rss[:10]) / 10:.1f} MB, last 10 {sum(rss[-10:]) / 10:.1f} MB")
    assert growth < 5.0, f"RSS grew {growth:.1f} MB over 40 runs"


def test_local_workers_give_the_same_files_as_serial(tmp_path):
    serial = engine.run_jobs(_jobs(tmp_path / "serial"), engine.Launcher("serial"), False)
    local = engine.run_jobs(_jobs(tmp_path / "local"), engine.Launcher("local", jobs=2), False)
    assert all(r.status == "complete" for r in serial + local)
    for a, b in zip(serial, local, strict=True):
        assert store.run_state(a.job.run_dir).files == store.run_state(b.job.run_dir).files


def test_run_many_keeps_results_in_memory():
    a, b = engine.run_many([(list(TINY), 0), (list(TINY), 1)], n_jobs=1)
    assert (a.seed, b.seed) == (0, 1)
    assert set(a.tables) >= {"timeseries", "events"} and len(a.timeseries) == 5


# ------------------------------------------------------------------ Ctrl-C and SIGTERM


def _ctrl_c_works() -> None:
    """In the child: SIGINT back to its default, as in a terminal.

    A test suite started in the background (``make test &``, ``nohup``) inherits SIGINT
    ignored, and Python then never turns Ctrl-C into KeyboardInterrupt.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for_running(root: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for manifest in root.glob("runs/*/*/manifest.json"):
            try:
                if json.loads(manifest.read_text())["status"] == "running":
                    return
            except (OSError, ValueError):
                pass
        time.sleep(0.1)
    raise AssertionError("no run started")


@pytest.mark.parametrize(
    ("launcher", "sig", "code"),
    [("local", signal.SIGINT, 130), ("serial", signal.SIGTERM, 143)],
)
def test_interrupted_compare_stops_and_resumes(tmp_path, launcher, sig, code):
    out = tmp_path / "cmp"
    argv = [sys.executable, "-m", "commsim.cli", "compare", "--strategies", "baseline",
            "--replicates", "2", "--out", str(out), "--launcher", launcher, "--jobs", "2",
            "--quiet", "city=small", "days=730", "warmup_days=2"]  # fmt: skip
    proc = subprocess.Popen(
        argv, stderr=subprocess.PIPE, text=True, start_new_session=True, preexec_fn=_ctrl_c_works
    )
    _wait_for_running(out)
    time.sleep(0.5)
    sent = time.monotonic()
    os.killpg(proc.pid, sig)  # like Ctrl-C in a terminal: the whole process group
    _, err = proc.communicate(timeout=60)
    print(f"stopped {time.monotonic() - sent:.2f} s after the signal")
    assert proc.returncode == code
    assert err.strip().splitlines() == [
        "compare: interrupted; complete runs are kept; run the same command again to resume"
    ]
    states = {d.name: store.run_state(d) for d in (out / "runs" / "baseline").iterdir()}
    assert states and all(s.status in ("complete", "failed", "missing") for s in states.values())
    assert any(s.status == "failed" and s.reason.startswith("interrupted") for s in states.values())
    assert not list(out.rglob("*.tmp"))
    # The same command again finishes the job.
    again = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert all(store.run_state(d).complete for d in (out / "runs" / "baseline").iterdir())


# ------------------------------------------------------------------ backends, run for run


@pytest.mark.cluster
def test_every_backend_gives_the_same_files(tmp_path, monkeypatch):
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    ray_tmp = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # socket paths under 107 bytes
    launchers = {
        "serial": engine.Launcher("serial"),
        "local": engine.Launcher("local", jobs=2),
        "ray": engine.Launcher("ray", jobs=2, ray_temp_dir=ray_tmp),
        "submitit_local": engine.Launcher("submitit_local", jobs=2, folder=tmp_path / "submitit"),
    }
    files = {}
    try:
        for name, launcher in launchers.items():
            results = engine.run_jobs(_jobs(tmp_path / name), launcher, progress=False)
            assert [r.status for r in results] == ["complete"] * 4, [r.error for r in results]
            files[name] = [store.run_state(r.job.run_dir).files for r in results]
            summaries = [r.summary for r in results]
            files[name + " summaries"] = summaries
    finally:
        shutil.rmtree(ray_tmp, ignore_errors=True)
    # Byte-for-byte: every file of every run has the same SHA-256 on every backend.
    assert files["local"] == files["serial"]
    assert files["ray"] == files["serial"]
    assert files["submitit_local"] == files["serial"]
    assert files["ray summaries"] == files["serial summaries"]
    events = [tmp_path / name / "baseline" / "seed_1" / "events.parquet" for name in launchers]
    for path in events[1:]:
        pd.testing.assert_frame_equal(pd.read_parquet(path), pd.read_parquet(events[0]))


def test_ctrl_c_while_the_report_is_written_gives_one_line(tmp_path):
    out = tmp_path / "cmp"
    argv = [sys.executable, "-m", "commsim.cli", "compare", "--strategies", "baseline",
            "--replicates", "2", "--out", str(out), "--launcher", "serial", "--quiet",
            "city=small", "days=30", "warmup_days=2"]  # fmt: skip
    proc = subprocess.Popen(
        argv, stderr=subprocess.PIPE, text=True, start_new_session=True, preexec_fn=_ctrl_c_works
    )
    first = proc.stderr.readline()  # printed once the runs are done, before the report
    assert first.startswith("compare: 1 strategies x 2 replicates; ran 2")
    os.killpg(proc.pid, signal.SIGINT)
    _, rest = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert rest.strip().splitlines() == [
        f"compare: interrupted while writing the report; the previous report, if any, is "
        f"unchanged; the runs are kept (commsim report {out / 'runs'} writes it)"
    ]
    assert all(store.run_state(d).complete for d in (out / "runs" / "baseline").iterdir())
    assert not list(out.rglob(".report-*"))  # no half-written staging folder is left
