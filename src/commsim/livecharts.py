"""Charts of one running model's daily metrics, for the dashboard and animations.

The input is the model's daily table (``model.datacollector.get_model_vars_dataframe()``:
one row per evaluated day, columns named by the metric keys). The charts never
touch the model itself. :class:`ChartsPainter` keeps one figure and only swaps
the data, so redrawing it every simulated day stays cheap.

Examples:
    >>> charts = ChartsPainter(["majority", "minority", "newcomer"])
    >>> charts.update(daily, shocks=[(3.5, "misconduct")])
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
from matplotlib.ticker import MaxNLocator

GROUP_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02")
SHOCK_COLOURS = {"misconduct": "#c62828", "community_event": "#2e7d32"}
SHOCK_LABELS = {"misconduct": "Misconduct incident", "community_event": "Community event"}
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


def _top(*arrays: np.ndarray, default: float = 1.0) -> float:
    finite = [a[np.isfinite(a)] for a in arrays]
    values = np.concatenate(finite) if finite else np.zeros(0)
    return float(values.max()) if values.size else default


class ChartsPainter:
    """The dashboard's four charts in one reusable figure (2 x 2).

    True vs recorded crime per day; mean trust by group; reporting rate; police
    response time. Shocks are marked with dashed lines (red: misconduct, green:
    community event).

    Args:
        groups: resident group names (one trust line each).
        figsize: figure size in inches.
        dpi: resolution.
    """

    def __init__(
        self, groups: Sequence[str], *, figsize: tuple[float, float] = (7.2, 6.2), dpi: int = 90
    ) -> None:
        self.groups = list(groups)
        self.figure = Figure(figsize=figsize, dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        axes = self.figure.subplots(2, 2)
        self.figure.subplots_adjust(
            left=0.09, right=0.98, top=0.94, bottom=0.08, hspace=0.34, wspace=0.28
        )
        self.ax_crime, self.ax_trust, self.ax_report, self.ax_response = axes.ravel()
        self._shock_lines: list = []
        self._setup()

    def _setup(self) -> None:
        empty = np.zeros(0)
        ax = self.ax_crime
        self.true_bars = ax.stairs(empty, [0.5], fill=True, color="#fdae6b", label="True crimes")
        self.reported_bars = ax.stairs(
            empty, [0.5], fill=True, color="#a63603", label="Reported to police"
        )
        _style(ax, "True vs recorded crime", "crimes per day")
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        ax.legend(fontsize=7, loc="upper left", frameon=False)

        ax = self.ax_trust
        self.trust_lines = {}
        for i, group in enumerate(self.groups):
            colour = GROUP_COLOURS[i % len(GROUP_COLOURS)]
            (self.trust_lines[group],) = ax.plot(
                [], [], color=colour, lw=1.8, marker=".", ms=3, label=group
            )
        (self.trust_all,) = ax.plot([], [], color="black", lw=1.0, ls=":", label="everyone")
        _style(ax, "Trust in police by group", "mean trust (0-1)")
        ax.legend(fontsize=7, loc="best", frameon=False, ncol=2)

        ax = self.ax_report
        (self.report_line,) = ax.plot([], [], color="#08519c", lw=1.8, marker=".", ms=3)
        ax.set_ylim(0, 100)
        _style(ax, "Reporting rate (last 28 days)", "% of crimes reported")

        ax = self.ax_response
        (self.response_line,) = ax.plot([], [], color="#54278f", lw=1.8, marker=".", ms=3)
        _style(ax, "Police response time (last 28 days)", "median minutes")

        for ax in (self.ax_report, self.ax_response):
            ax.set_xlabel("day", fontsize=8)
        self.waiting = self.figure.text(
            0.5, 0.5, "The charts start when the first day ends.", ha="center", va="center",
            fontsize=11, color="#757575",
            bbox={"facecolor": "white", "edgecolor": "#bdbdbd", "boxstyle": "round"},
        )  # fmt: skip

    def update(self, df: pd.DataFrame, shocks: Sequence[tuple[float, str]] = ()) -> None:
        """Show the daily table ``df`` and mark ``shocks`` ((x position, kind) pairs)."""
        days = day_axis(df)
        n = len(days)
        edges = np.concatenate([days - 0.5, days[-1:] + 0.5]) if n else np.array([0.5])
        true, reported = column(df, "crimes"), column(df, "crimes_reported")
        self.true_bars.set_data(np.nan_to_num(true), edges)
        self.reported_bars.set_data(np.nan_to_num(reported), edges)
        self.ax_crime.set_ylim(0, max(_top(true, reported, default=0.0) * 1.15, 4.0))

        lows, highs = [], []
        for group, line in self.trust_lines.items():
            values = column(df, f"trust_mean_{group}")
            line.set_data(days, values)
            lows.append(np.nanmin(values) if np.isfinite(values).any() else np.nan)
            highs.append(np.nanmax(values) if np.isfinite(values).any() else np.nan)
        overall = column(df, "trust_mean")
        self.trust_all.set_data(days, overall)
        lo = np.nanmin(lows) if np.isfinite(lows).any() else 0.4
        hi = np.nanmax(highs) if np.isfinite(highs).any() else 0.6
        pad = max(0.0, TRUST_MIN_SPAN - (hi - lo)) / 2 + 0.02
        self.ax_trust.set_ylim(max(0.0, lo - pad), min(1.0, hi + pad))

        # The model carries rates forward as 0 before the first crime; show no line instead.
        seen_crime = np.nancumsum(np.nan_to_num(true)) > 0
        seen_report = np.nancumsum(np.nan_to_num(reported)) > 0
        rate = np.where(seen_crime, 100 * column(df, "reporting_rate"), np.nan)
        self.report_line.set_data(days, rate)
        response = np.where(seen_report, column(df, "response_time_median_min"), np.nan)
        self.response_line.set_data(days, response)
        self.ax_response.set_ylim(0, max(_top(response, default=0.0) * 1.2, 10.0))

        # Leave room for the day in progress: a shock pressed today is drawn there.
        right = max(n + 1.5, MIN_DAYS_SHOWN + 0.5)
        for ax in (self.ax_crime, self.ax_trust, self.ax_report, self.ax_response):
            ax.set_xlim(0.5, right)
        for line in self._shock_lines:
            line.remove()
        self._shock_lines = [
            ax.axvline(x, color=SHOCK_COLOURS.get(kind, "#555555"), lw=1.3, ls="--", alpha=0.85)
            for x, kind in shocks
            for ax in (self.ax_crime, self.ax_trust, self.ax_report, self.ax_response)
        ]
        self.waiting.set_visible(n == 0)

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


def _style(ax: Axes, title: str, ylabel: str) -> None:
    ax.set_title(title, fontsize=10, loc="left", y=1.0, pad=4)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.tick_params(labelsize=8)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5))
    ax.grid(alpha=0.3, lw=0.5)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
