"""``commsim compare``: run strategies x replicates, then write the report.

Replicate k of every strategy uses seed k (common random numbers), so differences
between strategies are paired on seed. Every run goes through the experiment engine
(:mod:`commsim.engine`) on the chosen backend and into the run store
(:mod:`commsim.store`): ``<out>/runs/<strategy>/seed_<k>``, listed in
``<out>/index.csv``. Run again and complete runs made from the same config are reused;
failed, interrupted, stale (other settings) and corrupt runs are redone. The report
(:mod:`commsim.report`) is written to ``<out>/report``.

One process at a time may use an ``--out`` folder: a second one stops with one line
(exit code 2) instead of mixing its runs into the first one's report.

With ``--uncertainty``, replicate k of every strategy also uses the k-th point of a Latin
hypercube over the uncertain behavioural parameters (those with a ``plausible`` range in
the parameter metadata, :mod:`commsim.sampling`), so the report's intervals include
what the model does not know as well as chance; differences stay paired on seed and
parameter draw.

Examples:
    commsim compare
    commsim compare --rank-by value --uncertainty --replicates 20
    commsim compare --strategies baseline,neighborhood_watch --replicates 10 city=small
    commsim compare --out outputs/budget --jobs 2 policy.funding=2e6
    commsim compare --launcher ray --ray-address auto --replicates 50
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from commsim import engine, sampling, store
from commsim import results as res
from commsim.params import ConfigError

__all__ = [
    "DEFAULT_OUT",
    "DEFAULT_REPLICATES",
    "available_strategies",
    "main",
    "plan",
    "uncertainty_draws",
]

#: Replicates per strategy when none is given. On the default city one replicate of all ten
#: strategies takes ~36 CPU-seconds; on 2 idle cores the whole default ``commsim compare``
#: (60 runs, set-up and report) takes about two minutes.
DEFAULT_REPLICATES = 6
DEFAULT_OUT = Path("outputs/compare")


class CompareError(Exception):
    """Bad input; the message is one line ``key=value: what is allowed``."""


def available_strategies() -> list[str]:
    """Options of the ``policy`` config group, baseline first."""
    from commsim.config import options

    names = options("policy")
    return [n for n in names if n == res.BASELINE] + [n for n in names if n != res.BASELINE]


def plan(
    strategies: Sequence[str],
    replicates: int,
    out: Path,
    overrides: Sequence[str] = (),
    draws: Sequence[Mapping[str, Any]] | None = None,
) -> list[engine.Job]:
    """List the runs of a comparison, seed-major (every strategy of seed 0 first).

    Seed-major order means an interrupted comparison still holds complete, paired
    replicate sets.

    Args:
        strategies: Policy option names.
        replicates: Seeds 0..replicates-1 for every strategy.
        out: Comparison folder; runs go to ``out/runs/<strategy>/seed_<k>``.
        overrides: Config overrides shared by every run (``city=small``, ``days=90``...).
        draws: Parameter values for each replicate (``--uncertainty``): replicate k of
            every strategy uses ``draws[k]``.

    Returns:
        The jobs (not yet composed; see :func:`commsim.engine.prepare`).
    """
    return [
        engine.Job(
            overrides=(f"policy={strategy}", *overrides),
            values=(*(draws[seed].items() if draws else ()), ("seed", seed)),
            run_dir=Path(out) / "runs" / store.slug(strategy) / f"seed_{seed}",
            label=strategy,
        )
        for seed in range(replicates)
        for strategy in strategies
    ]


def uncertainty_draws(
    replicates: int, overrides: Sequence[str] = ()
) -> tuple[list[dict[str, Any]], list[str]]:
    """One draw of the uncertain parameters per replicate (Latin hypercube).

    Parameters the user set on the command line keep that value.

    Returns:
        The draws and the sampled keys.
    """
    from commsim.params import SimConfig

    fixed = [o.split("=", 1)[0].lstrip("+~") for o in overrides]
    params = sampling.uncertain_parameters(SimConfig, fixed)
    ranges = sampling.ranges_of(params)
    draws = sampling.latin_hypercube(ranges, replicates, seed=sampling.UNCERTAINTY_SEED)
    return draws, list(ranges)


def _parser() -> argparse.ArgumentParser:
    from commsim import report as report_mod
    from commsim.cliargs import OneLineParser
    from commsim.report import add_extra_options

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
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--uncertainty",
        action="store_true",
        help="replicates also sample the uncertain parameters within their plausible ranges "
        "(Latin hypercube; replicate k is the same draw for every strategy)",
    )
    report_mod.add_rank_option(parser)
    add_extra_options(parser)
    engine.add_launcher_options(parser)
    parser.add_argument(
        "overrides", nargs="*", help="config overrides for every run, e.g. city=small days=90"
    )
    return parser


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
        elif key.lstrip("+~").startswith("hydra"):
            raise CompareError(f"{item}: hydra settings do not apply; use --launcher and --jobs")
        else:
            overrides.append(item)
    if replicates is None:
        replicates = DEFAULT_REPLICATES
    from commsim.scorecard import check_rank_by

    try:
        check_rank_by(args.rank_by)
    except ValueError as exc:
        raise CompareError(str(exc)) from None
    if replicates < 1:
        raise CompareError(f"replicates={replicates}: must be at least 1")
    known = available_strategies()
    if args.strategies is None:
        strategies = known
    else:
        strategies = list(dict.fromkeys(s.strip() for s in args.strategies.split(",") if s.strip()))
        unknown = [s for s in strategies if s not in known]
        if unknown or not strategies:
            raise CompareError(f"strategies={args.strategies}: choose from " + ", ".join(known))
    return strategies, replicates, overrides


def _check_extras(args: argparse.Namespace, jobs: list[engine.Job]) -> None:
    """``--geo`` and ``--observed`` checked before any run starts (one line on bad input)."""
    if args.geo is None and args.observed is None:
        return
    from commsim import geoout
    from commsim import observed as obs
    from commsim.city import city_for

    try:
        if args.geo is not None:
            geoout.check_format(args.geo)
        if args.observed is not None and jobs:
            obs.read_observed(args.observed, city_for(jobs[0].config))
    except (geoout.GeoError, obs.ObservedError) as exc:
        raise CompareError(str(exc)) from None


def _error(message: str, code: int = 2) -> int:
    print(f"commsim: error: {message}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``commsim compare``; return the exit code.

    Args:
        argv: Arguments after ``compare`` (default: ``sys.argv[1:]``).

    Returns:
        0 if every run completed; 1 if some failed (the report is still written from the
        others) or the disk failed; 2 on bad input, an unwritable or busy ``--out``
        (nothing is run); 130 after Ctrl-C and 143 after SIGTERM (resumable).
    """
    from commsim.cliargs import parse

    args = parse(_parser(), argv)
    if isinstance(args, int):
        return args
    try:
        strategies, replicates, overrides = _resolve(args)
        launcher = engine.launcher_from(args, args.out)
        draws = uncertainty_draws(replicates, overrides)[0] if args.uncertainty else None
        jobs = engine.prepare(plan(strategies, replicates, args.out, overrides, draws))
        _check_extras(args, jobs)
    except (CompareError, ConfigError) as exc:
        return _error(str(exc))
    try:
        with store.lock(args.out, "--out"):
            store.check_writable(args.out / "runs", "--out")
            return _compare(args, launcher, strategies, replicates, jobs)
    except store.StoreError as exc:  # busy, read-only, no access: nothing was run
        return _error(str(exc))


def _compare(
    args: argparse.Namespace,
    launcher: engine.Launcher,
    strategies: list[str],
    replicates: int,
    jobs: list[engine.Job],
) -> int:
    hashes = {job.run_dir: engine.expected_hash(job.config) for job in jobs}
    states = Counter(store.run_state(d, h).status for d, h in hashes.items())
    redo = {s: states[s] for s in (store.STALE, store.CORRUPT) if states[s]}
    if redo:
        what = ", ".join(f"{n} {s}" for s, n in redo.items())
        print(f"compare: redoing {what} run(s) in {args.out}", file=sys.stderr)
    store.update_index(
        args.out,
        [
            {
                "run_dir": Path(job.run_dir).relative_to(args.out).as_posix(),
                "strategy": job.label,
                "seed": job.seed,
                "config_hash": hashes[job.run_dir],
                "overrides": job.all_overrides,
            }
            for job in jobs
        ],
    )
    from commsim import report as report_mod  # before the runs: Ctrl-C must find it

    start = time.perf_counter()
    try:
        outcomes = engine.run_jobs(jobs, launcher, progress=not args.quiet, desc="compare")
    except KeyboardInterrupt as exc:
        return engine.interrupted(exc, "compare")
    except engine.BatchStoppedError as exc:
        return _error(f"{exc}; complete runs are kept; run the same command again to resume", 1)
    elapsed = time.perf_counter() - start
    failed = [o for o in outcomes if not o.ok]
    skipped = sum(o.status == engine.SKIPPED for o in outcomes)
    try:  # from here on, Ctrl-C can only stop the report: say so in one line
        print(
            f"compare: {len(strategies)} strategies x {replicates} replicates; ran "
            f"{len(outcomes) - skipped} ({len(failed)} failed), reused {skipped} complete; "
            f"{elapsed:.1f} s on {launcher.describe()}",
            file=sys.stderr,
            flush=True,
        )
        for o in failed:
            print(f"  {o.status}: {o.job.run_dir}: {o.error}", file=sys.stderr)
        report = report_mod.build_report(
            args.out / "runs",
            args.out / "report",
            strategies=strategies,
            only=list(hashes),
            expected=hashes,
            rank_by=args.rank_by,
            geo=args.geo,
            observed=args.observed,
        )
    except (report_mod.ReportError, store.StoreError) as exc:
        return _error(str(exc), 1)
    except Exception as exc:  # the runs are kept; the previous report is left as it was
        runs = args.out / "runs"
        return _error(
            f"report failed: {store.describe_error(exc)}; the runs are kept: "
            f"commsim report {runs} --out {args.out / 'report'} writes it again",
            1,
        )
    except KeyboardInterrupt:
        print(
            report_mod.REPORT_INTERRUPTED.format(command="compare", runs=args.out / "runs"),
            file=sys.stderr,
        )
        return 130
    print(f"report: {report.out / 'report.html'}")
    return 1 if failed else 0
