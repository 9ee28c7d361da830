"""Sweeps on Ray and submitit give the same runs as serial runs, run for run."""

import json
import os
import shutil
import subprocess
import sys
import tempfile

import pandas as pd
import pytest

from commsim.engine import run_many

pytestmark = pytest.mark.cluster

SWEEP = ["city=small", "days=15", "warmup_days=3", "policy.watch_coverage=0,0.4", "seed=0,1"]
ENV = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled"}


def _sweep(tmp_path, launcher, *extra):
    out = tmp_path / launcher
    args = ["run", "-m", *SWEEP, f"hydra/launcher={launcher}", f"hydra.sweep.dir={out}", *extra]
    proc = subprocess.run(
        [sys.executable, "-m", "commsim.cli", *args],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    runs = {}
    for manifest in out.glob("*/manifest.json"):
        m = json.loads(manifest.read_text())
        assert m["status"] == "complete"
        coverage = next(o for o in m["overrides"] if o.startswith("policy.watch_coverage"))
        runs[(coverage.split("=")[1], m["seed"])] = manifest.parent
    return runs


def _assert_equal_to_serial(runs):
    assert len(runs) == 4
    base = ["city=small", "days=15", "warmup_days=3"]
    keys = sorted(runs)
    serial = run_many([([*base, f"policy.watch_coverage={c}"], s) for c, s in keys], n_jobs=1)
    for key, result in zip(keys, serial, strict=True):
        summary = json.loads((runs[key] / "summary.json").read_text())
        assert summary == pytest.approx(result.summary, rel=1e-12), key
        events = pd.read_parquet(runs[key] / "events.parquet")
        assert events["place"].tolist() == result.events["place"].tolist()


def test_submitit_local_sweep_equals_serial(tmp_path):
    _assert_equal_to_serial(_sweep(tmp_path, "submitit_local"))


def test_ray_local_sweep_equals_serial(tmp_path):
    # Ray's socket paths must stay under 107 bytes: a short temp dir of our own.
    ray_dir = tempfile.mkdtemp(prefix="ray", dir="/tmp")
    ray_tmp = f"+hydra.launcher.ray.init._temp_dir={ray_dir}"
    try:
        runs = _sweep(tmp_path, "ray_local", "hydra.launcher.ray.init.num_cpus=2", ray_tmp)
    finally:
        shutil.rmtree(ray_dir, ignore_errors=True)
    _assert_equal_to_serial(runs)


def test_joblib_is_the_default_multirun_launcher(tmp_path):
    _assert_equal_to_serial(_sweep(tmp_path, "joblib"))
