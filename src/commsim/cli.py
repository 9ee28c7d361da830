"""The ``commsim`` command: compose → validate → run → write.

``commsim run`` is a Hydra application (single runs and ``-m`` multiruns on any
launcher). Every override is validated before anything runs, so a bad value is
one line naming the key, the value and what is allowed, with exit code 2.
Other subcommands live in their own modules and are loaded on demand.
"""

from __future__ import annotations

import importlib
import logging
import sys
import traceback
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
    "animate": ("commsim.animate", "Write a GIF of a run's city map over time."),
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
def run_command(args: list[str]) -> int:
    """``commsim run [hydra flags] [overrides]``: validate every override, then hand to Hydra."""
    if any(
        a in ("--help", "-h", "--hydra-help", "--info", "--cfg", "-c", "--shell-completion")
        for a in args
    ):
        return _hydra_main(args)
    overrides = [a for a in args if not a.startswith("-")]
    from commsim.params import ConfigError

    try:
        validate_overrides(overrides)
    except ConfigError as exc:
        return fail(str(exc))
    return _hydra_main(args)


def validate_overrides(overrides: list[str]) -> None:
    """Compose the config once per value of every sweep, so no job of a sweep fails on input.

    Raises:
        ConfigError: The first bad key or value.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from commsim.config import explain, load_config
    from commsim.params import ConfigError

    model_overrides = [o for o in overrides if not o.lstrip("+~").startswith("hydra")]
    try:
        parsed = OverridesParser.create().parse_overrides(model_overrides)
    except Exception as exc:
        raise explain(exc) from None
    fixed, sweeps = [], []
    for text, ov in zip(model_overrides, parsed, strict=True):
        if ov.is_sweep_override():
            try:
                values = list(ov.sweep_string_iterator())
            except Exception as exc:
                raise ConfigError(
                    ov.get_key_element(), text.split("=", 1)[-1], f"not a sweep ({exc})"
                ) from None
            sweeps.append((ov.get_key_element(), values))
        else:
            fixed.append(text)
    firsts = [f"{k}={v[0]}" for k, v in sweeps if v]
    load_config(fixed + firsts)
    for i, (key, values) in enumerate(sweeps):
        others = [f for j, f in enumerate(firsts) if j != i]
        for value in values[1:]:
            load_config([*fixed, *others, f"{key}={value}"])


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
    except Exception as exc:  # Hydra's own argument errors (e.g. --info with -m)
        return fail(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    finally:
        sys.argv = saved
    return 0


def _task(cfg) -> None:
    """One Hydra job: skip if complete, else run and write the run directory."""
    from hydra.core.hydra_config import HydraConfig
    from omegaconf import OmegaConf

    from commsim import io
    from commsim.config import to_sim_config
    from commsim.params import ConfigError
    from commsim.runner import run

    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    hc = HydraConfig.get()
    out = Path(hc.runtime.output_dir)
    in_sweep = (
        OmegaConf.select(hc, "job.num", default=None) is not None
        and str(hc.mode) == "RunMode.MULTIRUN"
    )
    overrides = list(hc.overrides.task)
    if io.is_complete(out):
        print(f"skip (already complete): {out}")
        return
    try:
        sim = to_sim_config(cfg)
        result = run(sim, progress=not in_sweep and sys.stderr.isatty(), overrides=overrides)
        result.write(out, {"output_dir": str(out)})
    except (ConfigError, Exception) as exc:  # a failed job is recorded; a sweep goes on
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        io.write_json(
            out / io.MANIFEST,
            {"status": "failed", "error": message, "overrides": overrides, "output_dir": str(out),
             "traceback": traceback.format_exc(limit=8)},
        )  # fmt: skip
        if in_sweep:
            print(f"commsim: run failed ({message}): {out}", file=sys.stderr)
            return
        raise SystemExit(fail(message, EXIT_USAGE if isinstance(exc, ConfigError) else 1)) from None
    print(
        format_summary(
            result.summary, result.config.policy.name, result.seed, result.wall_seconds, out
        )
    )


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
