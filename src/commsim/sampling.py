"""Latin hypercube samples of config values, and the uncertain parameters to sample.

A Latin hypercube of ``n`` points cuts every parameter's range into ``n`` equal slices
and puts exactly one point in each slice of each parameter, so a few runs still cover
every range. ``commsim sweep --lhs N`` samples the ranges given on the command line;
``commsim compare --uncertainty`` samples the uncertain behavioural parameters (those
with a ``plausible`` range in the parameter metadata) once per replicate.

Examples:
    >>> draws = latin_hypercube({"policy.watch_coverage": Range(0.0, 0.5)}, 4, seed=1)
    >>> sorted(int(d["policy.watch_coverage"] // 0.125) for d in draws)
    [0, 1, 2, 3]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import qmc

from commsim.paramspec import ParamInfo, describe

__all__ = ["UNCERTAINTY_SEED", "Range", "latin_hypercube", "uncertain_parameters"]

#: Seed of the hypercube of ``compare --uncertainty``: the same command draws the same
#: values, so runs already complete are reused.
UNCERTAINTY_SEED = 20_240_611


@dataclass(frozen=True)
class Range:
    """A range to sample: ``[low, high]``; ``integer`` rounds to whole numbers."""

    low: float
    high: float
    integer: bool = False

    def at(self, u: float) -> float | int:
        """The value at ``u`` in ``[0, 1)`` of the range."""
        value = self.low + u * (self.high - self.low)
        return round(value) if self.integer else float(value)


def latin_hypercube(ranges: Mapping[str, Range], n: int, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` points of a Latin hypercube over the given ranges (scipy's ``qmc``).

    Args:
        ranges: Dotted config key -> its range.
        n: Number of points (at least 1).
        seed: Seed of the sampler; the same seed and ranges give the same points.

    Returns:
        One ``{key: value}`` dict per point, in sample order.
    """
    if n < 1:
        raise ValueError(f"n={n}: a hypercube needs at least one point")
    keys = list(ranges)
    if not keys:
        return [{} for _ in range(n)]
    unit = qmc.LatinHypercube(d=len(keys), seed=np.random.default_rng(seed)).random(n)
    return [{k: ranges[k].at(float(u)) for k, u in zip(keys, row, strict=True)} for row in unit]


def uncertain_parameters(config: Any, fixed: Iterable[str] = ()) -> list[ParamInfo]:
    """Parameters with a ``plausible`` range in the metadata, minus those fixed by the user.

    Args:
        config: A :class:`~commsim.params.SimConfig` (class or instance).
        fixed: Keys the user set explicitly (left at their value, not sampled).
    """
    skip = set(fixed)
    return [p for p in describe(config) if p.plausible is not None and p.key not in skip]


def ranges_of(params: Iterable[ParamInfo]) -> dict[str, Range]:
    """The plausible range of each parameter, as :class:`Range` (whole numbers for ints)."""
    out = {}
    for p in params:
        assert p.plausible is not None
        lo, hi = p.plausible
        out[p.key] = Range(float(lo), float(hi), p.type is int)
    return out
