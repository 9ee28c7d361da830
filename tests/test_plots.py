import itertools

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from commsim import plots, results
from fake_runs import grid_city, write_comparison, write_run


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    root = write_comparison(
        tmp_path_factory.mktemp("cmp"),
        {
            "watch": {"crimes": -100.0, "cost_usd": 250_000.0, "trust_mean": 0.02},
            "hotspot": {"crimes": -40.0, "trust_mean": -0.03},
            "meetings": {"crimes": 1.0, "cost_usd": 50_000.0},
        },
        seeds=range(6),
        noise=5.0,
        days=40,
    )
    runset = results.load_runs(root)
    runs = results.runs_table(runset)
    summary = results.summarize(runs)
    metrics = ["crimes", "crimes_reported", "trust_mean", "reporting_rate"]
    bands = results.timeseries_bands(runs, root, metrics, window=7)
    return root, runs, summary, bands


def _png_ok(path):
    assert path.stat().st_size > 5_000
    with Image.open(path) as img:
        assert img.format == "PNG"
        assert img.size[0] > 400 and img.size[1] > 300


def test_labels_come_from_metric_registry():
    assert plots.metric_label("crimes") == "True crimes (crimes)"
    assert plots.metric_label("crimes", per="day") == "True crimes (crimes per day)"
    assert plots.metric_label("trust_mean", per="day") == "Mean trust in police (0-1)"
    assert plots.metric_unit("response_time_median_min") == "minutes"
    assert "minority" in plots.metric_label("trust_mean_minority")
    assert plots.metric_label("fear_mean_newcomer") == "Mean fear of crime, newcomer (0-1)"
    # Keys the registry does not know still get a readable label.
    assert plots.metric_label("policy.watch_coverage") == "Policy.watch coverage"
    assert plots.metric_label("brand_new_key") == "Brand new key"


def test_strategy_colors_are_stable_and_distinct():
    colors = plots.strategy_colors(["baseline", "a", "b", "c"])
    assert colors["baseline"] == plots.BASELINE_COLOR
    assert len(set(colors.values())) == 4
    assert plots.strategy_colors(["baseline", "a"])["a"] == colors["a"]


def test_crime_over_time(comparison, tmp_path):
    *_, bands = comparison
    fig = plots.crime_over_time(bands)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    # Baseline first, then in the order found (run directories are read in path order).
    assert [ax.get_title() for ax in visible] == ["baseline", "hotspot", "meetings", "watch"]
    assert visible[0].get_ylabel() == "Crimes per day"
    assert all(ax.get_xlabel() == "Day of evaluation window" for ax in visible)
    assert "True vs recorded crime" in fig.get_suptitle()
    legend = fig.legends[0]
    texts = [t.get_text() for t in legend.get_texts()]
    assert any("Recorded crime" in t for t in texts) and any("10-90%" in t for t in texts)
    # Solid true-crime line sits above the dashed recorded line.
    watch = visible[3]
    solid = [ln for ln in watch.get_lines() if ln.get_linestyle() == "-" and ln.get_lw() > 1.5]
    dashed = [ln for ln in watch.get_lines() if ln.get_linestyle() == "--"]
    assert np.mean(solid[0].get_ydata()) > np.mean(dashed[0].get_ydata())
    _png_ok(plots.save_figure(fig, tmp_path / "crime.png"))


def test_trust_reporting_over_time(comparison, tmp_path):
    *_, bands = comparison
    fig = plots.trust_reporting_over_time(bands)
    assert [ax.get_title() for ax in fig.axes] == ["Mean trust in police", "Reporting rate"]
    assert fig.axes[0].get_ylabel() == "Mean trust in police (0-1)"
    # Lines are labelled directly at their ends (no legend), in each line's colour.
    assert not fig.legends
    direct = {t.get_text(): mcolors.to_hex(t.get_color()) for t in fig.axes[0].texts}
    colors = plots.strategy_colors(["baseline", "hotspot", "meetings", "watch"])
    assert direct == {name: colors[name].lower() for name in colors}
    _png_ok(plots.save_figure(fig, tmp_path / "trust.png"))


def test_direct_labels_do_not_overlap():
    placed = plots._spread([0.5, 0.5, 0.51, 0.9], gap=0.05)
    ordered = sorted(placed)
    assert all(b - a >= 0.05 - 1e-9 for a, b in itertools.pairwise(ordered))
    assert placed[3] == pytest.approx(0.9)  # a label far from the others stays put


def test_forest_colours_encode_direction_and_significance(comparison, tmp_path):
    _, _, summary, _ = comparison
    fig = plots.forest(summary, ["crimes", "trust_mean"], ["watch", "hotspot", "meetings"])
    crimes_ax, trust_ax = fig.axes[:2]
    assert crimes_ax.get_title() == "True crimes"
    assert crimes_ax.get_xlabel() == "Change vs baseline (crimes)"
    assert [t.get_text() for t in crimes_ax.get_yticklabels()] == ["watch", "hotspot", "meetings"]

    def markers(ax):
        lines = [ln for ln in ax.get_lines() if ln.get_marker() not in ("None", "", None, "|")]
        return [(mcolors.to_hex(ln.get_color()).upper(), ln.get_marker()) for ln in lines]

    good, bad = (plots.GOOD.upper(), "^"), (plots.BAD.upper(), "v")
    neutral = (plots.NEUTRAL.upper(), "o")
    # watch and hotspot cut crime (CI excludes 0: blue, up); meetings +1 +- noise: grey, hollow.
    assert markers(crimes_ax) == [good, good, neutral]
    # Trust: watch up (blue, up), hotspot down (vermillion, down): shape and colour differ.
    assert markers(trust_ax)[:2] == [good, bad]
    _png_ok(plots.save_figure(fig, tmp_path / "forest.png"))


def test_forest_without_differences_raises(comparison):
    _, runs, _, _ = comparison
    with pytest.raises(ValueError):
        plots.forest(results.summarize(runs, baseline=None))


def test_cost_effectiveness(comparison, tmp_path):
    _, _, summary, _ = comparison
    fig = plots.cost_effectiveness(summary)
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("Extra cost vs baseline")
    assert ax.get_ylabel().startswith("Crimes averted")
    # Each point is labelled beside it: name, then its value for money.
    labels = {t.get_text().split("\n")[0]: t.get_text().split("\n")[1] for t in ax.texts}
    # About 100 crimes (noise sd 5) averted for $250k: about 400 per $1M.
    per_million = float(labels["watch"].split()[0].replace(",", ""))
    assert 360 < per_million < 440
    assert labels["hotspot"] == "same cost as baseline"
    assert labels["meetings"] == "per $1M: unclear"  # +1 crime +- noise: interval spans 0
    _png_ok(plots.save_figure(fig, tmp_path / "cost.png"))


def test_equity(comparison, tmp_path):
    _, _, summary, _ = comparison
    fig = plots.equity(summary)
    assert [ax.get_title() for ax in fig.axes] == [
        "Mean trust in police by group",
        "Victimisation rate by group",
    ]
    assert fig.axes[1].get_ylabel() == "Victimisation rate\n(per 1,000 residents per year)"
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "majority",
        "minority",
        "newcomer",
    ]
    # 4 strategies x 3 groups bars per panel; bar heights are the summary means.
    bars = fig.axes[0].patches
    assert len(bars) == 12
    assert bars[0].get_height() == pytest.approx(0.5)  # baseline, majority
    _png_ok(plots.save_figure(fig, tmp_path / "equity.png"))


def test_hotspot_map(comparison, tmp_path):
    root, runs, _, _ = comparison
    counts = results.place_counts(runs[runs["strategy"].isin(["baseline", "watch"])], root)
    fig = plots.hotspot_map(grid_city(5), counts, ["baseline", "watch"])
    maps = [ax for ax in fig.axes if ax.get_xlabel() == "x (km)"]
    assert len(maps) == 2
    assert maps[0].get_title().startswith("baseline\n")
    assert "crimes per run" in maps[0].get_title()
    colorbar = next(ax for ax in fig.axes if ax not in maps)
    assert colorbar.get_ylabel() == "Crimes at the place per run (mean)"
    _png_ok(plots.save_figure(fig, tmp_path / "map.png"))


def _sweep(tmp_path):
    for cov in (0.0, 0.2, 0.4):
        for fund in (0, 1000):
            for k in range(3):
                write_run(
                    tmp_path / f"{cov}_{fund}_{k}",
                    seed=k,
                    days=3,
                    overrides=[f"policy.watch_coverage={cov}", f"policy.funding={fund}"],
                    summary={"crimes": 100 - 100 * cov - fund / 100 + k, "trust_mean": 0.5},
                )
    return results.runs_table(results.load_runs(tmp_path))


def test_sweep_line(tmp_path):
    runs = _sweep(tmp_path)
    summary = results.summarize(runs, by=["strategy", "policy.watch_coverage"], baseline=None)
    fig = plots.sweep_line(summary, "policy.watch_coverage", "crimes")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "policy.watch_coverage"
    assert ax.get_ylabel() == "True crimes (crimes)"
    assert "95% CI over 6 replicates" in ax.get_title()
    line = ax.get_lines()[0]
    assert list(line.get_xdata()) == [0.0, 0.2, 0.4]
    assert list(line.get_ydata()) == pytest.approx([96.0, 76.0, 56.0])
    _png_ok(plots.save_figure(fig, tmp_path / "line.png"))


def test_sweep_heatmap(tmp_path):
    runs = _sweep(tmp_path)
    by = ["strategy", "policy.watch_coverage", "policy.funding"]
    summary = results.summarize(runs, by=by, baseline=None)
    fig = plots.sweep_heatmap(summary, "policy.watch_coverage", "policy.funding", "crimes")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "policy.watch_coverage" and ax.get_ylabel() == "policy.funding"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "0.2", "0.4"]
    cells = sorted(float(t.get_text()) for t in ax.texts)
    assert cells == pytest.approx(sorted([101, 81, 61, 91, 71, 51]))
    assert fig.axes[1].get_ylabel() == "True crimes (crimes)"  # colorbar
    _png_ok(plots.save_figure(fig, tmp_path / "heat.png"))


def test_sweep_unknown_outcome_raises(tmp_path):
    runs = _sweep(tmp_path)
    summary = results.summarize(runs, by=["policy.watch_coverage"], baseline=None)
    with pytest.raises(ValueError, match="not in summary"):
        plots.sweep_line(summary, "policy.watch_coverage", "nope")


def test_plots_take_plain_frames():
    # Tidy frames built by hand (no run directories) are enough.
    bands = pd.DataFrame(
        {
            "strategy": "baseline",
            "metric": "crimes",
            "day": range(5),
            "mean": 1.0,
            "q_low": 0.5,
            "q_high": 1.5,
        }
    )
    fig = plots.crime_over_time(bands)
    assert fig.axes[0].get_title() == "baseline"


def _boundary_texts(ax):
    return sorted(t.get_text() for t in ax.texts)


def test_hotspot_map_draws_the_city_neighbourhoods(comparison, tmp_path):
    from commsim.city import build_city
    from commsim.geometry import Boundary
    from commsim.params import CityConfig

    root, runs, _, _ = comparison
    counts = results.place_counts(runs[runs["strategy"] == "baseline"], root)
    city = build_city(CityConfig(places=60, neighborhoods=3), np.random.default_rng(0))
    fig = plots.hotspot_map(city.graph, counts, ["baseline"])
    ax = fig.axes[0]
    assert _boundary_texts(ax) == ["0", "1", "2"]
    dashed = [c for c in ax.collections if c.get_linestyle()[0][1] is not None]
    assert len(dashed) == 1 and len(dashed[0].get_segments()) == 3
    _png_ok(plots.save_figure(fig, tmp_path / "hulls.png"))
    # Real polygons and names win over hulls.
    square = np.array([[0, 0], [9000, 0], [9000, 9000], [0, 9000], [0, 0]], float)
    given = [
        Boundary("Loop", (square,), np.array([4500.0, 4500.0])),
        Boundary("Pilsen", (square + 100, square + 300), np.array([10.0, 10.0])),
    ]
    fig = plots.hotspot_map(city.graph, counts, ["baseline"], boundaries=given)
    ax = fig.axes[0]
    assert _boundary_texts(ax) == ["Loop", "Pilsen"]
    dashed = [c for c in ax.collections if c.get_linestyle()[0][1] is not None]
    assert len(dashed[0].get_segments()) == 3
    assert ax.get_xlim()[1] >= 9.0  # the polygons are in view (km)


def test_hotspot_map_outlines_follow_the_graph_neighbourhoods(comparison):
    root, runs, _, _ = comparison
    counts = results.place_counts(runs[runs["strategy"] == "baseline"], root)
    graph = grid_city(4)
    assert _boundary_texts(plots.hotspot_map(graph, counts, ["baseline"]).axes[0]) == [
        "0",
        "1",
        "2",
        "3",
    ]
    for _, data in graph.nodes(data=True):
        del data["neighborhood"]
    assert _boundary_texts(plots.hotspot_map(graph, counts, ["baseline"]).axes[0]) == ["0"]
