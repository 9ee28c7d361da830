"""``commsim compare``: run strategies x replicates in parallel, then write the report.

Replicate k of every strategy uses seed k (common random numbers), so differences
between strategies are paired on seed. Runs are spread
over all cores; each writes its own run directory ``<out>/runs/<strategy>/seed_<k>``.
Run again with the same settings and completed runs are skipped, failed and
interrupted ones redone. A failed run records its error in its manifest and the others
go on. The report (:mod:`commsim.report`) is written to ``<out>/report``.

Examples:
    commsim compare
    commsim compare --strategies baseline,neighborhood_watch --replicates 10 city=small
    commsim compare --out outputs/budget --jobs 2 policy.funding=2e6
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
import traceback
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from commsim import results as res

__all__ = [
    "DEFAULT_OUT",
    "DEFAULT_REPLICATES",
    "Outcome",
    "Task",
    "is_done",
    "main",
    "plan",
    "run_tasks",
    "with_configs",
]

#: Replicates per strategy when none is given. On the default city one replicate of all ten
#: strategies takes ~36 CPU-seconds; on 2 idle cores the whole default ``commsim compare``
#: (60 runs, set-up and report) measured 114 s, well under the 3-minute target.
DEFAULT_REPLICATES = 6
DEFAULT_OUT = Path("outputs/compare")


@dataclass(frozen=True)
class Task:
    """One run to do: a strategy, a seed, the config overrides and where to write it.

    ``config`` is the composed run config (a :class:`commsim.SimConfig`); when ``None``
    the worker composes it from ``overrides``.
    """

    strategy: str
    seed: int
    overrides: tuple[str, ...]
    run_dir: Path
    config: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Outcome:
    """What became of a task: ``complete``, ``skipped`` (already complete) or ``failed``."""

    task: Task
    status: str
    error: str | None = None
    seconds: float = 0.0


class CompareError(Exception):
    """Bad input; the message is one line ``key=value: what is allowed``."""


# --------------------------------------------------------------------------------------
# Planning
# --------------------------------------------------------------------------------------


def available_strategies() -> list[str]:
    """Options of the ``policy`` config group, baseline first."""
    from commsim.config import options

    names = options("policy")
    return [n for n in names if n == res.BASELINE] + [n for n in names if n != res.BASELINE]


def plan(
    strategies: Sequence[str], replicates: int, out: Path, overrides: Sequence[str] = ()
) -> list[Task]:
    """List the runs of a comparison, seed-major (every strategy of seed 0 first).

    Seed-major order means an interrupted comparison still holds complete, paired
    replicate sets.

    Args:
        strategies: Policy option names.
        replicates: Seeds 0..replicates-1 for every strategy.
        out: Comparison folder; runs go to ``out/runs/<strategy>/seed_<k>``.
        overrides: Config overrides shared by every run (``city=small``, ``days=90``...).

    Returns:
        The tasks.
    """
    return [
        Task(
            strategy,
            seed,
            (f"policy={strategy}", *overrides, f"seed={seed}"),
            out / "runs" / strategy / f"seed_{seed}",
        )
        for seed in range(replicates)
        for strategy in strategies
    ]


def _expected_hash(task: Task) -> str | None:
    """The ``config_hash`` the task's manifest will carry (None without a config)."""
    if task.config is None:
        return None
    from omegaconf import OmegaConf

    from commsim import io

    return io.config_hash(OmegaConf.to_yaml(OmegaConf.structured(task.config)))


def is_done(task: Task) -> bool:
    """True when the task's run directory is complete and made with the same settings.

    Settings are compared by config hash when the task carries its config (this also
    catches changed defaults or config files), else by the recorded overrides.
    """
    info = res.classify_run(task.run_dir)
    if info.status != res.COMPLETE or info.manifest is None:
        return False
    expected = _expected_hash(task)
    if expected is not None:
        return info.manifest.get("config_hash") == expected
    recorded = info.manifest.get("overrides")
    return recorded is not None and _normalise(recorded) == _normalise(task.overrides)


def _normalise(overrides: Sequence[str]) -> dict[str, Any]:
    return dict(res.parse_override(str(o)) for o in overrides if not str(o).startswith("hydra"))


# --------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------


def _run_one(task: Task) -> Outcome:
    """Worker: compose the config, run the model, write the run directory."""
    start = time.perf_counter()
    try:
        from commsim import load_config, run

        config = task.config if task.config is not None else load_config(list(task.overrides))
        result = run(config, seed=task.seed, overrides=list(task.overrides))
        result.write(task.run_dir)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        _write_failed(task, error, traceback.format_exc(), time.perf_counter() - start)
        return Outcome(task, "failed", error, time.perf_counter() - start)
    return Outcome(task, "complete", None, time.perf_counter() - start)


def _write_failed(task: Task, error: str, trace: str, seconds: float) -> None:
    """Record a failure in the run's manifest (atomically), keeping the traceback."""
    from commsim import io

    manifest = {
        "status": "failed",
        "error": error,
        "traceback": trace,
        "seed": task.seed,
        "overrides": list(task.overrides),
        "strategy": task.strategy,
        "wall_seconds": seconds,
    }
    io.write_json(task.run_dir / io.MANIFEST, manifest)


def _collect(future: Future[Outcome], task: Task) -> Outcome:
    """A worker's outcome; a worker that died (e.g. out of memory) counts as a failed run."""
    try:
        return future.result()
    except Exception as exc:  # BrokenProcessPool and the like
        error = f"worker process died: {type(exc).__name__}: {exc}"
        _write_failed(task, error, "", 0.0)
        return Outcome(task, "failed", error)


def run_tasks(tasks: Sequence[Task], jobs: int = 1, progress: bool = True) -> list[Outcome]:
    """Run tasks over ``jobs`` processes, skipping those already complete.

    Args:
        tasks: From :func:`plan`.
        jobs: Worker processes (1 runs in this process).
        progress: Show a progress bar.

    Returns:
        One outcome per task, in task order.
    """
    from tqdm import tqdm

    outcomes: dict[Task, Outcome] = {}
    todo = []
    for task in tasks:
        if is_done(task):
            outcomes[task] = Outcome(task, "skipped")
        else:
            todo.append(task)
    bar = tqdm(
        total=len(tasks),
        initial=len(tasks) - len(todo),
        desc="compare",
        unit="run",
        disable=not progress,
        dynamic_ncols=True,
    )
    failed = 0

    def done(outcome: Outcome) -> None:
        nonlocal failed
        outcomes[outcome.task] = outcome
        failed += outcome.status == "failed"
        bar.set_postfix(failed=failed, refresh=False)
        bar.update()

    try:
        if jobs <= 1 or len(todo) <= 1:
            for task in todo:
                done(_run_one(task))
        else:
            ctx = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=ctx) as pool:
                futures: dict[Future[Outcome], Task] = {pool.submit(_run_one, t): t for t in todo}
                pending = set(futures)
                while pending:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        done(_collect(future, futures[future]))
    finally:
        bar.close()
    return [outcomes[t] for t in tasks]


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    from commsim.report import OneLineParser

    parser = OneLineParser(
        prog="commsim compare",
        description="Run strategies x replicates on common random numbers and write a report.",
    )
    parser.add_argument(
        "--strategies",
        default=None,
        help="comma-separated policy options (default: all, baseline first)",
    )
    parser.add_argument(
        "--replicates",
        type=int,
        default=None,
        help=f"seeds 0..N-1 for every strategy (default {DEFAULT_REPLICATES})",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"default {DEFAULT_OUT}")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: cores)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "overrides", nargs="*", help="config overrides for every run, e.g. city=small days=90"
    )
    return parser


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _resolve(args: argparse.Namespace) -> tuple[list[str], int, list[str]]:
    """Validate arguments; return strategies, replicates and pass-through overrides."""
    replicates = args.replicates
    overrides: list[str] = []
    for item in args.overrides:
        key, sep, value = item.partition("=")
        if not sep:
            raise CompareError(f"{item}: overrides look like key=value")
        if key == "replicates":  # also accepted as an override, like Hydra's syntax
            try:
                replicates = int(value)
            except ValueError:
                raise CompareError(f"replicates={value}: must be a whole number") from None
        elif key.lstrip("+~") == "seed":
            raise CompareError(f"seed={value}: compare uses seeds 0..N-1; set --replicates")
        elif key.lstrip("+~") == "policy":
            raise CompareError(f"policy={value}: choose strategies with --strategies")
        else:
            overrides.append(item)
    if replicates is None:
        replicates = DEFAULT_REPLICATES
    if replicates < 1:
        raise CompareError(f"replicates={replicates}: must be at least 1")
    if args.jobs is not None and args.jobs < 1:
        raise CompareError(f"jobs={args.jobs}: must be at least 1")
    known = available_strategies()
    if args.strategies is None:
        strategies = known
    else:
        strategies = list(dict.fromkeys(s.strip() for s in args.strategies.split(",") if s.strip()))
        unknown = [s for s in strategies if s not in known]
        if unknown or not strategies:
            raise CompareError(f"strategies={args.strategies}: choose from " + ", ".join(known))
    return strategies, replicates, overrides


def with_configs(tasks: Sequence[Task]) -> list[Task]:
    """Compose each strategy's config once and attach it (with the task's seed) to every task.

    Bad input stops here, before any run starts.

    Raises:
        CompareError: A config value is wrong (one line naming key and value).
    """
    from commsim import ConfigError, load_config, with_overrides

    composed: dict[tuple[str, ...], Any] = {}
    out = []
    for task in tasks:
        shared = tuple(o for o in task.overrides if not o.startswith("seed="))
        if shared not in composed:
            try:
                composed[shared] = load_config(list(shared))
            except ConfigError as exc:
                raise CompareError(str(exc)) from None
        out.append(replace(task, config=with_overrides(composed[shared], seed=task.seed)))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``commsim compare``; return the exit code.

    Args:
        argv: Arguments after ``compare`` (default: ``sys.argv[1:]``).

    Returns:
        0 if every run completed, 1 if some failed (the report is still written from the
        others), 2 on bad input (nothing is run).
    """
    from commsim.report import parse

    args = parse(_parser(), argv)
    if isinstance(args, int):
        return args
    try:
        strategies, replicates, overrides = _resolve(args)
        tasks = with_configs(plan(strategies, replicates, args.out, overrides))
    except CompareError as exc:
        print(f"commsim: error: {exc}", file=sys.stderr)
        return 2
    jobs = args.jobs or _cores()
    stale = [t for t in tasks if res.classify_run(t.run_dir).status == res.COMPLETE]
    stale = [t for t in stale if not is_done(t)]
    if stale:
        print(
            f"compare: redoing {len(stale)} run(s) in {args.out} made with other settings",
            file=sys.stderr,
        )
    start = time.perf_counter()
    try:
        outcomes = run_tasks(tasks, jobs=jobs, progress=not args.quiet)
    except KeyboardInterrupt:
        print(
            "compare: interrupted; run the same command again to resume "
            "(completed runs are kept and skipped)",
            file=sys.stderr,
        )
        return 130
    elapsed = time.perf_counter() - start
    failed = [o for o in outcomes if o.status == "failed"]
    skipped = sum(o.status == "skipped" for o in outcomes)
    ran = len(outcomes) - skipped
    print(
        f"compare: {len(strategies)} strategies x {replicates} replicates; ran {ran} "
        f"({len(failed)} failed), skipped {skipped} already complete; {elapsed:.1f} s on "
        f"{jobs} process{'es' if jobs > 1 else ''}",
        file=sys.stderr,
    )
    for o in failed:
        print(f"  failed: {o.task.run_dir}: {o.error}", file=sys.stderr)
    from commsim import report as report_mod

    try:
        report = report_mod.build_report(
            args.out / "runs",
            args.out / "report",
            strategies=strategies,
            only=[t.run_dir for t in tasks],
        )
    except report_mod.ReportError as exc:
        print(f"commsim: error: {exc}", file=sys.stderr)
        return 1
    print(f"report: {report.out / 'report.html'}")
    return 1 if failed else 0
