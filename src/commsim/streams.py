"""Named random streams, and keyed draws for common random numbers.

Each process and lever module draws from its own generator, seeded from
(run seed, stream name), so adding a lever never shifts another's draws.
Where a stream would otherwise be consumed in an order that depends on the
scenario (for example one draw per active offender per hour), :meth:`Streams.keyed`
gives each (tick, person, slot) its own uniform number by hashing, as Starsim
does: two scenarios with the same seed give a person the same draw at the
same moment whatever else differs. Never use the global ``random`` or ``np.random``.
"""

from __future__ import annotations

import zlib

import numpy as np

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_TICK = np.uint64(0xD6E8FEB86659FD93)
_SLOT = np.uint64(0xA0761D6478BD642F)


def _mix(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser: a bijective, well-mixed hash of 64-bit integers."""
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))


class Streams:
    """A dict-like set of generators, each seeded from (seed, stream name).

    Examples:
        >>> rng = Streams(seed=1)["offending"]
        >>> u = Streams(seed=1).keyed("offending", tick=5, ids=np.array([3, 9]), slots=2)
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._gens: dict[str, np.random.Generator] = {}

    def _make(self, name: str) -> np.random.Generator:
        # crc32 is stable across processes (unlike hash()), so streams are reproducible.
        return np.random.default_rng([self.seed, zlib.crc32(name.encode())])

    def __getitem__(self, name: str) -> np.random.Generator:
        if name not in self._gens:
            self._gens[name] = self._make(name)
        return self._gens[name]

    def keyed(self, name: str, tick: int, ids: np.ndarray, slots: int = 1) -> np.ndarray:
        """Uniform draws in [0, 1), shape (len(ids), slots), keyed by (seed, name, tick, id)."""
        with np.errstate(over="ignore"):
            key = _mix(np.uint64((self.seed * 0x100000001 + zlib.crc32(name.encode())) % 2**64))
            base = key ^ _mix(np.uint64(tick) * _TICK + _GOLDEN)
            x = base ^ (np.asarray(ids, dtype=np.uint64)[:, None] * _GOLDEN)
            x = x + np.arange(slots, dtype=np.uint64)[None, :] * _SLOT
            bits = _mix(_mix(x)) >> np.uint64(11)
        return bits.astype(np.float64) * (1.0 / 2**53)


class KeyedDay:
    """One day's keyed draws for a set of ids, cut by hour (one hashing pass a day).

    Examples:
        >>> day = KeyedDay(Streams(1), "offending", day=0, ids=np.array([2, 5]), slots=3)
        >>> day.at(hour=4, ids=np.array([5])).shape
        (1, 3)
    """

    def __init__(self, streams: Streams, name: str, day: int, ids: np.ndarray, slots: int) -> None:
        self.day, self.slots = day, slots
        self.ids = np.asarray(ids, dtype=np.int64)
        self.u = streams.keyed(name, day, self.ids, 24 * slots)

    def at(self, hour: int, ids: np.ndarray) -> np.ndarray:
        """The draws of ``ids`` (a subset of the day's ids, sorted) for ``hour``."""
        pos = np.searchsorted(self.ids, ids)
        return self.u[pos, hour * self.slots : (hour + 1) * self.slots]
