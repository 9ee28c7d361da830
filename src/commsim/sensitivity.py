"""Global sensitivity analysis: Morris screening and Sobol indices over config parameters.

A parameter file under ``conf/sensitivity/`` names the dotted config keys to vary
and their bounds (see ``conf/sensitivity/default.yaml``). Each sample of the
parameter space is one set of overrides; the runs share a pool of local
processes and equal serial runs (each is ``run(load_config(overrides), seed)``).
Every sample runs with the same seeds (common random numbers), so the differences
between samples come from the parameters, not from luck.

Two methods (SALib):

* ``morris`` (default): elementary-effects screening (Morris 1991; Campolongo et
  al. 2007). ``N`` trajectories cost ``N x (D + 1)`` runs for ``D`` parameters.
  ``mu_star`` is the mean absolute change of the outcome when one parameter moves
  (scaled to the parameter's whole range, in the outcome's unit); ``sigma`` its
  spread across the space (interactions, non-linearity); ``mu`` keeps the sign.
* ``sobol``: variance-based indices from Saltelli sampling (Saltelli et al. 2010).
  ``N`` (a power of two) costs ``N x (D + 2)`` runs. ``S1`` is the share of the
  outcome's variance due to the parameter alone, ``ST`` including interactions.

Examples:
    >>> table = analyze(
    ...     {"offending.rate_burglary": [0.012, 0.036], "policy.watch_coverage": [0, 0.5]},
    ...     outcomes=["crimes"], method="morris", n=4, base_overrides=["city=small", "days=60"],
    ... )  # doctest: +SKIP

    ``commsim sensitivity --method morris --trajectories 10 --outcomes crimes,trust_mean``
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from commsim import engine, store
from commsim.cliargs import OneLineParser, parse
from commsim.config import config_dir, load_config
from commsim.outcomes import expanded_keys
from commsim.params import NO_VALUE, ConfigError, SimConfig, with_overrides
from commsim.plots import metric_label, metric_unit

METHODS = ("morris", "sobol")
INDEX_COLUMNS = ["parameter", "outcome", "method", "index", "value", "conf"]
MORRIS_LEVELS = 4  # grid levels per parameter (Saltelli et al. 2008 recommend 4)
CONF_LEVEL = 0.95  # confidence level of the bootstrap intervals
RESAMPLES = 200  # bootstrap resamples for the confidence intervals
DEFAULT_N = {"morris": 10, "sobol": 64}
MAIN_INDEX = {"morris": "mu_star", "sobol": "ST"}

__all__ = [
    "INDEX_COLUMNS",
    "METHODS",
    "Parameter",
    "Spec",
    "analyze",
    "compute_indices",
    "evaluate",
    "evaluate_table",
    "load_spec",
    "main",
    "parse_spec",
    "ranking_figure",
    "sample_inputs",
]


# --------------------------------------------------------------------------------------
# The parameter file
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    """One varied config key: numeric bounds, or a list of discrete values.

    Args:
        key: Dotted config key, e.g. ``offending.rate_burglary``.
        low: Lower bound (0 for a list of values).
        high: Upper bound (1 for a list of values).
        kind: ``float``, ``int`` (values are rounded) or ``choice`` (``values`` picked
            by position: the unit interval is cut into equal slices).
        values: The discrete values of a ``choice`` parameter.
        label: A short description (shown in tables; defaults to the key).
    """

    key: str
    low: float
    high: float
    kind: str = "float"
    values: tuple[Any, ...] = ()
    label: str = ""

    def value(self, x: float) -> Any:
        """The config value at sample point ``x`` (in ``[low, high]``)."""
        if self.kind == "choice":
            i = min(int(x * len(self.values)), len(self.values) - 1)
            return self.values[max(i, 0)]
        if self.kind == "int":
            return round(x)
        return float(x)

    def override(self, x: float) -> str:
        """The Hydra override string setting this parameter to its value at ``x``."""
        return f"{self.key}={_format_value(self.value(x))}"


@dataclass(frozen=True)
class Spec:
    """A sensitivity analysis: parameters, outcomes, fixed overrides and seeds."""

    parameters: tuple[Parameter, ...]
    outcomes: tuple[str, ...] = ("crimes", "trust_mean")
    base_overrides: tuple[str, ...] = ()
    seed: int = 0
    replicates: int = 1
    contrast: tuple[str, ...] = ()  # overrides of a treatment: outcomes become its effect

    @property
    def arms(self) -> list[tuple[str, ...]]:
        """The overrides each sample runs: the base alone, or base and treatment (paired)."""
        return [()] if not self.contrast else [(), tuple(self.contrast)]

    @property
    def problem(self) -> dict[str, Any]:
        """The SALib problem dictionary."""
        return {
            "num_vars": len(self.parameters),
            "names": [p.key for p in self.parameters],
            "bounds": [[p.low, p.high] for p in self.parameters],
        }


def _format_value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def default_spec_path() -> Path:
    """``conf/sensitivity/default.yaml``."""
    return config_dir() / "sensitivity" / "default.yaml"


def load_spec(path: str | Path | None = None) -> Spec:
    """Read and validate a parameter file.

    Args:
        path: A YAML file, or the name of one in ``conf/sensitivity/`` (default: ``default``).

    Raises:
        ConfigError: The file is missing or malformed, or a key or bound is not allowed.
    """
    import yaml

    path = _resolve_spec_path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0]
        raise ConfigError("--config", str(path), f"is not valid YAML ({first})") from None
    if not isinstance(raw, Mapping):
        raise ConfigError("--config", str(path), "must be a YAML mapping with 'parameters'")
    return parse_spec(raw)


def _resolve_spec_path(path: str | Path | None) -> Path:
    if path is None:
        return default_spec_path()
    candidate = Path(path)
    if candidate.is_file():
        return candidate
    named = config_dir() / "sensitivity" / f"{candidate.name.removesuffix('.yaml')}.yaml"
    if candidate.suffix == "" and named.is_file():
        return named
    available = sorted(p.stem for p in (config_dir() / "sensitivity").glob("*.yaml"))
    raise ConfigError(
        "--config",
        str(path),
        "no such file; give a YAML path or one of: " + ", ".join(available),
    )


_SPEC_KEYS = ("parameters", "outcomes", "base_overrides", "seed", "replicates", "contrast")


def parse_spec(raw: Mapping[str, Any]) -> Spec:
    """Build a :class:`Spec` from a mapping (a parsed parameter file).

    ``parameters`` maps dotted keys to ``{bounds: [low, high]}`` (add ``integer: true``
    to round), ``{values: [a, b, ...]}``, just ``[low, high]``, or ``plausible`` (or
    nothing): the range the parameter's description says the evidence allows.

    Raises:
        ConfigError: An unknown top-level key, a malformed entry, or a bad bound.
    """
    unknown = [k for k in raw if k not in _SPEC_KEYS]
    if unknown:
        raise ConfigError(
            str(unknown[0]), NO_VALUE, "unknown key; allowed: " + ", ".join(_SPEC_KEYS)
        )
    params = raw.get("parameters")
    if not isinstance(params, Mapping) or not params:
        raise ConfigError("parameters", NO_VALUE, "must map at least one config key to its bounds")
    parsed = tuple(_parse_parameter(str(k), v) for k, v in params.items())
    outcomes = raw.get("outcomes", Spec.outcomes)
    if isinstance(outcomes, str):
        outcomes = [o.strip() for o in outcomes.split(",") if o.strip()]
    base = raw.get("base_overrides") or []
    if isinstance(base, str) or not all(isinstance(o, str) for o in base):
        raise ConfigError("base_overrides", base, "must be a list of key=value strings")
    seed, replicates = raw.get("seed", 0), raw.get("replicates", 1)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ConfigError("seed", seed, "must be a non-negative integer")
    if not isinstance(replicates, int) or isinstance(replicates, bool) or replicates < 1:
        raise ConfigError("replicates", replicates, "must be a positive integer")
    contrast = raw.get("contrast") or []
    if isinstance(contrast, str) or not all(isinstance(o, str) for o in contrast):
        raise ConfigError(
            "contrast", contrast, "must be a list of key=value strings (the treatment)"
        )
    return Spec(parsed, tuple(outcomes), tuple(base), seed, replicates, tuple(contrast))


def _parse_parameter(key: str, entry: Any) -> Parameter:
    if isinstance(entry, Sequence) and not isinstance(entry, str):
        entry = {"bounds": list(entry)}
    if (
        entry is None
        or entry == "plausible"
        or (isinstance(entry, Mapping) and entry.get("bounds") == "plausible")
    ):
        entry = {"bounds": _plausible(key)}
    if not isinstance(entry, Mapping):
        raise ConfigError(key, entry, "must be {bounds: [low, high]} or {values: [...]}")
    allowed = ("bounds", "integer", "values", "label")
    extra = [k for k in entry if k not in allowed]
    if extra:
        raise ConfigError(
            f"{key}.{extra[0]}", NO_VALUE, "unknown key; allowed: " + ", ".join(allowed)
        )
    label = str(entry.get("label", ""))
    if "values" in entry:
        values = entry["values"]
        if "bounds" in entry or not isinstance(values, Sequence) or isinstance(values, str):
            raise ConfigError(f"{key}.values", values, "must be a list (and no bounds)")
        if len(values) < 2:
            raise ConfigError(f"{key}.values", list(values), "must list at least two values")
        return Parameter(key, 0.0, 1.0, "choice", tuple(values), label)
    bounds = entry.get("bounds")
    if (
        not isinstance(bounds, Sequence)
        or isinstance(bounds, str)
        or len(bounds) != 2
        or not all(_is_number(b) for b in bounds)
    ):
        raise ConfigError(f"{key}.bounds", bounds, "must be two numbers [low, high]")
    low, high = float(bounds[0]), float(bounds[1])
    if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
        raise ConfigError(f"{key}.bounds", [bounds[0], bounds[1]], "must be finite with low < high")
    kind = "int" if entry.get("integer", False) else "float"
    return Parameter(key, low, high, kind, (), label)


def _plausible(key: str) -> list[float]:
    """The range the parameter's own description says the evidence allows."""
    from commsim.paramspec import lookup

    info = lookup(SimConfig(), key)
    if info.plausible is None:
        raise ConfigError(key, NO_VALUE, "has no plausible range in its description; give bounds")
    return [float(info.plausible[0]), float(info.plausible[1])]


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def check_spec(spec: Spec) -> tuple[Spec, SimConfig]:
    """Check every key, bound and outcome against the config schema.

    Returns:
        The spec (parameters of integer settings marked ``int``) and the base config.

    Raises:
        ConfigError: The first unknown key, value out of range or unknown outcome.
    """
    base = load_config(list(spec.base_overrides))
    if not spec.parameters:
        raise ConfigError("parameters", NO_VALUE, "at least one parameter is required")
    checked: list[Parameter] = []
    for p in spec.parameters:
        if p.key in {c.key for c in checked}:
            raise ConfigError(p.key, NO_VALUE, "is listed twice")
        kind = _field_kind(base, p.key)
        if kind == "group":
            raise ConfigError(p.key, NO_VALUE, "is a group of settings; name one key below it")
        if p.kind != "choice" and kind not in ("float", "int"):
            raise ConfigError(p.key, NO_VALUE, f"is a {kind} setting; vary it with 'values: [...]'")
        if kind == "int" and p.kind == "float":
            p = replace(p, kind="int")
        if p.kind == "choice":
            points = [(i + 0.5) / len(p.values) for i in range(len(p.values))]
        else:
            points = [p.low, p.high]
        for x in points:
            try:
                with_overrides(base, **{p.key: p.value(x)})
            except ConfigError as exc:
                what = "value" if p.kind == "choice" else "bound"
                raise ConfigError(p.key, p.value(x), f"{what} not allowed: {exc.allowed}") from None
        checked.append(p)
    if not spec.outcomes:
        raise ConfigError("outcomes", NO_VALUE, "at least one outcome is required")
    allowed = expanded_keys(list(base.population.groups))
    for o in spec.outcomes:
        if o not in allowed:
            raise ConfigError("outcomes", o, "must be one of " + ", ".join(allowed))
    return replace(spec, parameters=tuple(checked)), base


def _field_kind(config: Any, key: str) -> str:
    """``float``, ``int``, ``bool``, ``str``, ``list`` ... of a dotted config key."""
    obj: Any = config
    parts = key.split(".")
    annotation: Any = None
    for depth, part in enumerate(parts):
        where = ".".join(parts[:depth]) or "the config root"
        if isinstance(obj, dict):
            if part not in obj:
                raise ConfigError(
                    key, NO_VALUE, f"unknown key under {where}; allowed: {', '.join(obj)}"
                )
            obj, annotation = obj[part], None
        elif is_dataclass(obj):
            names = {f.name: f for f in fields(obj)}
            if part not in names:
                raise ConfigError(
                    key, NO_VALUE, f"unknown key under {where}; allowed: {', '.join(names)}"
                )
            hints = typing.get_type_hints(type(obj))
            obj, annotation = getattr(obj, part), hints.get(part)
        else:
            raise ConfigError(key, NO_VALUE, f"{where} has no settings below it")
    text = str(annotation) if annotation is not None else type(obj).__name__
    if is_dataclass(obj) or isinstance(obj, dict):
        return "group"
    for kind in ("list", "dict", "bool", "float", "int", "str"):
        if kind in text:
            return kind
    return type(obj).__name__


def _spec_from_problem(problem_spec: Any) -> Spec:
    if isinstance(problem_spec, Spec):
        return problem_spec
    if isinstance(problem_spec, str | Path):
        return load_spec(problem_spec)
    if isinstance(problem_spec, Mapping) and "parameters" in problem_spec:
        return parse_spec(problem_spec)
    if isinstance(problem_spec, Mapping):
        return parse_spec({"parameters": problem_spec})
    raise ConfigError("problem_spec", type(problem_spec).__name__, "must be a mapping or a path")


# --------------------------------------------------------------------------------------
# Sampling, running, indices
# --------------------------------------------------------------------------------------


def sample_inputs(spec: Spec, method: str, n: int) -> np.ndarray:
    """The sample matrix (one row per run setting, one column per parameter).

    Raises:
        ConfigError: An unknown method or a bad ``n``.
    """
    problem = spec.problem
    if method == "morris":
        if n < 2:
            raise ConfigError("--trajectories", n, "must be at least 2")
        return morris_sample.sample(problem, n, num_levels=MORRIS_LEVELS, seed=spec.seed)
    if method == "sobol":
        if n < 2 or n & (n - 1):
            raise ConfigError("--samples", n, "must be a power of two, at least 2")
        return sobol_sample.sample(problem, n, calc_second_order=False, seed=spec.seed)
    raise ConfigError("--method", method, "must be one of " + ", ".join(METHODS))


def jobs_for(spec: Spec, inputs: np.ndarray, runs_dir: Path | None = None) -> list[engine.Job]:
    """One engine job per sample row and replicate seed (sample-major).

    Every job composes ``spec.base_overrides`` once and sets the sample's values and its
    seed on top, so hundreds of samples cost one composition.

    Args:
        spec: The analysis.
        inputs: The sample matrix (one row per sample).
        runs_dir: Where the runs are stored (one short hashed folder per run, listed in
            ``index.csv``); None keeps them in memory only.
    """
    seeds = [spec.seed + r for r in range(spec.replicates)]
    jobs = []
    for i, row in enumerate(inputs):
        values = tuple((p.key, p.value(x)) for p, x in zip(spec.parameters, row, strict=True))
        for s, arm in ((s, arm) for s in seeds for arm in spec.arms):
            job = engine.Job(
                overrides=(*spec.base_overrides, *arm),
                values=(*values, ("seed", s)),
                label=f"sample {i} seed {s}" + (" treatment" if arm else ""),
            )
            if runs_dir is not None:
                name = store.short_hash(" ".join(job.all_overrides))
                job = replace(job, run_dir=Path(runs_dir) / name)
            jobs.append(job)
    return jobs


class RunsFailedError(Exception):
    """Some runs of the analysis failed; ``str()`` is one line."""


def evaluate(
    spec: Spec,
    inputs: np.ndarray,
    n_jobs: int | None = None,
    progress: bool = False,
    launcher: engine.Launcher | None = None,
    runs_dir: Path | None = None,
) -> np.ndarray:
    """Run the model at every row of ``inputs``; outcomes averaged over the replicate seeds.

    The runs go through the experiment engine (:mod:`commsim.engine`) on any backend;
    each is ``run(config, seed)`` with the same config and seed whatever the backend, so
    results equal serial runs. With ``runs_dir``, runs are kept in the run store and an
    interrupted analysis resumes where it stopped.

    Args:
        spec: The analysis.
        inputs: The sample matrix.
        n_jobs: Local processes (when no launcher is given).
        progress: Show a progress bar.
        launcher: Where the runs go (default: local processes).
        runs_dir: Keep the runs here (see :func:`jobs_for`).

    Returns:
        Array of shape (rows of inputs, outcomes).

    Raises:
        ConfigError: A sample's config is invalid (nothing has run).
        RunsFailedError: Some runs failed (one line; the others are kept in ``runs_dir``).
    """
    table = evaluate_table(spec, inputs, n_jobs, progress, launcher, runs_dir)
    return table[list(spec.outcomes)].to_numpy(dtype=float)


def evaluate_table(
    spec: Spec,
    inputs: np.ndarray,
    n_jobs: int | None = None,
    progress: bool = False,
    launcher: engine.Launcher | None = None,
    runs_dir: Path | None = None,
) -> pd.DataFrame:
    """Like :func:`evaluate`, but every summary outcome of the runs, not only the analysed.

    Returns:
        One row per sample, one column per outcome key (mean over the replicate seeds;
        with a contrast, the treatment's paired effect on every outcome).
    """
    if launcher is None:
        workers = n_jobs or engine.cores()
        launcher = engine.Launcher("local" if workers > 1 else "serial", jobs=workers)
    jobs = jobs_for(spec, inputs, runs_dir)
    results = engine.run_jobs(jobs, launcher, progress=progress, desc="sensitivity")
    failed = [r for r in results if not r.ok]
    if failed:
        raise RunsFailedError(
            f"{len(failed)} of {len(results)} runs failed (first: {failed[0].job.label}: "
            f"{failed[0].error}); run the same command again to redo them"
        )
    runs = pd.DataFrame([r.summary or {} for r in results], dtype=float)
    arms = len(spec.arms)
    samples = np.repeat(np.arange(len(inputs)), spec.replicates * arms)
    arm = np.tile(np.arange(arms), len(inputs) * spec.replicates)  # jobs_for's order
    if spec.contrast:  # every outcome becomes the treatment's effect, paired on seed
        treated = runs[arm == 1].reset_index(drop=True)
        runs = treated - runs[arm == 0].reset_index(drop=True)
        samples = samples[arm == 1]
    table = runs.groupby(samples, sort=True).mean()
    return table.reset_index(drop=True)


def compute_indices(
    spec: Spec, method: str, inputs: np.ndarray, outputs: np.ndarray
) -> pd.DataFrame:
    """The tidy index table (columns: INDEX_COLUMNS) from the sample matrix and its outcomes."""
    rows: list[dict[str, Any]] = []
    problem = spec.problem
    for j, outcome in enumerate(spec.outcomes):
        y = np.asarray(outputs[:, j], dtype=float)
        if method == "morris":
            res = morris_analyze.analyze(
                problem, inputs, y, num_resamples=RESAMPLES, conf_level=CONF_LEVEL,
                num_levels=MORRIS_LEVELS, seed=spec.seed,
            )  # fmt: skip
            names = (("mu_star", "mu_star_conf"), ("sigma", None), ("mu", None))
        else:
            if np.ptp(y) == 0:  # a constant outcome: no variance to apportion
                zeros = np.zeros(len(spec.parameters))
                res = {"S1": zeros, "S1_conf": zeros, "ST": zeros, "ST_conf": zeros}
            else:
                res = sobol_analyze.analyze(
                    problem, y, calc_second_order=False, num_resamples=RESAMPLES,
                    conf_level=CONF_LEVEL, seed=spec.seed,
                )  # fmt: skip
            names = (("ST", "ST_conf"), ("S1", "S1_conf"))
        for i, p in enumerate(spec.parameters):
            for index, conf in names:
                rows.append(
                    {
                        "parameter": p.key,
                        "outcome": outcome,
                        "method": method,
                        "index": index,
                        "value": float(res[index][i]),
                        "conf": float(res[conf][i]) if conf else math.nan,
                    }
                )
    return pd.DataFrame(rows, columns=INDEX_COLUMNS)


def analyze(
    problem_spec: Any,
    outcomes: Sequence[str] | None = None,
    method: str = "morris",
    n: int | None = None,
    base_overrides: Sequence[str] | None = None,
    n_jobs: int | None = None,
    *,
    seed: int | None = None,
    replicates: int | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Run a sensitivity analysis and return its tidy index table.

    Args:
        problem_spec: ``{key: [low, high]}`` or ``{key: {bounds: [...]}}`` or
            ``{key: {values: [...]}}``; or a full spec mapping with ``parameters``;
            or a path to a parameter file; or a :class:`Spec`.
        outcomes: Summary keys to analyse (default: the spec's, else crimes and trust_mean).
        method: ``morris`` or ``sobol``.
        n: Morris trajectories or Sobol base samples (a power of two).
        base_overrides: Fixed overrides added after the spec's (e.g. ``["city=small"]``).
        n_jobs: Parallel processes.
        seed: Seed of every run and of the sampler (default: the spec's, else 0).
        replicates: Seeds averaged per sample (default: the spec's, else 1).
        progress: Show a progress bar.

    Returns:
        Columns ``parameter, outcome, method, index, value, conf`` (conf: half-width of
        the 95% bootstrap interval; NaN where SALib gives none).

    Raises:
        ConfigError: A bad key, bound, outcome, method or ``n``.
    """
    spec = _with_changes(
        _spec_from_problem(problem_spec), outcomes, base_overrides, seed, replicates
    )
    if method not in METHODS:
        raise ConfigError("method", method, "must be one of " + ", ".join(METHODS))
    spec, _ = check_spec(spec)
    inputs = sample_inputs(spec, method, DEFAULT_N[method] if n is None else n)
    outputs = evaluate(spec, inputs, n_jobs=n_jobs, progress=progress)
    return compute_indices(spec, method, inputs, outputs)


def _with_changes(
    spec: Spec,
    outcomes: Sequence[str] | None,
    base_overrides: Sequence[str] | None,
    seed: int | None,
    replicates: int | None,
) -> Spec:
    return Spec(
        parameters=spec.parameters,
        outcomes=tuple(outcomes) if outcomes else spec.outcomes,
        base_overrides=(*spec.base_overrides, *(base_overrides or ())),
        seed=spec.seed if seed is None else int(seed),
        replicates=spec.replicates if replicates is None else int(replicates),
        contrast=spec.contrast,
    )


# --------------------------------------------------------------------------------------
# The ranking plot
# --------------------------------------------------------------------------------------


def ranking_figure(indices: pd.DataFrame, title: str | None = None) -> Figure:
    """Parameters ranked by influence, one panel per outcome.

    Morris: bars of ``mu_star`` with their 95% interval and dots for ``sigma``, in the
    outcome's unit per the parameter's whole range. Sobol: bars of ``ST`` and ``S1``
    with 95% intervals, as shares of the outcome's variance.
    """
    method = str(indices["method"].iloc[0])
    outcomes = list(dict.fromkeys(indices["outcome"]))
    n_params = indices["parameter"].nunique()
    height = max(3.0, 0.38 * n_params + 1.6)
    fig = Figure(figsize=(5.2 * len(outcomes) + 1.2, height), layout="constrained")
    axes = fig.subplots(1, len(outcomes), squeeze=False).ravel()
    main = MAIN_INDEX[method]
    for ax, outcome in zip(axes, outcomes, strict=True):
        rows = indices[indices["outcome"] == outcome]
        wide = rows.pivot_table(index="parameter", columns="index", values="value", sort=False)
        conf = rows.pivot_table(index="parameter", columns="index", values="conf", sort=False)
        order = wide[main].sort_values().index  # largest at the top
        y = np.arange(len(order))
        label, unit = metric_label(outcome, with_unit=False), metric_unit(outcome)
        if method == "morris":
            ax.barh(
                y,
                wide.loc[order, "mu_star"],
                xerr=conf.loc[order, "mu_star"],
                color="C0",
                alpha=0.85,
                capsize=3,
                label="μ*: mean |effect| (95% CI)",
            )
            ax.plot(
                wide.loc[order, "sigma"], y, "o", color="C3", ms=5, label="σ: spread of effects"
            )
            ax.set_xlabel(f"Change in {label.lower()}\nover the parameter's range ({unit})")
        else:
            h = 0.38
            ax.barh(y + h / 2, wide.loc[order, "ST"], h, xerr=conf.loc[order, "ST"].fillna(0),
                    color="C0", capsize=3, label="ST: total effect (95% CI)")  # fmt: skip
            ax.barh(y - h / 2, wide.loc[order, "S1"], h, xerr=conf.loc[order, "S1"].fillna(0),
                    color="C1", capsize=3, label="S1: first-order effect (95% CI)")  # fmt: skip
            ax.set_xlabel("Share of the outcome's variance (0-1)")
        ax.axvline(0, color="0.3", lw=0.8)
        ax.set_yticks(y, list(order))
        ax.set_title(label)
        ax.grid(axis="x", alpha=0.3)
        ax.legend(loc="lower right", fontsize=8, frameon=True)
    name = "Morris screening" if method == "morris" else "Sobol indices"
    fig.suptitle(title or f"{name}: which parameters drive each outcome")
    return fig


# --------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    p = OneLineParser(
        prog="commsim sensitivity",
        description="Global sensitivity analysis (SALib) over the parameters of a YAML file.",
        epilog="Example: commsim sensitivity --method morris --trajectories 10 city=small",
    )
    p.add_argument("--method", default="morris", help="morris (default) or sobol")
    p.add_argument(
        "--config", default=None, help="parameter file (default: conf/sensitivity/default.yaml)"
    )
    p.add_argument("--outcomes", default=None, help="comma-separated summary keys")
    p.add_argument("--trajectories", type=int, default=None, help="Morris trajectories (10)")
    p.add_argument("--samples", type=int, default=None, help="Sobol base samples, power of 2 (64)")
    p.add_argument("--replicates", type=int, default=None, help="seeds averaged per sample")
    p.add_argument("--seed", type=int, default=None, help="seed of the runs and the sampler")
    p.add_argument(
        "--out", default=None, help="output folder (outputs/sensitivity/<name>_<method>)"
    )
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    engine.add_launcher_options(p)
    p.add_argument("overrides", nargs="*", help="config overrides, e.g. city=small days=90")
    return p


def main(argv: list[str]) -> int:
    """``commsim sensitivity``: sample, run in parallel, write indices and a ranking plot."""
    args = parse(_parser(), argv, intermixed=True)
    if isinstance(args, int):
        return args
    try:
        if args.method not in METHODS:
            raise ConfigError("--method", args.method, "must be one of " + ", ".join(METHODS))
        if args.method == "morris" and args.samples is not None:
            raise ConfigError(
                "--samples", args.samples, "is for --method sobol; use --trajectories"
            )
        if args.method == "sobol" and args.trajectories is not None:
            raise ConfigError(
                "--trajectories", args.trajectories, "is for --method morris; use --samples"
            )
        if args.replicates is not None and args.replicates < 1:
            raise ConfigError("--replicates", args.replicates, "must be at least 1")
        bad = [o for o in args.overrides if "=" not in o]
        if bad:
            raise ConfigError("override", bad[0], "is not key=value syntax")
        outcomes = (
            [o.strip() for o in args.outcomes.split(",") if o.strip()] if args.outcomes else None
        )
        file_spec = load_spec(args.config)
        spec = _with_changes(file_spec, outcomes, args.overrides, args.seed, args.replicates)
        spec, base = check_spec(spec)
        given = args.trajectories if args.method == "morris" else args.samples
        n = DEFAULT_N[args.method] if given is None else given
        inputs = sample_inputs(spec, args.method, n)
        name = _resolve_spec_path(args.config).stem
        out = Path(args.out or Path("outputs") / "sensitivity" / f"{name}_{args.method}")
        launcher = engine.launcher_from(args, out)
        jobs = engine.prepare(jobs_for(spec, inputs, out / "runs"))  # every sample, up front
    except ConfigError as exc:
        return _fail(str(exc))
    try:
        with store.lock(out, "--out"):
            store.check_writable(out / "runs", "--out")
            provenance = {
                "spec_file": str(_resolve_spec_path(args.config)),
                "spec_file_overrides": list(file_spec.base_overrides),
                "command_line_overrides": list(args.overrides),
            }
            return _analyse(args, spec, n, inputs, jobs, launcher, out, provenance, base)
    except store.StoreError as exc:  # busy or unwritable: nothing was run
        return _fail(str(exc))


def _analyse(
    args: argparse.Namespace,
    spec: Spec,
    n: int,
    inputs: np.ndarray,
    jobs: list[engine.Job],
    launcher: engine.Launcher,
    out: Path,
    provenance: dict[str, Any] | None = None,
    base: SimConfig | None = None,
) -> int:
    print(
        f"commsim sensitivity: {args.method}, {len(spec.parameters)} parameters, "
        f"{len(inputs)} samples x {spec.replicates} seed(s) = {len(jobs)} runs on "
        f"{launcher.describe()}",
        file=sys.stderr,
    )
    store.update_index(
        out / "runs",
        engine.index_rows(jobs),
    )
    start = time.perf_counter()
    try:
        every = evaluate_table(
            spec, inputs, progress=not args.no_progress, launcher=launcher, runs_dir=out / "runs"
        )
        outputs = every[list(spec.outcomes)].to_numpy(dtype=float)
    except KeyboardInterrupt as exc:
        return engine.interrupted(exc, "sensitivity")
    except (RunsFailedError, engine.BatchStoppedError) as exc:
        print(f"commsim: error: {exc}", file=sys.stderr)
        return 1
    table = compute_indices(spec, args.method, inputs, outputs)
    seconds = time.perf_counter() - start
    write_outputs(
        out, spec, args.method, n, inputs, outputs, table, seconds,
        all_outcomes=every, provenance=provenance, base=base,
    )  # fmt: skip
    print(format_ranking(table))
    print(f"outputs: {out}")
    return 0


def _fail(message: str) -> int:
    print(f"commsim: error: {message}", file=sys.stderr)
    return 2


def write_outputs(
    out: Path,
    spec: Spec,
    method: str,
    n: int,
    inputs: np.ndarray,
    outputs: np.ndarray,
    table: pd.DataFrame,
    seconds: float,
    *,
    all_outcomes: pd.DataFrame | None = None,
    provenance: Mapping[str, Any] | None = None,
    base: SimConfig | None = None,
) -> None:
    """Write indices (CSV, Parquet), samples, the ranking plot and a manifest.

    ``samples.parquet`` holds every sample's parameter values and, with
    ``all_outcomes``, every outcome of its runs (not only the analysed ones). With
    ``base``, the resolved config every sample started from is written to
    ``config.yaml`` and its hash recorded; ``provenance`` records where the settings
    came from (the parameter file and its overrides, the command line's).
    """
    out.mkdir(parents=True, exist_ok=True)
    store.atomic_write(out / "indices.csv", lambda p: table.to_csv(p, index=False))
    store.write_parquet(out / "indices.parquet", table)
    samples = pd.DataFrame(
        {p.key: [p.value(x) for x in inputs[:, i]] for i, p in enumerate(spec.parameters)}
    )
    for j, o in enumerate(spec.outcomes):
        samples[o] = outputs[:, j]
    if all_outcomes is not None:
        rest = all_outcomes.drop(columns=[c for c in all_outcomes if c in samples])
        samples = pd.concat([samples, rest.reset_index(drop=True)], axis=1)
    store.write_parquet(out / "samples.parquet", samples)
    name = "Morris screening" if method == "morris" else "Sobol indices"
    fixed = ", ".join(spec.base_overrides) or "defaults"
    runs = len(inputs) * spec.replicates * len(spec.arms)
    what = f"the effect of {', '.join(spec.contrast)}" if spec.contrast else "each outcome"
    fig = ranking_figure(
        table, title=f"{name}: which parameters drive {what}\n({runs} runs; {fixed})"
    )
    store.atomic_write(out / "ranking.png", lambda p: fig.savefig(p, format="png", dpi=120))
    manifest = {
        "status": "complete",
        "method": method,
        "n": n,
        "runs": int(len(inputs) * spec.replicates * len(spec.arms)),
        "contrast": list(spec.contrast),
        "seed": spec.seed,
        "replicates": spec.replicates,
        "base_overrides": list(spec.base_overrides),
        "outcomes": list(spec.outcomes),
        "parameters": {
            p.key: (list(p.values) if p.kind == "choice" else [p.low, p.high])
            for p in spec.parameters
        },
        "wall_seconds": round(seconds, 1),
        **dict(provenance or {}),
        "code": store.code_version(),
        "versions": store.package_versions(),
    }
    if base is not None:
        from commsim.runner import config_yaml

        text = config_yaml(base)
        store.write_text(out / "config.yaml", text)
        manifest["base_config_hash"] = store.config_hash(text)
    store.write_text(out / "manifest.json", json.dumps(manifest, indent=2, default=str) + "\n")


def format_ranking(table: pd.DataFrame, top: int | None = None) -> str:
    """A plain-text ranking per outcome (main index with its 95% interval)."""
    method = str(table["method"].iloc[0])
    main = MAIN_INDEX[method]
    lines = []
    for outcome, rows in table[table["index"] == main].groupby("outcome", sort=False):
        rows = rows.sort_values("value", ascending=False).head(top)
        lines.append(f"{outcome} ({main}, 95% CI half-width):")
        for r in rows.itertuples():
            lines.append(f"  {r.parameter:<40} {r.value:>10.4g}  ± {r.conf:.3g}")
    return "\n".join(lines)
