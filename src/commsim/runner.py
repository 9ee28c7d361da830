"""Run the model: ``run(config, seed) -> RunResult``, and write a run directory.

This pure function is what every front end drives: the CLI, comparisons,
sweeps on any Hydra launcher, sensitivity analysis and notebooks.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import OmegaConf

from commsim import io
from commsim.incidents import EVENT_COLUMNS
from commsim.model import CommunityModel
from commsim.outcomes import summarize
from commsim.params import SimConfig, with_overrides


@dataclass
class RunResult:
    """Everything one run produced: tidy daily series, events and the summary."""

    config: SimConfig
    seed: int
    tables: dict[str, pd.DataFrame]  # file stem -> frame (timeseries, events, ...)
    summary: dict[str, float]
    wall_seconds: float
    counts: dict[str, int]
    overrides: list[str] = field(default_factory=list)

    @property
    def timeseries(self) -> pd.DataFrame:
        """One row per evaluated day."""
        return self.tables["timeseries"]

    @property
    def events(self) -> pd.DataFrame:
        """One row per crime in the evaluation window."""
        return self.tables["events"]

    @property
    def config_yaml(self) -> str:
        """The resolved config as YAML."""
        return OmegaConf.to_yaml(OmegaConf.structured(self.config))

    def write(self, run_dir: str | Path, extra_manifest: dict[str, Any] | None = None) -> Path:
        """Write the five run files atomically; the manifest says complete last."""
        run_dir = Path(run_dir)
        config_yaml = self.config_yaml
        manifest: dict[str, Any] = {
            "status": "running",
            "error": None,
            "seed": self.seed,
            "strategy": self.config.policy.name,
            "overrides": list(self.overrides),
            "versions": io.package_versions(),
            "git_commit": io.git_commit(),
            "config_hash": io.config_hash(config_yaml),
            **(extra_manifest or {}),
        }
        io.write_json(run_dir / io.MANIFEST, manifest)
        io.write_text(run_dir / "config.yaml", config_yaml)
        for stem, frame in self.tables.items():
            io.write_parquet(run_dir / f"{stem}.parquet", frame)
        io.write_json(run_dir / "summary.json", self.summary)
        manifest.update(
            status="complete", wall_seconds=round(self.wall_seconds, 3), counts=self.counts
        )
        io.write_json(run_dir / io.MANIFEST, manifest)
        return run_dir


def run(
    config: SimConfig | None = None,
    seed: int | None = None,
    progress: bool = False,
    overrides: list[str] | None = None,
) -> RunResult:
    """Run one simulation and return its tidy outputs.

    Args:
        config: The run config (default: built-in default city, baseline policy).
        seed: Overrides ``config.seed``.
        progress: Show a progress bar on stderr.
        overrides: The overrides the config was composed with (recorded in the manifest).

    Examples:
        >>> result = run(load_config(["city=small", "days=30"]), seed=1)
        >>> result.summary["crimes"]
    """
    config = config or SimConfig()
    if seed is not None:
        config = with_overrides(config, seed=seed)
    start = time.perf_counter()
    model = CommunityModel(config)
    bar = _progress(model, progress)
    for _ in range(model.total_ticks):
        model.step()
        if bar is not None and model.hour == 0:
            bar.update(1)
    if bar is not None:
        bar.close()
    timeseries = model.daily_table()
    events = _events_frame(model)
    summary = summarize(timeseries, events, model.city.n_places)
    w = model.world
    counts = {
        "residents": w.n_residents,
        "offenders_active_end": len(w.active),
        "officers": len(w.officers),
        "places": int(w.city.n_places),
        "ticks": int(model.total_ticks),
    }
    return RunResult(
        config=config,
        seed=config.seed,
        tables={
            "timeseries": timeseries,
            "events": events,
            "neighborhoods": model.neighborhood_table(),
        },
        summary=summary,
        wall_seconds=time.perf_counter() - start,
        counts=counts,
        overrides=list(overrides or []),
    )


def _events_frame(model: CommunityModel) -> pd.DataFrame:
    frame = pd.DataFrame(model.events, columns=EVENT_COLUMNS)
    dtypes = {
        "day": "int64",
        "hour": "int64",
        "place": "int64",
        "neighborhood": "int64",
        "type": "string",
        "victim_group": "string",
        "victim": "int64",
        "victim_income": "int64",
        "offender": "int64",
        "offender_age": "int64",
        "reported": "bool",
        "recorded": "bool",
        "on_view": "bool",
        "response_min": "Float64",  # null (not NaN) where nobody called
        "arrested": "bool",
        "clearance": "string",
        "clearance_day": "Int64",  # null while not cleared
        "open_at_end": "bool",
    }
    return frame.astype(dtypes)


def _progress(model: CommunityModel, enabled: bool):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    days = model.config.warmup_days + model.config.days
    return tqdm(
        total=days,
        unit="day",
        desc=f"{model.config.policy.name} seed {model.config.seed}",
        leave=False,
    )


def config_as_dict(config: SimConfig) -> dict[str, Any]:
    """The config as plain nested dicts."""
    return dataclasses.asdict(config)


def _run_job(job: tuple[tuple[str, ...], int]) -> RunResult:
    from commsim.config import load_config

    overrides, seed = job
    return run(load_config(list(overrides)), seed=seed, overrides=list(overrides))


def run_many(jobs: list[tuple[list[str], int]], n_jobs: int | None = None) -> list[RunResult]:
    """Run (overrides, seed) jobs on local cores, in order; results equal serial runs.

    Examples:
        >>> results = run_many([(["city=small"], s) for s in range(4)], n_jobs=2)
    """
    import os
    from concurrent.futures import ProcessPoolExecutor

    work = [(tuple(o), int(s)) for o, s in jobs]
    n_jobs = min(n_jobs or os.cpu_count() or 1, len(work)) or 1
    if n_jobs == 1:
        return [_run_job(j) for j in work]
    with ProcessPoolExecutor(max_workers=n_jobs) as pool:
        return list(pool.map(_run_job, work))
