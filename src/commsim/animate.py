"""``commsim animate``: a GIF of a run's city map over time, for slides.

The model runs its warm-up, then a frame is taken every few simulated hours:
the city map (places coloured by recent crime or by residents' trust; officers,
offenders and volunteer patrols drawn; strategy and clock in the title) beside
the dashboard's charts of crime, trust, reporting and response time.

Examples:
    commsim animate city=small policy=baseline --out baseline.gif --days 30
    commsim animate city=small --shock 10:misconduct:minority --colour-by trust --out shock.gif
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

import commsim
from commsim.citymap import COLOUR_BY, CityLayout, MapPainter, frame_from_model
from commsim.livecharts import ChartsPainter
from commsim.params import ConfigError, ShockConfig, SimConfig, with_overrides

DEFAULT_DAYS = 30
DEFAULT_EVERY_HOURS = 6
SHOCK_HOUR = 12  # scheduled shocks land at noon (commsim.levers.shocks)
MAX_FRAMES = 2000  # a longer GIF is not a slide any more


@dataclass(frozen=True)
class AnimationSpec:
    """What to animate.

    Attributes:
        days: evaluated days to show.
        every_hours: simulated hours between frames.
        colour_by: "crime" or "trust".
        fps: frames per second of the GIF.
        charts: draw the charts beside the map.
        dpi: resolution (pixels per inch of the 6.4-inch-wide map).
    """

    days: int = DEFAULT_DAYS
    every_hours: int = DEFAULT_EVERY_HOURS
    colour_by: str = "crime"
    fps: float = 8.0
    charts: bool = True
    dpi: int = 80


def _title(config: SimConfig) -> str:
    name = config.policy.name.replace("_", " ").capitalize()
    return f"{name} · {config.city.name} city · seed {config.seed}"


def _shock_marks(config: SimConfig) -> list[tuple[float, str]]:
    """Chart positions of scheduled shocks: day d (0-based) at noon is x = d + 1.0."""
    return [(s.day + 0.5 + SHOCK_HOUR / 24.0, s.kind) for s in config.policy.shocks]


def render_frames(config: SimConfig, spec: AnimationSpec) -> list[Image.Image]:
    """Run ``config`` and return the frames of its animation.

    Args:
        config: the run (its seed, city and policy).
        spec: what to draw and how often.

    Returns:
        RGB frames, the first at the start of the evaluation window.
    """
    model = commsim.CommunityModel(config)
    while model.in_warmup:
        model.step()
    layout = CityLayout.from_graph(model.city.graph)
    painter = MapPainter(layout, spec.colour_by, width=6.4, dpi=spec.dpi, title=_title(config))
    charts = None
    if spec.charts:
        height = painter.figure.get_figheight()
        charts = ChartsPainter(model.groups, figsize=(7.0, height), dpi=spec.dpi)
    shocks = _shock_marks(config)
    chart_img: np.ndarray | None = None
    chart_day = -1
    frames = []
    total = spec.days * 24
    start = model.steps
    for tick in range(0, total + 1, spec.every_hours):
        while model.steps - start < tick:
            model.step()
        painter.update(frame_from_model(model, spec.colour_by))
        image = painter.to_rgb()
        if charts is not None:
            if model.day != chart_day:
                daily = model.datacollector.get_model_vars_dataframe()
                now = model.day + 0.5 + model.hour / 24.0
                shown = [(x, k) for x, k in shocks if x <= now]
                charts.update(daily, shown)
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


def parse_shock(text: str) -> ShockConfig:
    """``DAY:KIND[:GROUP]`` -> ShockConfig, e.g. ``10:misconduct:minority``."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not parts[0].strip().isdigit():
        raise ConfigError("--shock", text, "must be DAY:KIND[:GROUP], e.g. 10:misconduct:minority")
    group = parts[2] if len(parts) == 3 and parts[2] else None
    return ShockConfig(day=int(parts[0]), kind=parts[1], group=group)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="commsim animate",
        description="Run the model and write a GIF of its city map over time.",
    )
    p.add_argument("overrides", nargs="*", help="config overrides, e.g. city=small policy=baseline")
    p.add_argument("--out", required=True, help="GIF file to write")
    p.add_argument("--days", type=int, default=None, help=f"days to show (default {DEFAULT_DAYS})")
    p.add_argument(
        "--every", type=int, default=DEFAULT_EVERY_HOURS, help="simulated hours between frames"
    )
    p.add_argument("--colour-by", choices=COLOUR_BY, default="crime", help="colour places by")
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
    """Run ``commsim animate [overrides...] --out FILE.gif [--days N] ...``.

    Args:
        argv: command-line arguments after ``animate``.

    Returns:
        Exit code: 0 when the GIF is written, 2 for bad input.
    """
    args = _parser().parse_args(argv)
    out = Path(args.out)
    if out.suffix.lower() != ".gif":
        return _error(f"--out={args.out}: must be a .gif file")
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
    write_gif(frames, out, spec.fps)
    size_kb = out.stat().st_size / 1024
    print(
        f"commsim animate: wrote {out} ({len(frames)} frames, {days} days, "
        f"{size_kb:,.0f} KB) in {time.perf_counter() - start:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
