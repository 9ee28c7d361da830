"""The EMA Workbench adapter: commsim as an exploratory model over uncertainties x levers.

:func:`commsim_model` builds an ``ema_workbench`` model whose

- **uncertainties** are the parameters with a ``plausible`` range in the parameter
  metadata (:func:`commsim.paramspec.describe`), sampled within that range;
- **levers** are the policy fields marked ``lever=True``: shares (0-1) and choices
  (the patrol strategy) by default, any other lever with the range you give;
- **outcomes** are the outcome registry's keys (:mod:`commsim.outcomes`), each
  minimised, maximised or kept for information by its direction.

Every experiment runs through commsim's experiment engine (:func:`commsim.engine.run_jobs`)
as ``(config, seed)`` jobs, one per seed, whose summaries are averaged. Use
:class:`CommsimEvaluator` to hand a whole design to the engine at once (local processes,
Ray or SLURM); the workbench's ``SequentialEvaluator`` also works, one experiment at a time.
``perform_experiments``, PRIM scenario discovery (``ema_workbench.analysis.prim``) and
feature scoring (``ema_workbench.analysis.feature_scoring``) then work as usual, with two
things to know about ema-workbench 2.5.3:

- its samplers draw from NumPy's global generator, so call ``numpy.random.seed`` before
  sampling to get the same design again;
- PRIM's pasting step writes midpoints into the box, which pandas refuses for integer
  columns: cast integer levers (``policy.volunteer_patrollers``) to float before PRIM.

Needs ``pip install 'commsim[research]'`` (ema-workbench 2.5.3).

Examples:
    >>> from ema_workbench import perform_experiments  # doctest: +SKIP
    >>> model = commsim_model(base_overrides=["city=small", "days=60"])  # doctest: +SKIP
    >>> with CommsimEvaluator(model, engine.Launcher("local", jobs=2)) as evaluator:
    ...     experiments, outcomes = perform_experiments(
    ...         model, scenarios=20, policies=4, evaluator=evaluator
    ...     )  # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from commsim import engine, store
from commsim.outcomes import Direction, expanded_keys
from commsim.params import ConfigError, SimConfig
from commsim.paramspec import ParamInfo, describe

with warnings.catch_warnings():  # the workbench warns about optional back ends at import
    warnings.simplefilter("ignore")
    import ema_workbench as ema
    from ema_workbench.em_framework.evaluators import BaseEvaluator
    from ema_workbench.em_framework.points import experiment_generator

__all__ = [
    "CommsimEvaluator",
    "commsim_model",
    "default_levers",
    "lever_parameters",
    "outcome_list",
    "uncertainty_parameters",
]


def _parameter(key: str, low: float, high: float, integer: bool) -> Any:
    if integer:
        return ema.IntegerParameter(key, round(low), round(high))
    return ema.RealParameter(key, float(low), float(high))


def uncertainty_parameters(
    keys: Sequence[str] | None = None,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    config: Any = SimConfig,
) -> list[Any]:
    """Workbench uncertainties from the parameters' ``plausible`` ranges.

    Args:
        keys: Keep only these keys (default: every parameter with a plausible range).
        ranges: Other ranges for some keys (key -> (low, high)).
        config: The config whose metadata is read.

    Raises:
        ConfigError: A key without a plausible range and no range given.
    """
    infos = {p.key: p for p in describe(config)}
    chosen = list(keys) if keys is not None else [k for k, p in infos.items() if p.plausible]
    out = []
    for key in chosen:
        info = infos.get(key)
        if info is None:
            raise ConfigError(key, "?", "unknown parameter")
        rng = (ranges or {}).get(key) or info.plausible
        if rng is None:
            raise ConfigError(key, "?", "has no plausible range; give one in ranges=")
        out.append(_parameter(key, rng[0], rng[1], info.type is int))
    return out


def default_levers(config: Any = SimConfig) -> list[ParamInfo]:
    """Levers whose metadata range is a share (0-1) or a list of choices."""
    return [
        p
        for p in describe(config)
        if p.lever and (p.choices or (p.is_number and p.lo == 0 and p.hi == 1))
    ]


def lever_parameters(
    levers: Mapping[str, Any] | Sequence[str] | None = None, config: Any = SimConfig
) -> list[Any]:
    """Workbench levers from the fields marked ``lever=True``.

    Args:
        levers: Keys (their metadata range is used when it spans at most 1,000), or a mapping of
            key -> (low, high) or -> list of choices. Default: :func:`default_levers`.
        config: The config whose metadata is read.

    Raises:
        ConfigError: A key that is not a lever, or a lever with no usable range.
    """
    infos = {p.key: p for p in describe(config)}
    if levers is None:
        spec: dict[str, Any] = {p.key: None for p in default_levers(config)}
    elif isinstance(levers, Mapping):
        spec = dict(levers)
    else:
        spec = dict.fromkeys(levers)
    out = []
    for key, given in spec.items():
        info = infos.get(key)
        if info is None or not info.lever:
            raise ConfigError(key, "?", "is not a lever (lever=True in the parameter metadata)")
        if info.choices or (isinstance(given, Sequence) and given and isinstance(given[0], str)):
            out.append(ema.CategoricalParameter(key, list(given or info.choices or ())))
            continue
        if given is not None:
            low, high = given
        else:
            low, high = info.lo, info.hi
            if low is None or high is None or high - low > 1000:
                raise ConfigError(
                    key, f"{low}..{high}", f"give a range, e.g. levers={{'{key}': (low, high)}}"
                )
        out.append(_parameter(key, low, high, info.type is int))
    return out


def outcome_list(
    keys: Sequence[str] | None = None, groups: Sequence[str] | None = None
) -> list[Any]:
    """Workbench scalar outcomes from the outcome registry, with their directions.

    Args:
        keys: Outcome keys (default: every registry key, per group and per crime type).
        groups: Group names for per-group keys (default: the default config's groups).
    """
    from commsim.outcomes import outcome

    if keys is None:
        groups = list(groups if groups is not None else SimConfig().population.groups)
        keys = expanded_keys(groups)
    kinds = {
        Direction.HIGHER_IS_BETTER: ema.ScalarOutcome.MAXIMIZE,
        Direction.LOWER_IS_BETTER: ema.ScalarOutcome.MINIMIZE,
        Direction.NEITHER: ema.ScalarOutcome.INFO,
    }
    return [ema.ScalarOutcome(k, kind=kinds[outcome(k).direction]) for k in keys]


class _Runner:
    """Turns experiments into engine jobs and their summaries into outcomes."""

    def __init__(
        self,
        base_overrides: Sequence[str],
        seeds: Sequence[int],
        runs_dir: Path | None,
        launcher: engine.Launcher | None,
    ) -> None:
        self.base_overrides = tuple(base_overrides)
        self.seeds = tuple(int(s) for s in seeds)
        self.runs_dir = None if runs_dir is None else Path(runs_dir)
        self.launcher = launcher or engine.Launcher("serial")

    def jobs(self, values: Mapping[str, Any]) -> list[engine.Job]:
        clean = tuple((k, _plain(v)) for k, v in values.items())
        out = []
        for s in self.seeds:
            job = engine.Job(self.base_overrides, (*clean, ("seed", s)), label="experiment")
            if self.runs_dir is not None:
                name = store.short_hash(" ".join(job.all_overrides))
                job = engine.Job(job.overrides, job.values, self.runs_dir / name, job.label)
            out.append(job)
        return out

    def run(self, batches: Sequence[list[engine.Job]]) -> list[dict[str, float]]:
        flat = [j for batch in batches for j in batch]
        results = engine.run_jobs(flat, self.launcher, progress=False, desc="experiments")
        failed = [r for r in results if not r.ok]
        if failed:
            raise RuntimeError(f"{len(failed)} run(s) failed; first: {failed[0].error}")
        out, i = [], 0
        for batch in batches:
            summaries = [results[i + k].summary or {} for k in range(len(batch))]
            i += len(batch)
            keys = set().union(*summaries)
            out.append({k: float(np.mean([s.get(k, np.nan) for s in summaries])) for k in keys})
        return out


def _plain(value: Any) -> Any:
    """Workbench values (numpy scalars, categories) as plain Python values."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def commsim_model(
    name: str = "commsim",
    base_overrides: Sequence[str] = ("city=small",),
    seeds: Sequence[int] = (0,),
    uncertainties: Sequence[str] | Mapping[str, tuple[float, float]] | None = None,
    levers: Mapping[str, Any] | Sequence[str] | None = None,
    outcomes: Sequence[str] | None = None,
    runs_dir: str | Path | None = None,
    launcher: engine.Launcher | None = None,
) -> Any:
    """An ``ema_workbench.Model`` that runs commsim through the experiment engine.

    Args:
        name: The model's name (letters and digits).
        base_overrides: Config overrides of every run (``city=small``, ``days=120``...).
        seeds: Seeds of every experiment; outcomes are their mean (common random numbers
            across experiments).
        uncertainties: Keys to vary (their plausible ranges) or key -> (low, high);
            default: every parameter with a plausible range.
        levers: See :func:`lever_parameters`.
        outcomes: Outcome keys (default: every registry key).
        runs_dir: Keep the runs in the run store here (resumable); None: in memory.
        launcher: Where single experiments run (default: serial); a whole design goes to
            :class:`CommsimEvaluator`'s launcher instead.

    Returns:
        The model; its ``commsim`` attribute does the engine work.

    Raises:
        ConfigError: A bad override, key or range (checked now, before any run).
    """
    engine.compose(list(base_overrides))  # a bad override fails here, in one line
    runner = _Runner(base_overrides, seeds, None if runs_dir is None else Path(runs_dir), launcher)

    def function(**values: Any) -> dict[str, float]:
        return runner.run([runner.jobs(values)])[0]

    model = ema.Model(name, function=function)
    if isinstance(uncertainties, Mapping):
        model.uncertainties = uncertainty_parameters(list(uncertainties), dict(uncertainties))
    else:
        model.uncertainties = uncertainty_parameters(uncertainties)
    model.levers = lever_parameters(levers)
    model.outcomes = outcome_list(outcomes)
    model.commsim = runner
    return model


class CommsimEvaluator(BaseEvaluator):
    """Evaluate a whole design in one batch of the experiment engine.

    All experiments' runs are handed to :func:`commsim.engine.run_jobs` together, so they
    share the launcher's workers (local processes, Ray, SLURM) and, with ``runs_dir``,
    the run store's resume. Results equal the sequential evaluator's.

    Args:
        model: From :func:`commsim_model`.
        launcher: Where the runs go (default: the model's launcher).
    """

    def __init__(self, model: Any, launcher: engine.Launcher | None = None) -> None:
        super().__init__(model)
        self._launcher = launcher

    def initialize(self) -> None:
        """Nothing to start: the engine starts and stops its own workers."""

    def finalize(self) -> None:
        """Nothing to stop."""

    def evaluate_experiments(
        self,
        scenarios: Any,
        policies: Any,
        callback: Callable[[Any, dict[str, Any]], None],
        combine: str = "factorial",
    ) -> None:
        """Run every experiment of the design through the engine, then report each."""
        model = self._msis[0]
        runner: _Runner = model.commsim
        if self._launcher is not None:
            runner.launcher = self._launcher
        experiments = list(experiment_generator(scenarios, self._msis, policies, combine))
        constants = {c.name: c.value for c in model.constants}
        batches = []
        for ex in experiments:
            values = {**dict(ex.scenario), **dict(ex.policy), **constants}
            values = {k: v for k, v in values.items() if k in _known(model)}
            batches.append(runner.jobs(values))
        for ex, raw in zip(experiments, runner.run(batches), strict=True):
            model.outcomes_output = raw
            outcomes = dict(model.outcomes_output)
            model.reset_model()
            callback(ex, outcomes)


def _known(model: Any) -> set[str]:
    return (
        {p.name for p in model.uncertainties}
        | {p.name for p in model.levers}
        | {c.name for c in model.constants}
    )
