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
from collections.abc import Mapping, Sequence
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
from matplotlib.patches import Rectangle
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
    "BAD",
    "GOOD",
    "NEUTRAL",
    "OKABE_ITO",
    "REPORT_FORMATS",
    "cost_effectiveness",
    "crime_over_time",
    "equity",
    "forest",
    "format_value",
    "group_effects",
    "hotspot_map",
    "metric_kind",
    "metric_label",
    "metric_unit",
    "save_figure",
    "strategy_colors",
    "strategy_styles",
    "sweep_heatmap",
    "sweep_line",
    "trust_reporting_over_time",
]


#: The Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}
#: Strategy colours after baseline (black); yellow is left out (too faint on white). Past
#: six strategies the colours repeat with another line style and marker.
STRATEGY_PALETTE = tuple(
    OKABE_ITO[k] for k in ("orange", "sky_blue", "green", "blue", "vermillion", "purple")
)
# No up/down triangles: those mean better/worse in the effect plots.
STRATEGY_MARKERS = ("o", "s", "D", "P", "X", "h", "p", "*", "<", ">", "d", "H")
STRATEGY_LINESTYLES = ("-", "--", "-.", ":")
RASTER_ABOVE_PLACES = 5000  # maps of more places draw streets as an image in SVG/PDF
#: Better / worse / unclear: blue and vermillion stay apart under every common colour
#: vision deficiency, and each also has its own marker (up, down, hollow circle).
GOOD = OKABE_ITO["blue"]
BAD = OKABE_ITO["vermillion"]
NEUTRAL = "#8c8c8c"
CHANGED = OKABE_ITO["purple"]  # changed, but neither better nor worse (recorded crime, cost)
BASELINE_COLOR = OKABE_ITO["black"]
EFFECT_MARKERS = {GOOD: "^", BAD: "v", NEUTRAL: "o", CHANGED: "D"}
#: Groups: colour and marker per group, in order.
GROUP_STYLES = (
    (OKABE_ITO["blue"], "o"),
    (OKABE_ITO["vermillion"], "s"),
    (OKABE_ITO["green"], "D"),
    (OKABE_ITO["orange"], "^"),
    (OKABE_ITO["purple"], "v"),
    (OKABE_ITO["sky_blue"], "P"),
)
#: File formats written by :func:`save_figure` for reports.
REPORT_FORMATS = ("png", "svg", "pdf")


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


def strategy_styles(strategies: Sequence[str]) -> dict[str, dict[str, str]]:
    """Colour, marker and line style per strategy: baseline black, others Okabe-Ito.

    The same strategy keeps its style whatever follows it in the list; past six
    strategies colours repeat with another line style and marker, so no two strategies
    look alike.
    """
    out: dict[str, dict[str, str]] = {}
    i = 0
    for s in strategies:
        if s == BASELINE:
            out[s] = {"color": BASELINE_COLOR, "marker": "o", "ls": "-"}
            continue
        out[s] = {
            "color": STRATEGY_PALETTE[i % len(STRATEGY_PALETTE)],
            "marker": STRATEGY_MARKERS[(i + 1) % len(STRATEGY_MARKERS)],
            "ls": STRATEGY_LINESTYLES[(i // len(STRATEGY_PALETTE)) % len(STRATEGY_LINESTYLES)],
        }
        i += 1
    return out


def strategy_colors(strategies: Sequence[str]) -> dict[str, str]:
    """Fixed colour per strategy: baseline black, the others from the Okabe-Ito palette."""
    return {s: style["color"] for s, style in strategy_styles(strategies).items()}


def _usd(value: float, _pos: Any = None) -> str:
    """Dollars in words people read: 2,000,000 -> $2M, 250,000 -> $250k."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value >= 1e6:
        return f"{sign}${value / 1e6:.3g}M"
    if value >= 1e3:
        return f"{sign}${value / 1e3:.3g}k"
    return f"{sign}${value:.0f}"


def _plain(value: float, _pos: Any = None) -> str:
    """An axis number with thousands separators: 12000 -> 12,000; 0.25 -> 0.25."""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:g}"


def format_value(value: Any, unit: str = "") -> str:
    """A parameter value as a tick or cell label (dollars as $2M, big numbers with commas)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        return str(value)
    if not np.isfinite(value):
        return "none"
    if unit.startswith("USD"):
        return _usd(float(value))
    return _plain(float(value))


def _short(value: float) -> str:
    """Compact number for cell annotations: 1,234 / 56.7 / 0.123."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def save_figure(
    fig: Figure,
    path: str | os.PathLike[str],
    dpi: int = 120,
    formats: Sequence[str] | None = None,
) -> Path:
    """Write a figure and return the path.

    Args:
        fig: The figure.
        path: Where to write; its suffix names the format (``.png``).
        dpi: Resolution of raster formats.
        formats: Also write these formats beside it, with the same stem (e.g.
            :data:`REPORT_FORMATS`: PNG for the page, SVG and PDF for print and slides).

    Returns:
        ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    targets = [path, *(path.with_suffix(f".{f}") for f in formats or () if f".{f}" != path.suffix)]
    for target in targets:
        metadata = {"Date": None} if target.suffix in (".svg", ".pdf") else {}
        if target.suffix == ".png":
            metadata = {"Software": None}
        fig.savefig(
            target,
            dpi=dpi,
            facecolor="white",
            bbox_inches="tight",
            pad_inches=0.15,
            metadata=metadata,
        )
    return path


def _grid(n: int, max_cols: int) -> tuple[int, int]:
    cols = min(n, max_cols)
    return math.ceil(n / cols), cols


def _strategies(frame: pd.DataFrame, strategies: Sequence[str] | None) -> list[str]:
    if strategies is not None:
        return [s for s in strategies if s in set(frame["strategy"])]
    return strategy_order(frame["strategy"])


def _name(labels: Mapping[str, str] | None, strategy: str) -> str:
    return (labels or {}).get(strategy, strategy)


def _spread(values: Sequence[float], gap: float) -> np.ndarray:
    """Move label positions apart so neighbours are at least ``gap`` apart (order kept)."""
    y = np.asarray(values, dtype=float)
    order = np.argsort(y)
    placed = y[order].copy()
    for _ in range(50):
        moved = False
        for i in range(1, len(placed)):
            if placed[i] - placed[i - 1] < gap:
                push = (gap - (placed[i] - placed[i - 1])) / 2
                placed[i - 1] -= push
                placed[i] += push
                moved = True
        if not moved:
            break
    out = np.empty_like(placed)
    out[order] = placed
    return out


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
    labels: Mapping[str, str] | None = None,
) -> Figure:
    """True vs recorded crime per day, one panel per strategy.

    Each panel shows true crime (solid) and recorded crime (dashed) with bands across
    replicates; panels other than baseline also show baseline's true crime (thin grey)
    for reference. Panels share the y axis. Bands are quantiles of the replicates, so a
    count's band never goes below zero.

    Args:
        bands: From :func:`commsim.results.timeseries_bands` grouped by ``strategy``,
            holding metrics ``crimes`` and ``crimes_reported``.
        strategies: Panels to draw, in order (default: all, baseline first).
        band_label: What the shaded band is, for the legend.
        smoothing: How the daily series were smoothed, for the title.
        labels: Strategy -> name shown (default: the strategy key).

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
        ax.set_title(_name(labels, name), fontsize=10, color=colors[name], fontweight="bold")
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
        Line2D([], [], color="k", lw=1.8, ls="--", label="Recorded crime (known to police)"),
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
    labels: Mapping[str, str] | None = None,
) -> Figure:
    """Trust in police and reporting rate over time, one line per strategy.

    Every line is labelled at its right end with the strategy's name (no legend to look
    up), and has its own colour, line style and marker. Baseline is black and thicker,
    with its band across replicates.

    Args:
        bands: From :func:`commsim.results.timeseries_bands` grouped by ``strategy``.
        strategies: Strategies to draw (default: all, baseline first).
        metrics: One panel per metric.
        band_label: What the shaded band is (shown for baseline).
        smoothing: How the daily series were smoothed, for the title.
        labels: Strategy -> name shown (default: the strategy key).

    Returns:
        The figure.
    """
    names = _strategies(bands, strategies)
    styles = strategy_styles(names)
    metrics = [m for m in metrics if (bands["metric"] == m).any()] or list(metrics[:1])
    fig = Figure(figsize=(7.2 * len(metrics), 5.4), layout="constrained")
    axes = fig.subplots(1, len(metrics), squeeze=False).ravel()
    for ax, metric in zip(axes, metrics, strict=True):
        ends: list[tuple[str, float, float]] = []
        for name in names:
            rows = _series(bands, name, metric)
            if rows.empty:
                continue
            st = styles[name]
            if name == BASELINE:
                _band(ax, rows, st["color"], lw=2.6, label=_name(labels, name))
            else:
                ax.plot(rows["day"], rows["mean"], color=st["color"], ls=st["ls"], lw=1.6)
            # A marker every few weeks: line identity without colour.
            step = max(1, len(rows) // 6)
            ax.plot(
                rows["day"].iloc[step // 2 :: step],
                rows["mean"].iloc[step // 2 :: step],
                ls="none",
                marker=st["marker"],
                color=st["color"],
                ms=5,
            )
            ends.append((name, float(rows["day"].iloc[-1]), float(rows["mean"].iloc[-1])))
        ax.set_title(metric_label(metric, with_unit=False))
        ax.set_ylabel(metric_label(metric, per="day"))
        ax.set_xlabel("Day of evaluation window")
        ax.grid(alpha=0.3)
        if ends:
            low, high = ax.get_ylim()
            placed = _spread([e[2] for e in ends], gap=(high - low) * 0.045)
            for (name, x, y), y_text in zip(ends, placed, strict=True):
                ax.annotate(
                    _name(labels, name),
                    (x, y),
                    xytext=(1.03, y_text),
                    textcoords=("axes fraction", "data"),
                    fontsize=8,
                    color=styles[name]["color"],
                    va="center",
                    annotation_clip=False,
                    arrowprops={"arrowstyle": "-", "color": styles[name]["color"], "lw": 0.5},
                )
            ax.margins(x=0.02)
    fig.get_layout_engine().set(w_pad=0.3)
    fig.suptitle(f"Trust and reporting over time ({smoothing}; shaded: baseline's {band_label})")
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


def _effect_point(ax: Axes, x: float, y: float, xerr: Any, color: str, **kw: Any) -> None:
    """An estimate with its interval: marker shape and fill say better/worse/unclear."""
    hollow = color == NEUTRAL
    ax.errorbar(
        x,
        y,
        xerr=xerr,
        fmt=EFFECT_MARKERS.get(color, "o"),
        color=color,
        mfc="white" if hollow else color,
        capsize=3,
        ms=7,
        lw=2,
        **kw,
    )


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
    labels: Mapping[str, str] | None = None,
) -> Figure:
    """Forest plot: change vs baseline with 95% CI, one panel per outcome.

    Blue upward triangle: the CI excludes zero and the change is an improvement;
    vermillion downward triangle: excludes zero and is a deterioration; hollow grey
    circle: the CI includes zero; purple diamond: excludes zero for an outcome with no
    better side. The percent change is printed beside each estimate.

    Args:
        summary: From :func:`commsim.results.summarize` (``by="strategy"``).
        outcomes: Outcomes to show (those absent from the summary are skipped).
        strategies: Rows to show (default: all but baseline).
        max_cols: Panels per row.
        labels: Strategy -> name shown (default: the strategy key).

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
    fig = Figure(figsize=(4.3 * ncols + 2.2, height * nrows + 1.0), layout="constrained")
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
            _effect_point(ax, r["diff"], yi, xerr, color)
            if np.isfinite(r["pct_change"]):
                ax.annotate(
                    f"{r['pct_change']:+.1f}%",
                    (r["diff_ci_high"] if np.isfinite(r["diff_ci_high"]) else r["diff"], yi),
                    xytext=(5, 4),
                    textcoords="offset points",
                    fontsize=8,
                    color="#333333",
                )
        ax.set_yticks(y, [_name(labels, n) for n in names])
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
        Line2D([], [], color=GOOD, marker="^", ls="none", label="Better (95% CI excludes 0)"),
        Line2D([], [], color=BAD, marker="v", ls="none", label="Worse (95% CI excludes 0)"),
        Line2D([], [], color=NEUTRAL, marker="o", mfc="white", ls="none", label="CI includes 0"),
    ]
    if any(_neutral_outcome(o) for o in outcomes):
        handles.append(
            Line2D([], [], color=CHANGED, marker="D", ls="none", label="Changed (no better side)")
        )
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False)
    fig.suptitle("Effect of each strategy vs baseline (mean paired difference, 95% CI)")
    return fig


def cost_effectiveness(
    summary: pd.DataFrame,
    strategies: Sequence[str] | None = None,
    per_year: float | None = None,
    labels: Mapping[str, str] | None = None,
) -> Figure:
    """Extra cost vs crimes averted (with 95% CI) per strategy, relative to baseline.

    Each point is named in a column of labels beside the plot, joined to it by a thin
    line (labels never overlap), with its crimes averted per $1M ("unclear" when the
    crime effect's interval includes zero; then the marker is hollow).

    Args:
        summary: From :func:`commsim.results.summarize` (``by="strategy"``), holding
            outcomes ``crimes`` and ``cost_usd``.
        strategies: Points to show (default: all but baseline).
        per_year: Factor from the evaluation window to a year (365 / days); None shows
            the window's totals.
        labels: Strategy -> name shown (default: the strategy key).

    Returns:
        The figure.
    """
    scale = 1.0 if per_year is None else float(per_year)
    crimes = summary[(summary["outcome"] == "crimes") & summary["diff"].notna()]
    cost = summary[summary["outcome"] == "cost_usd"].set_index("strategy")
    names = [s for s in _strategies(crimes, strategies) if s != BASELINE]
    styles = strategy_styles([BASELINE, *names])
    crimes = crimes.set_index("strategy")
    fig = Figure(figsize=(11.5, 6.4), layout="constrained")
    ax = fig.subplots()
    ax.axhline(0, color="#444444", lw=1)
    ax.axvline(0, color="#444444", lw=1)
    points = []
    for name in names:
        r = crimes.loc[name]
        extra = cost.loc[name, "diff"] if name in cost.index else 0.0
        extra = 0.0 if not np.isfinite(extra) else float(extra) * scale
        averted = -r["diff"] * scale
        low, high = -r["diff_ci_high"] * scale, -r["diff_ci_low"] * scale
        unclear = not (low > 0 or high < 0)
        per = r.get("crimes_averted_per_1m_usd", np.nan)
        if not np.isfinite(per):
            note = "same cost as baseline" if abs(extra) < 1 else "costs less than baseline"
        elif unclear:
            note = "per $1M: unclear"
        else:
            note = f"{per:,.0f} averted per $1M"
        st = styles[name]
        ax.errorbar(
            extra,
            averted,
            yerr=[[averted - low], [high - averted]],
            fmt=st["marker"],
            ms=8,
            capsize=4,
            color=st["color"],
            mfc="white" if unclear else st["color"],
        )
        points.append((name, extra, averted, note, st))
    ax.xaxis.set_major_formatter(FuncFormatter(_usd))
    ax.yaxis.set_major_formatter(FuncFormatter(_plain))
    ax.margins(x=0.1, y=0.12)
    if points:
        low, high = ax.get_ylim()
        placed = _spread([p[2] for p in points], gap=(high - low) * 0.085)
        for (name, x, y, note, st), y_text in zip(points, placed, strict=True):
            ax.annotate(
                f"{_name(labels, name)}\n{note}",
                (x, y),
                xytext=(1.03, y_text),
                textcoords=("axes fraction", "data"),
                fontsize=8.5,
                color=st["color"],
                va="center",
                annotation_clip=False,
                arrowprops={"arrowstyle": "-", "color": st["color"], "lw": 0.6, "alpha": 0.7},
            )
            ax.plot(1.015, y_text, marker=st["marker"], color=st["color"], ms=6,
                    transform=ax.get_yaxis_transform(), clip_on=False)  # fmt: skip
    period = "over the evaluation window" if per_year is None else "a year"
    ax.set_xlabel(f"Extra cost vs baseline {period} (USD)")
    ax.set_ylabel(f"Crimes averted vs baseline {period} (95% CI)")
    ax.set_title(
        "Cost-effectiveness: crimes averted against extra cost\n"
        "(higher and further left is better; hollow: crime effect unclear)"
    )
    ax.grid(alpha=0.3)
    return fig


def group_effects(
    summary: pd.DataFrame,
    strategies: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    trust_sd: float | None = None,
) -> Figure:
    """Change vs baseline for each demographic group: trust and victimisation.

    Left: trust in police per group (in standard deviations of trust when ``trust_sd``
    is given, else on the 0-1 scale); right: victimisation per group, as a percent of
    the group's baseline rate. One row per strategy; each group has its own colour and
    marker; lines are 95% intervals paired on seeds. The grey band is the outcome's
    smallest meaningful change either way (from the outcome registry): effects inside
    it are too small to matter.

    Args:
        summary: From :func:`commsim.results.summarize` with per-group outcomes
            (``trust_mean_<group>``, ``victimization_rate_<group>``) and a baseline.
        strategies: Rows (default: all but baseline).
        labels: Strategy -> name shown.
        trust_sd: Standard deviation of trust between residents (0-1 scale).

    Returns:
        The figure.
    """
    table = group_breakdown(summary, ("trust_mean", "victimization_rate"))
    table = table[table["diff"].notna()]
    bases = [b for b in ("trust_mean", "victimization_rate") if (table["metric"] == b).any()]
    if not bases:
        raise ValueError("summary holds no per-group differences vs baseline")
    names = [s for s in _strategies(table, strategies) if s != BASELINE]
    groups = list(dict.fromkeys(table["group"]))
    fig = Figure(
        figsize=(6.0 * len(bases) + 2.2, 0.55 * len(names) * 1.1 + 2.4), layout="constrained"
    )
    axes = fig.subplots(1, len(bases), squeeze=False, sharey=True).ravel()
    y = np.arange(len(names))[::-1].astype(float)
    offsets = (np.arange(len(groups)) - (len(groups) - 1) / 2) * (0.7 / max(len(groups), 1))
    for ax, base in zip(axes, bases, strict=True):
        rows = table[table["metric"] == base]
        for j, group in enumerate(groups):
            color, marker = GROUP_STYLES[j % len(GROUP_STYLES)]
            g = rows[rows["group"] == group].set_index("strategy").reindex(names)
            if base == "trust_mean":
                scale = 1.0 / trust_sd if trust_sd else 1.0
            else:
                scale = 100.0 / g["baseline_mean"].abs().replace(0, np.nan)
            diff = g["diff"] * scale
            low, high = g["diff_ci_low"] * scale, g["diff_ci_high"] * scale
            if base != "trust_mean":  # a count cannot fall by more than all of it
                low = low.clip(lower=-100.0)
            err = np.vstack([diff - low, high - diff])
            ax.errorbar(
                diff,
                y - offsets[j],
                xerr=np.where(np.isfinite(err), err, 0.0),
                fmt=marker,
                color=color,
                ms=6,
                capsize=2,
                lw=1.4,
                label=group,
            )
        ax.axvline(0, color="#444444", lw=1)
        o = registry(base)
        if base == "trust_mean" and o.smallest_change is not None:
            m = o.smallest_change / trust_sd if trust_sd else o.smallest_change
        elif o.smallest_share is not None:
            m = 100.0 * o.smallest_share
        else:
            m = None
        if m:
            ax.axvspan(-m, m, color="#e8e8e8", zorder=0, lw=0)
            ax.annotate("too small to matter", (0, 1.0), xycoords=("data", "axes fraction"),
                        xytext=(0, -10), textcoords="offset points", ha="center",
                        fontsize=8, color="#666666")  # fmt: skip
        ax.set_yticks(y, [_name(labels, n) for n in names])
        ax.set_ylim(-0.7, len(names) - 0.3)
        ax.grid(axis="x", alpha=0.3)
        if base == "trust_mean":
            ax.set_title("Trust in police: change by group (right is better)")
            unit = "standard deviations of trust" if trust_sd else "0-1 scale"
            ax.set_xlabel(f"Change vs baseline ({unit})")
        else:
            ax.set_title("Victimisation: change by group (left is better)")
            ax.set_xlabel("Change vs baseline (% of the group's baseline rate; stops at -100%)")
    handles, names_ = axes[0].get_legend_handles_labels()
    fig.legend(handles, names_, title="Group", loc="outside lower center", ncols=len(groups),
               frameon=False)  # fmt: skip
    fig.suptitle("Who gains: change vs baseline by group (mean paired difference, 95% CI)")
    return fig


def equity(
    summary: pd.DataFrame,
    bases: Sequence[str] = ("trust_mean", "victimization_rate"),
    strategies: Sequence[str] | None = None,
) -> Figure:
    """Trust and victimisation levels by demographic group for each strategy (mean, 95% CI).

    For changes vs baseline by group use :func:`group_effects` (the report does).

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
    width = min(max(7.0, 0.95 * len(names) + 3.0), 16.0)
    fig = Figure(figsize=(width, 3.6 * len(bases) + 1.2), layout="constrained")
    axes = fig.subplots(len(bases), 1, squeeze=False, sharex=True).ravel()
    width = 0.8 / max(len(groups), 1)
    x = np.arange(len(names))
    hatches = ("", "//", "..", "xx", "\\\\", "++")
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
                color=GROUP_STYLES[j % len(GROUP_STYLES)][0],
                hatch=hatches[j % len(hatches)],
                label=group,
                edgecolor="white",
            )
        ax.set_xticks(x, names, rotation=30, ha="right")
        ax.set_title(f"{metric_label(base, with_unit=False)} by group")
        ax.set_ylabel(metric_label(base).replace(" (", "\n("))
        ax.grid(axis="y", alpha=0.3)
    axes[-1].set_xlabel("Strategy")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, title="Group", loc="outside lower center", ncols=len(groups),
               frameon=False)  # fmt: skip
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
    concentration: Mapping[str, float] | None = None,
    labels: Mapping[str, str] | None = None,
) -> Figure:
    """City street map with crime hot spots and neighbourhoods, one panel per strategy.

    Dots show each place's mean crimes per run; rings mark the ``top_share`` of places
    with the most crime on average. The share of crime at the top places in each title
    is ``concentration`` when given: the mean over runs of each run's own share, the
    statistic of the report's tables (``crime_concentration_top5``). Without it, the
    share is computed from the averaged counts and the title says so (averaging
    smooths the counts, so that share is lower than the per-run one).

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
        concentration: Strategy -> mean over runs of the share of crime at the top
            places (the summary's ``crime_concentration_top5``).
        labels: Strategy -> name shown.

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
    # A real city's tens of thousands of streets and places would make the SVG and PDF
    # tens of megabytes: draw them as an image inside (boundaries and text stay vector).
    big = len(nodes) > RASTER_ABOVE_PLACES
    sc = None
    for ax, name in zip(axes, names, strict=True):
        v = values[name]
        streets = LineCollection(segs, colors="#c8c8c8", linewidths=0.7, zorder=1, rasterized=big)
        ax.add_collection(streets)
        _draw_boundaries(ax, boundaries)
        quiet = v <= 0
        ax.scatter(
            xy[quiet, 0], xy[quiet, 1], s=size * 0.25, color="#bdbdbd", zorder=2, rasterized=big
        )
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
            rasterized=big,
        )
        k = max(1, math.ceil(top_share * len(nodes)))
        top = np.argsort(v)[::-1][:k]
        top = top[v[top] > 0]
        ring = (np.sqrt(areas[top]) + 5.0) ** 2
        ax.scatter(
            xy[top, 0], xy[top, 1], s=ring, facecolors="none", edgecolors="k", lw=1.0, zorder=4,
            rasterized=big,
        )  # fmt: skip
        if concentration is not None and name in concentration:
            share = f"{concentration[name]:.0%} (mean per run)"
        else:
            total = v.sum()
            share = f"{v[top].sum() / total if total > 0 else 0.0:.0%} (of mean counts)"
        ax.set_title(
            f"{_name(labels, name)}\n{v.sum():,.0f} crimes per run; "
            f"top {top_share:.0%} of places: {share}",
            fontsize=10,
        )
        ax.set_aspect("equal")
        ax.set_xlabel("x (km)")
        ax.set_ylabel("y (km)")
        ax.autoscale_view()
    if sc is not None:
        fig.colorbar(sc, ax=list(axes), label="Crimes at the place per run (mean)", shrink=0.85)
    fig.suptitle(
        f"Crime hot spots (black rings: the {top_share:.0%} of places with most crime on average)"
    )
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


def sweep_line(
    summary: pd.DataFrame,
    x: str,
    outcome: str,
    hue: str | None = "strategy",
    x_label: str | None = None,
    x_unit: str = "",
    pooled: Sequence[str] = (),
) -> Figure:
    """One outcome against one swept parameter: mean and 95% CI band.

    Args:
        summary: From :func:`commsim.results.summarize` with ``x`` (and ``hue``) in ``by``.
        x: The swept parameter column.
        outcome: The outcome to plot.
        hue: Column drawn as separate lines (ignored if absent or constant).
        x_label: Axis label for ``x`` (default: the key).
        x_unit: Unit of ``x``; dollars (``USD...``) are written as $2M.
        pooled: Other swept parameters pooled into each point (named in the title).

    Returns:
        The figure.
    """
    rows = summary[summary["outcome"] == outcome]
    if rows.empty:
        raise ValueError(f"outcome {outcome!r} not in summary")
    lines = strategy_order(rows[hue]) if hue in rows.columns else [None]
    styles = strategy_styles([s for s in lines if s is not None])
    fig = Figure(figsize=(7.5, 5.0), layout="constrained")
    ax = fig.subplots()
    for line in lines:
        r = rows if line is None else rows[rows[hue] == line]
        r = r.sort_values(x)
        st = styles.get(line, {"color": OKABE_ITO["blue"], "marker": "o", "ls": "-"})
        low = r["ci_low"]
        ax.fill_between(r[x], low, r["ci_high"], color=st["color"], alpha=0.2, lw=0)
        ax.plot(r[x], r["mean"], marker=st["marker"], ls=st["ls"], color=st["color"], lw=2)
        if len(lines) > 1 and len(r):
            ax.annotate(
                str(line), (r[x].iloc[-1], r["mean"].iloc[-1]), xytext=(6, 0),
                textcoords="offset points", color=st["color"], fontsize=9, va="center",
            )  # fmt: skip
    n = int(rows["n"].median()) if len(rows) else 0
    ax.set_xlabel(x_label or x)
    ax.set_ylabel(metric_label(outcome))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: format_value(v, x_unit)))
    ax.yaxis.set_major_formatter(FuncFormatter(_plain))
    what = f"{n} runs per point, pooled over {', '.join(pooled)}" if pooled else f"{n} replicates"
    ax.set_title(
        f"{metric_label(outcome, with_unit=False)} vs {x_label or x}\n(mean and 95% CI over {what})"
    )
    ax.grid(alpha=0.3)
    return fig


def _category_ticks(set_ticks: Any, values: Sequence[Any], unit: str = "", most: int = 12) -> None:
    """Label grid cells with their parameter values, thinning to at most ``most`` labels."""
    step = max(1, math.ceil(len(values) / most))
    where = list(range(0, len(values), step))
    set_ticks(where, [format_value(values[i], unit) for i in where])


def sweep_heatmap(
    summary: pd.DataFrame,
    x: str,
    y: str,
    outcome: str,
    facet: str | None = "strategy",
    x_label: str | None = None,
    y_label: str | None = None,
    x_unit: str = "",
    y_unit: str = "",
    noise: pd.DataFrame | None = None,
    pooled: Sequence[str] = (),
) -> Figure:
    """Mean of one outcome over a 2-D parameter grid, one panel per strategy.

    Reds for outcomes where less is better (crime, victimisation), blues where more is
    better (trust, reporting); every cell is annotated with its mean. With ``noise``
    (paired differences of each cell from a reference cell, e.g. from
    :func:`commsim.results.paired_vs_reference`), cells whose difference from the
    reference is within noise (its 95% interval includes zero) are hatched and marked
    ``≈``; the colour scale never stretches below the typical interval width, so a
    range smaller than the noise shows as nearly one colour.

    Args:
        summary: From :func:`commsim.results.summarize` with ``x`` and ``y`` in ``by``.
        x: Parameter on the horizontal axis.
        y: Parameter on the vertical axis.
        outcome: The outcome to colour by.
        facet: Column split into panels (ignored if absent).
        x_label: Axis label for ``x`` (default: the key).
        y_label: Axis label for ``y`` (default: the key).
        x_unit: Unit of ``x``; dollars are written as $2M.
        y_unit: Unit of ``y``.
        noise: Columns ``x``, ``y`` (and ``facet``), ``diff_ci_low``, ``diff_ci_high``.
        pooled: Other swept parameters pooled into each cell (named in the title).

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
    lo, hi = float(rows["mean"].min()), float(rows["mean"].max())
    # The noise against which colour differences are read: the paired differences' interval
    # width when given (what a comparison between cells faces), else the levels'.
    if noise is not None and len(noise):
        typical = float(np.nanmedian(noise["diff_ci_high"] - noise["diff_ci_low"]))
    else:
        typical = float(np.nanmedian(rows["ci_high"] - rows["ci_low"])) if len(rows) else 0.0
    if np.isfinite(typical) and hi - lo < typical:  # do not stretch colour over noise
        mid = (hi + lo) / 2
        lo, hi = mid - typical / 2, mid + typical / 2
    norm = Normalize(lo, hi if hi > lo else lo + 1e-12)
    width = min(max(4.5, 0.9 * len(xs) + 2.5), 12.0)
    height = min(max(4.0, 0.6 * len(ys) + 2.5), 9.0)
    fig = Figure(figsize=(width * len(panels) + 1.0, height + 0.4), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False).ravel()
    annotate = len(xs) <= 15 and len(ys) <= 20
    image = None
    marked = False
    for ax, panel in zip(axes, panels, strict=True):
        r = rows if panel is None else rows[rows[facet] == panel]
        grid = r.pivot_table(index=y, columns=x, values="mean").reindex(index=ys, columns=xs)
        values = grid.to_numpy(float)
        image = ax.imshow(values, origin="lower", cmap=cmap, norm=norm, aspect="auto")
        flat = np.zeros_like(values, dtype=bool)
        if noise is not None and len(noise):
            nz = noise if panel is None or facet not in noise else noise[noise[facet] == panel]
            inside = (nz["diff_ci_low"] <= 0) & (nz["diff_ci_high"] >= 0)
            table = nz.assign(flat=inside).pivot_table(index=y, columns=x, values="flat")
            flat = table.reindex(index=ys, columns=xs).fillna(0).to_numpy(float) > 0.5
            for i, j in zip(*np.nonzero(flat), strict=True):
                ax.add_patch(
                    Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///",
                              edgecolor="#777777", lw=0)
                )  # fmt: skip
                marked = True
        if annotate:
            for (i, j), v in np.ndenumerate(values):
                if np.isfinite(v):
                    color = "white" if norm(v) > 0.6 else "black"
                    text = ("≈" if flat[i, j] else "") + _short(v)
                    ax.text(j, i, text, ha="center", va="center", fontsize=9, color=color)
        _category_ticks(ax.set_xticks, xs, x_unit)
        _category_ticks(ax.set_yticks, ys, y_unit)
        ax.set_xlabel(x_label or x)
        ax.set_ylabel(y_label or y)
        if len(panels) > 1:
            ax.set_title(str(panel))
    if image is not None:
        cbar = fig.colorbar(image, ax=list(axes), label=metric_label(outcome))
        cbar.ax.yaxis.set_major_formatter(FuncFormatter(_plain))
    n = int(rows["n"].median())
    what = f"{n} runs per cell, pooled over {', '.join(pooled)}" if pooled else f"{n} replicates"
    title = f"{metric_label(outcome, with_unit=False)} (mean over {what})"
    if marked:
        title += "\nhatched, ≈: within noise of the bottom-left cell (paired 95% CI includes 0)"
    fig.suptitle(title)
    return fig
