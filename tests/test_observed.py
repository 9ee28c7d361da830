"""Observed crime beside simulated: reading a user's counts, the rank correlation, the report."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from commsim import observed as obs
from commsim.city import CityConfig, city_for
from commsim.compare import main as compare_main
from commsim.report import main as report_main

CITY = ["city=small", "city.neighborhoods=6", "city.residents=3000", "days=90", "warmup_days=10"]


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    """Two strategies x two replicates on a six-neighbourhood city."""
    out = tmp_path_factory.mktemp("observed") / "cmp"
    code = compare_main(
        ["--strategies", "baseline,neighborhood_watch", "--replicates", "2", "--out", str(out),
         "--quiet", "--jobs", "1", *CITY]
    )  # fmt: skip
    assert code == 0
    return out


@pytest.fixture(scope="module")
def city():
    return city_for(CityConfig(kind="neighborhoods", places=120, neighborhoods=6, residents=3000))


def simulated(out, strategy="baseline"):
    frames = [
        pd.read_parquet(out / "runs" / strategy / f"seed_{s}" / "neighborhoods.parquet")
        for s in (0, 1)
    ]
    return (frames[0]["crimes_recorded"] + frames[1]["crimes_recorded"]) / 2


def report_with(comparison, report, path):
    return report_main([str(comparison / "runs"), "--out", str(report), "--observed", str(path)])


def write(path, text):
    path.write_text(text)
    return path


def test_counts_by_id_or_name_are_read(tmp_path, city):
    path = write(tmp_path / "c.csv", "Neighbourhood, Recorded\n0,12\n1,3.5\n2,0\n5,40\n")
    table = obs.read_observed(path, city)
    assert table["neighborhood"].tolist() == [0, 1, 2, 5]
    assert table["observed"].tolist() == [12.0, 3.5, 0.0, 40.0]
    assert table["neighborhood_id"].tolist() == ["0", "1", "2", "5"]


def test_spearman_matches_scipy_with_a_fisher_interval():
    rng = np.random.default_rng(3)
    x = rng.random(30)
    y = x + rng.normal(0, 0.3, 30)
    rho, lo, hi = obs.spearman(x, y)
    assert rho == pytest.approx(stats.spearmanr(x, y).statistic)
    half = 1.959964 * math.sqrt(1.06 / 27)
    assert lo == pytest.approx(math.tanh(math.atanh(rho) - half), rel=1e-5)
    assert hi == pytest.approx(math.tanh(math.atanh(rho) + half), rel=1e-5)
    assert lo < rho < hi
    # More neighbourhoods, a narrower interval.
    x2, y2 = np.tile(x, 4), np.tile(y, 4)
    _, lo2, hi2 = obs.spearman(x2 + rng.normal(0, 1e-9, 120), y2)
    assert hi2 - lo2 < hi - lo
    assert all(math.isnan(v) for v in obs.spearman(np.ones(6), np.arange(6)))


def test_report_sets_observed_beside_simulated(comparison, tmp_path, capsys):
    sim = simulated(comparison)
    assert sim.sum() > 0 and sim.nunique() > 2
    # Observed = the model's own ranking: a perfect rank correlation.
    rows = "\n".join(f"{k},{3 * v + 1}" for k, v in enumerate(sim))
    path = write(tmp_path / "same.csv", f"neighborhood,crimes\n{rows}\n")
    report = tmp_path / "rep"
    assert report_with(comparison, report, path) == 0
    table = pd.read_csv(report / obs.TABLE_FILE)
    assert len(table) == 6
    assert table.set_index("neighborhood")["simulated"].sort_index().tolist() == pytest.approx(
        sim.tolist()
    )
    text = (report / "report.md").read_text()
    assert "## Observed vs simulated recorded crime" in text
    assert "rank correlation is 1.00" in text
    for name in (obs.SCATTER_FILE, obs.MAP_FILE):
        assert (report / name).read_bytes()[:4] == b"\x89PNG"
    # Reversed ranking: a negative correlation, and the biggest gaps listed first.
    rows = "\n".join(f"{k},{100 - v}" for k, v in enumerate(sim))
    path = write(tmp_path / "reversed.csv", f"id,recorded\n{rows}\n")
    assert report_with(comparison, report, path) == 0
    table = pd.read_csv(report / obs.TABLE_FILE)
    rho = stats.spearmanr(table["observed"], table["simulated"]).statistic
    assert rho < 0 and f"rank correlation is {rho:.2f}" in (report / "report.md").read_text()
    assert table["rank_gap"].abs().is_monotonic_decreasing


def test_neighbourhoods_missing_from_the_file_are_left_out(comparison, tmp_path):
    sim = simulated(comparison)
    rows = "\n".join(f"{k},{v}" for k, v in list(enumerate(sim))[:4])
    path = write(tmp_path / "four.csv", f"neighborhood,recorded\n{rows}\n")
    report = tmp_path / "rep"
    assert report_with(comparison, report, path) == 0
    assert len(pd.read_csv(report / obs.TABLE_FILE)) == 4
    assert "2 neighbourhood(s) not in the file are left out" in (report / "report.md").read_text()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "file not found"),
        ("place,recorded\n1,2\n", "no neighbourhood column"),
        ("neighborhood,total\n1,2\n", "no count column"),
        ("neighborhood,recorded\n0,1\n1,many\n2,3\n3,4\n", "row 3: recorded='many'"),
        ("neighborhood,recorded\n0,1\n1,-2\n2,3\n3,4\n", "row 3: recorded='-2'"),
        ("neighborhood,recorded\n0,1\n1,inf\n2,3\n3,4\n", "is not a non-negative number"),
        ("neighborhood,recorded\n0,1\nHyde Park,2\n2,3\n3,4\n", "unknown neighbourhood"),
        ("neighborhood,recorded\n0,1\n1,2\n1,3\n3,4\n", "row 4: neighbourhood '1' appears more"),
        ("neighborhood,recorded\n0,1\n1,2\n", "a rank correlation needs at least 4"),
        ("neighborhood,recorded\n", "no rows"),
        ('neighborhood,recorded\n"0,1\n', "not a readable CSV"),
    ],
)
def test_bad_files_are_one_line_and_exit_2(comparison, tmp_path, capsys, text, message):
    path = tmp_path / "bad.csv"
    if text is not None:
        path.write_text(text)
    code = report_main([str(comparison / "runs"), "--out", str(tmp_path / "r"), "--observed",
                        str(path)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("commsim: error: --observed=")
    assert message in err
    assert not (tmp_path / "r" / "report.md").exists()


def test_compare_checks_the_file_before_running(tmp_path, capsys):
    path = write(tmp_path / "bad.csv", "neighborhood,recorded\n0,1\nnowhere,2\n2,3\n3,4\n")
    out = tmp_path / "cmp"
    code = compare_main(["--replicates", "1", "--out", str(out), "--observed", str(path), *CITY])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "unknown neighbourhood" in err
    assert not (out / "runs").exists()
