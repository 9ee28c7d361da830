"""Charts of one running model's daily metrics, for the dashboard and animations.

The input is a daily table: one row per evaluated day, a ``day`` column
(0-based) and the metric keys as columns (``trust_mean_<group>``,
``reporting_rate_<group>``, ``crimes``, ...). A second table of the same shape,
the *counterfactual* (the same run without the latest incident or strategy
change), is drawn dashed. The charts never touch the model itself.

Sizes are given in screen pixels and text in pixels, so a chart shown at its
natural size on a projector has exactly the text size asked for.

Examples:
    >>> charts = ChartsPainter(["majority", "minority", "newcomer"], width_px=640, height_px=720)
    >>> charts.update(daily, counterfactual=twin_daily, since_day=12, shocks=[(12.2, "misconduct")])
    >>> png = charts.to_png()
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from commsim.citymap import DPI, legend_columns, min_text_px, wrap

# Okabe & Ito (2008) colour-blind-safe palette; each group also has its own marker.
GROUP_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
GROUP_MARKERS = ("o", "s", "^", "D", "v", "P")
SHOCK_COLOURS = {"misconduct": "#D55E00", "community_event": "#009E73"}
SHOCK_LABELS = {"misconduct": "Misconduct incident", "community_event": "Community event"}
TRUE_CRIME_COLOUR = "#F0C987"  # light: every crime
REPORTED_COLOUR = "#8C4A00"  # dark: the crimes the police hear about
PANELS = ("trust", "reporting", "crime", "response")
REPORTING_WINDOW_DAYS = 28  # per-group reporting is a trailing rate over this many days
MIN_CRIMES_FOR_RATE = 5  # fewer crimes against a group in the window: no rate
MIN_DAYS_SHOWN = 7  # the x axis spans at least a week
TRUST_MIN_SPAN = 0.2  # the trust axis spans at least this much, so noise does not look dramatic


def day_axis(df: pd.DataFrame) -> np.ndarray:
    """Day numbers (1-based) of the table's rows."""
    if "day" in df.columns:
        return df["day"].to_numpy(dtype=float) + 1.0
    return np.arange(1, len(df) + 1, dtype=float)


def column(df: pd.DataFrame, key: str) -> np.ndarray:
    """A metric column as floats (NaN when the table lacks it)."""
    if key not in df.columns:
        return np.full(len(df), np.nan)
    return pd.to_numeric(df[key], errors="coerce").to_numpy(dtype=float)


def reporting_by_group(
    events: pd.DataFrame,
    groups: Sequence[str],
    n_days: int,
    window: int = REPORTING_WINDOW_DAYS,
    min_crimes: int = MIN_CRIMES_FOR_RATE,
) -> pd.DataFrame:
    """Trailing share of crimes against each group's residents that were reported.

    Args:
        events: a run's event table (``day``, ``victim_group``, ``reported``).
        groups: group names.
        n_days: evaluated days (rows of the result, day 0 .. n_days - 1).
        window: trailing window in days.
        min_crimes: fewer crimes than this in a window gives NaN (a rate of two
            or three crimes is noise, not a signal).

    Returns:
        One column ``reporting_rate_<group>`` per group (0-1), one row per day.
    """
    out = pd.DataFrame(index=pd.RangeIndex(n_days))
    for g in groups:
        crimes = np.zeros(n_days)
        reported = np.zeros(n_days)
        if len(events):
            mine = events[events["victim_group"] == g]
            days = mine["day"].to_numpy(dtype=int)
            ok = (days >= 0) & (days < n_days)
            crimes = np.bincount(days[ok], minlength=n_days)[:n_days].astype(float)
            rep = mine["reported"].to_numpy(dtype=float)[ok]
            reported = np.bincount(days[ok], weights=rep, minlength=n_days)[:n_days]
        kernel = np.ones(window)
        c = np.convolve(crimes, kernel)[:n_days]
        r = np.convolve(reported, kernel)[:n_days]
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"reporting_rate_{g}"] = np.where(c >= min_crimes, r / c, np.nan)
    return out


def chart_table(daily: pd.DataFrame, events: pd.DataFrame, groups: Sequence[str]) -> pd.DataFrame:
    """A run's daily table as the charts read it: a ``day`` column and per-group reporting.

    A daily table that has ``reporting_rate_<group>`` columns keeps them; for
    the others they are computed from the event table (:func:`reporting_by_group`).

    Args:
        daily: one row per evaluated day (the model's daily table).
        events: the run's event table.
        groups: group names.
    """
    df = daily.reset_index(drop=True).copy()
    if "day" not in df.columns:
        df.insert(0, "day", np.arange(len(df)))
    missing = [g for g in groups if f"reporting_rate_{g}" not in df.columns]
    if missing and len(df):
        extra = reporting_by_group(events, missing, len(df))
        for name in extra.columns:
            df[name] = extra[name].to_numpy()
    return df


def trailing_mean(values: np.ndarray, days: int) -> np.ndarray:
    """Mean over the trailing ``days`` days (fewer at the start)."""
    values = np.nan_to_num(np.asarray(values, dtype=float))
    sums = np.convolve(values, np.ones(days))[: len(values)]
    counts = np.minimum(np.arange(1, len(values) + 1), days)
    return sums / counts


class ChartsPainter:
    """The dashboard's charts in one reusable figure, one panel under the other.

    Panels (any of :data:`PANELS`, in that order): trust in police by group;
    the share of crimes against each group that were reported (last 28 days);
    crimes per day, all and reported; police response time. Dashed lines: the
    counterfactual run. Vertical dotted lines: shocks.

    Args:
        groups: resident group names.
        width_px: width in screen pixels.
        height_px: height in screen pixels.
        font_px: size of the smallest text (ticks, legend), in pixels.
        panels: which panels to draw.
        counterfactual_label: legend words for the dashed lines.
    """

    def __init__(
        self,
        groups: Sequence[str],
        *,
        width_px: int = 640,
        height_px: int = 720,
        font_px: float = 14.0,
        panels: Sequence[str] = PANELS,
        counterfactual_label: str = "no change",
    ) -> None:
        unknown = set(panels) - set(PANELS)
        if unknown or not panels:
            raise ValueError(f"panels={list(panels)!r}: any of {', '.join(PANELS)}")
        self.groups = list(groups)
        self.font_px = float(font_px)
        self.panels = [p for p in PANELS if p in panels]
        self.width_px, self.height_px = int(width_px), int(height_px)
        self.figure = Figure(
            figsize=(width_px / DPI, height_px / DPI), dpi=DPI, layout="constrained"
        )
        self.figure.get_layout_engine().set(h_pad=4 / DPI, w_pad=4 / DPI, hspace=0.02)
        self.canvas = FigureCanvasAgg(self.figure)
        axes = self.figure.subplots(len(self.panels), 1, sharex=True, squeeze=False)[:, 0]
        self.ax = dict(zip(self.panels, axes, strict=True))
        self._shock_lines: list = []
        self._setup(counterfactual_label)

    # -- construction ---------------------------------------------------------------
    def _setup(self, counterfactual_label: str) -> None:
        f = self.font_px
        self.lines: dict[str, dict[str, Line2D]] = {}
        self.twin_lines: dict[str, dict[str, Line2D]] = {}
        for panel in ("trust", "reporting"):
            if panel not in self.ax:
                continue
            ax = self.ax[panel]
            self.lines[panel], self.twin_lines[panel] = {}, {}
            for i, g in enumerate(self.groups):
                colour, marker = _group_style(i)
                (self.lines[panel][g],) = ax.plot(
                    [], [], color=colour, lw=max(2.0, f / 7), marker=marker,
                    ms=f * 0.45, label=g,
                )  # fmt: skip
                (self.twin_lines[panel][g],) = ax.plot(
                    [], [], color=colour, lw=max(1.6, f / 9), ls=(0, (4, 2.5)), alpha=0.9
                )
        if "trust" in self.ax:
            _style(self.ax["trust"], "Trust in police (0–1)", f)
        if "reporting" in self.ax:
            ax = self.ax["reporting"]
            ax.set_ylim(0, 100)
            _style(ax, "Crimes reported, last 28 days (%)", f)
        if "crime" in self.ax:
            ax = self.ax["crime"]
            self.true_bars = ax.stairs([], [0.5], fill=True, color=TRUE_CRIME_COLOUR)
            self.reported_bars = ax.stairs([], [0.5], fill=True, color=REPORTED_COLOUR)
            (self.twin_reported,) = ax.plot(
                [], [], color="#222222", lw=max(1.6, f / 9), ls=(0, (4, 2.5))
            )
            _style(ax, "Crimes per day", f)
            ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
            ax.legend(
                handles=[
                    Patch(color=TRUE_CRIME_COLOUR, label="all"),
                    Patch(color=REPORTED_COLOUR, label="reported to police"),
                ],
                loc="upper left", ncol=2, fontsize=f, frameon=False, borderaxespad=0.1,
                handlelength=1.2, columnspacing=1.0, handletextpad=0.4,
            )  # fmt: skip
        if "response" in self.ax:
            ax = self.ax["response"]
            (self.response_line,) = ax.plot([], [], color="#5D3A9B", lw=max(2.0, f / 7))
            _style(ax, "Police response, last 28 days (median minutes)", f)
        bottom = self.ax[self.panels[-1]]
        bottom.set_xlabel("day", fontsize=f)
        bottom.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
        self.legend = None
        self._legend(counterfactual_label, False)
        self.waiting = self.figure.text(
            0.5, 0.7, wrap("The charts start when the first day ends.", self.width_px - 3 * f, f),
            ha="center", va="center", multialignment="center",
            fontsize=f, color="#555555",
            bbox={"facecolor": "white", "edgecolor": "#bdbdbd", "boxstyle": "round"},
        )  # fmt: skip

    def _legend(self, counterfactual_label: str, show_twin: bool) -> None:
        """(Re)draw the legend above the panels: the groups, and the dashed lines if shown."""
        f = self.font_px
        handles: list = []
        if self.lines:
            for i, g in enumerate(self.groups):
                colour, marker = _group_style(i)
                handles.append(
                    Line2D([], [], color=colour, marker=marker, lw=2.5, ms=f * 0.5, label=g)
                )
        if show_twin:
            handles.append(
                Line2D([], [], color="#222222", lw=2, ls=(0, (4, 2.5)), label=counterfactual_label)
            )
        if self.legend is not None:
            self.legend.remove()
            self.legend = None
        if handles:
            kw = {"frameon": False, "handlelength": 1.6, "columnspacing": 0.8, "handletextpad": 0.3}
            ordered, ncol = legend_columns(handles, self.width_px - f, f, **kw)
            self.legend = self.figure.legend(
                handles=ordered, loc="outside upper center", ncol=ncol, fontsize=f, **kw
            )
        self._legend_key = (counterfactual_label, show_twin)

    # -- data -------------------------------------------------------------------
    def update(
        self,
        df: pd.DataFrame,
        counterfactual: pd.DataFrame | None = None,
        *,
        since_day: float | None = None,
        shocks: Sequence[tuple[float, str]] = (),
        counterfactual_label: str | None = None,
    ) -> None:
        """Show the daily table ``df``, its counterfactual and the shocks.

        Args:
            df: the run's daily table.
            counterfactual: the same run without the latest change (None: no dashed lines).
            since_day: chart position of that change; dashed lines start there.
            shocks: (chart position, kind) of every shock to mark.
            counterfactual_label: new legend words for the dashed lines.
        """
        days = day_axis(df)
        n = len(days)
        twin = counterfactual if counterfactual is not None and len(counterfactual) else None
        if twin is not None:
            twin_days = day_axis(twin)
            # Start one day before the change, where both runs still agree.
            keep = twin_days >= (since_day if since_day is not None else 0.5) - 1.0
            twin = twin.loc[keep]
            twin_days = twin_days[keep]
        legend_key = (counterfactual_label or self._legend_key[0], twin is not None)
        if legend_key != self._legend_key:
            self._legend(*legend_key)

        if "trust" in self.ax:
            values = [column(df, f"trust_mean_{g}") for g in self.groups]
            if twin is not None:
                values += [column(twin, f"trust_mean_{g}") for g in self.groups]
            for g, line in self.lines["trust"].items():
                line.set_data(days, column(df, f"trust_mean_{g}"))
                self.twin_lines["trust"][g].set_data(
                    *(
                        (twin_days, column(twin, f"trust_mean_{g}"))
                        if twin is not None
                        else ([], [])
                    )
                )
            self.ax["trust"].set_ylim(*_trust_limits(values))
        if "reporting" in self.ax:
            for g, line in self.lines["reporting"].items():
                line.set_data(days, 100 * column(df, f"reporting_rate_{g}"))
                self.twin_lines["reporting"][g].set_data(
                    *(
                        (twin_days, 100 * column(twin, f"reporting_rate_{g}"))
                        if twin is not None
                        else ([], [])
                    )
                )
        if "crime" in self.ax:
            edges = np.concatenate([days - 0.5, days[-1:] + 0.5]) if n else np.array([0.5])
            true, reported = column(df, "crimes"), column(df, "crimes_reported")
            self.true_bars.set_data(np.nan_to_num(true), edges)
            self.reported_bars.set_data(np.nan_to_num(reported), edges)
            if twin is not None:
                full = counterfactual if counterfactual is not None else twin
                mean = trailing_mean(column(full, "crimes_reported"), 7)
                keep = day_axis(full) >= (since_day if since_day is not None else 0.5) - 1.0
                self.twin_reported.set_data(day_axis(full)[keep], mean[keep])
            else:
                self.twin_reported.set_data([], [])
            top = np.nanmax(np.concatenate([true, [0.0]])) if n else 0.0
            self.ax["crime"].set_ylim(0, max(top * 1.6, 4.0))  # room for its legend
        if "response" in self.ax:
            reported = np.nancumsum(np.nan_to_num(column(df, "crimes_reported"))) > 0
            response = np.where(reported, column(df, "response_time_median_min"), np.nan)
            self.response_line.set_data(days, response)
            finite = response[np.isfinite(response)]
            self.ax["response"].set_ylim(
                0, max(float(finite.max()) * 1.2 if finite.size else 0, 10)
            )

        # A marker every few days (a shape per group), not on every point.
        every = max(1, n // 6)
        for panel_lines in self.lines.values():
            for i, line in enumerate(panel_lines.values()):
                line.set_markevery((i * every // max(len(self.groups), 1), every))
        right = max(n + 1.5, MIN_DAYS_SHOWN + 0.5)
        for ax in self.ax.values():
            ax.set_xlim(0.5, right)
        for line in self._shock_lines:
            line.remove()
        self._shock_lines = [
            ax.axvline(x, color=SHOCK_COLOURS.get(kind, "#555555"), lw=2, ls=":", alpha=0.9)
            for x, kind in shocks
            for ax in self.ax.values()
        ]
        self.waiting.set_visible(n == 0)

    # -- output -----------------------------------------------------------------
    def min_text_px(self) -> float:
        """Size in pixels of the smallest visible text."""
        return min_text_px(self.figure)

    def to_rgb(self) -> np.ndarray:
        """The charts as an (H, W, 3) uint8 array."""
        self.canvas.draw()
        return np.asarray(self.canvas.buffer_rgba())[..., :3].copy()

    def to_png(self) -> bytes:
        """The charts as PNG bytes."""
        from PIL import Image

        buf = io.BytesIO()
        Image.fromarray(self.to_rgb()).save(buf, format="PNG", compress_level=1)
        return buf.getvalue()


def _group_style(i: int) -> tuple[str, str]:
    return GROUP_COLOURS[i % len(GROUP_COLOURS)], GROUP_MARKERS[i % len(GROUP_MARKERS)]


def _trust_limits(values: list[np.ndarray]) -> tuple[float, float]:
    finite = [v[np.isfinite(v)] for v in values]
    pool = np.concatenate(finite) if finite else np.zeros(0)
    lo, hi = (float(pool.min()), float(pool.max())) if pool.size else (0.4, 0.6)
    pad = max(0.0, TRUST_MIN_SPAN - (hi - lo)) / 2 + 0.02
    return max(0.0, lo - pad), min(1.0, hi + pad)


def _style(ax: Axes, title: str, font_px: float) -> None:
    width_px = ax.figure.get_figwidth() * ax.figure.dpi - 3 * font_px
    ax.set_title(wrap(title, width_px, font_px * 1.1), fontsize=font_px * 1.1, loc="left",
                 pad=font_px * 0.3)  # fmt: skip
    ax.tick_params(labelsize=font_px, length=font_px * 0.3)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
    ax.grid(alpha=0.3, lw=0.6)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
