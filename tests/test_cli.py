"""The commsim command end to end, as a user runs it."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from commsim.io import RUN_FILES

SMALL = ["city=small", "days=20", "warmup_days=5"]


def commsim(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "commsim.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def test_run_writes_the_five_files(tmp_path):
    out = tmp_path / "run"
    proc = commsim("run", *SMALL, "policy.watch_coverage=0.4", f"hydra.run.dir={out}")
    assert proc.returncode == 0, proc.stderr
    for name in RUN_FILES:
        assert (out / name).is_file(), name
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["seed"] == 0 and manifest["counts"]["residents"] == 500
    assert {"mesa", "numpy", "commsim"} <= set(manifest["versions"])
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert len(ts) == 20 and "trust_mean_minority" in ts
    ev = pd.read_parquet(out / "events.parquet")
    assert list(ev.columns)[:5] == ["day", "hour", "place", "neighborhood", "type"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["watch_participation"] > 0.3
    assert "crimes (true)" in proc.stdout and str(out) in proc.stdout


@pytest.mark.parametrize(
    ("override", "needle"),
    [
        ("policy.watch_coverage=1.7", "policy.watch_coverage=1.7: must be between 0 and 1"),
        ("policy.patrol_strategy=teleport", "must be one of random, community, hotspot, mixed"),
        ("city.residentz=5", "city.residentz: unknown key"),
        ("policy=nope", "policy='nope': must be one of"),
        ("days=soon", "days='soon': must be an integer"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, override, needle):
    proc = commsim("run", *SMALL, override, f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0]
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "run").exists()


def test_bad_value_inside_a_sweep_is_caught_before_any_job(tmp_path):
    proc = commsim(
        "run", "-m", *SMALL, "policy.watch_coverage=0.2,1.5", f"hydra.sweep.dir={tmp_path / 's'}"
    )
    assert proc.returncode == 2
    assert "policy.watch_coverage=1.5" in proc.stderr
    assert not (tmp_path / "s").exists()


def test_funding_too_small_fails_clearly_and_marks_nothing_complete(tmp_path):
    out = tmp_path / "run"
    proc = commsim(
        "run", *SMALL, "policy.meetings_per_month=4", "policy.funding=10", f"hydra.run.dir={out}"
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "policy.funding" in proc.stderr
    assert not out.exists()  # refused before anything ran or was written


def test_funding_rule_is_checked_for_every_value_of_a_sweep(tmp_path):
    proc = commsim(
        "run", "-m", *SMALL, "policy.meetings_per_month=4", "policy.funding=10,1000000",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
    )  # fmt: skip
    assert proc.returncode == 2
    assert "policy.funding=10" in proc.stderr and proc.stderr.strip().count("\n") == 0
    assert not (tmp_path / "sweep").exists()


def test_multirun_sweeps_and_resumes(tmp_path):
    sweep = tmp_path / "sweep"
    args = [
        "run",
        "-m",
        *SMALL,
        "policy.watch_coverage=0,0.5",
        "seed=0,1",
        f"hydra.sweep.dir={sweep}",
    ]
    first = commsim(*args)
    assert first.returncode == 0, first.stderr
    runs = sorted(p for p in sweep.iterdir() if (p / "manifest.json").exists())
    assert len(runs) == 4
    # Interrupt one run: its manifest no longer says complete.
    broken = runs[0] / "manifest.json"
    manifest = json.loads(broken.read_text())
    manifest["status"] = "running"
    broken.write_text(json.dumps(manifest))
    second = commsim(*args)
    assert second.returncode == 0, second.stderr
    assert second.stdout.count("skip (already complete)") == 3
    assert json.loads(broken.read_text())["status"] == "complete"


def test_help_and_version():
    assert commsim("--version").stdout.startswith("commsim ")
    helped = commsim("--help")
    assert helped.returncode == 0 and "compare" in helped.stdout
    unknown = commsim("fly")
    assert unknown.returncode == 2 and "unknown command" in unknown.stderr


def test_installed_wheel_finds_its_configs(tmp_path):
    """A wheel ships conf/ inside the package, so commsim runs outside the checkout."""
    root = Path(__file__).resolve().parents[1]
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path)]
    built = subprocess.run([*pip_wheel, str(root)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    wheel = next(tmp_path.glob("commsim-*.whl"))
    import zipfile

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    assert (site / "commsim" / "conf" / "config.yaml").is_file()
    work = tmp_path / "elsewhere"
    work.mkdir()
    code = (
        "import commsim, commsim.config as c; "
        "assert 'site' in commsim.__file__, commsim.__file__; "
        "print(c.config_dir()); "
        "cfg = commsim.load_config(['city=small', 'days=3', 'warmup_days=1']); "
        "print(commsim.run(cfg).summary['trust_mean'])"
    )
    proc = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(site)!r}); {code}"],
        capture_output=True, text=True, cwd=work, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert str(site) in proc.stdout
