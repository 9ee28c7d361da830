"""Named random streams: one seeded generator per decision type.

Two scenarios run with the same seed draw the same numbers for the same kind
of decision (common random numbers), so their differences come from the
policy, not from luck. Never use the global ``random`` or ``np.random``.
"""

from __future__ import annotations

import zlib

import numpy as np

STREAM_NAMES = (
    "city",
    "population",
    "routine",
    "patrol",
    "offending",
    "reporting",
    "contact",
    "trust",
    "recruitment",
    "policy",
    "shock",
)


class Streams:
    """A dict-like set of generators, each seeded from (seed, stream name).

    Examples:
        >>> rng = Streams(seed=1)["offending"]
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._gens = {name: self._make(name) for name in STREAM_NAMES}

    def _make(self, name: str) -> np.random.Generator:
        # crc32 is stable across processes (unlike hash()), so streams are reproducible.
        return np.random.default_rng([self.seed, zlib.crc32(name.encode())])

    def __getitem__(self, name: str) -> np.random.Generator:
        if name not in self._gens:
            self._gens[name] = self._make(name)
        return self._gens[name]
