"""Jobs and the worker function of the experiment engine.

A :class:`Job` is one run to do; :func:`prepare` composes and checks every job's
config before any runs; :func:`execute` is the one worker function that every
backend (and ``commsim run``'s Hydra task) calls: check the store, run, write
through the store.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

from commsim import store
from commsim.params import NO_VALUE, ConfigError, SimConfig, with_overrides
from commsim.runner import RunResult, config_yaml, run

__all__ = [
    "BUSY",
    "COMPLETE",
    "FAILED",
    "SKIPPED",
    "Job",
    "JobResult",
    "compose",
    "execute",
    "expected_hash",
    "prepare",
]

COMPLETE = "complete"
SKIPPED = "skipped"
FAILED = "failed"
BUSY = "busy"


# --------------------------------------------------------------------------------------
# Jobs
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One run to do.

    Attributes:
        overrides: Hydra-style overrides composed into the config
            (``("policy=baseline", "city=small")``).
        values: ``(dotted key, value)`` pairs set after composing, e.g. ``(("seed", 3),)``;
            cheap, so jobs that differ only here share one composition.
        run_dir: Where the store keeps the run (None: run in memory only).
        label: A name for messages (the strategy, scenario or sample).
        keep: Return the whole :class:`~commsim.runner.RunResult` (tables included).
        config: The composed config; set by :func:`prepare`.
    """

    overrides: tuple[str, ...] = ()
    values: tuple[tuple[str, Any], ...] = ()
    run_dir: Path | None = None
    label: str = ""
    keep: bool = False
    config: SimConfig | None = field(default=None, compare=False, repr=False)

    @property
    def all_overrides(self) -> list[str]:
        """The overrides and values as ``key=value`` strings (recorded in the manifest)."""
        return [*self.overrides, *(f"{k}={format_value(v)}" for k, v in self.values)]

    @property
    def seed(self) -> int:
        """The run's seed."""
        if self.config is not None:
            return int(self.config.seed)
        return int(dict(self.values).get("seed", 0))


@dataclass(frozen=True)
class JobResult:
    """What became of a job.

    Attributes:
        job: The job.
        status: ``complete`` (ran now), ``skipped`` (already complete), ``failed`` or
            ``busy`` (another process is writing its folder).
        error: One line saying why, when not complete.
        seconds: Wall time of the run (0 when skipped).
        summary: The run's summary outcomes (also when skipped).
        result: The whole run, when the job asked to keep it.
        storage: The failure was the disk's (full, read-only, no access): stop the batch.
        bad_config: The failure was a config value the model refused.
    """

    job: Job
    status: str
    error: str | None = None
    seconds: float = 0.0
    summary: dict[str, float] | None = None
    result: RunResult | None = None
    storage: bool = False
    bad_config: bool = False

    @property
    def ok(self) -> bool:
        """True when the run is complete (now or before)."""
        return self.status in (COMPLETE, SKIPPED)


def format_value(value: Any) -> str:
    """A value as Hydra override syntax."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(format_value(v) for v in value) + "]"
    return str(value)


# --------------------------------------------------------------------------------------
# Validation before anything runs
# --------------------------------------------------------------------------------------


def compose(overrides: Sequence[str]) -> SimConfig:
    """Compose and validate a config (``commsim.config.load_config``) with one-line errors.

    Raises:
        ConfigError: One line naming the key, the value and what is allowed.
    """
    from commsim.config import load_config, options

    for text in overrides:
        key, sep, value = str(text).partition("=")
        key = key.strip().lstrip("+~")
        if sep and not key:
            raise ConfigError("override", text, "has no key; overrides look like key=value")
        if sep and not value.strip() and "." not in key and options(key):
            raise ConfigError(key, "", "must be one of " + ", ".join(options(key)))
    try:
        return load_config(list(overrides))
    except ConfigError:
        raise
    except Exception as exc:  # composition failures the config layer does not explain
        raise _explain(overrides, exc) from None


def _explain(overrides: Sequence[str], exc: Exception) -> ConfigError:
    """Name the override behind an unexpected composition failure."""
    for text in overrides:
        key, sep, value = text.partition("=")
        if not key.startswith("+") or not sep:
            continue
        key = key.lstrip("+")
        problem = unknown_key(key)
        if problem:
            return ConfigError(key, value, problem)
    return ConfigError("config", NO_VALUE, store.describe_error(exc))


def unknown_key(key: str, config: Any = None) -> str | None:
    """Why a dotted key is not a config key (None when it is one)."""
    obj: Any = SimConfig() if config is None else config
    parts = key.split(".")
    for depth, part in enumerate(parts):
        where = ".".join(parts[:depth]) or "the config root"
        if isinstance(obj, dict):
            if part not in obj:
                return None  # dict-valued settings (e.g. groups) may take new entries
            obj = obj[part]
        elif is_dataclass(obj):
            names = [f.name for f in fields(obj)]
            if part not in names:
                return f"unknown key under {where}; allowed: {', '.join(names)}"
            obj = getattr(obj, part)
        else:
            return f"{'.'.join(parts[:depth])} is a single value, not a group of settings"
    return None


def prepare(jobs: Sequence[Job]) -> list[Job]:
    """Compose and validate every job's config before any job starts.

    Jobs with the same ``overrides`` share one composition; their ``values`` are then
    applied and checked like every other setting.

    Raises:
        ConfigError: The first bad key or value (one line).
    """
    composed: dict[tuple[str, ...], SimConfig] = {}
    out = []
    for job in jobs:
        if job.config is not None:
            out.append(job)
            continue
        if job.overrides not in composed:
            composed[job.overrides] = compose(job.overrides)
        config = composed[job.overrides]
        if job.values:
            for key, _ in job.values:
                problem = unknown_key(key, config)
                if problem:
                    raise ConfigError(key, dict(job.values)[key], problem)
            config = with_overrides(config, **dict(job.values))
        out.append(replace(job, config=config))
    return out


def expected_hash(config: SimConfig) -> str:
    """The config hash a run of ``config`` records in its manifest."""
    return store.config_hash(config_yaml(config))


# --------------------------------------------------------------------------------------
# The worker function
# --------------------------------------------------------------------------------------


def execute(job: Job, progress: bool = False) -> JobResult:
    """Do one job: reuse its complete run, or run it and write it through the store.

    This is the only worker function: every backend calls it, and so does the task of
    ``commsim run`` on Hydra's launchers.

    Returns:
        A :class:`JobResult`; errors of the run are caught and recorded (in the result
        and, with a run folder, in its manifest).

    Raises:
        KeyboardInterrupt: Ctrl-C or SIGTERM; the run's manifest says failed first.
    """
    start = time.perf_counter()
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    try:
        config = job.config if job.config is not None else prepare([job])[0].config
    except ConfigError as exc:
        return JobResult(job, FAILED, str(exc), bad_config=True)
    assert config is not None
    overrides = job.all_overrides
    if job.run_dir is None:
        try:
            result = run(config, progress=progress, overrides=overrides)
        except ConfigError as exc:
            return JobResult(job, FAILED, str(exc), time.perf_counter() - start, bad_config=True)
        except Exception as exc:
            return JobResult(job, FAILED, store.describe_error(exc), time.perf_counter() - start)
        return _finished(job, result, COMPLETE, start)

    expected = expected_hash(config)
    try:
        with store.lock(job.run_dir, "run folder"):
            state = store.run_state(job.run_dir, expected)
            if state.complete:
                summary = store.read_summary(job.run_dir)
                kept = _load(job.run_dir, config, overrides) if job.keep else None
                return JobResult(job, SKIPPED, None, 0.0, summary, kept)
            with store.recording(
                job.run_dir,
                config_hash=expected,
                seed=config.seed,
                strategy=config.policy.name,
                overrides=overrides,
                extra={"label": job.label} if job.label else None,
                locked=False,
            ) as record:
                result = run(config, progress=progress, overrides=overrides)
                record.save(result)
    except store.BusyError as exc:
        return JobResult(job, BUSY, str(exc))
    except ConfigError as exc:  # a rule only the model checks; recorded in the manifest
        return JobResult(job, FAILED, str(exc), time.perf_counter() - start, bad_config=True)
    except Exception as exc:  # recorded in the manifest by store.recording
        error = store.describe_error(exc)
        storage = store.is_storage_error(exc) or isinstance(exc, store.StoreError)
        return JobResult(job, FAILED, error, time.perf_counter() - start, storage=storage)
    return _finished(job, result, COMPLETE, start)


def _finished(job: Job, result: RunResult, status: str, start: float) -> JobResult:
    return JobResult(
        job,
        status,
        None,
        time.perf_counter() - start,
        dict(result.summary),
        result if job.keep else None,
    )


def _load(run_dir: Path, config: SimConfig, overrides: list[str]) -> RunResult:
    """A complete run read back from its folder."""
    import pandas as pd

    state = store.run_state(run_dir, verify=False)
    tables = {
        name.removesuffix(".parquet"): pd.read_parquet(run_dir / name)
        for name in state.files
        if name.endswith(".parquet")
    }
    manifest = state.manifest or {}
    return RunResult(
        config=config,
        seed=config.seed,
        summary=store.read_summary(run_dir) or {},
        tables=tables,
        wall_seconds=float(manifest.get("wall_seconds") or 0.0),
        counts=dict(manifest.get("counts") or {}),
        overrides=overrides,
        config_yaml=(run_dir / store.CONFIG).read_text(encoding="utf-8"),
    )
