"""The experiment engine: many runs, through the run store, on any backend.

Every batch of runs — ``commsim compare``, ``commsim sensitivity``, the validation
experiment, notebooks — is a list of :class:`Job` handed to :func:`run_jobs`. Each
job is done by :func:`execute`, the one worker function, which Hydra's own
launchers also call for ``commsim run -m``:

1. take the job's config (composed and validated up front by :func:`prepare`);
2. ask the store whether its folder already holds this run (:func:`store.run_state`);
   a complete run with the same config hash is reused, anything else is redone;
3. run the model (:func:`commsim.runner.run`, which frees the model afterwards);
4. write the run through the store, which marks it failed on any error.

Backends (one small executor over existing engines, no home-made cluster):

==============  =============================================================
serial          one run after another in this process
local           a pool of worker processes on this machine (``--jobs``)
ray             a Ray cluster (``--ray-address``) or a local Ray instance
slurm           a SLURM job array through submitit
submitit_local  submitit's local executor (the SLURM code path on this machine)
==============  =============================================================

The same job gives the same files on every backend: a run depends only on its
config and seed. Ctrl-C or SIGTERM stops the workers within about a second; runs in
flight are marked failed ("interrupted") and complete ones are kept, so the same
command resumes. A full or read-only disk stops the batch with one line.

Examples:
    >>> jobs = [Job(("city=small", "days=30"), (("seed", s),)) for s in range(4)]
    >>> results = run_jobs(prepare(jobs), Launcher("local", jobs=2))  # doctest: +SKIP
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from commsim import store
from commsim.engine.backends import BACKENDS, RUNNERS, Launcher, cores, sigterm_interrupts
from commsim.engine.jobs import (
    BUSY,
    COMPLETE,
    FAILED,
    SKIPPED,
    Job,
    JobResult,
    compose,
    execute,
    expected_hash,
    format_value,
    prepare,
    unknown_key,
)
from commsim.params import ConfigError
from commsim.runner import RunResult

__all__ = [
    "BACKENDS",
    "BUSY",
    "COMPLETE",
    "FAILED",
    "SKIPPED",
    "BatchStoppedError",
    "Job",
    "JobResult",
    "Launcher",
    "add_launcher_options",
    "compose",
    "cores",
    "execute",
    "expected_hash",
    "format_value",
    "index_rows",
    "interrupted",
    "launcher_from",
    "prepare",
    "run_jobs",
    "run_many",
    "sigterm_interrupts",
    "unknown_key",
]


class BatchStoppedError(Exception):
    """The disk failed (full, read-only): the batch stopped; ``str()`` is one line."""


def run_jobs(
    jobs: Sequence[Job],
    launcher: Launcher | None = None,
    progress: bool = True,
    desc: str = "runs",
    on_result: Callable[[JobResult], None] | None = None,
) -> list[JobResult]:
    """Run jobs on a backend; return one result per job, in job order.

    Jobs whose runs are already complete are skipped in this process, before any
    worker starts.

    Args:
        jobs: From :func:`prepare` (jobs without a config are composed first).
        launcher: The backend (default: serial).
        progress: Show a progress bar on stderr.
        desc: The progress bar's label.
        on_result: Called with each result as it arrives.

    Raises:
        ConfigError: A job's config is invalid (nothing has run).
        BatchStoppedError: The disk failed; runs in flight were stopped.
        KeyboardInterrupt: Ctrl-C or SIGTERM; workers were stopped, runs in flight
            marked failed, complete runs kept.
    """
    from tqdm.auto import tqdm

    launcher = launcher or Launcher()
    jobs = prepare(jobs)
    results: dict[int, JobResult] = {}
    todo: list[tuple[int, Job]] = []
    first: dict[Path, int] = {}  # a folder asked for twice (e.g. a repeated sample) runs once
    copies: dict[int, int] = {}
    for i, job in enumerate(jobs):
        if job.run_dir is not None and Path(job.run_dir) in first:
            copies[i] = first[Path(job.run_dir)]
            continue
        if job.run_dir is not None:
            first[Path(job.run_dir)] = i
        done = _already_complete(job)
        if done is None:
            todo.append((i, job))
        else:
            results[i] = done
    bar = tqdm(
        total=len(jobs) - len(copies),
        initial=len(results),
        desc=desc,
        unit="run",
        disable=not progress,
        dynamic_ncols=True,
        file=sys.stderr,
    )
    failed = 0

    def collect(i: int, result: JobResult) -> None:
        nonlocal failed
        results[i] = result
        failed += not result.ok
        bar.set_postfix(failed=failed, refresh=False)
        bar.update()
        if on_result is not None:
            on_result(result)
        if result.storage:
            raise BatchStoppedError(result.error or "the output folder cannot be written")

    backend = RUNNERS[launcher.backend]
    try:
        with sigterm_interrupts():
            if todo:
                backend(todo, launcher, collect)
    finally:
        bar.close()
    for i, j in copies.items():
        results[i] = replace(results[j], job=jobs[i])
    return [results[i] for i in range(len(jobs))]


def _already_complete(job: Job) -> JobResult | None:
    """The job's result if its folder already holds its complete run (no worker needed)."""
    if job.run_dir is None or job.keep or job.config is None:
        return None
    if not store.run_state(job.run_dir, expected_hash(job.config)).complete:
        return None
    return JobResult(job, SKIPPED, None, 0.0, store.read_summary(job.run_dir))


# --------------------------------------------------------------------------------------
# Convenience for notebooks and experiments
# --------------------------------------------------------------------------------------


def run_many(
    jobs: Sequence[tuple[Sequence[str], int]],
    n_jobs: int | None = None,
    launcher: Launcher | None = None,
    progress: bool = False,
) -> list[RunResult]:
    """Run ``(overrides, seed)`` pairs in memory, in order; results equal serial runs.

    Raises:
        ConfigError: A bad override (before anything runs).
        RuntimeError: A run failed (its one-line error).

    Examples:
        >>> results = run_many([(["city=small"], s) for s in range(4)], n_jobs=2)  # doctest: +SKIP
    """
    if launcher is None:
        launcher = Launcher("local" if (n_jobs or cores()) > 1 else "serial", jobs=n_jobs)
    batch = [Job(tuple(o), (("seed", int(s)),), keep=True) for o, s in jobs]
    out = []
    for result in run_jobs(batch, launcher, progress=progress):
        if result.result is None:
            raise RuntimeError(f"run {result.job.all_overrides} failed: {result.error}")
        out.append(result.result)
    return out


# --------------------------------------------------------------------------------------
# Command-line options shared by compare and sensitivity
# --------------------------------------------------------------------------------------


def add_launcher_options(parser: Any) -> None:
    """Add ``--launcher`` and the options of each backend to an argparse parser."""
    group = parser.add_argument_group("where the runs go (see docs/sweeps.md)")
    group.add_argument(
        "--launcher",
        default="local",
        help="serial, local (default: processes on this machine), ray, slurm, submitit_local",
    )
    group.add_argument(
        "--jobs", type=int, default=None, help="runs at once on this machine (default: cores)"
    )
    group.add_argument(
        "--ray-address", default=None, help="Ray cluster address (default: start Ray here)"
    )
    group.add_argument("--ray-temp-dir", default=None, help="temporary folder of a local Ray")
    group.add_argument("--slurm-partition", default=None, help="SLURM partition")
    group.add_argument("--slurm-time", type=int, default=60, help="minutes per run on SLURM (60)")
    group.add_argument("--slurm-mem", type=float, default=2.0, help="GB per run on SLURM (2)")
    group.add_argument(
        "--slurm-parallel", type=int, default=256, help="array tasks at once on SLURM (256)"
    )
    group.add_argument(
        "--slurm-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="more submitit parameters, e.g. slurm_account=abc (repeatable)",
    )


def launcher_from(args: Any, folder: Path) -> Launcher:
    """The :class:`Launcher` chosen on the command line (submitit files go under ``folder``).

    Raises:
        ConfigError: A bad launcher name or option (one line).
    """
    options: dict[str, Any] = {}
    for item in args.slurm_option:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError("--slurm-option", item, "must look like key=value")
        options[key] = _parse_scalar(value)
    for flag, value in (
        ("--slurm-time", args.slurm_time),
        ("--slurm-mem", args.slurm_mem),
        ("--slurm-parallel", args.slurm_parallel),
    ):
        if value <= 0:
            raise ConfigError(flag, value, "must be positive")
    return Launcher(
        backend=args.launcher,
        jobs=args.jobs,
        ray_address=args.ray_address,
        ray_temp_dir=args.ray_temp_dir,
        folder=folder / ".submitit",
        slurm_partition=args.slurm_partition,
        slurm_time_min=args.slurm_time,
        slurm_mem_gb=args.slurm_mem,
        slurm_array_parallelism=args.slurm_parallel,
        slurm_options=options,
    )


def _parse_scalar(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def index_rows(jobs: Sequence[Job]) -> list[dict[str, Any]]:
    """Run-index rows (:func:`commsim.store.update_index`) for jobs in one runs folder."""
    return [
        {
            "run_dir": Path(j.run_dir).name,
            "strategy": j.config.policy.name,
            "seed": j.seed,
            "config_hash": expected_hash(j.config),
            "overrides": j.all_overrides,
        }
        for j in jobs
        if j.run_dir is not None and j.config is not None
    ]


def interrupted(exc: KeyboardInterrupt, command: str) -> int:
    """Print the one line of an interrupted batch; return 130 (Ctrl-C) or 143 (SIGTERM)."""
    print(
        f"{command}: interrupted; complete runs are kept; run the same command again to resume",
        file=sys.stderr,
    )
    return 143 if "SIGTERM" in str(exc) else 130
