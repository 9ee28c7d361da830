"""Synthetic run directories in the run store's on-disk format (:mod:`commsim.store`).

Used to test results, plots and report without running the model. ``legacy=True``
writes a run as commsim 0.1 did: a manifest without checksums or format number.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from commsim import store

GROUPS = ("majority", "minority", "newcomer")

# Keys of commsim.params.CostParams (checked by test_fake_costs_are_real_cost_keys).
COSTS_YAML = """\
costs:
  watch_per_household_year: 250.0
  meeting: 1200.0
  training_per_officer: 3000.0
"""


def timeseries(days: int, level: float, trust: float, rng: np.random.Generator) -> pd.DataFrame:
    """A plausible daily series with metric columns from DESIGN.md section 4."""
    crimes = rng.poisson(level, days).astype(float)
    reported = np.floor(crimes * 0.4)
    frame = pd.DataFrame(
        {
            "day": np.arange(days),
            "crimes": crimes,
            "crimes_reported": reported,
            "reporting_rate": np.where(crimes > 0, reported / np.maximum(crimes, 1), 0.0),
            "trust_mean": np.clip(trust + rng.normal(0, 0.01, days).cumsum() * 0.1, 0, 1),
            "arrests": rng.poisson(1.0, days).astype(float),
        }
    )
    for i, group in enumerate(GROUPS):
        frame[f"trust_mean_{group}"] = np.clip(frame["trust_mean"] - 0.1 * i, 0, 1)
    return frame


def write_run(
    run_dir: Path,
    *,
    strategy: str = "baseline",
    seed: int = 0,
    summary: Mapping[str, float] | None = None,
    overrides: Sequence[str] = (),
    status: str = "complete",
    error: str | None = None,
    days: int = 30,
    crime_level: float = 10.0,
    trust: float = 0.5,
    places: int = 25,
    write_files: bool = True,
    legacy: bool = False,
    config_extra: str = "",
) -> Path:
    """Write one fake run directory and return it."""
    run_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([seed, abs(hash(strategy)) % 10_000])
    if write_files and status == "complete":
        ts = timeseries(days, crime_level, trust, rng)
        ts.to_parquet(run_dir / "timeseries.parquet", index=False)
        n = int(ts["crimes"].sum())
        # Crime concentrates on low-numbered places.
        weights = 1.0 / (1 + np.arange(places))
        events = pd.DataFrame(
            {
                "day": rng.integers(0, days, n),
                "hour": rng.integers(0, 24, n),
                "place": rng.choice(places, n, p=weights / weights.sum()),
                "neighborhood": rng.integers(0, 3, n),
                "type": rng.choice(["burglary", "robbery", "vandalism"], n),
                "victim_group": rng.choice(list(GROUPS), n),
                "reported": rng.random(n) < 0.4,
                "recorded": rng.random(n) < 0.35,
                "response_min": rng.gamma(2, 5, n),
                "arrested": rng.random(n) < 0.1,
                "offender_youth": rng.random(n) < 0.3,
            }
        )
        events.to_parquet(run_dir / "events.parquet", index=False)
        full = {"crimes": float(n), "trust_mean": trust, "cost_usd": 0.0}
        full.update(summary or {})
        (run_dir / "summary.json").write_text(json.dumps(full))
        (run_dir / "config.yaml").write_text(
            f"seed: {seed}\npolicy:\n  name: {strategy}\n" + COSTS_YAML + config_extra
        )
    files = {
        name: store.sha256_file(run_dir / name)
        for name in ("config.yaml", "timeseries.parquet", "events.parquet", "summary.json")
        if (run_dir / name).is_file()
    }
    manifest: dict[str, Any] = {
        "status": status,
        "error": error,
        "seed": seed,
        "overrides": [f"policy={strategy}", f"seed={seed}", *overrides],
        "strategy": strategy,
        "versions": {"commsim": "0.1.0"},
        "git_commit": None,
        "wall_seconds": 1.5,
        "counts": {"residents": 100},
        "config_hash": "x",
    }
    if not legacy:
        manifest.update(
            format=store.FORMAT,
            model_version=store.MODEL_VERSION,
            code={"commsim": "0.2.0", "git_commit": None},
        )
        if status == "complete":
            manifest["files"] = files
    (run_dir / "manifest.json").write_text(json.dumps(manifest))
    return run_dir


def write_comparison(
    root: Path,
    effects: Mapping[str, Mapping[str, float]],
    seeds: Sequence[int] = range(5),
    base: Mapping[str, float] | None = None,
    noise: float = 0.0,
    seed_spread: float = 50.0,
    days: int = 30,
    config_extra: str = "",
) -> Path:
    """Write ``root/<strategy>/seed_<k>`` for a baseline plus strategies with known effects.

    Baseline outcome for seed k is ``base[outcome] + seed_spread * k`` (large between-seed
    variation, shared by every strategy: common random numbers), and a strategy adds its
    effect plus, for crimes, optional independent noise.
    """
    base = dict(base or {"crimes": 1000.0, "trust_mean": 0.5, "cost_usd": 0.0})
    rng = np.random.default_rng(123)
    strategies = {"baseline": {}, **effects}
    for name, effect in strategies.items():
        for k in seeds:
            summary = {}
            for key, value in base.items():
                level = value + (seed_spread * k if key == "crimes" else 0.0)
                level += effect.get(key, 0.0)
                if name != "baseline" and key == "crimes" and noise:
                    level += rng.normal(0, noise)
                summary[key] = level
            for i, group in enumerate(GROUPS):
                summary[f"trust_mean_{group}"] = summary["trust_mean"] - 0.05 * i
                summary[f"victimization_rate_{group}"] = (
                    20.0 + 5 * i + effect.get("crimes", 0) / 100
                )
            write_run(
                root / name / f"seed_{k}",
                strategy=name,
                seed=k,
                summary=summary,
                days=days,
                crime_level=summary["crimes"] / 100,
                trust=summary["trust_mean"],
                config_extra=config_extra,
            )
    return root


def grid_city(side: int = 5) -> nx.Graph:
    """A small street grid with ``pos`` in metres, places numbered 0..side**2-1."""
    g = nx.grid_2d_graph(side, side)
    mapping = {node: i for i, node in enumerate(sorted(g.nodes))}
    g = nx.relabel_nodes(g, mapping)
    for (x, y), i in mapping.items():
        g.nodes[i]["pos"] = (120.0 * x, 120.0 * y)
        g.nodes[i]["neighborhood"] = int(x >= side / 2) + 2 * int(y >= side / 2)
    return g


def reseal(run_dir: Path) -> Path:
    """Record new checksums after a test rewrote a run's files on purpose."""
    path = Path(run_dir) / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["files"] = {
        name: store.sha256_file(Path(run_dir) / name) for name in manifest["files"]
    }
    path.write_text(json.dumps(manifest))
    return Path(run_dir)
