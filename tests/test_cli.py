"""The commsim command end to end, as a user runs it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

SMALL = ["city=small", "days=20", "warmup_days=5"]
RUN_FILES = ("config.yaml", "timeseries.parquet", "events.parquet", "summary.json", "manifest.json")


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
    assert 0 < summary["watch_participation"] <= 0.4  # recruited towards the target
    assert "crimes (true)" in proc.stdout and str(out) in proc.stdout


@pytest.mark.parametrize(
    ("override", "needle"),
    [
        ("policy.watch_coverage=1.7", "policy.watch_coverage=1.7: must be between 0 and 1"),
        ("policy.patrol_strategy=teleport", "must be one of random, community, hotspot, mixed"),
        ("city.residentz=5", "city.residentz: unknown key"),
        ("policy=nope", "policy='nope': must be one of"),
        ("days=soon", "days='soon': must be an integer"),
        ("population.groups.majority.share=0.9", "the group shares must sum to 1;"),
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
    index = pd.read_csv(sweep / "index.csv").set_index("run_dir")
    assert set(index.index) == {p.name for p in runs}
    for run in runs:
        assert len(run.name) == 12  # a short hash of the job's overrides
        recorded = json.loads((run / "manifest.json").read_text())["overrides"]
        assert index.loc[run.name, "overrides"] == " ".join(recorded)
    # Interrupt one run: its manifest no longer says complete.
    broken = runs[0] / "manifest.json"
    manifest = json.loads(broken.read_text())
    manifest["status"] = "running"
    broken.write_text(json.dumps(manifest))
    second = commsim(*args)
    assert second.returncode == 0, second.stderr
    assert second.stdout.count("skip (already complete)") == 3
    assert json.loads(broken.read_text())["status"] == "complete"


def test_a_sweep_over_many_keys_gets_short_folder_names(tmp_path):
    keys = [
        "policy.meetings_per_month=1", "policy.campaign_weeks=2", "policy.campaign_reach=0.3",
        "policy.app_adoption=0.2", "policy.training_share=0.1", "policy.volunteer_patrollers=2",
        "policy.patrol_hours_per_week=3", "policy.youth_outreach_places=4",
        "policy.funding=10000000", "policy.watch_coverage=0.1,0.2",
    ]  # fmt: skip
    sweep = tmp_path / "sweep"
    proc = commsim("run", "-m", "city=small", "days=2", "warmup_days=1", *keys,
                   f"hydra.sweep.dir={sweep}")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    runs = [p for p in sweep.iterdir() if (p / "manifest.json").is_file()]
    assert len(runs) == 2 and all(len(p.name) == 12 for p in runs)


def test_the_same_run_folder_with_another_config_is_redone(tmp_path):
    out = tmp_path / "run"
    assert commsim("run", *SMALL, f"hydra.run.dir={out}").returncode == 0
    again = commsim("run", *SMALL, f"hydra.run.dir={out}")
    assert again.stdout.startswith("skip (already complete)")
    other = commsim("run", *SMALL, "days=21", f"hydra.run.dir={out}")
    assert other.returncode == 0 and "skip" not in other.stdout
    assert "days: 21" in (out / "config.yaml").read_text()
    assert "days: 21" in (out / ".hydra" / "config.yaml").read_text()
    assert len(pd.read_parquet(out / "timeseries.parquet")) == 21


@pytest.mark.parametrize("name", ["a" * 90, "Plan B: watch + app (v2)"])
def test_a_strategy_name_makes_a_short_safe_folder(tmp_path, name):
    proc = commsim("run", "city=small", "days=2", "warmup_days=1", f"policy.name='{name}'",
                   cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    [run] = (tmp_path / "outputs" / "runs").iterdir()
    assert len(run.name) < 80 and " " not in run.name and ":" not in run.name
    assert [p.name for p in tmp_path.iterdir()] == ["outputs"]
    assert json.loads((run / "manifest.json").read_text())["strategy"] == name


def test_a_strategy_name_is_never_a_path(tmp_path):
    proc = commsim("run", *SMALL, "policy.name=/../../x", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "policy.name" in proc.stderr
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["-m", "hydra/launcher=nonexistent"], "hydra/launcher='nonexistent': must be one of"),
        (["-m", "hydra.launcher.n_jobs=abc"], "hydra.launcher.n_jobs='abc': must be an integer"),
        (["-m", "seed=range(5"], "seed='range(5': cannot be read"),
        (["city="], "city='': must be one of default"),
        (["+policy.no_such_lever=1"], "policy.no_such_lever='1': unknown key under policy"),
        (["policy.watch_coverage=0,0.5"], "is a sweep: add -m"),
    ],
)
def test_launcher_and_syntax_errors_are_one_line(tmp_path, args, needle):
    proc = commsim("run", *SMALL, *args, f"hydra.sweep.dir={tmp_path / 's'}", cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], proc.stderr
    assert not (tmp_path / "s").exists() and not (tmp_path / "outputs").exists()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["run", "--bogus-flag"], "unrecognized arguments: --bogus-flag (see commsim run --help)"),
        (["run", "--cfg", "nope"], "argument --cfg/-c: invalid choice: 'nope'"),
        (["city", "import", "--areas", "a.gpkg"], "the following arguments are required: --out"),
        (["city", "import", "--out", "o", "--block-m", "abc"], "argument --block-m: "),
        (["dashboard", "--evidence", "extreme"], "argument --evidence: invalid choice: 'extreme'"),
        (["animate", "city=small"], "the following arguments are required: --out"),
        (["animate", "--out", "x.avi", "--format", "avi"], "argument --format: invalid choice"),
        (["compare", "--replicates", "x"], "argument --replicates: invalid int value: 'x'"),
        (["sweep", "a=0:1"], "the following arguments are required: --lhs"),
        (["sensitivity", "--bogus"], "unrecognized arguments: --bogus"),
        (["report"], "the following arguments are required: dir"),
        (["bench", "--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_argument_errors_are_one_line_in_every_command(tmp_path, monkeypatch, capsys, args, needle):
    from commsim.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"commsim: error: {needle}"), captured.err
    assert "usage:" not in captured.err + captured.out
    assert not list(tmp_path.iterdir())  # nothing was started or written


def test_overrides_may_come_before_and_after_hydras_flags(tmp_path, monkeypatch):
    from commsim import cli

    seen = []
    monkeypatch.setattr(cli, "_hydra_main", lambda args: seen.append(args) or 0)
    sweep = f"hydra.sweep.dir={tmp_path / 's'}"
    assert cli.run_command([*SMALL, "-m", "seed=0,1", sweep]) == 0
    assert seen == [["-m", *SMALL, "seed=0,1", sweep]]  # Hydra reads its flags first


def test_a_failed_job_of_a_sweep_makes_the_sweep_fail(tmp_path, small_run, capsys):
    from commsim import store
    from commsim.cli import _sweep_outcome

    started = store.now()
    small_run.write(tmp_path / "aaa")
    with (
        pytest.raises(RuntimeError),
        store.recording(tmp_path / "bbb", config_hash="h", seed=1, strategy="s"),
    ):
        raise RuntimeError("trust went NaN")
    store.update_index(tmp_path, [{"run_dir": "aaa"}, {"run_dir": "bbb"}])
    assert _sweep_outcome(tmp_path, started) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"commsim: 1 run(s) of this sweep failed (first: {tmp_path / 'bbb'}: RuntimeError: "
        "trust went NaN); run the same command again to redo them"
    ]
    # A failure left by an earlier sweep does not fail this one.
    assert _sweep_outcome(tmp_path, "9999") == 0


def test_every_combination_of_a_sweep_is_checked():
    import commsim.params
    from commsim.cli import validate_overrides

    # Each value is fine with the first value of the other key; only 150000 with 4
    # meetings a month breaks the funding rule.
    sweep = ["policy.funding=10000000,150000", "policy.meetings_per_month=0,4"]
    with pytest.raises(commsim.params.ConfigError) as info:
        validate_overrides(sweep)
    message = str(info.value)
    assert message.startswith("policy.funding=150000: must cover the chosen programmes")
    assert message.endswith("(in the job policy.funding=150000, policy.meetings_per_month=4)")
    assert validate_overrides(["policy.funding=10000000,5000000", *sweep[1:]]).jobs == 4


def test_a_busy_run_folder_is_one_line(tmp_path):
    from commsim import store

    out = tmp_path / "run"
    with store.lock(out):
        proc = commsim("run", *SMALL, f"hydra.run.dir={out}")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"commsim: error: run folder {out} is in use by another commsim process "
        f"(pid {os.getpid()}); wait for it to finish or write somewhere else"
    ]


@pytest.mark.parametrize("args", [["--bogus-flag"], ["-m", "--nope", "days=5"]])
def test_a_refused_run_leaves_no_folder_behind(tmp_path, args):
    proc = commsim("run", *args, cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert not list(tmp_path.iterdir())


def test_the_run_folder_is_checked_without_being_made(tmp_path, monkeypatch):
    from commsim import cli

    monkeypatch.setattr(cli, "_hydra_main", lambda args: 2)  # Hydra refuses after the checks
    monkeypatch.chdir(tmp_path)
    assert cli.run_command(list(SMALL)) == 2
    assert not list(tmp_path.iterdir())  # no empty outputs/runs/ left behind


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


def test_a_read_only_output_folder_stops_a_run_before_it_starts(tmp_path, monkeypatch, capsys):
    import errno

    from commsim import cli, store

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path))

    monkeypatch.setattr(store.tempfile, "mkstemp", read_only)
    code = cli.run_command([*SMALL, f"hydra.run.dir={tmp_path / 'ro' / 'run'}"])
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        f"commsim: error: run folder {tmp_path / 'ro' / 'run'}: read-only file system: "
        f"cannot write {tmp_path}"
    )
    assert not (tmp_path / "ro").exists()  # the check made no folder
