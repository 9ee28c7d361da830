"""Figures for comparison and sweep reports, drawn from tidy tables.

Every function takes the DataFrames built by :mod:`commsim.results` (and, for the
map, a networkx street graph with a ``pos`` node attribute), returns a matplotlib
:class:`~matplotlib.figure.Figure` and never imports the model. Figures are built
with the object-oriented API (no pyplot state), so they render headless and can be
saved with :func:`save_figure` or shown in a notebook.

Axis labels and units come from the outcome registry (:mod:`commsim.outcomes`).

Examples:
    >>> fig = forest(summary, ["crimes", "trust_mean"])  # doctest: +SKIP
    >>> save_figure(fig, "report/effects.png")  # doctest: +SKIP
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from commsim.geometry import Boundary, hull_boundaries
from commsim.outcomes import outcome as registry
from commsim.results import (
    BASELINE,
    direction,
    group_breakdown,
    higher_is_better,
    strategy_order,
)

__all__ = [
    "cost_effectiveness",
    "crime_over_time",
    "equity",
    "forest",
    "hotspot_map",
    "metric_kind",
    "metric_label",
    "metric_unit",
    "save_figure",
    "strategy_colors",
    "sweep_heatmap",
    "sweep_line",
    "trust_reporting_over_time",
]


GOOD = "#1a9850"
BAD = "#d73027"
NEUTRAL = "#7f7f7f"
CHANGED = "#2166ac"  # changed, but neither better nor worse (recorded crime, cost)
BASELINE_COLOR = "#333333"


# --------------------------------------------------------------------------------------
# Labels, units, colours
# --------------------------------------------------------------------------------------


def _describe(key: str) -> tuple[str, str, str]:
    try:
        o = registry(key)
    except KeyError:
        return key.replace("_", " ").capitalize(), "", "stock"
    return o.label, o.unit, o.kind


def metric_label(key: str, with_unit: bool = True, per: str | None = None) -> str:
    """Human label of a metric key, e.g. ``"Trust in police (0-1)"``.

    Args:
        key: Metric key (``crimes``, ``trust_mean_minority``, ...) or parameter name.
        with_unit: Append the unit in parentheses.
        per: For flow metrics, a period appended to the unit (``"day"`` for daily series).

    Returns:
        The label.
    """
    label, unit, kind = _describe(key)
    if per and kind == "flow" and unit:
        unit = f"{unit} per {per}"
    return f"{label} ({unit})" if with_unit and unit else label


def metric_unit(key: str) -> str:
    """Unit of a metric key ("" if unknown)."""
    return _describe(key)[1]


def metric_kind(key: str) -> str:
    """``"stock"`` (a level) or ``"flow"`` (a count per period) for a metric key."""
    return _describe(key)[2]


def strategy_colors(strategies: Sequence[str]) -> dict[str, str]:
    """Fixed colour per strategy: baseline dark grey, the others from ``tab10``."""
    palette = [c for i, c in enumerate(colormaps["tab10"].colors) if i != 7]  # no grey
    out, i = {}, 0
    for s in strategies:
        if s == BASELINE:
            out[s] = BASELINE_COLOR
        else:
            out[s] = _hex(palette[i % len(palette)])
            i += 1
    return out


def _hex(rgb: Sequence[float]) -> str:
    return "#" + "".join(f"{round(255 * v):02x}" for v in rgb[:3])


def _usd(value: float, _pos: Any = None) -> str:
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value >= 1e6:
        return f"{sign}${value / 1e6:.3g}M"
    if value >= 1e3:
        return f"{sign}${value / 1e3:.3g}k"
    return f"{sign}${value:.0f}"


def _short(value: float) -> str:
    """Compact number for cell annotations: 1,234 / 56.7 / 0.123."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def save_figure(fig: Figure, path: str | os.PathLike[str], dpi: int = 120) -> Path:
    """Write a figure as PNG (or any format its suffix names) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, facecolor="white", bbox_inches="tight", pad_inches=0.15)
    return path


def _grid(n: int, max_cols: int) -> tuple[int, int]:
    cols = min(n, max_cols)
    return math.ceil(n / cols), cols


def _strategies(frame: pd.DataFrame, strategies: Sequence[str] | None) -> list[str]:
    if strategies is not None:
        return [s for s in strategies if s in set(frame["strategy"])]
    return strategy_order(frame["strategy"])


# --------------------------------------------------------------------------------------
# Time series
# --------------------------------------------------------------------------------------


def _series(bands: pd.DataFrame, strategy: str, metric: str) -> pd.DataFrame:
    rows = bands[(bands["strategy"] == strategy) & (bands["metric"] == metric)]
    return rows.sort_values("day")


def _band(ax: Axes, rows: pd.DataFrame, color: str, **line: Any) -> None:
    ax.fill_between(rows["day"], rows["q_low"], rows["q_high"], color=color, alpha=0.18, lw=0)
    ax.plot(rows["day"], rows["mean"], color=color, **line)


def crime_over_time(
    bands: pd.DataFrame,
    strategies: Sequence[str] | None = None,
    band_label: str = "10-90% of replicates",
    smoothing: str = "7-day mean",
) -> Figure:
    """True vs recorded crime per day, one panel per strategy.

    Each panel shows true crime (solid) and recorded crime (dashed) with bands across
    replicates; panels other than baseline also show baseline's true crime (thin grey)
    for reference. Panels share the y axis.

    Args:
        bands: From :func:`commsim.results.timeseries_bands` grouped by ``strategy``,
            holding metrics ``crimes`` and ``crimes_reported``.
        strategies: Panels to draw, in order (default: all, baseline first).
        band_label: What the shaded band is, for the legend.
        smoothing: How the daily series were smoothed, for the title.

    Returns:
        The figure.
    """
    names = _strategies(bands, strategies)
    rows, cols = _grid(len(names), 4)
    fig = Figure(figsize=(3.6 * cols + 0.5, 2.9 * rows + 1.0), layout="constrained")
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False).ravel()
    colors = strategy_colors(names)
    base = _series(bands, BASELINE, "crimes")
    for ax, name in zip(axes, names, strict=False):
        if name != BASELINE and not base.empty:
            ax.plot(base["day"], base["mean"], color="#9e9e9e", lw=1.0, zorder=1)
        _band(ax, _series(bands, name, "crimes"), colors[name], lw=1.8)
        _band(ax, _series(bands, name, "crimes_reported"), colors[name], lw=1.8, ls="--")
        ax.set_title(name, fontsize=11, color=colors[name], fontweight="bold")
        ax.grid(alpha=0.3)
        ax.set_ylim(bottom=0)
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    for i, ax in enumerate(axes[: len(names)]):
        if i % cols == 0:
            ax.set_ylabel("Crimes per day")
        if i + cols >= len(names):  # nothing drawn below this panel
            ax.set_xlabel("Day of evaluation window")
            ax.xaxis.set_tick_params(labelbottom=True)
    handles = [
        Line2D([], [], color="k", lw=1.8, label="True crime (all crimes committed)"),
        Line2D([], [], color="k", lw=1.8, ls="--", label="Recorded crime (reported to police)"),
        Line2D([], [], color="#9e9e9e", lw=6, alpha=0.5, label=f"Band: {band_label}"),
    ]
    if not base.empty and len(names) > 1:
        handles.append(Line2D([], [], color="#9e9e9e", lw=1.0, label="Baseline true crime"))
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False)
    fig.suptitle(f"True vs recorded crime per day ({smoothing}, mean over replicates)")
    return fig


def trust_reporting_over_time(
    bands: pd.DataFrame,
    strategies: Sequence[str] | None = None,
    metrics: Sequence[str] = ("trust_mean", "reporting_rate"),
    band_label: str = "10-90% of replicates",
    smoothing: str = "7-day mean",
) -> Figure:
    """Trust in police and reporting rate over time, one line (and band) per strategy.

    Args:
        bands: From :func:`commsim.results.timeseries_bands` grouped by ``strategy``.
        strategies: Strategies to draw (default: all, baseline first).
        metrics: One panel per metric.
        band_label: What the shaded band is, for the legend.
        smoothing: How the daily series were smoothed, for the title.

    Returns:
        The figure.
    """
    names = _strategies(bands, strategies)
    colors = strategy_colors(names)
    metrics = [m for m in metrics if (bands["metric"] == m).any()] or list(metrics[:1])
    fig = Figure(figsize=(6.0 * len(metrics), 4.4), layout="constrained")
    axes = fig.subplots(1, len(metrics), squeeze=False).ravel()
    for ax, metric in zip(axes, metrics, strict=True):
        for name in names:
            rows = _series(bands, name, metric)
            lw = 2.4 if name == BASELINE else 1.6
            _band(ax, rows, colors[name], lw=lw, label=name)
        ax.set_title(metric_label(metric, with_unit=False))
        ax.set_ylabel(metric_label(metric, per="day"))
        ax.set_xlabel("Day of evaluation window")
        ax.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right center", title="Strategy", frameon=False)
    fig.suptitle(f"Trust and reporting over time ({smoothing}; bands: {band_label})")
    return fig


# --------------------------------------------------------------------------------------
# Effects vs baseline
# --------------------------------------------------------------------------------------


def _effect_color(outcome: str, low: float, high: float) -> str:
    if not (low > 0 or high < 0):
        return NEUTRAL
    return {"better": GOOD, "worse": BAD}.get(direction(outcome, low if low > 0 else high), CHANGED)


def _neutral_outcome(outcome: str) -> bool:
    return direction(outcome, 1.0) in {"higher", "lower"}


#: Outcomes of the forest plot, in this order (the report's headline table adds cost).
FOREST_OUTCOMES = (
    "crimes",
    "reporting_rate",
    "trust_mean",
    "trust_gap",
    "response_time_median_min",
    "victimization_rate",
)


def forest(
    summary: pd.DataFrame,
    outcomes: Sequence[str] = FOREST_OUTCOMES,
    strategies: Sequence[str] | None = None,
    max_cols: int = 3,
) -> Figure:
    """Forest plot: change vs baseline with 95% CI, one panel per outcome.

    Green: the CI excludes zero and the change is an improvement; red: excludes zero
    and is a deterioration; grey: the CI includes zero; blue: excludes zero for an
    outcome with no better side (recorded crime, arrests, cost). The percent change is printed
    beside each estimate.

    Args:
        summary: From :func:`commsim.results.summarize` (``by="strategy"``).
        outcomes: Outcomes to show (those absent from the summary are skipped).
        strategies: Rows to show (default: all but baseline).
        max_cols: Panels per row.

    Returns:
        The figure.
    """
    rows_all = summary[summary["diff"].notna()]
    outcomes = [o for o in outcomes if (rows_all["outcome"] == o).any()]
    if not outcomes:
        raise ValueError("no outcome has a difference vs baseline to plot")
    names = [s for s in _strategies(rows_all, strategies) if s != BASELINE]
    nrows, ncols = _grid(len(outcomes), max_cols)
    height = 0.42 * len(names) + 1.4
    fig = Figure(figsize=(4.3 * ncols + 1.2, height * nrows + 1.0), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    y = np.arange(len(names))[::-1]
    for ax, outcome in zip(axes, outcomes, strict=False):
        rows = rows_all[rows_all["outcome"] == outcome].set_index("strategy")
        ax.axvline(0, color="#444444", lw=1)
        for yi, name in zip(y, names, strict=True):
            if name not in rows.index:
                continue
            r = rows.loc[name]
            color = _effect_color(outcome, r["diff_ci_low"], r["diff_ci_high"])
            xerr = [[r["diff"] - r["diff_ci_low"]], [r["diff_ci_high"] - r["diff"]]]
            ax.errorbar(r["diff"], yi, xerr=xerr, fmt="o", color=color, capsize=3, ms=6, lw=2)
            if np.isfinite(r["pct_change"]):
                ax.annotate(
                    f"{r['pct_change']:+.1f}%",
                    (r["diff_ci_high"] if np.isfinite(r["diff_ci_high"]) else r["diff"], yi),
                    xytext=(5, 4),
                    textcoords="offset points",
                    fontsize=8,
                    color=color,
                )
        ax.set_yticks(y, names)
        ax.set_ylim(-0.7, len(names) - 0.3)
        ax.margins(x=0.25)
        ax.locator_params(axis="x", nbins=5)
        ax.set_title(metric_label(outcome, with_unit=False), fontsize=11)
        unit = metric_unit(outcome)
        ax.set_xlabel(f"Change vs baseline ({unit})" if unit else "Change vs baseline")
        if unit == "USD":
            ax.xaxis.set_major_formatter(FuncFormatter(_usd))
        ax.grid(axis="x", alpha=0.3)
        if not ax.get_subplotspec().is_first_col():
            ax.tick_params(labelleft=False)
    for ax in axes[len(outcomes) :]:
        ax.set_visible(False)
    handles = [
        Line2D([], [], color=GOOD, marker="o", label="Better than baseline (95% CI excludes 0)"),
        Line2D([], [], color=BAD, marker="o", label="Worse than baseline (95% CI excludes 0)"),
        Line2D([], [], color=NEUTRAL, marker="o", label="CI includes 0"),
    ]
    if any(_neutral_outcome(o) for o in outcomes):
        handles.append(Line2D([], [], color=CHANGED, marker="o", label="Changed (no better side)"))
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False)
    fig.suptitle("Effect of each strategy vs baseline (mean paired difference, 95% CI)")
    return fig


def cost_effectiveness(summary: pd.DataFrame, strategies: Sequence[str] | None = None) -> Figure:
    """Extra cost vs crimes averted (with 95% CI) per strategy, relative to baseline.

    Args:
        summary: From :func:`commsim.results.summarize` (``by="strategy"``), holding
            outcomes ``crimes`` and ``cost_usd``.
        strategies: Points to show (default: all but baseline).

    Returns:
        The figure.
    """
    crimes = summary[(summary["outcome"] == "crimes") & summary["diff"].notna()]
    cost = summary[summary["outcome"] == "cost_usd"].set_index("strategy")
    names = [s for s in _strategies(crimes, strategies) if s != BASELINE]
    colors = strategy_colors([BASELINE, *names])
    crimes = crimes.set_index("strategy")
    fig = Figure(figsize=(10.5, 5.8), layout="constrained")
    ax = fig.subplots()
    ax.axhline(0, color="#444444", lw=1)
    ax.axvline(0, color="#444444", lw=1)
    markers = "osD^vPX<>ph*"
    for i, name in enumerate(names):
        r = crimes.loc[name]
        extra = cost.loc[name, "diff"] if name in cost.index else 0.0
        extra = 0.0 if not np.isfinite(extra) else float(extra)
        averted = -r["diff"]
        yerr = [[averted - (-r["diff_ci_high"])], [(-r["diff_ci_low"]) - averted]]
        per = r.get("crimes_averted_per_1m_usd", np.nan)
        if np.isfinite(per):
            label = f"{name}: {per:,.0f} averted per $1M"
        else:
            label = f"{name}: {'same cost as' if abs(extra) < 1 else 'costs less than'} baseline"
        ax.errorbar(
            extra,
            averted,
            yerr=yerr,
            fmt=markers[i % len(markers)],
            ms=8,
            capsize=4,
            color=colors[name],
            label=label,
        )
    ax.xaxis.set_major_formatter(FuncFormatter(_usd))
    ax.margins(x=0.15, y=0.15)
    ax.set_xlabel("Extra cost vs baseline over the evaluation window (USD)")
    ax.set_ylabel("Crimes averted vs baseline (crimes, 95% CI)")
    ax.set_title("Cost-effectiveness: crimes averted against extra cost")
    ax.grid(alpha=0.3)
    fig.legend(
        loc="outside right center",
        frameon=False,
        fontsize=9,
        title="Strategy (higher and further left is better)",
        title_fontsize=9,
    )
    return fig


def equity(
    summary: pd.DataFrame,
    bases: Sequence[str] = ("trust_mean", "victimization_rate"),
    strategies: Sequence[str] | None = None,
) -> Figure:
    """Trust and victimisation by demographic group for each strategy (mean, 95% CI).

    Args:
        summary: From :func:`commsim.results.summarize`, holding per-group outcomes such
            as ``trust_mean_<group>`` and ``victimization_rate_<group>``.
        bases: One panel per per-group outcome family.
        strategies: Strategies to show (default: all, baseline first).

    Returns:
        The figure.
    """
    table = group_breakdown(summary, bases)
    bases = [b for b in bases if (table["metric"] == b).any()]
    if not bases:
        raise ValueError("summary holds no per-group outcomes (e.g. trust_mean_<group>)")
    names = _strategies(table, strategies)
    groups = list(dict.fromkeys(table["group"]))
    cmap = colormaps["Set2"]
    width = min(max(7.0, 0.95 * len(names) + 3.0), 16.0)
    fig = Figure(figsize=(width, 3.6 * len(bases) + 0.8), layout="constrained")
    axes = fig.subplots(len(bases), 1, squeeze=False, sharex=True).ravel()
    width = 0.8 / max(len(groups), 1)
    x = np.arange(len(names))
    for ax, base in zip(axes, bases, strict=True):
        rows = table[table["metric"] == base]
        for j, group in enumerate(groups):
            g = rows[rows["group"] == group].set_index("strategy").reindex(names)
            err = np.vstack([g["mean"] - g["ci_low"], g["ci_high"] - g["mean"]])
            err = np.where(np.isfinite(err), err, 0.0)
            ax.bar(
                x + (j - (len(groups) - 1) / 2) * width,
                g["mean"],
                width,
                yerr=err,
                capsize=2,
                color=cmap(j),
                label=group,
                edgecolor="white",
            )
        ax.set_xticks(x, names, rotation=30, ha="right")
        ax.set_title(f"{metric_label(base, with_unit=False)} by group")
        ax.set_ylabel(metric_label(base).replace(" (", "\n("))
        ax.grid(axis="y", alpha=0.3)
    axes[-1].set_xlabel("Strategy")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, title="Group", loc="outside right upper", frameon=False)
    fig.suptitle("Equity: outcomes by demographic group (mean over replicates, 95% CI)")
    return fig


# --------------------------------------------------------------------------------------
# Map
# --------------------------------------------------------------------------------------


def hotspot_map(
    graph: nx.Graph,
    counts: pd.DataFrame,
    strategies: Sequence[str] | None = None,
    top_share: float = 0.05,
    boundaries: Sequence[Boundary] | None = None,
) -> Figure:
    """City street map with crime hot spots and neighbourhoods, one panel per strategy.

    Args:
        graph: Street network; nodes are place ids with a ``pos`` (x, y in metres)
            and, optionally, a ``neighborhood``.
        counts: From :func:`commsim.results.place_counts` (``strategy``, ``place``,
            ``crimes_per_run``).
        strategies: Panels (default: every strategy in ``counts``, baseline first).
        top_share: Places in this top share by crime are ringed as hot spots.
        boundaries: Neighbourhood outlines and names (metres); by default the
            city's own (``graph.graph["boundaries"]``: real polygons when it has
            them), else hulls around each neighbourhood's places.

    Returns:
        The figure.
    """
    names = _strategies(counts, strategies)
    nodes = list(graph.nodes)
    xy = np.array([graph.nodes[n]["pos"] for n in nodes], dtype=float) / 1000.0
    if boundaries is None:
        boundaries = graph.graph.get("boundaries")
    if boundaries is None:
        nb = np.array([graph.nodes[n].get("neighborhood", 0) for n in nodes])
        boundaries = hull_boundaries(xy * 1000.0, nb, [str(k) for k in np.unique(nb)])
    index = {n: i for i, n in enumerate(nodes)}
    segs = np.array([[xy[index[u]], xy[index[v]]] for u, v in graph.edges()]).reshape(-1, 2, 2)
    values = {}
    for name in names:
        rows = counts[counts["strategy"] == name]
        v = np.zeros(len(nodes))
        for place, c in zip(rows["place"], rows["crimes_per_run"], strict=True):
            if place in index:
                v[index[place]] = c
        values[name] = v
    vmax = max((v.max() for v in values.values()), default=1.0) or 1.0
    norm = Normalize(0, vmax)
    cmap = colormaps["YlOrRd"]
    fig = Figure(figsize=(5.2 * len(names) + 1.2, 5.4), layout="constrained")
    axes = fig.subplots(1, len(names), squeeze=False, sharex=True, sharey=True).ravel()
    size = 260.0 / math.sqrt(max(len(nodes), 1))
    sc = None
    for ax, name in zip(axes, names, strict=True):
        v = values[name]
        ax.add_collection(LineCollection(segs, colors="#c8c8c8", linewidths=0.7, zorder=1))
        _draw_boundaries(ax, boundaries)
        quiet = v <= 0
        ax.scatter(xy[quiet, 0], xy[quiet, 1], s=size * 0.25, color="#bdbdbd", zorder=2)
        order = np.argsort(v)
        order = order[v[order] > 0]
        areas = size * (0.4 + 2.2 * v / vmax)
        sc = ax.scatter(
            xy[order, 0],
            xy[order, 1],
            c=v[order],
            s=areas[order],
            cmap=cmap,
            norm=norm,
            edgecolors="none",
            zorder=3,
        )
        k = max(1, math.ceil(top_share * len(nodes)))
        top = np.argsort(v)[::-1][:k]
        top = top[v[top] > 0]
        ring = (np.sqrt(areas[top]) + 5.0) ** 2
        ax.scatter(
            xy[top, 0], xy[top, 1], s=ring, facecolors="none", edgecolors="k", lw=1.0, zorder=4
        )
        share = v[top].sum() / v.sum() if v.sum() > 0 else 0.0
        ax.set_title(
            f"{name}\n{v.sum():,.0f} crimes per run; top {top_share:.0%} of places: {share:.0%}",
            fontsize=10,
        )
        ax.set_aspect("equal")
        ax.set_xlabel("x (km)")
        ax.set_ylabel("y (km)")
        ax.autoscale_view()
    if sc is not None:
        fig.colorbar(sc, ax=list(axes), label="Crimes at the place per run (mean)", shrink=0.85)
    fig.suptitle(f"Crime hot spots (black rings: top {top_share:.0%} of places)")
    return fig


def _draw_boundaries(ax: Axes, boundaries: Sequence[Boundary]) -> None:
    """Neighbourhood outlines (dashed) and names, in km; names shrink as neighbourhoods multiply."""
    rings = [ring / 1000.0 for b in boundaries for ring in b.rings]
    ax.add_collection(
        LineCollection(rings, colors="#4d4d4d", linewidths=0.9, linestyles="--", zorder=1.5)
    )
    size = 9.0 if len(boundaries) <= 12 else 7.0 if len(boundaries) <= 40 else 5.0
    for b in boundaries:
        ax.annotate(
            b.name,
            b.label_xy / 1000.0,
            ha="center",
            va="center",
            fontsize=size,
            color="#1a1a1a",
            zorder=5,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7},
        )


# --------------------------------------------------------------------------------------
# Sweeps
# --------------------------------------------------------------------------------------


def sweep_line(summary: pd.DataFrame, x: str, outcome: str, hue: str | None = "strategy") -> Figure:
    """One outcome against one swept parameter: mean and 95% CI band.

    Args:
        summary: From :func:`commsim.results.summarize` with ``x`` (and ``hue``) in ``by``.
        x: The swept parameter column.
        outcome: The outcome to plot.
        hue: Column drawn as separate lines (ignored if absent or constant).

    Returns:
        The figure.
    """
    rows = summary[summary["outcome"] == outcome]
    if rows.empty:
        raise ValueError(f"outcome {outcome!r} not in summary")
    lines = strategy_order(rows[hue]) if hue in rows.columns else [None]
    colors = strategy_colors([s for s in lines if s is not None])
    fig = Figure(figsize=(7.5, 5.0), layout="constrained")
    ax = fig.subplots()
    for line in lines:
        r = rows if line is None else rows[rows[hue] == line]
        r = r.sort_values(x)
        color = colors.get(line, "C0")
        ax.fill_between(r[x], r["ci_low"], r["ci_high"], color=color, alpha=0.2, lw=0)
        ax.plot(r[x], r["mean"], "o-", color=color, lw=2, label=line)
    n = int(rows["n"].median()) if len(rows) else 0
    ax.set_xlabel(x)
    ax.set_ylabel(metric_label(outcome))
    ax.set_title(
        f"{metric_label(outcome, with_unit=False)} vs {x}\n(mean and 95% CI over {n} replicates)"
    )
    ax.grid(alpha=0.3)
    if len(lines) > 1:
        ax.legend(title=hue, frameon=False)
    return fig


def _category_ticks(set_ticks: Any, values: Sequence[Any], most: int = 12) -> None:
    """Label grid cells with their parameter values, thinning to at most ``most`` labels."""
    step = max(1, math.ceil(len(values) / most))
    where = list(range(0, len(values), step))
    set_ticks(
        where, [f"{values[i]:g}" if isinstance(values[i], float) else str(values[i]) for i in where]
    )


def sweep_heatmap(
    summary: pd.DataFrame, x: str, y: str, outcome: str, facet: str | None = "strategy"
) -> Figure:
    """Mean of one outcome over a 2-D parameter grid, one panel per strategy.

    Reds for outcomes where less is better (crime, victimisation), blues where more is
    better (trust, reporting); every cell is annotated with its mean.

    Args:
        summary: From :func:`commsim.results.summarize` with ``x`` and ``y`` in ``by``.
        x: Parameter on the horizontal axis.
        y: Parameter on the vertical axis.
        outcome: The outcome to colour by.
        facet: Column split into panels (ignored if absent).

    Returns:
        The figure.
    """
    rows = summary[summary["outcome"] == outcome]
    if rows.empty:
        raise ValueError(f"outcome {outcome!r} not in summary")
    panels = strategy_order(rows[facet]) if facet in rows.columns else [None]
    xs = sorted(rows[x].dropna().unique())
    ys = sorted(rows[y].dropna().unique())
    cmap = colormaps["Blues" if higher_is_better(outcome) else "OrRd"]
    norm = Normalize(float(rows["mean"].min()), float(rows["mean"].max()))
    width = min(max(4.5, 0.9 * len(xs) + 2.5), 12.0)
    height = min(max(4.0, 0.6 * len(ys) + 2.5), 9.0)
    fig = Figure(figsize=(width * len(panels) + 1.0, height), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False).ravel()
    annotate = len(xs) <= 15 and len(ys) <= 20
    image = None
    for ax, panel in zip(axes, panels, strict=True):
        r = rows if panel is None else rows[rows[facet] == panel]
        grid = r.pivot_table(index=y, columns=x, values="mean").reindex(index=ys, columns=xs)
        values = grid.to_numpy(float)
        image = ax.imshow(values, origin="lower", cmap=cmap, norm=norm, aspect="auto")
        if annotate:
            for (i, j), v in np.ndenumerate(values):
                if np.isfinite(v):
                    color = "white" if norm(v) > 0.6 else "black"
                    ax.text(j, i, _short(v), ha="center", va="center", fontsize=9, color=color)
        _category_ticks(ax.set_xticks, xs)
        _category_ticks(ax.set_yticks, ys)
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        if len(panels) > 1:
            ax.set_title(str(panel))
    if image is not None:
        fig.colorbar(image, ax=list(axes), label=metric_label(outcome))
    n = int(rows["n"].median())
    fig.suptitle(f"{metric_label(outcome, with_unit=False)} (mean over {n} replicates)")
    return fig
