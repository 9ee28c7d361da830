"""``commsim bench``: what it measures and how it reports it (never how fast it is)."""

import json

import pytest

from commsim import bench


def test_time_commsim_counts_residents_and_officers_for_every_tick():
    r = bench.time_commsim(["city=small", "days=2", "warmup_days=1"])
    assert r["ticks"] == 24 * 3
    assert r["agents"] == r["residents"] + r["officers"] and r["residents"] == 500
    assert r["agent_ticks_per_s"] == pytest.approx(r["agents"] * r["ticks"] / r["seconds"])
    assert r["total_seconds"] == pytest.approx(r["build_seconds"] + r["seconds"])


def _fake(points):
    scaling = {
        str(n): {"us_per_agent_tick": ns / 1000, "seconds": s, "total_seconds": s + 1,
                 "build_seconds": 1.0, "ticks": 10_200, "peak_mb": mb, "places": n // 20}
        for n, ns, s, mb in points
    }  # fmt: skip
    return {
        "epstein": {"agents": 1200, "steps": 100, "seconds": 4.0, "agent_steps_per_s": 30_000.0},
        "commsim_default": {"agents": 5012, "ticks": 10_200, "seconds": 3.0,
                            "agent_ticks_per_s": 17e6},
        "ratio": 17e6 / 30_000,
        "scaling": scaling,
        "scaling_growth": bench.growth(scaling),
    }  # fmt: skip


def test_growth_is_largest_over_smallest_point():
    r = _fake([(1_000_000, 15.0, 150, 1100), (5_000, 60.0, 3, 200), (100_000, 25.0, 28, 450)])
    assert r["scaling_growth"] == pytest.approx(0.25)
    text = bench.format_report(r)
    assert "growth 5,000 -> 1,000,000: 0.25x" in text
    assert text.index("  5,000 residents") < text.index("1,000,000 residents")


def test_scale_figure_is_written(tmp_path):
    r = _fake([(5_000, 60.0, 3, 200), (1_000_000, 15.0, 150, 1100)])
    path = bench.scale_figure(r, tmp_path / "fig" / "scale.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_figure_without_scaling_points_is_refused(capsys):
    assert bench.main(["--no-scaling", "--figure", "x.png"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_unknown_option_is_one_line(capsys):
    assert bench.main(["--frobnicate"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("commsim: error:") and err.count("\n") == 1


def test_scale_point_runs_in_a_subprocess_and_reads_its_memory(monkeypatch):
    monkeypatch.setitem(bench.SCALE_POINTS, 500, ["city=small", "days=1", "warmup_days=1"])
    r = bench._scale_point(500, [])
    assert r["residents"] == 500 and r["peak_mb"] > 0
    json.dumps(r)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--save", "{tmp}/nowhere/r.json"], "--save={tmp}/nowhere/r.json: the folder "
         "{tmp}/nowhere does not exist"),
        (["--save", "{tmp}"], "--save={tmp}: is a folder; give a file name, e.g. {tmp}/bench.json"),
        (["--figure", "{tmp}/f.txt/s.png"], "--figure={tmp}/f.txt/s.png: the folder {tmp}/f.txt: "
         "is a file, not a folder"),
    ],
)  # fmt: skip
def test_an_output_that_cannot_be_written_stops_before_the_benchmark(
    tmp_path, monkeypatch, capsys, args, message
):
    def never(*args, **kwargs):
        raise AssertionError("the benchmark started")

    monkeypatch.setattr(bench, "time_epstein", never)
    (tmp_path / "f.txt").write_text("x")
    assert bench.main([a.format(tmp=tmp_path) for a in args]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        f"commsim: error: {message.format(tmp=tmp_path)}"
    ]


def test_a_full_disk_at_the_end_is_one_line_and_the_results_are_shown(
    tmp_path, monkeypatch, capsys
):
    import errno

    from commsim import store

    fake = _fake([(5_000, 60.0, 3, 200)])
    monkeypatch.setattr(bench, "time_epstein", lambda: fake["epstein"])
    monkeypatch.setattr(bench, "time_commsim", lambda *a, **k: fake["commsim_default"])

    def full(path, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(store, "atomic_write", full)
    save = tmp_path / "r.json"
    assert bench.main(["--no-scaling", "--json", "--save", str(save)]) == 1
    out = capsys.readouterr()
    assert json.loads(out.out)["ratio"] == pytest.approx(fake["ratio"])  # nothing is lost
    assert out.err.strip().splitlines() == [
        f"commsim: error: results not saved: disk full: no space left to write {save}"
    ]
