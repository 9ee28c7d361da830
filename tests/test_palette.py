"""The figures' colours stay distinguishable for readers with deuteranopia."""

import itertools

import numpy as np
import pytest
from matplotlib.colors import to_rgb

from commsim import plots

colorspacious = pytest.importorskip("colorspacious")

DEUTERANOPIA = {"name": "sRGB1+CVD", "cvd_type": "deuteranomaly", "severity": 100}


def seen(color: str, cvd: bool) -> np.ndarray:
    """A colour in CAM02-UCS (perceptually uniform), as seen with or without deuteranopia."""
    rgb = np.array(to_rgb(color))
    if cvd:
        rgb = np.clip(colorspacious.cspace_convert(rgb, DEUTERANOPIA, "sRGB1"), 0, 1)
    return colorspacious.cspace_convert(rgb, "sRGB1", "CAM02-UCS")


def closest_pair(colors, cvd=True) -> float:
    return min(
        float(np.linalg.norm(seen(a, cvd) - seen(b, cvd)))
        for a, b in itertools.combinations(colors, 2)
    )


# CAM02-UCS distance: about 1 is a just-noticeable difference; colours used to tell lines
# or categories apart should stay well above that for a reader with deuteranopia.
LINES = 12.0
VERDICTS = 20.0


def test_strategy_colours_are_distinguishable_with_deuteranopia():
    colors = list(plots.strategy_colors(["baseline", *"abcdef"]).values())
    assert len(set(colors)) == 7
    assert closest_pair(colors) > LINES


def test_better_worse_unclear_are_distinguishable_with_deuteranopia():
    assert closest_pair([plots.GOOD, plots.BAD, plots.NEUTRAL]) > VERDICTS
    # ... and they differ in shape as well as colour.
    shapes = {plots.EFFECT_MARKERS[c] for c in (plots.GOOD, plots.BAD, plots.NEUTRAL)}
    assert len(shapes) == 3


def test_group_colours_are_distinguishable_with_deuteranopia():
    colors = [c for c, _ in plots.GROUP_STYLES]
    assert closest_pair(colors) > LINES
    assert len({m for _, m in plots.GROUP_STYLES}) == len(plots.GROUP_STYLES)


def test_the_check_catches_a_red_green_pair():
    # The green/red pair commsim used before: far apart for most readers, close with
    # deuteranopia. The test above would fail on it.
    old = ["#1a9850", "#d73027"]
    assert closest_pair(old, cvd=False) > 40
    assert closest_pair(old, cvd=True) < VERDICTS


def test_strategies_beyond_the_palette_differ_in_line_style():
    styles = plots.strategy_styles(["baseline", *[f"s{i}" for i in range(9)]])
    looks = {(s["color"], s["ls"], s["marker"]) for s in styles.values()}
    assert len(looks) == 10
