"""``commsim bench``: speed beside Mesa's Epstein example, memory, and scaling.

In one process it times Mesa's bundled Epstein civil-violence model (default
40x40 grid, 100 steps) and a commsim run on the default city, and prints
agent-steps per second for each and their ratio. Each scaling point (5,000 and
100,000 residents) runs in a fresh subprocess so its peak memory is its own.

An agent-tick is one agent (resident, offender or officer) advanced one hour;
an Epstein agent-step is one citizen or cop advanced one step.
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
from typing import Any

EPSTEIN_STEPS = 100
# The 100,000-resident city keeps ~20 residents per place and ~2,000 per
# neighbourhood (as the default city's ~8 and ~830, within one order).
SCALE_POINTS = {
    5_000: ["city.residents=5000"],
    100_000: ["city.residents=100000", "city.places=5000", "city.neighborhoods=50"],
}


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


def time_commsim(overrides: list[str], seed: int = 0) -> dict[str, float]:
    """Agent-ticks per second of one commsim run (model construction excluded)."""
    logging.getLogger("MESA").setLevel(logging.WARNING)
    from commsim.config import load_config
    from commsim.model import CommunityModel

    config = load_config(overrides)
    build_start = time.perf_counter()
    model = CommunityModel(config, seed=seed)
    build = time.perf_counter() - build_start
    agents = len(model.residents) + round(model.careers.base_pool.sum()) + len(model.officers)
    ticks = model.total_ticks
    start = time.perf_counter()
    for _ in range(ticks):
        model.step()
    seconds = time.perf_counter() - start
    return {
        "residents": len(model.residents),
        "agents": agents,
        "ticks": ticks,
        "build_seconds": build,
        "seconds": seconds,
        "agent_ticks_per_s": agents * ticks / seconds,
        "us_per_agent_tick": 1e6 * seconds / (agents * ticks),
    }


def _scale_point(residents: int, extra: list[str]) -> dict[str, Any]:
    """Run one scaling point in a subprocess and read its peak memory."""
    code = (
        "import json, resource, sys; from commsim.bench import time_commsim; "
        f"r = time_commsim({SCALE_POINTS[residents] + extra!r}); "
        "r['peak_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024; "
        "print(json.dumps(r))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    """``commsim bench [--json] [--quick] [--no-scaling]``."""
    parser = argparse.ArgumentParser(prog="commsim bench", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--quick", action="store_true", help="shorter runs (60 days) for a fast check"
    )
    parser.add_argument(
        "--no-scaling", action="store_true", help="skip the 5,000/100,000-resident points"
    )
    args = parser.parse_args(argv)
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
        "epstein": epstein,
        "commsim_default": default,
        "ratio": default["agent_ticks_per_s"] / epstein["agent_steps_per_s"],
        "peak_mb_this_process": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if not args.no_scaling:
        scaling = {}
        for residents in SCALE_POINTS:
            say(f"scaling point: {residents:,} residents (subprocess)...")
            scaling[str(residents)] = _scale_point(residents, horizon)
        small, large = scaling["5000"], scaling["100000"]
        result["scaling"] = scaling
        result["scaling_growth"] = large["us_per_agent_tick"] / small["us_per_agent_tick"]
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(format_report(result))
    return 0


def format_report(r: dict[str, Any]) -> str:
    """Human-readable benchmark table."""
    e, d = r["epstein"], r["commsim_default"]
    lines = [
        f"Mesa Epstein example : {e['agents']:>7,} agents x {e['steps']} steps "
        f"in {e['seconds']:.2f} s = {e['agent_steps_per_s']:>12,.0f} agent-steps/s",
        f"commsim default city : {d['agents']:>7,} agents x {d['ticks']:,} ticks "
        f"in {d['seconds']:.2f} s = {d['agent_ticks_per_s']:>12,.0f} agent-ticks/s",
        f"ratio                : {r['ratio']:.0f}x   (target >= 100x)",
    ]
    if "scaling" in r:
        for key, s in r["scaling"].items():
            lines.append(
                f"{int(key):>7,} residents   : {s['us_per_agent_tick'] * 1000:.1f} ns/agent-tick, "
                f"{s['seconds']:.1f} s for {s['ticks']:,} ticks, peak memory {s['peak_mb']:,.0f} MB"
            )
        lines.append(
            f"growth 5k -> 100k    : {r['scaling_growth']:.2f}x per agent-tick   (target <= 1.5x)"
        )
    return "\n".join(lines)
