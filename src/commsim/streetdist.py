"""Street distances on demand: nearest of many places, and bounded neighbourhoods.

A city of tens of thousands of places cannot keep a places x places distance
matrix (3.6 GB at 30,000 places). The two questions the model asks are
answered exactly instead, with Dijkstra's algorithm from one place at a time,
stopped early and cached:

* :meth:`StreetDistances.nearest` — which of these places is nearest to a
  target by street (dispatching the nearest officer). Dijkstra from the target
  stops at a distance limit that doubles until a candidate is reached, so the
  cost depends on how far the nearest candidate is, not on the city's size.
* :meth:`StreetDistances.within` — is each place within ``radius`` street
  metres of a home (an offender's awareness space). Each home's bounded
  neighbourhood is computed once, when first asked about, and kept as one
  sorted segment per home (small cities fill a boolean table of all pairs at
  once), so a batch of questions is answered with one vectorised look-up.

Street distance is never shorter than ``factor`` times the straight-line
distance (``factor`` = the smallest ratio of a street's length to the straight
line between its ends, 1 for straight streets), so pairs further apart than
``radius / factor`` in a straight line are answered without a search.
Distances are returned as float32, as the dense matrix held them.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

# Bytes of cached Dijkstra results kept for :meth:`nearest` and
# :meth:`distances_to`; least recently used entries go first. choice
DEFAULT_CACHE_BYTES = 64 * 2**20
# Cities up to this many places answer :meth:`StreetDistances.within` from a
# boolean table (P x P bytes: 16 MB at 4,096). choice (speed vs memory)
DENSE_PLACES = 4096


class StreetDistances:
    """Exact shortest street distances over a weighted, undirected street graph.

    Args:
        weighted: Symmetric (P, P) sparse matrix of street lengths in metres.
        pos: (P, 2) place coordinates in metres (for the straight-line bound).
        cache_bytes: Memory allowed for cached searches.
        dense_places: Up to this many places, :meth:`within` fills a (P, P) boolean
            table on first use (16 MB at 4,096 places) instead of sorted keys per
            home: a single look-up per question, for small cities.

    Examples:
        >>> sd = StreetDistances(weighted, pos)
        >>> k, metres = sd.nearest(target=12, sources=np.array([3, 40, 7]))
    """

    def __init__(
        self,
        weighted: sparse.csr_matrix,
        pos: np.ndarray,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
        dense_places: int = DENSE_PLACES,
    ) -> None:
        # Both directions stored, so searches run in directed mode (half the cost:
        # scipy's undirected mode builds the transpose on every call).
        weighted = sparse.csr_matrix(weighted)
        self.graph = sparse.csr_matrix(weighted.maximum(weighted.T))
        self.graph.sort_indices()
        self.pos = np.asarray(pos, dtype=float)
        self.n = self.graph.shape[0]
        self.cache_bytes = cache_bytes
        self.dense_places = dense_places
        coo = sparse.triu(self.graph, k=1).tocoo()
        chord = np.hypot(*(self.pos[coo.row] - self.pos[coo.col]).T)
        ratio = coo.data[chord > 0] / chord[chord > 0]
        self.factor = float(min(1.0, ratio.min())) if ratio.size else 1.0
        # A first search radius: a few typical street lengths.
        self._step = float(np.median(coo.data)) if coo.nnz else 1.0
        self._longest = float(coo.data.sum())  # no shortest path is longer than all streets
        self._rows: OrderedDict[int, tuple[float, np.ndarray, np.ndarray]] = OrderedDict()
        self._row_bytes = 0
        self._hoods: dict[float, _Neighbourhoods] = {}

    # ------------------------------------------------------------ one target
    def distances_to(self, target: int, sources: np.ndarray) -> np.ndarray:
        """Street distance (metres, float32) from each source place to ``target``."""
        _, nodes, dist = self._search(int(target), np.inf)
        return _lookup(nodes, dist, np.asarray(sources, dtype=np.int64))

    def nearest(self, target: int, sources: np.ndarray) -> tuple[int, float]:
        """Index into ``sources`` of the place nearest ``target`` by street, and its distance.

        Ties go to the first such source (as ``np.argmin`` would).
        """
        sources = np.asarray(sources, dtype=np.int64)
        if len(sources) == 0:
            raise ValueError("nearest() needs at least one source place")
        target = int(target)
        # Street distance is at least ``factor`` x the straight line; streets wind
        # (circuity ~1.2-1.4), so start a little beyond the nearest straight line.
        crow = np.hypot(*(self.pos[sources] - self.pos[target]).T).min()
        limit = max(4.0 * self._step, 1.5 * crow)
        while True:
            if limit >= self._longest:
                limit = np.inf
            limit, nodes, dist = self._search(target, limit)
            d = _lookup(nodes, dist, sources)
            if np.isfinite(d).any() or not np.isfinite(limit):
                k = int(np.argmin(d))
                return k, float(d[k])
            limit *= 4.0

    def _search(self, target: int, limit: float) -> tuple[float, np.ndarray, np.ndarray]:
        """Reached places (sorted) and their float32 distances within ``limit`` of ``target``."""
        hit = self._rows.get(target)
        if hit is not None and hit[0] >= limit:
            self._rows.move_to_end(target)
            return hit
        row = csgraph.dijkstra(self.graph, directed=True, indices=target, limit=limit)
        nodes = np.flatnonzero(np.isfinite(row))
        entry = (limit, nodes, row[nodes].astype(np.float32))
        if hit is not None:
            self._row_bytes -= hit[1].nbytes + hit[2].nbytes
        self._rows[target] = entry
        self._rows.move_to_end(target)
        self._row_bytes += nodes.nbytes + entry[2].nbytes
        while self._row_bytes > self.cache_bytes and len(self._rows) > 1:
            _, (_, old_nodes, old_dist) = self._rows.popitem(last=False)
            self._row_bytes -= old_nodes.nbytes + old_dist.nbytes
        return entry

    # ------------------------------------------------------------ many pairs
    def within(self, homes: np.ndarray, places: np.ndarray, radius_m: float) -> np.ndarray:
        """True where ``places[i]`` is at most ``radius_m`` street metres from ``homes[i]``."""
        hoods = self._hoods.get(radius_m)
        if hoods is None:
            hoods = self._hoods[radius_m] = (
                _DenseNeighbourhoods(self, radius_m)
                if self.n <= self.dense_places
                else _Neighbourhoods(self, radius_m)
            )
        return hoods.contains(np.asarray(homes, np.int64), np.asarray(places, np.int64))


class _DenseNeighbourhoods:
    """Small cities: a (P, P) boolean table of all place pairs within the radius, filled at once."""

    def __init__(self, owner: StreetDistances, radius: float) -> None:
        self.table = np.zeros((owner.n, owner.n), dtype=bool)
        # Rows in blocks of at most 16 MB of float64 distances (one block below 1,450 places).
        batch = max(64, (16 * 2**20) // (8 * max(owner.n, 1)))
        everyone = np.arange(owner.n)
        for chunk, r, c in _bounded_rows(owner.graph, everyone, radius, batch):
            self.table[chunk[r], c] = True

    def contains(self, homes: np.ndarray, places: np.ndarray) -> np.ndarray:
        return self.table[homes, places]


class _Neighbourhoods:
    """Large cities: the places within the radius of each home asked about, kept per home.

    Pairs further apart than ``radius / factor`` in a straight line are answered
    without a look-up. Each home's places are one sorted segment of a flat,
    growing array (a new home is appended, nothing is re-sorted), and a batch
    of questions is one vectorised binary search within the homes' segments.
    """

    def __init__(self, owner: StreetDistances, radius: float) -> None:
        self.owner, self.radius = owner, radius
        self.done = np.zeros(owner.n, dtype=bool)
        self.start = np.zeros(owner.n, dtype=np.int64)  # segment of each home in ``flat``
        self.count = np.zeros(owner.n, dtype=np.int64)
        self.flat = np.zeros(1024, dtype=np.int32)  # places, sorted within each segment
        self.used = 0

    def contains(self, homes: np.ndarray, places: np.ndarray) -> np.ndarray:
        out = homes == places
        if self.radius <= 0 or len(homes) == 0:
            return out
        pos = self.owner.pos
        crow = np.hypot(*(pos[homes] - pos[places]).T)
        ask = ~out & (crow * self.owner.factor <= self.radius * (1 + 1e-6))
        if not ask.any():
            return out
        homes, places = homes[ask], places[ask]
        if not self.done[homes].all():
            self._add(np.unique(homes[~self.done[homes]]))
        out[ask] = _in_segments(self.flat, self.start[homes], self.count[homes], places)
        return out

    def _add(self, homes: np.ndarray) -> None:
        for chunk, r, c in _bounded_rows(self.owner.graph, homes, self.radius):
            counts = np.bincount(r, minlength=len(chunk))
            need = self.used + len(c)
            if need > len(self.flat):
                grown = np.zeros(max(need, 2 * len(self.flat)), dtype=np.int32)
                grown[: self.used] = self.flat[: self.used]
                self.flat = grown
            self.flat[self.used : need] = c
            self.start[chunk] = self.used + np.cumsum(counts) - counts
            self.count[chunk] = counts
            self.used = need
        self.done[homes] = True


def _in_segments(
    flat: np.ndarray, start: np.ndarray, count: np.ndarray, values: np.ndarray
) -> np.ndarray:
    """Whether ``values[i]`` is in the sorted segment ``flat[start[i]:start[i] + count[i]]``."""
    lo, hi = start.copy(), start + count
    end = hi.copy()
    todo = np.flatnonzero(lo < hi)
    while len(todo):
        mid = (lo[todo] + hi[todo]) >> 1
        less = flat[mid] < values[todo]
        lo[todo] = np.where(less, mid + 1, lo[todo])
        hi[todo] = np.where(less, hi[todo], mid)
        todo = todo[lo[todo] < hi[todo]]
    found = lo < end
    found[found] = flat[lo[found]] == values[found]
    return found


def _bounded_rows(graph: sparse.csr_matrix, homes: np.ndarray, radius: float, batch: int = 64):
    """Yield (homes chunk, rows, places): the pairs within ``radius`` street metres.

    Pairs come in row-major order, so each home's places are sorted.
    """
    # Compared as float32, as the dense distance matrix held them: float32 rounding is
    # monotonic, so only distances up to the next float32 above the radius can qualify.
    radius32 = np.float32(radius)
    loose = float(np.nextafter(radius32, np.float32(np.inf)))
    for start in range(0, len(homes), batch):
        chunk = homes[start : start + batch]
        rows = csgraph.dijkstra(graph, directed=True, indices=chunk, limit=radius)
        r, c = np.nonzero(rows <= loose)
        keep = rows[r, c].astype(np.float32) <= radius32
        yield chunk, r[keep], c[keep]


def _lookup(nodes: np.ndarray, dist: np.ndarray, sources: np.ndarray) -> np.ndarray:
    """Distances of ``sources`` from a search result; inf for places it did not reach."""
    out = np.full(len(sources), np.inf, dtype=np.float32)
    if len(nodes):
        at = np.minimum(np.searchsorted(nodes, sources), len(nodes) - 1)
        hit = nodes[at] == sources
        out[hit] = dist[at[hit]]
    return out
