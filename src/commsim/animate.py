"""``commsim animate``: a GIF or MP4 of a run's city map over time, for slides.

The model runs its warm-up, then a frame is taken every few simulated hours:
the city map (places coloured by recent crime, by residents' trust, or by the
change in trust since day 1; officers, offenders and volunteer patrols drawn;
strategy and clock in the title) beside the dashboard's charts of trust,
reporting by group and crime. With scheduled shocks (``--shock``), the same
run without them is computed alongside and drawn dashed on the charts.

GIFs are written with Pillow; MP4s (H.264) with the ffmpeg that ships inside
the ``imageio-ffmpeg`` package, so nothing else needs installing.

Examples:
    commsim animate city=small policy=baseline --out baseline.gif --days 30
    commsim animate --shock 10:misconduct:minority --colour-by trust_change --out shock.mp4
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

import commsim
from commsim.citymap import (
    COLOUR_BY,
    SCALES,
    CityLayout,
    MapPainter,
    frame_from_model,
    trust_scale,
)
from commsim.cliargs import OneLineParser, parse
from commsim.livecharts import ChartsPainter, chart_table
from commsim.params import ConfigError, ShockConfig, SimConfig, with_overrides

DEFAULT_DAYS = 30
DEFAULT_EVERY_HOURS = 6
SHOCK_HOUR = 12  # scheduled shocks land at noon (commsim.levers.shocks)
MAX_FRAMES = 2000  # a longer animation is not a slide any more
FORMATS = ("gif", "mp4")


@dataclass(frozen=True)
class AnimationSpec:
    """What to animate.

    Attributes:
        days: evaluated days to show.
        every_hours: simulated hours between frames.
        colour_by: "crime", "trust" or "trust_change".
        fps: frames per second.
        charts: draw the charts beside the map.
        map_width_px: width of the map in pixels (the charts are as tall as the map).
        charts_width_px: width of the charts in pixels.
        font_px: size of the smallest text, in pixels.
    """

    days: int = DEFAULT_DAYS
    every_hours: int = DEFAULT_EVERY_HOURS
    colour_by: str = "crime"
    fps: float = 8.0
    charts: bool = True
    map_width_px: int = 640
    charts_width_px: int = 600
    font_px: float = 16.0


def _title(config: SimConfig) -> str:
    name = config.policy.name.replace("_", " ").capitalize()
    return f"{name} · {config.city.name} city · seed {config.seed}"


def _shock_marks(config: SimConfig) -> list[tuple[float, str]]:
    """Chart positions of scheduled shocks: day d (0-based) at noon is x = d + 1.0."""
    return [(s.day + 0.5 + SHOCK_HOUR / 24.0, s.kind) for s in config.policy.shocks]


def _daily(model: commsim.CommunityModel) -> pd.DataFrame:
    daily = model.daily_table()
    events = model.events_table() if len(daily) else pd.DataFrame()
    return chart_table(daily, events, model.groups)


def _warm(config: SimConfig) -> commsim.CommunityModel:
    model = commsim.CommunityModel(config)
    while model.in_warmup:
        model.step()
    return model


def render_frames(config: SimConfig, spec: AnimationSpec) -> list[Image.Image]:
    """Run ``config`` and return the frames of its animation.

    Args:
        config: the run (its seed, city and policy).
        spec: what to draw and how often.

    Returns:
        RGB frames, the first at the start of the evaluation window.
    """
    model = _warm(config)
    shocks = _shock_marks(config)
    # The same run without its scheduled shocks: the charts' dashed lines.
    twin = (
        _warm(with_overrides(config, **{"policy.shocks": []})) if shocks and spec.charts else None
    )
    layout = CityLayout.from_graph(model.city.graph)
    start_trust = np.asarray(model.place_trust(), dtype=float).copy()
    scale = SCALES[spec.colour_by]
    if spec.colour_by == "trust":
        scale = trust_scale(start_trust)
    elif spec.colour_by == "trust_change":
        scale = replace(scale, label="Change in residents' trust since day 1 (orange: fell)")
    painter = MapPainter(
        layout, spec.colour_by, width_px=spec.map_width_px,
        height_px=int(1.3 * spec.map_width_px), font_px=spec.font_px, title=_title(config),
        scale=scale,
    )  # fmt: skip
    charts = None
    if spec.charts:
        charts = ChartsPainter(
            model.groups, width_px=spec.charts_width_px, height_px=painter.height_px,
            font_px=spec.font_px, panels=("trust", "reporting", "crime"),
            counterfactual_label="no shocks",
        )  # fmt: skip
    chart_img: np.ndarray | None = None
    chart_day = -1
    frames = []
    total = spec.days * 24
    start = model.steps
    for tick in range(0, total + 1, spec.every_hours):
        while model.steps - start < tick:
            model.step()
            if twin is not None:
                twin.step()
        frame = frame_from_model(model, spec.colour_by, reference=start_trust)
        painter.update(frame)
        image = painter.to_rgb()
        if charts is not None:
            if model.day != chart_day:
                now = model.day + 0.5 + model.hour / 24.0
                shown = [(x, k) for x, k in shocks if x <= now]
                first = min((x for x, _ in shown), default=None)
                charts.update(
                    _daily(model),
                    _daily(twin) if twin is not None and shown else None,
                    since_day=first,
                    shocks=shown,
                )
                chart_img = charts.to_rgb()
                chart_day = model.day
            image = _side_by_side(image, chart_img)
        frames.append(Image.fromarray(image))
    return frames


def _side_by_side(left: np.ndarray, right: np.ndarray | None) -> np.ndarray:
    if right is None:
        return left
    h = max(left.shape[0], right.shape[0])
    out = np.full((h, left.shape[1] + right.shape[1], 3), 255, dtype=np.uint8)
    out[: left.shape[0], : left.shape[1]] = left
    out[: right.shape[0], left.shape[1] :] = right
    return out


def write_gif(frames: list[Image.Image], path: Path, fps: float, hold_last_s: float = 2.0) -> None:
    """Write ``frames`` as a looping GIF, atomically (temporary file, then rename)."""
    if not frames:
        raise ValueError("no frames to write")
    duration = max(20, round(1000.0 / fps))
    durations = [duration] * len(frames)
    durations[-1] = max(duration, int(hold_last_s * 1000))
    # One palette for all frames (from the first, middle and last) keeps colours steady
    # and lets the GIF store only what changed between frames.
    picks = [frames[0], frames[len(frames) // 2], frames[-1]]
    sample = Image.new("RGB", (picks[0].width, sum(f.height for f in picks)))
    y = 0
    for f in picks:
        sample.paste(f, (0, y))
        y += f.height
    palette = sample.quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    paletted = [f.quantize(palette=palette, dither=Image.Dither.NONE) for f in frames]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        paletted[0].save(
            tmp,
            format="GIF",
            save_all=True,
            append_images=paletted[1:],
            duration=durations,
            loop=0,
        )
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_mp4(frames: list[Image.Image], path: Path, fps: float) -> None:
    """Write ``frames`` as an H.264 MP4 that slide software plays, atomically.

    Uses the ffmpeg binary shipped in the ``imageio-ffmpeg`` package. Frames are
    padded with white to even sizes (H.264 with the common yuv420p pixels needs them).
    """
    if not frames:
        raise ValueError("no frames to write")
    import imageio_ffmpeg

    width = frames[0].width + frames[0].width % 2
    height = frames[0].height + frames[0].height % 2
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.mp4")  # ffmpeg reads the suffix
    try:
        writer = imageio_ffmpeg.write_frames(
            str(tmp), (width, height), fps=fps, codec="libx264", pix_fmt_out="yuv420p",
            macro_block_size=2, quality=7, ffmpeg_log_level="error",
            output_params=["-movflags", "+faststart"],
        )  # fmt: skip
        writer.send(None)  # start ffmpeg
        for frame in frames:
            padded = np.full((height, width, 3), 255, dtype=np.uint8)
            padded[: frame.height, : frame.width] = np.asarray(frame.convert("RGB"))
            writer.send(np.ascontiguousarray(padded))
        writer.close()
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def output_format(out: Path, given: str | None) -> str | None:
    """The format to write: ``--format`` if given, else the file's extension (None: unknown)."""
    if given:
        return given
    suffix = out.suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else None


def parse_shock(text: str) -> ShockConfig:
    """``DAY:KIND[:GROUP]`` -> ShockConfig, e.g. ``10:misconduct:minority``."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not parts[0].strip().isdigit():
        raise ConfigError("--shock", text, "must be DAY:KIND[:GROUP], e.g. 10:misconduct:minority")
    group = parts[2] if len(parts) == 3 and parts[2] else None
    return ShockConfig(day=int(parts[0]), kind=parts[1], group=group)


def _shock_after(shocks: list[ShockConfig], given: list[str], days: int) -> str | None:
    """One line for the first shock on or after the last animated day (it would never show)."""
    from_config = len(shocks) - len(given)  # --shock entries come after the config's own
    for i, shock in enumerate(shocks):
        if shock.day < days:
            continue
        where = f"--shock={given[i - from_config]}" if i >= from_config else f"policy.shocks.{i}"
        return (
            f"{where}: day {shock.day} is after the animation ends (--days {days} shows days "
            f"0-{days - 1}); the shock day must be below {days}"
        )
    return None


def _parser() -> argparse.ArgumentParser:
    p = OneLineParser(
        prog="commsim animate",
        description="Run the model and write a GIF or MP4 of its city map over time.",
    )
    p.add_argument("overrides", nargs="*", help="config overrides, e.g. city=small policy=baseline")
    p.add_argument("--out", required=True, help="file to write (.gif or .mp4)")
    p.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="gif or mp4 (default: from --out's extension)",
    )
    p.add_argument("--days", type=int, default=None, help=f"days to show (default {DEFAULT_DAYS})")
    p.add_argument(
        "--every", type=int, default=DEFAULT_EVERY_HOURS, help="simulated hours between frames"
    )
    p.add_argument(
        "--colour-by", choices=COLOUR_BY, default="crime", help="colour places by (default crime)"
    )
    p.add_argument("--fps", type=float, default=8.0, help="frames per second (default 8)")
    p.add_argument("--map-only", action="store_true", help="leave out the charts")
    p.add_argument(
        "--shock",
        action="append",
        default=[],
        metavar="DAY:KIND[:GROUP]",
        help="schedule a misconduct or community_event shock at noon of DAY, counted from 0 "
        "like policy.shocks (the clock shows DAY + 1); GROUP: the group it touched (repeatable)",
    )
    return p


def _error(message: str) -> int:
    print(f"commsim: error: {message}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    """Run ``commsim animate [overrides...] --out FILE.gif|FILE.mp4 [--days N] ...``.

    Args:
        argv: command-line arguments after ``animate``.

    Returns:
        Exit code: 0 when the file is written, 2 for bad input.
    """
    args = parse(_parser(), argv)
    if isinstance(args, int):
        return args
    out = Path(args.out)
    fmt = output_format(out, args.format)
    if fmt is None:
        return _error(f"--out={args.out}: must end in .gif or .mp4 (or give --format gif|mp4)")
    suffix = out.suffix.lower().lstrip(".")
    if suffix in FORMATS and suffix != fmt:
        return _error(f"--format={fmt}: --out={args.out} is a .{suffix} file")
    if fmt == "mp4" and importlib.util.find_spec("imageio_ffmpeg") is None:
        return _error("--format=mp4 needs imageio-ffmpeg; pip install 'commsim[dashboard]'", 1)
    if args.every < 1 or args.every > 24 * 7:
        return _error(f"--every={args.every}: must be between 1 and 168 hours")
    if args.fps <= 0 or args.fps > 50:
        return _error(f"--fps={args.fps:g}: must be above 0 and at most 50")
    try:
        config = commsim.load_config(args.overrides)
        if args.shock:
            shocks = [*config.policy.shocks, *(parse_shock(s) for s in args.shock)]
            config = with_overrides(config, **{"policy.shocks": shocks})
    except ConfigError as exc:
        return _error(str(exc))
    days_given = any(o.split("=", 1)[0].lstrip("+") == "days" for o in args.overrides)
    days = args.days if args.days is not None else (config.days if days_given else DEFAULT_DAYS)
    if days < 1:
        return _error(f"--days={days}: must be at least 1")
    late = _shock_after(config.policy.shocks, args.shock, days)
    if late:
        return _error(late)
    if days * 24 // args.every + 1 > MAX_FRAMES:
        return _error(
            f"--days={days}: {days * 24 // args.every + 1} frames is too many "
            f"(at most {MAX_FRAMES}); raise --every or lower --days"
        )
    spec = AnimationSpec(
        days=days,
        every_hours=args.every,
        colour_by=args.colour_by,
        fps=args.fps,
        charts=not args.map_only,
    )
    start = time.perf_counter()
    frames = render_frames(config, spec)
    try:
        if fmt == "mp4":
            write_mp4(frames, out, spec.fps)
        else:
            write_gif(frames, out, spec.fps)
    except OSError as exc:
        return _error(f"--out={args.out}: cannot write ({exc.strerror or exc})", 1)
    size_kb = out.stat().st_size / 1024
    print(
        f"commsim animate: wrote {out} ({len(frames)} frames, {days} days, "
        f"{size_kb:,.0f} KB) in {time.perf_counter() - start:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
