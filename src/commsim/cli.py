"""The ``commsim`` command: compose → validate → run → write.

``commsim run`` is a Hydra application (single runs and ``-m`` multiruns on any
launcher). Every override is validated before anything runs, so a bad value is
one line naming the key, the value and what is allowed, with exit code 2.
Other subcommands live in their own modules and are loaded on demand.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from commsim import __version__

EXIT_USAGE = 2
SUBCOMMANDS = {
    "run": ("commsim.cli", "Run the model once, or a Hydra multirun sweep (-m)."),
    "compare": ("commsim.compare", "Compare named strategies with replicates and write a report."),
    "report": (
        "commsim.report",
        "Aggregate a folder of runs (e.g. a multirun) into tables and plots.",
    ),
    "bench": ("commsim.bench", "Benchmark against Mesa's Epstein example; memory and scaling."),
    "dashboard": ("commsim.dashboard", "Serve the workshop dashboard in the browser."),
    "animate": ("commsim.animate", "Write a GIF or MP4 of a run's city map over time."),
    "sweep": ("commsim.sweep", "Latin hypercube sample of parameter ranges (--lhs N)."),
    "sensitivity": ("commsim.sensitivity", "Global sensitivity analysis (Morris, Sobol)."),
    "city": ("commsim.cityio", "Import your own city: streets and neighbourhoods from GIS files."),
}

log = logging.getLogger("commsim")


def fail(message: str, code: int = EXIT_USAGE) -> int:
    """Print one error line on stderr and return the exit code."""
    print(f"commsim: error: {message}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``commsim`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        _print_help()
        return 0
    if argv[0] in ("-V", "--version"):
        print(f"commsim {__version__}")
        return 0
    command, rest = argv[0], argv[1:]
    if command not in SUBCOMMANDS:
        return fail(f"unknown command {command!r}; choose one of: {', '.join(SUBCOMMANDS)}")
    if command == "run":
        return run_command(rest)
    module_name = SUBCOMMANDS[command][0]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        extra = "dashboard" if command in ("dashboard", "animate") else "research"
        return fail(
            f"'{command}' needs optional packages ({exc.name}); pip install 'commsim[{extra}]'", 1
        )
    result = module.main(rest)
    return int(result or 0)


def _print_help() -> None:
    print(f"commsim {__version__}: agent-based simulation of community-led crime prevention\n")
    print("usage: commsim <command> [options]\n\ncommands:")
    for name, (_, text) in SUBCOMMANDS.items():
        print(f"  {name:<12} {text}")
    print("\nexamples:")
    print("  commsim run city=small policy.watch_coverage=0.4")
    print("  commsim run -m policy.watch_coverage=0,0.2,0.4 seed='range(5)'")
    print("  commsim compare --replicates 10")
    print("\n'commsim run --help' shows every config group and key.")


# ---------------------------------------------------------------- commsim run
@dataclass
class SweepPlan:
    """What validation found: how many jobs, and the folder they go to."""

    jobs: int = 1
    sweep_dir: Path | None = None
    run_dir: Path | None = None


def run_command(args: list[str]) -> int:
    """``commsim run [hydra flags] [overrides]``: validate every job, then hand to Hydra."""
    if any(a in ("--help", "-h", "--hydra-help") for a in args):
        return _hydra_main(args)
    try:
        args, geo = _geo_option(args)
    except ValueError as exc:
        return fail(str(exc))
    flags = _hydra_flags(args)
    if isinstance(flags, int):
        return flags
    multirun, overrides = bool(flags.multirun), list(flags.overrides)
    # Hydra reads overrides only after its flags ('city=small -m seed=0,1' is refused
    # there); here they may come anywhere, so Hydra gets them last.
    args = [a for a in args if a not in overrides] + overrides
    if flags.info or flags.cfg or flags.shell_completion:  # shows, runs nothing
        return _hydra_main(args)
    from commsim import store
    from commsim.params import ConfigError

    try:
        plan = validate_overrides(overrides, multirun)
    except ConfigError as exc:
        return fail(str(exc))
    from commsim.engine import sigterm_interrupts

    with sigterm_interrupts():  # SIGTERM marks the run in progress failed, like Ctrl-C
        if not multirun or plan.sweep_dir is None:
            try:
                if plan.run_dir is not None:  # fail now, not after the run, on a read-only disk
                    store.check_creatable(plan.run_dir, "run folder")
            except store.StoreError as exc:
                return fail(str(exc))
            _LAST_RUN.clear()
            code = _hydra_main(args)
            return code or _geo_outputs(geo, list(_LAST_RUN))
        started = store.now()
        try:
            with store.lock(plan.sweep_dir, "sweep folder"):
                code = _hydra_main(args)
        except store.StoreError as exc:  # another sweep is writing there, or it is read-only
            return fail(str(exc))
    code = code or _sweep_outcome(plan.sweep_dir, started)
    if code or geo is None:
        return code
    runs = [plan.sweep_dir / row["run_dir"] for row in store.read_index(plan.sweep_dir)]
    return _geo_outputs(geo, [r for r in runs if store.run_state(r, verify=False).complete])


def _hydra_flags(args: list[str]) -> argparse.Namespace | int:
    """Hydra's own flags and the overrides (in any order); one line on a bad flag.

    Returns:
        The parsed arguments, or the exit code (2 after a bad flag).
    """
    # hydra-core 1.3's parser: the same flags and overrides hydra.main reads.
    from hydra._internal.utils import get_args_parser

    from commsim.cliargs import OneLineParser, parse

    parser = OneLineParser(prog="commsim run", parents=[get_args_parser()], add_help=False)
    return parse(parser, args, intermixed=True)


#: Run folders written by single runs in this process (read for ``--geo``).
_LAST_RUN: list[Path] = []


def _geo_option(args: list[str]) -> tuple[list[str], str | None]:
    """Take ``--geo FORMAT`` (or ``--geo=FORMAT``) out of the arguments Hydra sees.

    Raises:
        ValueError: A missing or unknown format, or the geo extra is not installed.
    """
    out: list[str] = []
    geo: str | None = None
    it = iter(args)
    for a in it:
        if a == "--geo":
            geo = next(it, "")
        elif a.startswith("--geo="):
            geo = a.split("=", 1)[1]
        else:
            out.append(a)
    if geo is not None:
        from commsim.geoout import GeoError, check_format

        try:
            check_format(geo)
        except GeoError as exc:
            raise ValueError(str(exc)) from None
    return out, geo


def _geo_outputs(geo: str | None, run_dirs: list[Path]) -> int:
    """Write each finished run's GIS layers (``--geo``); one line and exit 1 if one fails."""
    if geo is None:
        return 0
    from commsim.geoout import GeoError, export_run

    for run_dir in run_dirs:
        try:
            written = export_run(run_dir, geo)
        except (GeoError, OSError) as exc:
            return fail(f"GIS outputs not written: {exc}", 1)
        print(f"GIS layers: {', '.join(str(p) for p in written)}")
    return 0


def _sweep_outcome(sweep_dir: Path, started: str) -> int:
    """One line if runs of this sweep failed (exit 1), else 0."""
    from commsim import store

    failed = []
    for row in store.read_index(sweep_dir):
        state = store.run_state(sweep_dir / row["run_dir"], verify=False)
        if (
            state.status in (store.FAILED, store.INCOMPLETE)
            and str((state.manifest or {}).get("started", "")) >= started
        ):
            failed.append(state)
    if not failed:
        return 0
    print(
        f"commsim: {len(failed)} run(s) of this sweep failed (first: {failed[0].path}: "
        f"{failed[0].reason}); run the same command again to redo them",
        file=sys.stderr,
    )
    return 1


def validate_overrides(overrides: list[str], multirun: bool = True) -> SweepPlan:
    """Compose and check the config of every job of a run or sweep before any starts.

    Each override is parsed on its own (so a syntax error names its key); every value of
    every swept key is composed with Hydra; every combination of swept values is then
    checked against the config's rules (cheaply, on the composed configs); and the
    ``hydra`` section (launcher and its options) is composed too.

    Returns:
        The number of jobs and, for a sweep, the sweep folder.

    Raises:
        ConfigError: The first bad key or value, in one line.
    """
    import itertools

    from commsim import engine
    from commsim.params import ConfigError, with_overrides

    parsed = [_parse_override(text) for text in overrides]
    model = [(t, ov) for t, ov in parsed if not _is_hydra(ov)]
    fixed: list[str] = []
    sweeps: list[tuple[str, list[str], bool]] = []  # key, override strings, is a group
    for text, ov in model:
        if not ov.is_sweep_override():
            fixed.append(text)
            continue
        key = text.split("=", 1)[0]
        if not multirun:
            raise ConfigError(
                key, text.split("=", 1)[1], "is a sweep: add -m to run one job per value"
            )
        try:
            values = list(ov.sweep_string_iterator())
        except Exception as exc:
            raise ConfigError(key, text.split("=", 1)[1], f"not a sweep ({exc})") from None
        if not values:
            raise ConfigError(key, text.split("=", 1)[1], "the sweep has no values")
        sweeps.append((key, [f"{key}={v}" for v in values], _is_group(ov.key_or_group)))
    firsts = [values[0] for _, values, _ in sweeps]
    engine.compose(fixed + firsts)
    for i, (_, values, _) in enumerate(sweeps):
        others = [f for j, f in enumerate(firsts) if j != i]
        for value in values[1:]:
            engine.compose([*fixed, *others, value])
    # Every combination: compose once per combination of config groups (few), then set
    # the swept values on it, which runs every range and cross-field check.
    groups = [s for s in sweeps if s[2]]
    plain = [s for s in sweeps if not s[2]]
    jobs = 0
    for group_combo in itertools.product(*(values for _, values, _ in groups)):
        base = engine.compose([*fixed, *group_combo, *(values[0] for _, values, _ in plain)])
        typed = [[_typed(v) for v in values] for _, values, _ in plain]
        for combo in itertools.product(*typed):
            jobs += 1
            changes = dict(item for item in combo if item is not None)
            if changes:
                try:
                    with_overrides(base, **changes)
                except ConfigError as exc:
                    shown = ", ".join(f"{k}={v}" for k, v in changes.items())
                    raise ConfigError(
                        exc.key, exc.value, f"{exc.allowed} (in the job {shown})"
                    ) from None
    folders = _check_hydra_section([t for t, ov in parsed if _is_hydra(ov)], fixed + firsts)
    if multirun:
        return SweepPlan(jobs=jobs, sweep_dir=folders["sweep"])
    return SweepPlan(jobs=jobs, run_dir=folders["run"])


def _parse_override(text: str):
    """Hydra's parse of one override; a syntax error names the key."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from commsim.params import ConfigError

    key, sep, value = text.partition("=")
    if not sep:
        if text.startswith("~"):
            value = ""
        else:
            raise ConfigError("override", text, "is not key=value syntax")
    if sep and not key.strip():
        raise ConfigError("override", text, "has no key; overrides look like key=value")
    try:
        return text, OverridesParser.create().parse_overrides([text])[0]
    except Exception as exc:
        reason = next((ln for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)
        raise ConfigError(key.lstrip("+~"), value, f"cannot be read ({reason})") from None


def _is_hydra(ov) -> bool:
    return str(ov.key_or_group).startswith("hydra")


def _is_group(key: str) -> bool:
    from commsim.config import options

    return "." not in key and bool(options(key))


def _typed(override: str):
    """``(key, value)`` of a plain ``key=value`` override (None for deletions)."""
    _, ov = _parse_override(override)
    if ov.is_delete():
        return None
    return ov.key_or_group, ov.value()


def _check_hydra_section(
    hydra_overrides: list[str], model_overrides: list[str]
) -> dict[str, Path | None]:
    """Compose the ``hydra`` section (launcher, its options, folders); return the folders.

    Raises:
        ConfigError: A launcher or a Hydra setting that does not exist or does not fit.
    """
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from omegaconf import OmegaConf

    from commsim.config import config_dir, explain, register_schemas
    from commsim.params import ConfigError

    register_schemas()
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
            loader = GlobalHydra.instance().config_loader()
            for text in hydra_overrides:
                key, _, value = text.lstrip("+~").partition("=")
                if "/" in key and not text.startswith("~"):
                    choices = loader.get_group_options(key)
                    if value not in choices:
                        raise ConfigError(key, value, "must be one of " + ", ".join(choices))
            try:
                cfg = compose(
                    "config", [*model_overrides, *hydra_overrides], return_hydra_config=True
                )
            except ConfigError:
                raise
            except Exception as exc:
                raise explain(exc) from None
            folders = {
                key: OmegaConf.select(cfg, f"hydra.{key}.dir", default=None)
                for key in ("sweep", "run")
            }
    finally:
        GlobalHydra.instance().clear()
    return {key: Path(str(value)) if value else None for key, value in folders.items()}


def _hydra_main(args: list[str]) -> int:
    import hydra

    from commsim.config import config_dir, register_schemas

    register_schemas()
    saved = sys.argv
    sys.argv = ["commsim", *args]
    try:
        hydra.main(config_path=str(config_dir()), config_name="config", version_base="1.3")(_task)()
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else 1
    except KeyboardInterrupt as exc:
        print("commsim run: interrupted; run the same command again to resume", file=sys.stderr)
        return 143 if "SIGTERM" in str(exc) else 130
    except Exception as exc:  # Hydra's own argument errors (e.g. --info with -m)
        return fail(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    finally:
        sys.argv = saved
    return 0


def _register_resolvers() -> None:
    """``${commsim.slug:...}`` and ``${commsim.hash:...}`` for run folder names (conf/config.yaml).

    Registered when this module is imported, which is also how every launcher's worker
    gets them: it imports this module to find the task function.
    """
    from omegaconf import OmegaConf

    from commsim.store import short_hash, slug

    OmegaConf.register_new_resolver("commsim.slug", lambda text: slug(str(text)), replace=True)
    OmegaConf.register_new_resolver(
        "commsim.hash", lambda text: short_hash(str(text)), replace=True
    )


_register_resolvers()


def _task(cfg) -> None:
    """One Hydra job: the experiment engine's worker function on this job's config and folder."""
    from hydra.core.hydra_config import HydraConfig
    from omegaconf import OmegaConf

    from commsim import engine, store
    from commsim.config import to_sim_config
    from commsim.params import ConfigError

    hc = HydraConfig.get()
    out = Path(hc.runtime.output_dir)
    in_sweep = (
        OmegaConf.select(hc, "job.num", default=None) is not None
        and str(hc.mode) == "RunMode.MULTIRUN"
    )
    overrides = list(hc.overrides.task)
    try:
        sim = to_sim_config(cfg)
    except ConfigError as exc:  # validated up front; kept for configs Hydra changed later
        raise SystemExit(fail(str(exc))) from None
    job = engine.Job(tuple(overrides), run_dir=out, label=sim.policy.name, config=sim)
    if in_sweep:
        sweep = Path(hc.sweep.dir)
        store.update_index(
            sweep,
            [
                {
                    "run_dir": out.relative_to(sweep).as_posix() if out.is_relative_to(sweep)
                    else str(out),
                    "strategy": sim.policy.name,
                    "seed": sim.seed,
                    "config_hash": engine.expected_hash(sim),
                    "overrides": overrides,
                }
            ],
        )  # fmt: skip
    result = engine.execute(job, progress=not in_sweep and sys.stderr.isatty())
    if not in_sweep:
        _LAST_RUN.append(out)
    if result.status == engine.SKIPPED:
        print(f"skip (already complete): {out}")
        return
    if not result.ok:
        if in_sweep:
            print(f"commsim: run {result.status} ({result.error}): {out}", file=sys.stderr)
            return
        code = EXIT_USAGE if result.bad_config or result.status == engine.BUSY else 1
        raise SystemExit(fail(result.error or result.status, code))
    assert result.summary is not None
    print(format_summary(result.summary, sim.policy.name, sim.seed, result.seconds, out))


def format_summary(
    summary: dict[str, float], strategy: str, seed: int, seconds: float, out: Path
) -> str:
    """A short, readable end-of-run summary."""
    s = summary
    lines = [
        f"commsim run: strategy={strategy} seed={seed} ({seconds:.1f} s)",
        f"  crimes (true)        {s['crimes']:>9.0f}   reported {s['crimes_reported']:.0f} "
        f"({100 * s['reporting_rate']:.0f}%)",
        f"  arrests              {s['arrests']:>9.0f}   clearance "
        f"{100 * s['clearance_rate']:.0f}% of recorded",
        f"  median response      {s['response_time_median_min']:>9.1f}   minutes",
        f"  trust in police      {s['trust_mean']:>9.3f}   gap between groups {s['trust_gap']:.3f}",
        f"  victimisation        {s['victimization_rate']:>9.1f}   per 1,000 residents per year",
        f"  programme cost       {s['cost_usd']:>9,.0f}   USD",
        f"outputs: {out}",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
