"""``commsim sweep --lhs N``: a Latin hypercube sample of parameter ranges, through the engine.

Each ``key=low:high`` argument is a range to sample; each ``key=value`` is a setting
shared by every run (``city=small``, ``days=120``, ``policy=neighborhood_watch``). The
sample has ``N`` points; every point runs with seeds ``0..R-1`` (``--replicates R``), so
points differ only by their parameters where they do the same thing (common random
numbers). Runs go through the experiment engine (:mod:`commsim.engine`) on any
backend into ``<out>/runs/<hash>`` (listed in ``index.csv``); the same command run
again reuses complete runs. The tidy table of every run is written to
``<out>/sweep.parquet`` (:func:`commsim.results.load_sweep`).

Examples:
    commsim sweep --lhs 50 policy.watch_coverage=0:0.5 trust.asymmetry=4:14 city=small
    commsim sweep --lhs 200 --replicates 2 --launcher slurm policy.funding=0:2e6 days=180
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from commsim import engine, sampling, store
from commsim.params import NO_VALUE, ConfigError

__all__ = ["DEFAULT_OUT", "main", "parse_ranges", "plan"]

DEFAULT_OUT = Path("outputs/sweeps/lhs")


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def parse_ranges(items: Sequence[str]) -> tuple[dict[str, sampling.Range], list[str]]:
    """Split arguments into ranges (``key=low:high``) and fixed overrides (``key=value``).

    Whole-number settings (``int`` fields) are sampled as whole numbers.

    Raises:
        ConfigError: An argument that is not ``key=value``, a range with ``low >= high``
            or that is not two numbers, a range on a key that is not a number setting, a
            ``seed`` (seeds come from ``--replicates``), or no range at all (one line).
    """
    from commsim.params import SimConfig
    from commsim.paramspec import lookup

    ranges: dict[str, sampling.Range] = {}
    fixed: list[str] = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError("argument", item, "must be key=value or key=low:high")
        name = key.lstrip("+")
        if name.lstrip("~") == "seed":
            raise ConfigError(
                key,
                value,
                "seeds are not sampled: every point runs seeds 0..R-1 (--replicates R; "
                "--seed seeds the sampler)",
            )
        low, colon, high = value.partition(":")
        lo, hi = _number(low), _number(high)
        if colon and (lo is None or hi is None) and _is_number_setting(name):
            raise ConfigError(key, value, f"a range is two numbers low:high, e.g. {key}=0:0.5")
        if not colon or lo is None or hi is None:
            fixed.append(item)
            continue
        if not lo < hi:
            raise ConfigError(key, value, "a range low:high needs low < high")
        info = lookup(SimConfig, name)
        if not info.is_number:
            raise ConfigError(key, value, "is not a number setting; give one value")
        if (info.lo is not None and lo < info.lo) or (info.hi is not None and hi > info.hi):
            from commsim.paramspec import allowed_range

            raise ConfigError(key, value, "the range " + allowed_range(info.lo, info.hi))
        ranges[name] = sampling.Range(lo, hi, info.type is int)
    if not ranges:
        given = ", ".join(items) if items else "none"
        raise ConfigError(
            "ranges",
            NO_VALUE,
            f"no key=low:high among the arguments ({given}); give at least one range to "
            "sample, e.g. policy.watch_coverage=0:0.5",
        )
    return ranges, fixed


def _is_number_setting(key: str) -> bool:
    """True for a key of a number setting (a ``low:high`` range makes sense there)."""
    from commsim.params import SimConfig
    from commsim.paramspec import lookup

    try:
        return lookup(SimConfig, key).is_number
    except ConfigError:
        return False


def plan(
    ranges: dict[str, sampling.Range],
    fixed: Sequence[str],
    points: int,
    replicates: int,
    out: Path,
    seed: int = 0,
) -> list[engine.Job]:
    """The runs of a Latin hypercube sweep: every point x seeds ``0..replicates-1``."""
    draws = sampling.latin_hypercube(ranges, points, seed=seed)
    jobs = []
    for i, draw in enumerate(draws):
        for s in range(replicates):
            job = engine.Job(
                overrides=tuple(fixed),
                values=(*draw.items(), ("seed", s)),
                label=f"sample {i} seed {s}",
            )
            name = store.short_hash(" ".join(job.all_overrides))
            jobs.append(engine.Job(job.overrides, job.values, Path(out) / "runs" / name, job.label))
    return jobs


def _parser() -> argparse.ArgumentParser:
    from commsim.cliargs import OneLineParser, whole_number

    p = OneLineParser(
        prog="commsim sweep",
        description="Run a Latin hypercube sample of parameter ranges through the engine.",
        epilog="Example: commsim sweep --lhs 50 policy.watch_coverage=0:0.5 "
        "trust.asymmetry=4:14 city=small",
    )
    p.add_argument("--lhs", type=int, required=True, help="number of sample points")
    p.add_argument("--replicates", type=int, default=1, help="seeds 0..R-1 per point (1)")
    p.add_argument("--seed", type=whole_number(0), default=0, help="seed of the sampler (0)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"default {DEFAULT_OUT}")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    engine.add_launcher_options(p)
    p.add_argument("args", nargs="*", help="key=low:high ranges and key=value settings")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``commsim sweep``; return the exit code (0, 1 if runs failed, 2 on bad input)."""
    from commsim.cliargs import parse

    args = parse(_parser(), argv)
    if isinstance(args, int):
        return args
    try:
        if args.lhs < 1:
            raise ConfigError("--lhs", args.lhs, "must be at least 1")
        if args.replicates < 1:
            raise ConfigError("--replicates", args.replicates, "must be at least 1")
        ranges, fixed = parse_ranges(args.args)
        launcher = engine.launcher_from(args, args.out)
        jobs = engine.prepare(plan(ranges, fixed, args.lhs, args.replicates, args.out, args.seed))
    except ConfigError as exc:
        print(f"commsim: error: {exc}", file=sys.stderr)
        return 2
    try:
        with store.lock(args.out, "--out"):
            store.check_writable(args.out / "runs", "--out")
            return _sweep(args, jobs, launcher, ranges)
    except store.StoreError as exc:
        print(f"commsim: error: {exc}", file=sys.stderr)
        return 2


def _sweep(
    args: argparse.Namespace,
    jobs: list[engine.Job],
    launcher: engine.Launcher,
    ranges: dict[str, sampling.Range],
) -> int:
    from commsim import results

    runs_dir = args.out / "runs"
    store.update_index(
        runs_dir,
        engine.index_rows(jobs),
    )
    print(
        f"commsim sweep: Latin hypercube of {args.lhs} points over {', '.join(ranges)} x "
        f"{args.replicates} seed(s) = {len(jobs)} runs on {launcher.describe()}",
        file=sys.stderr,
    )
    start = time.perf_counter()
    try:
        outcomes = engine.run_jobs(jobs, launcher, progress=not args.quiet, desc="sweep")
    except KeyboardInterrupt as exc:
        return engine.interrupted(exc, "sweep")
    except engine.BatchStoppedError as exc:
        print(f"commsim: error: {exc}; complete runs are kept", file=sys.stderr)
        return 1
    failed = [o for o in outcomes if not o.ok]
    table = results.load_sweep(runs_dir)
    frame = pd.DataFrame(table)
    frame.attrs = {}
    store.write_parquet(args.out / "sweep.parquet", frame)
    print(
        f"sweep: {len(outcomes) - len(failed)} runs complete, {len(failed)} failed in "
        f"{time.perf_counter() - start:.1f} s; table: {args.out / 'sweep.parquet'} "
        f"(commsim.load_sweep('{runs_dir}'))",
        file=sys.stderr,
    )
    for o in failed[:10]:
        print(f"  {o.status}: {o.job.run_dir}: {o.error}", file=sys.stderr)
    return 1 if failed else 0
