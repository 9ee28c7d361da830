"""Load run directories and reduce them to tidy tables with confidence intervals.

This module reads what the run store (:mod:`commsim.store`) leaves on disk (``manifest.json``,
``summary.json``, ``timeseries.parquet``, ``events.parquet``) and never imports the model,
so it works on any folder of finished runs: a ``commsim compare`` output, a Hydra multirun
directory, or run directories copied back from a cluster.

Everything streams. :func:`runs_table` reads one small ``summary.json`` per run; the daily
series and the event tables are read one group (strategy or parameter combination) at a
time and reduced before the next group is read, so a sweep of thousands of runs reports
without holding every daily series in memory.

Examples:
    >>> runset = load_runs("outputs/compare/runs")  # doctest: +SKIP
    >>> runs = runs_table(runset)  # doctest: +SKIP
    >>> summarize(runs, outcomes=["crimes", "trust_mean"])  # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import os
import re
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from scipy import stats

from commsim import store
from commsim.outcomes import Direction, sort_key
from commsim.outcomes import outcome as registry

__all__ = [
    "BASELINE",
    "COMPLETE",
    "CORRUPT",
    "FAILED",
    "ID_COLUMNS",
    "INCOMPLETE",
    "STALE",
    "RunInfo",
    "RunSet",
    "classify_run",
    "direction",
    "find_run_dirs",
    "group_breakdown",
    "higher_is_better",
    "iter_timeseries",
    "load_runs",
    "load_sweep",
    "outcome_columns",
    "paired_vs_reference",
    "parameter_columns",
    "parse_override",
    "place_counts",
    "runs_table",
    "sampled_per_replicate",
    "summarize",
    "swept_parameters",
    "t_interval",
    "timeseries_bands",
]

COMPLETE = store.COMPLETE
FAILED = store.FAILED
INCOMPLETE = store.INCOMPLETE
CORRUPT = store.CORRUPT
STALE = store.STALE
BASELINE = "baseline"

#: Columns of :func:`runs_table` that identify a run rather than measure it.
ID_COLUMNS = ("run_dir", "strategy", "seed", "wall_seconds")

MANIFEST = store.MANIFEST
SUMMARY = store.SUMMARY
TIMESERIES = "timeseries.parquet"
EVENTS = "events.parquet"
CONFIG = store.CONFIG

# Files whose presence marks a directory as a run directory even without a manifest
# (a run killed before its manifest was written, or a Hydra job that never started).
_RUN_MARKERS = (MANIFEST, SUMMARY, EVENTS, ".hydra")

# Override keys that are not model parameters.
_NON_PARAMETER_KEYS = {"seed", "policy"}

# --------------------------------------------------------------------------------------
# Loading and classifying run directories
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunInfo:
    """One run directory and what the run store says about it.

    Attributes:
        path: The run directory.
        status: ``complete``, ``stale``, ``corrupt``, ``incomplete``, ``failed`` or
            ``missing`` (see :func:`commsim.store.run_state`).
        reason: Why the run is not usable (the recorded error for failed runs); ``None``
            for complete runs.
        strategy: Policy option name from the manifest (or the ``policy=`` override).
        seed: Random seed from the manifest (or the ``seed=`` override).
        overrides: Config overrides the run was made with, as ``key=value`` strings.
        manifest: The parsed manifest, or ``None`` when it is missing or unreadable.
        legacy: A commsim 0.1 run without checksums, accepted because its files parse.
    """

    path: Path
    status: str
    reason: str | None = None
    strategy: str | None = None
    seed: int | None = None
    overrides: tuple[str, ...] = ()
    manifest: Mapping[str, Any] | None = None
    legacy: bool = False


@dataclass
class RunSet:
    """The run directories found under one folder.

    Attributes:
        root: The folder that was searched; ``runs_table`` paths are relative to it.
        complete: Runs that are complete and verify.
        skipped: Every other run (failed, incomplete, corrupt, stale), each with the
            reason it was left out.
    """

    root: Path
    complete: list[RunInfo] = field(default_factory=list)
    skipped: list[RunInfo] = field(default_factory=list)

    @property
    def failed(self) -> list[RunInfo]:
        """Runs that recorded an error."""
        return [r for r in self.skipped if r.status == FAILED]

    @property
    def incomplete(self) -> list[RunInfo]:
        """Runs that were interrupted or never finished writing."""
        return [r for r in self.skipped if r.status == INCOMPLETE]

    @property
    def corrupt(self) -> list[RunInfo]:
        """Runs whose files are missing or fail their checksums."""
        return [r for r in self.skipped if r.status == CORRUPT]

    @property
    def legacy(self) -> list[RunInfo]:
        """Complete runs written by commsim 0.1 (no checksums; their files parse)."""
        return [r for r in self.complete if r.legacy]

    def counts(self) -> str:
        """``"1 failed, 2 incomplete"``: the left-out runs by state."""
        by = Counter(r.status for r in self.skipped)
        order = (FAILED, INCOMPLETE, CORRUPT, STALE)
        parts = [f"{by.pop(s, 0)} {s}" for s in order if s in by or s in (FAILED, INCOMPLETE)]
        return ", ".join(parts + [f"{n} {s}" for s, n in by.items()])

    def skipped_table(self) -> pd.DataFrame:
        """Return the left-out runs as a table (run_dir, status, strategy, seed, reason)."""
        rows = [
            {
                "run_dir": _relative(r.path, self.root),
                "status": r.status,
                "strategy": r.strategy,
                "seed": r.seed,
                "reason": r.reason,
            }
            for r in self.skipped
        ]
        return pd.DataFrame(rows, columns=["run_dir", "status", "strategy", "seed", "reason"])


def find_run_dirs(root: str | os.PathLike[str]) -> list[Path]:
    """Find run directories anywhere under ``root`` (including ``root`` itself).

    A run directory is one holding ``manifest.json`` or, for runs that died before writing
    it, ``summary.json``, ``events.parquet`` or a Hydra ``.hydra`` folder. The search does
    not descend into a run directory or into hidden folders.

    Args:
        root: Folder to search.

    Returns:
        Run directories in sorted path order.

    Raises:
        FileNotFoundError: If ``root`` does not exist.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such directory")
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        names = set(filenames) | set(dirnames)
        if any(marker in names for marker in _RUN_MARKERS):
            found.append(Path(dirpath))
            dirnames.clear()
            continue
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
    return sorted(found, key=_natural_key)


def classify_run(path: str | os.PathLike[str], expected_hash: str | None = None) -> RunInfo:
    """Ask the run store what a run directory holds (:func:`commsim.store.run_state`).

    Args:
        path: The run directory.
        expected_hash: The config hash the run must have (a differing one is ``stale``).

    Returns:
        A :class:`RunInfo`; ``complete`` only if the manifest says so and every file
        verifies (or, for a commsim 0.1 run, parses).
    """
    state = store.run_state(path, expected_hash)
    manifest = state.manifest or {}
    overrides = tuple(str(o) for o in manifest.get("overrides") or ())
    parsed = dict(parse_override(o) for o in overrides)
    strategy = manifest.get("strategy") or parsed.get("policy")
    seed = manifest.get("seed", parsed.get("seed"))
    try:
        seed = None if seed is None else int(seed)
    except (TypeError, ValueError):
        seed = None
    status = INCOMPLETE if state.status == store.MISSING else state.status
    return RunInfo(
        Path(path),
        status,
        state.reason,
        None if strategy is None else str(strategy),
        seed,
        overrides,
        state.manifest,
        state.legacy,
    )


def load_runs(
    root: str | os.PathLike[str],
    only: Iterable[str | os.PathLike[str]] | None = None,
    expected: Mapping[Any, str] | None = None,
) -> RunSet:
    """Find and classify every run directory under a folder.

    Args:
        root: A compare output, a Hydra multirun directory, a single run directory, or
            any folder tree holding run directories.
        only: Keep only these run directories (e.g. the runs of one comparison).
        expected: Run directory -> the config hash it must have; others are ``stale``.

    Returns:
        A :class:`RunSet` with complete runs and the skipped ones with reasons.

    Raises:
        FileNotFoundError: If ``root`` does not exist.
    """
    runset = RunSet(root=Path(root))
    keep = None if only is None else {Path(p).resolve() for p in only}
    hashes = {Path(k).resolve(): v for k, v in (expected or {}).items()}
    for path in find_run_dirs(root):
        resolved = path.resolve()
        if keep is not None and resolved not in keep:
            continue
        info = classify_run(path, hashes.get(resolved))
        (runset.complete if info.status == COMPLETE else runset.skipped).append(info)
    return runset


# --------------------------------------------------------------------------------------
# The runs table
# --------------------------------------------------------------------------------------


def parse_override(override: str) -> tuple[str, Any]:
    """Split a Hydra-style ``key=value`` override and parse its value.

    Leading ``+``/``++``/``~`` are dropped from the key; numbers, booleans and ``null``
    become Python values, anything else stays a string.

    Args:
        override: For example ``"policy.watch_coverage=0.3"``.

    Returns:
        ``(key, value)``, e.g. ``("policy.watch_coverage", 0.3)``.

    Examples:
        >>> parse_override("+policy.funding=2e5")
        ('policy.funding', 200000.0)
    """
    key, sep, raw = override.partition("=")
    key = key.strip().lstrip("+~")
    if not sep:
        return key, None
    return key, _parse_value(raw.strip())


def _parse_value(raw: str) -> Any:
    low = raw.lower()
    if low in {"true", "false"}:
        return low == "true"
    if low in {"null", "none", "~"}:
        return None
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        return raw[1:-1]
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        return float(raw)
    except ValueError:
        return raw


def runs_table(runset: RunSet) -> pd.DataFrame:
    """Build the tidy one-row-per-run table of a run set.

    Columns: ``run_dir`` (relative to the searched folder), ``strategy``, ``seed``,
    ``wall_seconds``, one column per override key (``policy.watch_coverage``,
    ``city`` ...; ``seed`` and ``policy`` excluded) and one column per summary key.
    Only complete runs are included; a complete run whose ``summary.json`` turns out to
    be unreadable is moved to ``runset.skipped``.

    ``frame.attrs["params"]`` and ``frame.attrs["outcomes"]`` list the parameter and
    outcome columns.

    Args:
        runset: From :func:`load_runs`.

    Returns:
        The runs table, sorted by strategy (baseline first), parameters and seed.
    """
    rows: list[dict[str, Any]] = []
    params: dict[str, None] = {}
    outcomes: dict[str, None] = {}
    usable: list[RunInfo] = []
    for info in runset.complete:
        try:
            summary = json.loads((info.path / SUMMARY).read_text())
            if not isinstance(summary, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as exc:
            runset.skipped.append(
                RunInfo(
                    info.path,
                    CORRUPT,
                    f"summary.json unreadable: {exc}",
                    info.strategy,
                    info.seed,
                    info.overrides,
                    info.manifest,
                )
            )
            continue
        usable.append(info)
        row: dict[str, Any] = {
            "run_dir": _relative(info.path, runset.root),
            "strategy": info.strategy if info.strategy is not None else BASELINE,
            "seed": info.seed,
            "wall_seconds": (info.manifest or {}).get("wall_seconds"),
        }
        for override in info.overrides:
            key, value = parse_override(override)
            if key in _NON_PARAMETER_KEYS or key.startswith("hydra"):
                continue
            params.setdefault(key, None)
            row[key] = value
        for key, value in summary.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            outcomes.setdefault(key, None)
            row[key] = float(value)
        rows.append(row)
    runset.complete[:] = usable

    param_cols = [p for p in params if p not in outcomes and p not in ID_COLUMNS]
    outcome_cols = sorted(outcomes, key=_outcome_rank)  # stable: unknown keys keep their order
    frame = pd.DataFrame(rows, columns=[*ID_COLUMNS, *param_cols, *outcome_cols])
    frame["seed"] = frame["seed"].astype("Int64")
    frame["wall_seconds"] = pd.to_numeric(frame["wall_seconds"], errors="coerce")
    for col in param_cols:
        frame[col] = _unify(frame[col])
    for col in outcome_cols:
        frame[col] = frame[col].astype(float)
    frame = _sort_runs(frame, param_cols)
    frame.attrs["params"] = param_cols
    frame.attrs["outcomes"] = outcome_cols
    return frame


def _unify(col: pd.Series) -> pd.Series:
    """Give a parameter column one type: numeric if every value is, else string."""
    values = col.dropna()
    if values.empty:
        return col
    if all(isinstance(v, bool) for v in values):
        return col.astype("boolean")
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        if all(isinstance(v, int) for v in values):
            return col.astype("Int64")
        return col.astype(float)
    return col.map(lambda v: v if v is None or pd.isna(v) else str(v)).astype("string")


def _sort_runs(frame: pd.DataFrame, params: Sequence[str]) -> pd.DataFrame:
    if frame.empty:
        return frame.reset_index(drop=True)
    order = strategy_order(frame["strategy"])
    rank = frame["strategy"].map({s: i for i, s in enumerate(order)})
    keys = ["__rank", *params, "seed", "run_dir"]
    return (
        frame.assign(__rank=rank)
        .sort_values(keys, na_position="last", kind="stable")
        .drop(columns="__rank")
        .reset_index(drop=True)
    )


def strategy_order(strategies: Iterable[str]) -> list[str]:
    """Order strategy names: baseline first, the rest in order of first appearance."""
    seen = list(dict.fromkeys(str(s) for s in strategies if s is not None and not pd.isna(s)))
    return [s for s in seen if s == BASELINE] + [s for s in seen if s != BASELINE]


def parameter_columns(runs: pd.DataFrame) -> list[str]:
    """Return the override-parameter columns of a runs table."""
    if "params" in runs.attrs:
        return [c for c in runs.attrs["params"] if c in runs.columns]
    # Without attrs (e.g. read back from Parquet): dotted override keys, and any column
    # that is not a float (summary values always are).
    return [
        c
        for c in runs.columns
        if c not in ID_COLUMNS and ("." in c or not pd.api.types.is_float_dtype(runs[c]))
    ]


def outcome_columns(runs: pd.DataFrame) -> list[str]:
    """Return the summary-outcome columns of a runs table."""
    if "outcomes" in runs.attrs:
        return [c for c in runs.attrs["outcomes"] if c in runs.columns]
    params = set(parameter_columns(runs))
    return [
        c
        for c in runs.columns
        if c not in ID_COLUMNS and c not in params and pd.api.types.is_numeric_dtype(runs[c])
    ]


def swept_parameters(runs: pd.DataFrame) -> list[str]:
    """Return the parameter columns that take more than one value across the runs."""
    return [p for p in parameter_columns(runs) if runs[p].nunique(dropna=False) > 1]


def higher_is_better(outcome: str) -> bool:
    """Say whether a larger value of an outcome is an improvement (from the registry).

    Examples:
        >>> higher_is_better("trust_mean_minority"), higher_is_better("crimes")
        (True, False)
    """
    return _direction(outcome) is Direction.HIGHER_IS_BETTER


def _direction(outcome: str) -> Direction:
    try:
        return registry(outcome).direction
    except KeyError:
        return Direction.NEITHER


def direction(outcome: str, change: float) -> str:
    """Judge a change of an outcome: ``better``, ``worse``, ``higher``, ``lower``, ``unchanged``.

    ``higher``/``lower`` are used for outcomes with no better direction (recorded crime,
    arrests, cost).

    Examples:
        >>> direction("crimes", -3.0), direction("crimes_reported", -3.0)
        ('better', 'lower')
    """
    if change == 0 or not math.isfinite(change):
        return "unchanged"
    way = _direction(outcome)
    if way is Direction.NEITHER:
        return "higher" if change > 0 else "lower"
    return "better" if (change > 0) == (way is Direction.HIGHER_IS_BETTER) else "worse"


def _outcome_rank(key: str) -> tuple[int, int, str]:
    return sort_key(key)


# --------------------------------------------------------------------------------------
# Confidence intervals and the strategy x outcome summary
# --------------------------------------------------------------------------------------


def t_interval(values: Iterable[float], level: float = 0.95) -> tuple[float, float, float]:
    """Mean and two-sided t confidence interval of the mean.

    Args:
        values: Replicate values; NaN and inf are ignored.
        level: Confidence level.

    Returns:
        ``(mean, low, high)``; the bounds are NaN with fewer than two values.

    Examples:
        >>> [round(v, 3) for v in t_interval([1, 2, 3, 4, 5])]
        [3.0, 1.037, 4.963]
    """
    x = np.asarray(list(values), dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if x.size < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return mean, mean - half, mean + half


def _half_width(sd: np.ndarray | pd.Series, n: np.ndarray | pd.Series | int, level: float):
    """Half-width of the t-interval for arrays of standard deviations and counts."""
    n = np.asarray(n, dtype=float)
    sd = np.asarray(sd, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        dof = np.where(n > 1, n - 1, np.nan)
        t = stats.t.ppf(0.5 + level / 2, dof)
        return t * sd / np.sqrt(n)


def summarize(
    runs: pd.DataFrame,
    outcomes: Sequence[str] | None = None,
    by: str | Sequence[str] = "strategy",
    baseline: str | None = BASELINE,
    level: float = 0.95,
) -> pd.DataFrame:
    """Reduce a runs table to one row per group x outcome with confidence intervals.

    For every group (by default every strategy) and outcome: the number of replicates,
    the mean and its t-interval. When ``by`` includes ``strategy`` and the baseline
    strategy is present, also the change vs baseline from differences paired on seed
    (and on every other ``by`` column, so each parameter setting is compared with the
    baseline at the same setting), its t-interval, the percent change, whether the
    interval excludes zero, the mean extra cost and the crimes averted per $1M of extra
    cost (only where the strategy costs more than baseline; the interval treats the
    extra cost as fixed).

    Args:
        runs: From :func:`runs_table`.
        outcomes: Summary keys to include (default: all).
        by: Grouping columns.
        baseline: Strategy name differences are taken against; ``None`` for none.
        level: Confidence level of every interval.

    Returns:
        Columns: the ``by`` columns, ``outcome``, ``n``, ``mean``, ``sd``, ``ci_low``,
        ``ci_high``, ``ci_truncated`` (a count's interval cut at zero), ``n_pairs``,
        ``baseline_mean``, ``diff``, ``diff_ci_low``,
        ``diff_ci_high``, ``pct_change``, ``significant``, ``extra_cost_usd``,
        ``crimes_averted_per_1m_usd``, ``crimes_averted_per_1m_usd_ci_low``,
        ``crimes_averted_per_1m_usd_ci_high``.
    """
    by = [by] if isinstance(by, str) else list(by)
    outcomes = list(outcomes) if outcomes is not None else outcome_columns(runs)
    outcomes = [o for o in outcomes if o in runs.columns]
    missing = [b for b in by if b not in runs.columns]
    if missing:
        raise KeyError(f"no such column(s) in runs table: {', '.join(missing)}")

    grouped = runs.groupby(by, dropna=False, sort=False)[outcomes]
    long = pd.concat(
        {
            "n": grouped.count().stack(future_stack=True),
            "mean": grouped.mean().stack(future_stack=True),
            "sd": grouped.std(ddof=1).stack(future_stack=True),
        },
        axis=1,
    )
    long.index = long.index.set_names([*by, "outcome"])
    long = long.reset_index()
    long["n"] = long["n"].astype(int)
    half = _half_width(long["sd"], long["n"], level)
    long["ci_low"] = long["mean"] - half
    long["ci_high"] = long["mean"] + half
    # A count cannot be negative: a t interval that reaches below zero (few replicates,
    # skewed values) is cut at zero and flagged, so reports can say so.
    counts = long["outcome"].map(_is_count).astype(bool)
    long["ci_truncated"] = counts & (long["ci_low"] < 0)
    long.loc[long["ci_truncated"], "ci_low"] = 0.0

    paired = _paired(runs, outcomes, by, baseline, level)
    if paired is not None:
        long = long.merge(paired, on=[*by, "outcome"], how="left")
    else:
        for col in _PAIRED_COLUMNS:
            long[col] = np.nan
    long["n_pairs"] = long["n_pairs"].fillna(0).astype(int)
    long["significant"] = (long["diff_ci_low"] > 0) | (long["diff_ci_high"] < 0)

    cost = _cost_effectiveness(runs, by, baseline, level)
    if cost is not None:
        long = long.merge(cost, on=by, how="left")
    else:
        for col in _COST_COLUMNS:
            long[col] = np.nan

    columns = [
        "n", "mean", "sd", "ci_low", "ci_high", "ci_truncated", *_PAIRED_COLUMNS, "significant"
    ]  # fmt: skip
    long = long[[*by, "outcome", *columns, *_COST_COLUMNS]]
    return _order_groups(long, by, outcomes)


_PAIRED_COLUMNS = [
    "n_pairs",
    "baseline_mean",
    "diff",
    "diff_ci_low",
    "diff_ci_high",
    "pct_change",
]
_COST_COLUMNS = [
    "extra_cost_usd",
    "crimes_averted_per_1m_usd",
    "crimes_averted_per_1m_usd_ci_low",
    "crimes_averted_per_1m_usd_ci_high",
]


def _is_count(key: str) -> bool:
    try:
        return registry(key).count
    except KeyError:
        return False


def _order_groups(frame: pd.DataFrame, by: list[str], outcomes: list[str]) -> pd.DataFrame:
    sort_cols: list[str] = []
    frame = frame.copy()
    if "strategy" in by:
        order = strategy_order(frame["strategy"])
        frame["__s"] = frame["strategy"].map({s: i for i, s in enumerate(order)})
        sort_cols.append("__s")
    sort_cols += [b for b in by if b != "strategy"]
    frame["__o"] = frame["outcome"].map({o: i for i, o in enumerate(outcomes)})
    sort_cols.append("__o")
    frame = frame.sort_values(sort_cols, kind="stable", na_position="last")
    return frame.drop(columns=[c for c in ("__s", "__o") if c in frame]).reset_index(drop=True)


def _paired_frames(
    runs: pd.DataFrame, outcomes: list[str], by: list[str], baseline: str | None
) -> tuple[pd.DataFrame, list[str]] | None:
    """Join every run with the baseline run of the same seed and other settings."""
    if baseline is None or "strategy" not in by or "seed" not in runs.columns:
        return None
    if not (runs["strategy"] == baseline).any():
        return None
    keys = [b for b in by if b != "strategy"] + ["seed"]
    # Duplicate runs of one (strategy, settings, seed) are averaged before pairing.
    per_seed = runs.groupby(["strategy", *keys], dropna=False, sort=False)[outcomes].mean()
    per_seed = per_seed.reset_index()
    base = per_seed[per_seed["strategy"] == baseline].drop(columns="strategy")
    merged = per_seed.merge(base, on=keys, how="inner", suffixes=("", "__base"))
    return merged, keys


def _paired(
    runs: pd.DataFrame, outcomes: list[str], by: list[str], baseline: str | None, level: float
) -> pd.DataFrame | None:
    joined = _paired_frames(runs, outcomes, by, baseline)
    if joined is None:
        return None
    merged, _ = joined
    parts = []
    for outcome in outcomes:
        diff = merged[outcome] - merged[f"{outcome}__base"]
        frame = merged[by].assign(diff=diff, base=merged[f"{outcome}__base"])
        frame = frame[np.isfinite(frame["diff"])]
        g = frame.groupby(by, dropna=False, sort=False)
        agg = pd.DataFrame(
            {
                "n_pairs": g["diff"].count(),
                "baseline_mean": g["base"].mean(),
                "diff": g["diff"].mean(),
                "sd": g["diff"].std(ddof=1),
            }
        ).reset_index()
        half = _half_width(agg["sd"], agg["n_pairs"], level)
        agg["diff_ci_low"] = agg["diff"] - half
        agg["diff_ci_high"] = agg["diff"] + half
        with np.errstate(invalid="ignore", divide="ignore"):
            agg["pct_change"] = np.where(
                agg["baseline_mean"] != 0, 100.0 * agg["diff"] / agg["baseline_mean"], np.nan
            )
        agg["outcome"] = outcome
        parts.append(agg.drop(columns="sd"))
    result = pd.concat(parts, ignore_index=True)
    is_base = result["strategy"] == baseline
    result.loc[is_base, ["diff", "diff_ci_low", "diff_ci_high", "pct_change"]] = np.nan
    return result[[*by, "outcome", *_PAIRED_COLUMNS]]


def _cost_effectiveness(
    runs: pd.DataFrame, by: list[str], baseline: str | None, level: float
) -> pd.DataFrame | None:
    if not {"crimes", "cost_usd"} <= set(runs.columns):
        return None
    joined = _paired_frames(runs, ["crimes", "cost_usd"], by, baseline)
    if joined is None:
        return None
    merged, _ = joined
    frame = merged[by].assign(
        averted=merged["crimes__base"] - merged["crimes"],
        extra=merged["cost_usd"] - merged["cost_usd__base"],
        base_cost=merged["cost_usd__base"],
    )
    g = frame.groupby(by, dropna=False, sort=False)
    agg = pd.DataFrame(
        {
            "n": g["averted"].count(),
            "averted": g["averted"].mean(),
            "sd": g["averted"].std(ddof=1),
            "extra_cost_usd": g["extra"].mean(),
            "base_cost": g["base_cost"].mean(),
        }
    ).reset_index()
    half = _half_width(agg["sd"], agg["n"], level)
    # "Where cost differs": more than a cent per $1M of baseline spending.
    tol = 1e-8 * agg["base_cost"].abs().fillna(0) + 1e-6
    costs_more = agg["extra_cost_usd"] > tol
    per = 1e6 / agg["extra_cost_usd"].where(costs_more)
    agg["crimes_averted_per_1m_usd"] = agg["averted"] * per
    agg["crimes_averted_per_1m_usd_ci_low"] = (agg["averted"] - half) * per
    agg["crimes_averted_per_1m_usd_ci_high"] = (agg["averted"] + half) * per
    agg.loc[agg["strategy"] == baseline, "extra_cost_usd"] = np.nan
    return agg[[*by, *_COST_COLUMNS]]


def group_breakdown(
    summary: pd.DataFrame,
    bases: Sequence[str] = ("trust_mean", "victimization_rate"),
    groups: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Pick the per-group outcomes (``trust_mean_<group>`` ...) out of a summary.

    Args:
        summary: From :func:`summarize`.
        bases: Outcome prefixes with a per-group variant.
        groups: Group names; by default every suffix found after a base.

    Returns:
        The matching summary rows with two added columns, ``metric`` (the base) and
        ``group``.
    """
    parts = []
    for base in bases:
        prefix = f"{base}_"
        rows = summary[summary["outcome"].str.startswith(prefix)].copy()
        rows["group"] = rows["outcome"].str.slice(len(prefix))
        if groups is not None:
            rows = rows[rows["group"].isin(groups)]
        rows["metric"] = base
        parts.append(rows)
    if not parts:
        return summary.iloc[0:0].assign(metric=[], group=[])
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------------------
# Streaming reductions of daily series and event tables
# --------------------------------------------------------------------------------------


def _groups(
    runs: pd.DataFrame, by: Sequence[str]
) -> Iterator[tuple[tuple[Any, ...], pd.DataFrame]]:
    if runs.empty:
        return
    for key, group in runs.groupby(list(by), dropna=False, sort=False):
        yield (key if isinstance(key, tuple) else (key,)), group


def _run_path(root: str | os.PathLike[str], run_dir: str) -> Path:
    return Path(root) / run_dir


def iter_timeseries(
    runs: pd.DataFrame,
    root: str | os.PathLike[str],
    by: str | Sequence[str] = "strategy",
    columns: Sequence[str] | None = None,
) -> Iterator[tuple[tuple[Any, ...], pd.DataFrame]]:
    """Yield the daily series of one group of runs at a time.

    Args:
        runs: From :func:`runs_table`.
        root: The folder ``runs["run_dir"]`` is relative to (``runset.root``).
        by: Grouping columns; one group is read, yielded and released before the next.
        columns: Metric columns to read (default: all).

    Yields:
        ``(group key, frame)``; the frame has the run's ``run_dir``, ``strategy``,
        ``seed`` and parameter columns, then ``day`` and the metrics.
    """
    by = [by] if isinstance(by, str) else list(by)
    id_cols = ["run_dir", "strategy", "seed", *parameter_columns(runs)]
    read_cols = None if columns is None else ["day", *[c for c in columns if c != "day"]]
    for key, group in _groups(runs, by):
        frames = []
        for run_dir in group["run_dir"]:
            ts = _read_parquet(_run_path(root, run_dir) / TIMESERIES, read_cols)
            if "day" not in ts.columns:
                ts.insert(0, "day", np.arange(len(ts)))
            frames.append(ts)
        lengths = [len(f) for f in frames]
        ids = group[id_cols].iloc[np.repeat(np.arange(len(group)), lengths)]
        series = pd.concat(frames, ignore_index=True)
        yield key, pd.concat([ids.reset_index(drop=True), series], axis=1)


def _read_parquet(path: Path, columns: Sequence[str] | None) -> pd.DataFrame:
    if columns is None:
        return pd.read_parquet(path)
    available = set(pq.read_schema(path).names)
    return pd.read_parquet(path, columns=[c for c in columns if c in available])


def timeseries_bands(
    runs: pd.DataFrame,
    root: str | os.PathLike[str],
    metrics: Sequence[str],
    by: str | Sequence[str] = "strategy",
    quantiles: tuple[float, float] = (0.1, 0.9),
    window: int = 1,
    level: float = 0.95,
    on_group: Callable[[tuple[Any, ...], pd.DataFrame], None] | None = None,
) -> pd.DataFrame:
    """Per group x day: mean, confidence interval and quantile band across replicates.

    Reads one group's series at a time (see :func:`iter_timeseries`) and keeps only the
    reduced rows, so memory is bounded by the largest group, not by the whole sweep.

    Args:
        runs: From :func:`runs_table`.
        root: The folder ``runs["run_dir"]`` is relative to (``runset.root``).
        metrics: Timeseries columns to reduce.
        by: Grouping columns.
        quantiles: Lower and upper quantile of the band across replicates.
        window: Days of the centred rolling mean applied to each run first (1 = none).
        level: Confidence level of the mean's interval.
        on_group: Called with every group's full frame before it is released (used to
            write all series to one Parquet file in the same pass); when given, all
            columns are read.

    Returns:
        Tidy frame: the ``by`` columns, ``metric``, ``day``, ``n``, ``mean``, ``ci_low``,
        ``ci_high``, ``q_low``, ``q_high``.
    """
    by = [by] if isinstance(by, str) else list(by)
    out = []
    columns = None if on_group is not None else list(metrics)
    for key, frame in iter_timeseries(runs, root, by, columns):
        if on_group is not None:
            on_group(key, frame)
        for metric in metrics:
            if metric not in frame.columns:
                continue
            wide = frame.pivot_table(
                index="day", columns="run_dir", values=metric, aggfunc="mean", dropna=False
            ).sort_index()
            if window > 1:
                wide = wide.rolling(window, center=True, min_periods=1).mean()
            values = wide.to_numpy(dtype=float)
            n = np.isfinite(values).sum(axis=1)
            with warnings.catch_warnings():
                # All-NaN days (a run shorter than the others) are allowed.
                warnings.simplefilter("ignore", RuntimeWarning)
                mean = np.nanmean(values, axis=1)
                sd = np.nanstd(values, axis=1, ddof=1)
                q = np.nanquantile(values, quantiles, axis=1)
            half = _half_width(sd, n, level)
            low = mean - half
            if _is_count(metric):  # a count's interval stops at zero
                low = np.maximum(low, 0.0)
            reduced = pd.DataFrame(
                {
                    "metric": metric,
                    "day": wide.index.to_numpy(),
                    "n": n,
                    "mean": mean,
                    "ci_low": low,
                    "ci_high": mean + half,
                    "q_low": q[0],
                    "q_high": q[1],
                }
            )
            for col, value in zip(by, key, strict=True):
                reduced.insert(by.index(col), col, value)
            out.append(reduced)
    if not out:
        return pd.DataFrame(
            columns=[*by, "metric", "day", "n", "mean", "ci_low", "ci_high", "q_low", "q_high"]
        )
    return pd.concat(out, ignore_index=True)


def place_counts(
    runs: pd.DataFrame,
    root: str | os.PathLike[str],
    by: str | Sequence[str] = "strategy",
    column: str = "place",
) -> pd.DataFrame:
    """Mean number of crimes per place per run, for each group of runs.

    Reads only the ``place`` column of each run's ``events.parquet``, one run at a time.

    Args:
        runs: From :func:`runs_table` (filter it first to map only some strategies).
        root: The folder ``runs["run_dir"]`` is relative to (``runset.root``).
        by: Grouping columns.
        column: Events column holding the place id.

    Returns:
        Tidy frame: the ``by`` columns, ``place``, ``crimes_per_run``, ``runs``.
    """
    by = [by] if isinstance(by, str) else list(by)
    out = []
    for key, group in _groups(runs, by):
        total: pd.Series | None = None
        n = 0
        for run_dir in group["run_dir"]:
            path = _run_path(root, run_dir) / EVENTS
            if not path.is_file():
                continue
            counts = pd.read_parquet(path, columns=[column])[column].value_counts()
            total = counts if total is None else total.add(counts, fill_value=0)
            n += 1
        if total is None or n == 0:
            continue
        frame = pd.DataFrame(
            {"place": total.index.to_numpy(), "crimes_per_run": total.to_numpy() / n, "runs": n}
        )
        for i, col in enumerate(by):
            frame.insert(i, col, key[i])
        out.append(frame.sort_values("place", kind="stable"))
    if not out:
        return pd.DataFrame(columns=[*by, "place", "crimes_per_run", "runs"])
    return pd.concat(out, ignore_index=True)


# --------------------------------------------------------------------------------------
# Sweeps: reading them, samples per replicate, differences from a reference setting
# --------------------------------------------------------------------------------------


def load_sweep(root: str | os.PathLike[str]) -> pd.DataFrame:
    """A sweep's runs as one tidy frame: one row per complete run.

    Columns: ``run_dir``, ``strategy``, ``seed``, ``wall_seconds``, one column per
    config key set in the runs' overrides under its plain dotted name
    (``policy.watch_coverage``, ``trust.asymmetry``...), then one column per outcome.
    Works on a ``commsim sweep`` or ``commsim run -m`` folder, a comparison, or any tree
    of run folders; failed, incomplete, stale and corrupt runs are left out.

    ``frame.attrs`` has ``params`` (every parameter column), ``swept`` (those taking
    more than one value), ``outcomes`` and ``skipped`` (the left-out runs' table).

    Args:
        root: The sweep folder.

    Returns:
        The frame.

    Raises:
        FileNotFoundError: ``root`` does not exist.

    Examples:
        >>> runs = load_sweep("outputs/sweeps/lhs")  # doctest: +SKIP
        >>> runs.plot.scatter("policy.watch_coverage", "crimes")  # doctest: +SKIP
    """
    runset = load_runs(root)
    frame = runs_table(runset)
    frame.attrs["swept"] = swept_parameters(frame)
    frame.attrs["skipped"] = runset.skipped_table()
    return frame


def sampled_per_replicate(runs: pd.DataFrame) -> list[str]:
    """Parameters drawn once per replicate and shared by every strategy.

    ``commsim compare --uncertainty`` gives replicate k of every strategy the same draw
    of the uncertain parameters (and seed k), so such a parameter takes one value per
    seed, the same under every strategy, and differs between seeds. Results are paired
    on it like on the seed; it is not a swept setting.

    Args:
        runs: From :func:`runs_table`.

    Returns:
        The parameter columns that vary only with the seed (none with one strategy).
    """
    if runs.empty or runs["strategy"].nunique() < 2 or runs["seed"].nunique() < 2:
        return []
    out = []
    for p in parameter_columns(runs):
        values = runs[p]
        if values.nunique(dropna=False) < 2:
            continue
        per_seed = runs.groupby("seed", dropna=False)[p].nunique(dropna=False)
        if (per_seed == 1).all():
            out.append(p)
    return out


def paired_vs_reference(
    runs: pd.DataFrame,
    outcome: str,
    by: Sequence[str],
    reference: Mapping[str, Any] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Each setting's difference from a reference setting, paired on seed, with its CI.

    Used to mark sweep cells whose difference from the reference is within noise.

    Args:
        runs: From :func:`runs_table`.
        outcome: The outcome.
        by: The setting columns (e.g. the two swept parameters; ``strategy`` may be one:
            differences are then taken within each strategy).
        reference: Values of the non-strategy ``by`` columns of the reference setting
            (default: the smallest value of each).
        level: Confidence level.

    Returns:
        The ``by`` columns, ``n_pairs``, ``diff``, ``diff_ci_low``, ``diff_ci_high``.
    """
    by = list(by)
    within = [b for b in by if b == "strategy"]
    axes = [b for b in by if b != "strategy"]
    ref = dict(reference or {a: runs[a].min() for a in axes})
    per_seed = runs.groupby([*by, "seed"], dropna=False)[outcome].mean().reset_index()
    mask = np.ones(len(per_seed), dtype=bool)
    for a in axes:
        mask &= (per_seed[a] == ref[a]).to_numpy()
    base = per_seed[mask].drop(columns=axes).rename(columns={outcome: "__ref"})
    merged = per_seed.merge(base, on=[*within, "seed"], how="inner")
    merged["__d"] = merged[outcome] - merged["__ref"]
    g = merged.groupby(by, dropna=False, sort=False)["__d"]
    out = pd.DataFrame({"n_pairs": g.count(), "diff": g.mean(), "sd": g.std(ddof=1)})
    out = out.reset_index()
    half = _half_width(out["sd"], out["n_pairs"], level)
    out["diff_ci_low"] = out["diff"] - half
    out["diff_ci_high"] = out["diff"] + half
    return out.drop(columns="sd")


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def _relative(path: Path, root: Path) -> str:
    try:
        rel = path.resolve().relative_to(Path(root).resolve())
    except ValueError:
        return path.as_posix()
    return rel.as_posix()


def _natural_key(path: Path) -> list[Any]:
    """Sort ``seed_2`` before ``seed_10`` and Hydra job ``2`` before ``10``."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path.as_posix())]
