"""``commsim bench``: speed beside Mesa's Epstein example, memory, and scaling.

In one process it times Mesa's bundled Epstein civil-violence model (default
40x40 grid, 100 steps) and a commsim run on the default city, and prints
agent-steps per second for each and their ratio. Each scaling point runs in a
fresh subprocess so its peak memory is its own: by default 5,000 and 100,000
residents; ``--scale`` measures the whole curve up to a 50,000-place street
network with 1,000,000 residents (a one-year baseline, warm-up included) and
can draw it (``--figure``).

An agent-tick is one resident or officer advanced one hour (offenders are
residents); an Epstein agent-step is one citizen or cop advanced one step.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

EPSTEIN_STEPS = 100
# Cities of the scaling curve keep ~20 residents per place (the default city has ~8)
# and at most 100 neighbourhoods (city.neighborhoods' limit); the 5,000 point is the
# default city itself.
SCALE_POINTS: dict[int, list[str]] = {
    5_000: ["city.residents=5000"],
    20_000: ["city.residents=20000", "city.places=1000", "city.neighborhoods=10"],
    100_000: ["city.residents=100000", "city.places=5000", "city.neighborhoods=50"],
    300_000: ["city.residents=300000", "city.places=15000", "city.neighborhoods=100"],
    1_000_000: ["city.residents=1000000", "city.places=50000", "city.neighborhoods=100"],
}
#: The points ``commsim bench`` runs without ``--scale``.
DEFAULT_POINTS = (5_000, 100_000)
#: Targets (DESIGN §6) the report compares against.
TARGET_RATIO = 100.0
TARGET_GROWTH = 1.5
TARGET_1M_SECONDS = 600.0
TARGET_1M_MB = 4096.0


def time_epstein(steps: int = EPSTEIN_STEPS, seed: int = 1) -> dict[str, float]:
    """Agent-steps per second of Mesa's Epstein civil-violence example at its default size."""
    logging.getLogger("MESA").setLevel(logging.WARNING)
    from mesa.examples.advanced.epstein_civil_violence.model import EpsteinCivilViolence

    model = EpsteinCivilViolence(seed=seed)
    agents = len(model.agents)
    start = time.perf_counter()
    for _ in range(steps):
        model.step()
    seconds = time.perf_counter() - start
    return {
        "agents": agents,
        "steps": steps,
        "seconds": seconds,
        "agent_steps_per_s": agents * steps / seconds,
    }


def time_commsim(overrides: list[str], seed: int = 0, progress: bool = False) -> dict[str, float]:
    """Agent-ticks per second of one commsim run (building the city and model timed apart).

    ``build_seconds`` covers composing the config, building the street network and
    the model; ``seconds`` the simulated hours; ``total_seconds`` both.

    Args:
        overrides: Config overrides (``city.residents=...``).
        seed: Run seed.
        progress: Print the simulated day on stderr every 30 days.
    """
    logging.getLogger("MESA").setLevel(logging.WARNING)
    from commsim.config import load_config
    from commsim.model import CommunityModel

    build_start = time.perf_counter()  # composing the config builds (and checks) the city
    model = CommunityModel(load_config(overrides), seed=seed)
    build = time.perf_counter() - build_start
    agents = len(model.residents) + len(model.officers)
    ticks = model.total_ticks
    start = time.perf_counter()
    for tick in range(ticks):
        model.step()
        if progress and tick % (24 * 30) == 24 * 30 - 1:
            elapsed = time.perf_counter() - start
            print(f"  day {(tick + 1) // 24}/{ticks // 24} ({elapsed:.0f} s)", file=sys.stderr)
    seconds = time.perf_counter() - start
    return {
        "residents": len(model.residents),
        "officers": len(model.officers),
        "places": model.city.n_places,
        "agents": agents,
        "ticks": ticks,
        "build_seconds": build,
        "seconds": seconds,
        "total_seconds": build + seconds,
        "agent_ticks_per_s": agents * ticks / seconds,
        "us_per_agent_tick": 1e6 * seconds / (agents * ticks),
    }


def _scale_point(residents: int, extra: list[str], progress: bool = False) -> dict[str, Any]:
    """Run one scaling point in a subprocess and read its peak memory."""
    code = (
        "import json, resource, sys; from commsim.bench import time_commsim; "
        f"r = time_commsim({SCALE_POINTS[residents] + extra!r}, progress={progress!r}); "
        "r['peak_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024; "
        "print(json.dumps(r))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=None if progress else subprocess.PIPE,
        text=True,
    )
    if out.returncode != 0:
        reason = (out.stderr or "").strip().splitlines()[-1:] or [f"exit {out.returncode}"]
        raise RuntimeError(f"scaling point {residents:,} failed: {reason[0]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _parser() -> argparse.ArgumentParser:
    from commsim.cliargs import OneLineParser

    parser = OneLineParser(prog="commsim bench", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--quick", action="store_true", help="shorter runs (60 days) for a fast check"
    )
    parser.add_argument(
        "--no-scaling", action="store_true", help="skip the scaling points (Epstein ratio only)"
    )
    parser.add_argument(
        "--scale",
        action="store_true",
        help="the whole scaling curve, 5,000 to 1,000,000 residents (about 10 minutes)",
    )
    parser.add_argument(
        "--figure", type=Path, default=None, help="write the scaling curve as a PNG here"
    )
    parser.add_argument(
        "--save", type=Path, default=None, help="also write the JSON result to this file"
    )
    return parser


def main(argv: list[str]) -> int:
    """``commsim bench [--json] [--quick] [--no-scaling] [--scale] [--figure PNG]``."""
    from commsim.cliargs import parse

    args = parse(_parser(), argv)
    if isinstance(args, int):
        return args
    if args.figure is not None and args.no_scaling:
        print(
            "commsim: error: --figure needs the scaling points (drop --no-scaling)",
            file=sys.stderr,
        )
        return 2
    problem = _output_problem("--save", args.save) or _output_problem("--figure", args.figure)
    if problem:  # before the benchmark, which takes minutes
        print(f"commsim: error: {problem}", file=sys.stderr)
        return 2
    horizon = ["days=60", "warmup_days=10"] if args.quick else []
    say = (lambda *_: None) if args.json else (lambda msg: print(msg, file=sys.stderr, flush=True))

    say(f"Mesa Epstein civil violence (40x40, {EPSTEIN_STEPS} steps)...")
    epstein = time_epstein()
    say(
        "commsim default city (one year after warm-up)..."
        if not args.quick
        else "commsim default city (60 days)..."
    )
    default = time_commsim(horizon)
    result: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "horizon": horizon,
        "epstein": epstein,
        "commsim_default": default,
        "ratio": default["agent_ticks_per_s"] / epstein["agent_steps_per_s"],
        "peak_mb_this_process": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if not args.no_scaling:
        points = list(SCALE_POINTS) if args.scale else list(DEFAULT_POINTS)
        scaling = {}
        for residents in points:
            say(f"scaling point: {residents:,} residents (subprocess)...")
            try:
                scaling[str(residents)] = _scale_point(
                    residents, horizon, progress=not args.json and residents >= 300_000
                )
            except RuntimeError as exc:
                print(f"commsim: error: {exc}", file=sys.stderr)
                return 1
        result["scaling"] = scaling
        result["scaling_growth"] = growth(scaling)
    from commsim import store  # here, not at the top: scaling subprocesses import this module

    # Shown first, so a failing write below loses no result.
    if args.json:
        print(json.dumps(result, indent=2), flush=True)
    else:
        print(format_report(result), flush=True)
    try:
        if args.save is not None:
            store.write_text(args.save, json.dumps(result, indent=2) + "\n")
        if args.figure is not None:
            scale_figure(result, args.figure)
            say(f"figure: {args.figure}")
    except OSError as exc:
        print(f"commsim: error: results not saved: {store.describe_error(exc)}", file=sys.stderr)
        return 1
    return 0


def _output_problem(option: str, path: Path | None) -> str | None:
    """One line if ``path`` cannot be written as a file, else None (nothing is created)."""
    from commsim import store

    if path is None:
        return None
    if path.is_dir():
        example = path / ("bench.json" if option == "--save" else "scaling.png")
        return f"{option}={path}: is a folder; give a file name, e.g. {example}"
    folder = path.parent
    if option == "--save" and not folder.is_dir():
        return f"{option}={path}: the folder {folder} does not exist"
    try:
        store.check_creatable(folder, f"{option}={path}: the folder")
    except store.StoreError as exc:
        return str(exc)
    return None


def growth(scaling: dict[str, dict[str, Any]]) -> float:
    """Time per agent-tick at the largest point over that at the smallest."""
    keys = sorted(scaling, key=int)
    return scaling[keys[-1]]["us_per_agent_tick"] / scaling[keys[0]]["us_per_agent_tick"]


def format_report(r: dict[str, Any]) -> str:
    """Human-readable benchmark table."""
    e, d = r["epstein"], r["commsim_default"]
    lines = [
        f"Mesa Epstein example : {e['agents']:>7,} agents x {e['steps']} steps "
        f"in {e['seconds']:.2f} s = {e['agent_steps_per_s']:>12,.0f} agent-steps/s",
        f"commsim default city : {d['agents']:>7,} agents x {d['ticks']:,} ticks "
        f"in {d['seconds']:.2f} s = {d['agent_ticks_per_s']:>12,.0f} agent-ticks/s",
        f"ratio                : {r['ratio']:.0f}x   (target >= {TARGET_RATIO:.0f}x)",
    ]
    if "scaling" in r:
        for key in sorted(r["scaling"], key=int):
            s = r["scaling"][key]
            places = f" on {s['places']:,} places" if "places" in s else ""
            total = s.get("total_seconds", s["seconds"])
            lines.append(
                f"{int(key):>9,} residents{places}: "
                f"{s['us_per_agent_tick'] * 1000:.1f} ns/agent-tick, "
                f"{total:.1f} s in all for {s['ticks']:,} ticks "
                f"(build {s.get('build_seconds', 0):.1f} s), peak memory {s['peak_mb']:,.0f} MB"
            )
        keys = sorted(r["scaling"], key=int)
        lines.append(
            f"growth {int(keys[0]):,} -> {int(keys[-1]):,}: {r['scaling_growth']:.2f}x "
            f"per agent-tick   (target <= {TARGET_GROWTH}x)"
        )
    return "\n".join(lines)


def scale_figure(r: dict[str, Any], path: Path) -> Path:
    """Draw the scaling curve: time per agent-tick, and a year's time and peak memory.

    Colours are Okabe-Ito (colour-blind safe) and each series also has its own
    marker and line style.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = sorted(r["scaling"], key=int)
    pts = [r["scaling"][k] for k in keys]
    n = [int(k) for k in keys]
    ns = [p["us_per_agent_tick"] * 1000 for p in pts]
    minutes = [p.get("total_seconds", p["seconds"]) / 60 for p in pts]
    gb = [p["peak_mb"] / 1024 for p in pts]
    blue, orange, grey = "#0072B2", "#E69F00", "#555555"
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2), constrained_layout=True)
    left.plot(n, ns, "o-", color=blue, lw=2, label="commsim")
    left.axhline(
        ns[0] * TARGET_GROWTH, color=grey, ls="--", lw=1, label=f"{TARGET_GROWTH}x the smallest"
    )
    left.set_xscale("log")
    left.set_ylim(0, max(max(ns), ns[0] * TARGET_GROWTH) * 1.15)
    left.set_xlabel("residents")
    left.set_ylabel("time per agent-tick (ns)")
    left.set_title("Time per agent-tick (lower is better)")
    left.legend(frameon=False)
    right.plot(n, minutes, "o-", color=blue, lw=2, label="one year incl. warm-up (min)")
    right.plot(n, gb, "s--", color=orange, lw=2, label="peak memory (GB)")
    right.axhline(TARGET_1M_SECONDS / 60, color=blue, ls=":", lw=1)
    right.axhline(TARGET_1M_MB / 1024, color=orange, ls=":", lw=1)
    right.annotate("10 min target", (n[0], TARGET_1M_SECONDS / 60), va="bottom", color=blue)
    right.annotate("4 GB target", (n[0], TARGET_1M_MB / 1024), va="bottom", color=orange)
    right.set_xscale("log")
    right.set_ylim(0, max(TARGET_1M_SECONDS / 60, max(minutes), max(gb)) * 1.15)
    right.set_xlabel("residents")
    right.set_title("A year's run: time and memory (one core)")
    right.legend(frameon=False, loc="center left")
    for ax in (left, right):
        ax.grid(alpha=0.3)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
