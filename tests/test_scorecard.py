"""The decision scorecard: words, annual costs, value for money, ranking, the page and PDF."""

import re

import numpy as np
import pandas as pd
import pytest

from commsim import report, results, scorecard
from commsim.scorecard import certainty
from fake_runs import grid_city, write_comparison


@pytest.mark.parametrize(
    ("key", "diff", "low", "high", "base", "word"),
    [
        ("trust_mean", 0.05, 0.03, 0.07, np.nan, "clear benefit"),  # whole CI above 0.02
        ("trust_mean", 0.03, 0.01, 0.05, np.nan, "likely benefit"),  # excludes 0, not 0.02
        ("trust_mean", 0.015, 0.005, 0.025, np.nan, "small benefit"),  # estimate below 0.02
        ("trust_mean", 0.01, 0.005, 0.015, np.nan, "no meaningful change"),  # real but tiny
        ("trust_mean", 0.001, -0.01, 0.012, np.nan, "no meaningful change"),
        ("trust_mean", 0.01, -0.03, 0.05, np.nan, "unclear"),
        ("trust_mean", -0.05, -0.07, -0.03, np.nan, "clear harm"),
        ("trust_mean", -0.03, -0.05, -0.01, np.nan, "likely harm"),
        ("trust_mean", -0.015, -0.025, -0.005, np.nan, "small harm"),
        # Crime: lower is better; the smallest change is 5% of the baseline level.
        ("crimes", -100.0, -150.0, -60.0, 1000.0, "clear benefit"),
        ("crimes", -100.0, -150.0, -20.0, 1000.0, "likely benefit"),
        ("crimes", -20.0, -45.0, 5.0, 1000.0, "no meaningful change"),
        ("crimes", -20.0, -90.0, 50.0, 1000.0, "unclear"),
        ("crimes", 80.0, 60.0, 100.0, 1000.0, "clear harm"),
        ("crimes", -1.0, np.nan, np.nan, 1000.0, "too few runs"),
        ("crimes_reported", 10.0, 5.0, 15.0, 100.0, "higher"),  # no better side
    ],
)
def test_certainty_words(key, diff, low, high, base, word):
    assert certainty(key, diff, low, high, base) == word


def test_smallest_change_comes_from_the_registry():
    assert scorecard.smallest_change("trust_mean_minority") == pytest.approx(0.02)
    assert scorecard.smallest_change("crimes", 800.0) == pytest.approx(40.0)
    assert scorecard.smallest_change("crimes") is None  # share of an unknown level
    assert scorecard.smallest_change("not_an_outcome") is None


def _summary(tmp_path, seeds=range(6), days=30, noise=3.0):
    root = write_comparison(
        tmp_path / "runs",
        {
            "watch": {"crimes": -100.0, "cost_usd": 250_000.0, "trust_mean": 0.05},
            "meetings": {"crimes": -1.0, "cost_usd": 10_000.0},
            "hotspot": {"crimes": -60.0, "trust_mean": -0.05},
        },
        seeds=seeds,
        noise=noise,
        days=days,
    )
    runs = results.runs_table(results.load_runs(root))
    return root, results.summarize(runs)


def test_costs_are_per_year_and_value_is_unclear_when_crime_is(tmp_path):
    _, summary = _summary(tmp_path, days=30)
    card = scorecard.build_scorecard(summary, days=30)
    by = {c.strategy: c for c in card.cards}
    # $250k over a 30-day window is about $3.04M a year.
    assert by["watch"].cost_year == pytest.approx(250_000 * 365 / 30)
    assert by["watch"].extra_cost_year == pytest.approx(250_000 * 365 / 30)
    # The per-$1M figure is the same whether both are per window or per year.
    assert by["watch"].per_1m[0] == pytest.approx(400, rel=0.05)
    assert by["watch"].value_text == ""
    assert by["meetings"].effects["crimes"].word in ("unclear", "no meaningful change")
    assert by["meetings"].value_text == "unclear"
    assert by["hotspot"].value_text == "no extra cost"
    assert by["watch"].effects["trust_mean"].word == "clear benefit"
    assert by["hotspot"].effects["trust_mean"].word == "clear harm"


def test_ranking_follows_the_chosen_criterion(tmp_path):
    _, summary = _summary(tmp_path)
    by_crime = scorecard.build_scorecard(summary, days=30)
    assert [c.strategy for c in by_crime.cards] == ["watch", "hotspot", "meetings"]
    assert [c.rank for c in by_crime.cards] == [1, 2, 3]
    assert by_crime.criterion.startswith("the cut in true crime")
    by_trust = scorecard.build_scorecard(summary, days=30, rank_by="trust_mean")
    trust_order = [c.strategy for c in by_trust.cards]
    assert (trust_order[0], trust_order[-1]) == ("watch", "hotspot")
    by_cost = scorecard.build_scorecard(summary, days=30, rank_by="cost")
    assert [c.strategy for c in by_cost.cards] == ["hotspot", "meetings", "watch"]
    # Value: a clear crime cut at no extra cost first, then crimes averted per $1M.
    by_value = scorecard.build_scorecard(summary, days=30, rank_by="value")
    assert [c.strategy for c in by_value.cards] == ["hotspot", "watch", "meetings"]
    with pytest.raises(ValueError, match="--rank-by=nonsense: choose"):
        scorecard.build_scorecard(summary, days=30, rank_by="nonsense")
    with pytest.raises(ValueError, match="--rank-by=crimes_reported"):
        scorecard.check_rank_by("crimes_reported")  # no better side: cannot rank


def test_warning_when_replicates_are_too_few(tmp_path):
    _, few = _summary(tmp_path / "few", seeds=range(3))
    card = scorecard.build_scorecard(few, days=30)
    assert card.replicates == 3
    assert any("Only 3 paired replicate(s)" in w for w in card.warnings)
    _, enough = _summary(tmp_path / "enough", seeds=range(12))
    assert scorecard.build_scorecard(enough, days=30).warnings == []


def test_count_intervals_never_go_below_zero(tmp_path):
    from fake_runs import write_run

    for k, crimes in enumerate([1.0, 0.0, 40.0]):  # skewed: a t interval goes below zero
        write_run(tmp_path / f"seed_{k}", seed=k, days=3, summary={"crimes": crimes})
    runs = results.runs_table(results.load_runs(tmp_path))
    row = results.summarize(runs).set_index("outcome").loc["crimes"]
    assert row["ci_low"] == 0.0 and row["ci_truncated"]
    assert row["ci_high"] > row["mean"] > 0


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    root = tmp_path_factory.mktemp("sc")
    runs, _ = _summary(root, seeds=range(4), days=15)
    out = root / "report"
    rep = report.build_report(runs, out, graph=grid_city(5), rank_by="value")
    return out, rep


def test_report_opens_with_the_scorecard(page):
    out, rep = page
    html = (out / "report.html").read_text()
    assert html.index("Scorecard: what each strategy does") < html.index("About these runs")
    assert "Ranked by <b>crimes averted per $1M a year" in html
    assert "Warning:</b> Only 4 paired replicate(s)" in html
    assert "What this model cannot tell you" in html
    assert "the 15-day evaluation window scaled to 365 days" in html
    # Every effect cell carries a word and a symbol; colour is never the only cue.
    for word in ("clear benefit", "clear harm"):
        assert re.search(rf"[▲▼△▽=?] {word}", html)
    md = (out / "report.md").read_text()
    assert md.startswith("# commsim report") and "## Scorecard" in md
    assert "| 1 | **Hotspot**" in md  # ranked by value: a clear cut at no extra cost first
    assert rep.scorecard is not None and rep.scorecard.rank_by == "value"


def test_report_names_the_validation_and_model_docs(page):
    out, _ = page
    html = (out / "report.html").read_text()
    links = dict(re.findall(r'<a href="([^"]+)">docs/(\w+)\.md</a>', html))
    assert set(links.values()) == {"validation", "model"}
    for href in links:
        assert (out / href).resolve().is_file()


def test_scorecard_pdf_is_one_page(page):
    out, _ = page
    data = (out / "scorecard.pdf").read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", data)) == 1


def test_figures_come_as_png_svg_and_pdf(page):
    out, rep = page
    for name in rep.figures.values():
        stem = (out / name).stem
        for suffix in (".png", ".svg", ".pdf"):
            assert (out / f"{stem}{suffix}").stat().st_size > 1000, f"{stem}{suffix}"


def test_hotspot_map_states_the_tables_statistic(page):
    out, rep = page
    summary = pd.read_csv(out / "summary.csv")
    share = summary[
        (summary["strategy"] == "baseline") & (summary["outcome"] == "crime_concentration_top5")
    ]
    # The fake runs record no concentration; the figure then says how it computed its own.
    assert share.empty
    assert "map" in rep.figures


def test_bad_rank_by_is_one_line(tmp_path, capsys):
    runs, _ = _summary(tmp_path, seeds=range(2), days=5)
    assert report.main([str(runs), "--rank-by", "nonsense"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("commsim: error: --rank-by=nonsense")
