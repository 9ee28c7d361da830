"""Run the model: ``run(config, seed) -> RunResult``.

This pure function is what every front end drives: the CLI, comparisons,
sweeps on any launcher, sensitivity analysis and notebooks. Writing a run
directory belongs to :mod:`commsim.store`; running many runs to
:mod:`commsim.engine`.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mesa
import pandas as pd
from omegaconf import OmegaConf

from commsim import store
from commsim.model import CommunityModel
from commsim.outcomes import summarize
from commsim.params import SimConfig, with_overrides


def config_yaml(config: SimConfig) -> str:
    """The resolved config as YAML: what ``config.yaml`` holds and the config hash is of."""
    return OmegaConf.to_yaml(OmegaConf.structured(config))


@dataclass
class RunResult:
    """Everything one run produced: its tables (daily series, events ...) and the summary.

    Attributes:
        config: The config the run was made from.
        seed: The run's seed.
        summary: Summary outcomes (``summary.json``).
        tables: File stem -> tidy frame; at least ``timeseries`` and ``events``. The run
            store writes each as ``<stem>.parquet``.
        wall_seconds: Time the run took.
        counts: Sizes of the run (residents, officers, places, ticks ...).
        overrides: The overrides the config was composed with.
        config_yaml: The resolved config as YAML.
    """

    config: SimConfig
    seed: int
    summary: dict[str, float]
    tables: dict[str, pd.DataFrame]
    wall_seconds: float
    counts: dict[str, int]
    overrides: list[str] = field(default_factory=list)
    config_yaml: str = ""

    def __post_init__(self) -> None:
        if not self.config_yaml:
            self.config_yaml = config_yaml(self.config)

    @property
    def timeseries(self) -> pd.DataFrame:
        """The daily series (``tables["timeseries"]``)."""
        return self.tables["timeseries"]

    @property
    def events(self) -> pd.DataFrame:
        """One row per crime (``tables["events"]``)."""
        return self.tables["events"]

    @property
    def config_hash(self) -> str:
        """The fingerprint of the resolved config recorded in the manifest."""
        return store.config_hash(self.config_yaml)

    def write(self, run_dir: str | Path, extra_manifest: dict[str, Any] | None = None) -> Path:
        """Write the run directory through the run store; the manifest says complete last.

        Raises:
            commsim.store.StoreError: The folder cannot be written or is in use.
        """
        with store.recording(
            run_dir,
            config_hash=self.config_hash,
            seed=self.seed,
            strategy=self.config.policy.name,
            overrides=self.overrides,
            extra=extra_manifest,
        ) as record:
            return record.save(self)


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
    try:
        bar = _progress(model, progress)
        for _ in range(model.total_ticks):
            model.step()
            if bar is not None and model.hour == 0:
                bar.update(1)
        if bar is not None:
            bar.close()
        timeseries = model.daily_table()
        events = model.events_table()
        summary = summarize(timeseries, events, model.city.n_places)
        neighborhoods = model.neighborhood_table()
        places = model.place_table()
        people = model.people_table()
        w = model.world
        counts = {
            "residents": w.n_residents,
            "offenders_active_end": len(w.active),
            "officers": len(w.officers),
            "places": int(w.city.n_places),
            "ticks": int(model.total_ticks),
        }
    finally:
        free_model(model)
    return RunResult(
        config=config,
        seed=config.seed,
        tables={
            "timeseries": timeseries,
            "events": events,
            "neighborhoods": neighborhoods,
            "places": places,
            "people": people,
        },
        summary=summary,
        wall_seconds=time.perf_counter() - start,
        counts=counts,
        overrides=list(overrides or []),
    )


def free_model(model: mesa.Model) -> None:
    """Let a finished model be garbage collected.

    Mesa numbers agents through the class-level ``mesa.agent.Agent._ids``, a dict keyed
    by model, which keeps every model ever built alive; a long-lived process (a worker,
    the dashboard server) would grow by one model per run.
    """
    mesa.agent.Agent._ids.pop(model, None)


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
