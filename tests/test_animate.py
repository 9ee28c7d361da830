"""`commsim animate`: a GIF or MP4 of the city map over time; the map painter."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from commsim import animate
from commsim.citymap import CityLayout, MapFrame, MapPainter, clock_text


def _frames(path) -> list[np.ndarray]:
    with Image.open(path) as gif:
        out = []
        for i in range(gif.n_frames):
            gif.seek(i)
            out.append(np.asarray(gif.convert("RGB")))
    return out


def test_writes_a_gif_with_several_frames(tmp_path, capsys):
    out = tmp_path / "slides" / "baseline.gif"
    code = animate.main(["city=small", "--out", str(out), "--days", "2", "--every", "12"])
    assert code == 0
    with Image.open(out) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == 5  # hours 0, 12, 24, 36, 48
        assert gif.width > gif.height > 300
    frames = _frames(out)
    assert any(not np.array_equal(frames[0], f) for f in frames[1:]), "frames never change"
    assert f"wrote {out}" in capsys.readouterr().out
    assert not list(out.parent.glob(".*.tmp"))


def test_writes_an_mp4_with_one_frame_per_picture(tmp_path, capsys):
    import imageio_ffmpeg

    out = tmp_path / "shock.mp4"
    args = ["city=small", "--out", str(out), "--days", "2", "--every", "6", "--fps", "5"]
    assert animate.main([*args, "--shock", "0:misconduct:minority"]) == 0
    reader = imageio_ffmpeg.read_frames(str(out))
    meta = next(reader)
    frames = [np.frombuffer(f, dtype=np.uint8) for f in reader]
    assert len(frames) == 9  # hours 0, 6, ..., 48
    assert meta["fps"] == pytest.approx(5.0)
    width, height = meta["size"]
    assert width % 2 == 0 and height % 2 == 0 and width > height > 300
    assert not np.array_equal(frames[0], frames[-1])
    assert "(9 frames, 2 days" in capsys.readouterr().out
    assert not list(tmp_path.glob(".*"))


def test_format_option_overrides_an_unknown_extension(tmp_path):
    import imageio_ffmpeg

    out = tmp_path / "clip.video"
    args = ["city=small", "--out", str(out), "--format", "mp4", "--days", "1", "--every", "12"]
    assert animate.main([*args, "--map-only"]) == 0
    assert imageio_ffmpeg.count_frames_and_secs(str(out))[0] == 3


def test_map_only_trust_colouring_with_a_scheduled_shock(tmp_path):
    out = tmp_path / "shock.gif"
    args = ["city=small", "--out", str(out), "--days", "2", "--every", "24"]
    args += ["--map-only", "--colour-by", "trust", "--shock", "0:misconduct:minority"]
    assert animate.main(args) == 0
    with Image.open(out) as gif:
        assert gif.n_frames == 3
        assert gif.width < gif.height + 200  # the map alone is about square


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "x.png"], "--out=x.png: must end in .gif or .mp4"),
        (["--out", "x.gif", "--format", "mp4"], "--format=mp4: --out="),
        (["city=atlantis", "--out", "x.gif"], "city='atlantis'"),
        (["--out", "x.gif", "--shock", "3:riot"], "riot"),
        (["--out", "x.gif", "--shock", "soon"], "--shock='soon': must be DAY:KIND[:GROUP]"),
        (["--out", "x.gif", "--every", "0"], "--every=0"),
        (["--out", "x.gif", "--days", "0"], "--days=0"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, args, message):
    args = [a if not a.endswith((".gif", ".png", ".mp4")) else str(tmp_path / a) for a in args]
    assert animate.main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("commsim: error: ")
    assert message.split("=")[0] in err
    assert "\n" not in err
    assert not list(tmp_path.glob("*.gif")) and not list(tmp_path.glob("*.mp4"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--days", "10", "--shock", "50:misconduct"],
            "--shock=50:misconduct: day 50 is after the animation ends (--days 10 shows days "
            "0-9); the shock day must be below 10",
        ),
        (
            ["policy.shocks=[{day:10}]", "--days", "10", "--shock", "2:misconduct"],
            "policy.shocks.0: day 10 is after the animation ends",
        ),
        (
            ["city=small"],
            "the following arguments are required: --out (see commsim animate --help)",
        ),
        (
            ["--format", "avi"],
            "argument --format: invalid choice: 'avi' (choose from 'gif', 'mp4')",
        ),
    ],
)
def test_bad_options_name_the_option_in_one_line(tmp_path, capsys, args, message):
    out = [] if args == ["city=small"] else ["--out", str(tmp_path / "a.gif")]
    overrides = [a for a in args if "=" in a]
    options = [a for a in args if "=" not in a]
    assert animate.main(["city=small", *overrides, *out, *options]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"commsim: error: {message}")
    assert not list(tmp_path.iterdir())


def test_map_painter_redraws_agents_and_clock():
    import networkx as nx

    graph = nx.grid_2d_graph(4, 4)
    graph = nx.convert_node_labels_to_integers(graph, label_attribute="rc")
    for _node, data in graph.nodes(data=True):
        r, c = data["rc"]
        data.update(pos=(120.0 * c, 120.0 * r), neighborhood=int(c >= 2), households=2)
    layout = CityLayout.from_graph(graph)
    painter = MapPainter(layout, "crime", width_px=320, height_px=400, font_px=12, title="Test")

    def frame(officers, hour):
        return MapFrame(
            values=np.arange(16, dtype=float) % 3,
            colour_by="crime",
            officers=np.array(officers),
            offenders=np.array([5, 5, 5]),
            patrollers=np.zeros(0, dtype=int),
            day=3,
            hour=hour,
        )

    painter.update(frame([0], 7))
    first = painter.to_rgb()
    assert painter.title_artist.get_text() == f"Test · {clock_text(3, 7)}"
    painter.update(frame([15], 8))
    second = painter.to_rgb()
    assert first.shape == second.shape
    assert not np.array_equal(first, second)
    # three offenders at one place are drawn apart, not on top of each other
    offsets = painter.agents["offenders"].get_offsets()
    assert len({tuple(np.round(o, 6)) for o in offsets}) == 3
    with pytest.raises(ValueError, match="colour_by"):
        MapPainter(layout, "rainbow")


def test_maps_draw_the_citys_real_boundaries_and_names():
    import networkx as nx

    from commsim.geometry import Boundary

    graph = nx.path_graph(4)
    for node, data in graph.nodes(data=True):
        data.update(pos=(100.0 * node, 50.0), neighborhood=int(node >= 2), households=1)
    hull = CityLayout.from_graph(graph)
    assert hull.labels == ["N1", "N2"]  # a generated city's neighbourhoods are numbered
    ring = np.array([[0, 0], [150, 0], [150, 100], [0, 100], [0, 0]], float)
    hole = np.array([[50, 40], [60, 40], [60, 60], [50, 40]], float)
    graph.graph["boundaries"] = [
        Boundary("Loop", (ring, hole), np.array([75.0, 50.0])),
        Boundary("Near North Side", (ring + np.array([150.0, 0.0]),), np.array([225.0, 50.0])),
    ]
    layout = CityLayout.from_graph(graph)
    assert layout.labels == ["Loop", "Near North Side"]
    assert np.allclose(layout.boundaries[0].rings[1], hole / 1000.0)  # km, every ring kept
    painter = MapPainter(layout, "crime", width_px=320, height_px=240, font_px=12, title="T")
    texts = {t.get_text() for t in painter.ax.texts}
    assert {"Loop", "Near North Side"} <= texts
    drawn = [line.get_xydata() for line in painter.ax.lines]
    assert any(len(d) == len(hole) and np.allclose(d, hole / 1000.0) for d in drawn)
