"""The dashboard's charts and map colours: sizes in pixels, dashed counterfactuals, scales."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba

from commsim.citymap import SCALES, legend_columns, min_text_px, trust_scale, wrap
from commsim.livecharts import GROUP_COLOURS, ChartsPainter, chart_table, trailing_mean

GROUPS = ["majority", "minority", "newcomer"]


def _daily(n: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    days = np.arange(n)
    out = {"day": days, "crimes": rng.integers(0, 6, n), "crimes_reported": rng.integers(0, 3, n)}
    for i, g in enumerate(GROUPS):
        out[f"trust_mean_{g}"] = 0.6 - 0.08 * i + np.where(days >= 5, shift, 0.0)
        out[f"reporting_rate_{g}"] = np.full(n, 0.5 + 0.05 * i)
    out["trust_mean"] = np.full(n, 0.5)
    out["reporting_rate"] = np.full(n, 0.5)
    out["response_time_median_min"] = np.full(n, 12.0)
    return pd.DataFrame(out)


@pytest.mark.parametrize(("width", "height", "font"), [(372, 675, 18), (775, 987, 24)])
def test_charts_are_drawn_at_the_size_and_text_size_asked(width, height, font):
    charts = ChartsPainter(GROUPS, width_px=width, height_px=height, font_px=font,
                           panels=("trust", "reporting", "crime"))  # fmt: skip
    charts.update(_daily(20), _daily(20, shift=0.1), since_day=5.5, shocks=[(5.5, "misconduct")])
    image = charts.to_rgb()
    assert image.shape == (height, width, 3)
    assert charts.min_text_px() == pytest.approx(font)
    # The legend and every title fit inside the figure.
    renderer = charts.figure.canvas.get_renderer()
    for artist in [charts.legend, *(ax.title for ax in charts.ax.values())]:
        box = artist.get_window_extent(renderer)
        assert box.x0 >= -0.5 and box.x1 <= width + 0.5, artist


def test_counterfactual_is_dashed_from_the_change_on_and_absent_without_a_twin():
    charts = ChartsPainter(GROUPS, width_px=600, height_px=600, font_px=14)
    charts.update(_daily(20), _daily(20, shift=0.1), since_day=10.5)
    twin = charts.twin_lines["trust"]["minority"]
    assert twin.get_linestyle() == "--"
    xs = twin.get_xdata()
    assert xs.min() == pytest.approx(10.0)  # from the day before the change
    assert len(xs) == 11
    assert to_rgba(twin.get_color()) == to_rgba(GROUP_COLOURS[1])
    labels = [t.get_text() for t in charts.legend.get_texts()]
    assert "no change" in labels
    charts.update(_daily(20))
    assert len(charts.twin_lines["trust"]["minority"].get_xdata()) == 0
    assert "no change" not in [t.get_text() for t in charts.legend.get_texts()]


def test_chart_table_computes_per_group_reporting_only_when_missing():
    daily = _daily(3).drop(columns=[f"reporting_rate_{g}" for g in GROUPS[1:]])
    events = pd.DataFrame(
        {"day": [0] * 6, "victim_group": ["minority"] * 6, "reported": [True] * 3 + [False] * 3}
    )
    table = chart_table(daily, events, GROUPS)
    assert table["reporting_rate_majority"].tolist() == daily["reporting_rate_majority"].tolist()
    assert table["reporting_rate_minority"].tolist() == [0.5, 0.5, 0.5]
    assert table["reporting_rate_newcomer"].isna().all()


def test_trailing_mean():
    np.testing.assert_allclose(trailing_mean(np.array([2, 4, 6, 8.0]), 2), [2, 3, 5, 7])


def test_trust_scale_spans_the_citys_spread_so_a_drop_shows():
    start = np.array([0.48, 0.5, 0.52, 0.55, 0.58, np.nan, 0.0])
    scale = trust_scale(start)
    assert scale.vmin <= 0.48 - 0.15 + 1e-9 and scale.vmax >= 0.58
    assert scale.vmax - scale.vmin <= 0.35  # a fall of 0.15 is about half the scale
    assert SCALES["trust_change"].vmin == -SCALES["trust_change"].vmax  # centred on no change


def test_legend_rows_fit_the_width():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], label=text) for text in ("majority", "minority", "newcomer", "x")]
    _, wide = legend_columns(handles, 2000, 18)
    _, narrow = legend_columns(handles, 300, 18)
    assert wide == 4 and 1 <= narrow < 4
    order, ncol = legend_columns(handles, 300, 18)
    fig = Figure(figsize=(300 / 72, 3), dpi=72)
    legend = fig.legend(handles=order, ncol=ncol, fontsize=18)
    assert legend.get_window_extent(FigureCanvasAgg(fig).get_renderer()).width <= 300


def test_wrap_and_min_text():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    assert max(len(line) for line in wrap("a " * 60, 200, 20).splitlines()) <= 18

    fig = Figure(dpi=72)
    FigureCanvasAgg(fig)
    fig.text(0.1, 0.1, "big", fontsize=30)
    fig.text(0.1, 0.5, "small", fontsize=11)
    fig.text(0.1, 0.8, "", fontsize=2)  # empty text is not text
    assert min_text_px(fig) == pytest.approx(11)
