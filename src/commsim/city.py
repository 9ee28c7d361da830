"""Neighbourhood street networks: generators, GraphML loading, validation.

A city is a connected networkx graph whose nodes are places (street corners
and blocks) and whose edges are street segments with a ``length`` in metres.
:class:`City` keeps the graph for drawing and Mesa's network space, and the
same facts as NumPy arrays for the simulation's vectorised hot loop.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import Delaunay

from commsim.paramspec import ConfigError, Section, param

LAND_USES = ("residential", "mixed", "commercial", "park")
# Relative attractiveness to offenders by land use; assumption (Brantingham &
# Brantingham 1995: commercial "crime attractors").
LAND_USE_ATTRACTION = np.array([1.0, 1.2, 1.5, 1.3])
# Mean households per place by land use; assumption (≈2.5 residents per
# household, US Census 2020, spread over residential blocks).
LAND_USE_HOUSEHOLDS = np.array([4.0, 2.0, 0.0, 0.0])

# Defaults documented in docs/model.md, used for GraphML nodes that lack them.
GRAPHML_DEFAULTS = {
    "neighborhood": 0,
    "households": 3,
    "land_use": "residential",
    "disadvantage": 0.3,
}
CITY_KINDS = ("neighborhoods", "grid", "organic", "graphml")


@dataclass(frozen=True)
class CityConfig(Section):
    """The street network and its neighbourhoods (the ``city.*`` keys)."""

    section = "city"

    name: str = param("default", source="label", doc="Label of the city preset.")
    kind: str = param("neighborhoods", choices=CITY_KINDS, source="choice")
    residents: int = param(
        5000,
        lo=10,
        hi=2_000_000,
        unit="people",
        source="assumption: a district of ~2,000 households",
    )
    places: int = param(
        600, lo=9, unit="street-network nodes", source="assumption (blocks and corners)"
    )
    neighborhoods: int = param(
        6,
        lo=1,
        hi=100,
        unit="neighbourhoods",
        source="assumption: ~1,000 residents each, a US block-group scale",
    )
    block_m: float = param(
        120.0, lo=10, hi=2000, unit="metres", source="assumption (a short US block)"
    )
    disadvantage_min: float = param(
        0.1, lo=0, hi=1, unit="0-1 index", source="assumption (least disadvantaged neighbourhood)"
    )
    disadvantage_max: float = param(
        0.8, lo=0, hi=1, unit="0-1 index", source="assumption (most disadvantaged neighbourhood)"
    )
    graphml: str | None = param(
        None, source="path", doc="A user's GraphML street network (kind=graphml)."
    )
    max_places: int = param(
        5000,
        lo=9,
        hi=20_000,
        unit="places",
        source="choice (memory limit)",
        doc="Larger user networks are refused.",
    )
    seed_offset: int = param(
        0, lo=0, source="choice", doc="Varies the generated layout independently of the run seed."
    )

    def check(self) -> None:
        """Places within the limit, enough places for the neighbourhoods, a file for graphml."""
        if self.places > self.max_places:
            raise ConfigError(
                "city.places", self.places, f"must be at most city.max_places={self.max_places}"
            )
        if self.neighborhoods > self.places:
            raise ConfigError(
                "city.neighborhoods", self.neighborhoods, "must be at most city.places"
            )
        if self.disadvantage_max < self.disadvantage_min:
            raise ConfigError(
                "city.disadvantage_max",
                self.disadvantage_max,
                f"must be at least city.disadvantage_min={self.disadvantage_min:g}",
            )
        if self.kind == "graphml" and not self.graphml:
            raise ConfigError(
                "city.graphml", self.graphml, "must be the path of a GraphML file when kind=graphml"
            )


@dataclass
class City:
    """A street network plus per-place arrays (index = node number 0..P-1)."""

    graph: nx.Graph
    neighborhood: np.ndarray  # int, neighbourhood id of each place
    pos: np.ndarray  # float (P, 2), metres
    households: np.ndarray  # int, households living at the place
    land_use: np.ndarray  # int, index into LAND_USES
    disadvantage: np.ndarray  # float 0-1
    attract_z: np.ndarray  # float, a standard-normal draw per place (spread of attractiveness)
    adjacency: sparse.csr_matrix  # unweighted, symmetric, no self loops
    distance_m: np.ndarray  # float32 (P, P) shortest street distance in metres

    @property
    def n_places(self) -> int:
        """Number of places (graph nodes)."""
        return len(self.neighborhood)

    @property
    def inverse_degree(self) -> np.ndarray:
        """1 / number of adjacent places, per place (0 for an isolated place)."""
        inv = self.__dict__.get("_inverse_degree")
        if inv is None:
            deg = np.diff(self.adjacency.indptr).astype(float)
            inv = self.__dict__["_inverse_degree"] = np.divide(
                1.0, deg, out=np.zeros_like(deg), where=deg > 0
            )
        return inv

    def distances_to(self, target: int, sources: np.ndarray) -> np.ndarray:
        """Street distance in metres from each source place to ``target``."""
        return self.distance_m[sources, target]

    def within(self, origins: np.ndarray, places: np.ndarray, radius_m: float) -> np.ndarray:
        """Whether each place is within ``radius_m`` street metres of its origin (pairwise)."""
        return self.distance_m[origins, places] <= radius_m

    @property
    def n_neighborhoods(self) -> int:
        """Number of neighbourhoods (ids are 0..n-1)."""
        return int(self.neighborhood.max()) + 1


def city_for(config: Any) -> City:
    """The city of a run config (a ``SimConfig`` or its ``CityConfig``), built once per process.

    The layout depends on the city section alone (and its ``seed_offset``), never
    on the run seed: every replicate and scenario runs on the same streets.

    Examples:
        >>> city = city_for(CityConfig(places=100, neighborhoods=3))
    """
    return _city_for(config if isinstance(config, CityConfig) else config.city)


@lru_cache(maxsize=8)
def _city_for(config: CityConfig) -> City:
    rng = np.random.default_rng([config.seed_offset, zlib.crc32(b"city")])
    return build_city(config, rng)


def build_city(config: CityConfig, rng: np.random.Generator) -> City:
    """Build the city a config asks for.

    Args:
        config: The city section of the run config.
        rng: Generator for layout and attributes.

    Returns:
        The validated city.
    """
    if config.kind == "graphml":
        graph = load_graphml(Path(config.graphml or ""), max_places=config.max_places)
    elif config.kind == "grid":
        graph = grid_graph(config.places, config.neighborhoods, config.block_m)
        _assign_attributes(graph, config, rng)
    elif config.kind == "organic":
        graph = organic_graph(config.places, config.neighborhoods, config.block_m, rng)
        _assign_attributes(graph, config, rng)
    else:
        graph = neighborhoods_graph(config.places, config.neighborhoods, config.block_m, rng)
        _assign_attributes(graph, config, rng)
    return city_from_graph(graph, rng)


def grid_graph(places: int, neighborhoods: int, block_m: float) -> nx.Graph:
    """A square-ish street grid split into rectangular neighbourhoods."""
    cols = int(np.ceil(np.sqrt(places)))
    rows = int(np.ceil(places / cols))
    g = nx.Graph()
    ncols_nb = int(np.ceil(np.sqrt(neighborhoods)))
    nrows_nb = int(np.ceil(neighborhoods / ncols_nb))
    for i in range(rows * cols):
        if i >= places:
            break
        r, c = divmod(i, cols)
        nb = min((r * nrows_nb // rows) * ncols_nb + (c * ncols_nb // cols), neighborhoods - 1)
        g.add_node(i, pos=(c * block_m, r * block_m), neighborhood=nb)
        if c > 0:
            g.add_edge(i, i - 1, length=block_m)
        if r > 0:
            g.add_edge(i, i - cols, length=block_m)
    return g


def organic_graph(
    places: int, neighborhoods: int, block_m: float, rng: np.random.Generator
) -> nx.Graph:
    """Delaunay streets over random points, long edges pruned, k-means neighbourhoods."""
    side = block_m * np.sqrt(places)
    pts = rng.uniform(0, side, size=(places, 2))
    return _delaunay_streets(pts, _kmeans_labels(pts, neighborhoods, rng), block_m)


def neighborhoods_graph(
    places: int, neighborhoods: int, block_m: float, rng: np.random.Generator
) -> nx.Graph:
    """A multi-neighbourhood city: jittered street patches joined by through roads.

    Neighbourhoods sit on a grid of patches; inside each patch the streets are a
    jittered grid (a Delaunay mesh of jittered points with long links pruned),
    and patches touch, so the through roads are the Delaunay links across them.
    """
    ncols = int(np.ceil(np.sqrt(neighborhoods)))
    nrows = int(np.ceil(neighborhoods / ncols))
    per = np.full(neighborhoods, places // neighborhoods)
    per[: places % neighborhoods] += 1
    patch = block_m * np.sqrt(per.max()) * 1.05
    pts, labels = [], []
    for nb in range(neighborhoods):
        r, c = divmod(nb, ncols)
        side = int(np.ceil(np.sqrt(per[nb])))
        grid = np.array([(i % side, i // side) for i in range(per[nb])], dtype=float)
        grid = (grid + 0.5) / side * patch + rng.normal(0, block_m * 0.18, grid.shape)
        pts.append(grid + np.array([c * patch, (nrows - 1 - r) * patch]))
        labels.append(np.full(per[nb], nb))
    return _delaunay_streets(np.vstack(pts), np.concatenate(labels), block_m)


def _delaunay_streets(pts: np.ndarray, labels: np.ndarray, block_m: float) -> nx.Graph:
    tri = Delaunay(pts)
    edges = set()
    for simplex in tri.simplices:
        for a, b in ((0, 1), (1, 2), (0, 2)):
            i, j = sorted((int(simplex[a]), int(simplex[b])))
            edges.add((i, j))
    full = nx.Graph()
    for i, (x, y) in enumerate(pts):
        full.add_node(i, pos=(float(x), float(y)), neighborhood=int(labels[i]))
    for i, j in edges:
        full.add_edge(i, j, length=float(np.hypot(*(pts[i] - pts[j]))))
    # Keep a spanning tree (connectivity) plus every short link (a street grid's
    # blocks); long Delaunay diagonals across open ground are not streets.
    keep = nx.minimum_spanning_tree(full, weight="length")
    for i, j, d in full.edges(data=True):
        if d["length"] <= 1.6 * block_m:
            keep.add_edge(i, j, **d)
    return keep


def _kmeans_labels(
    pts: np.ndarray, k: int, rng: np.random.Generator, iters: int = 25
) -> np.ndarray:
    centres = pts[rng.choice(len(pts), size=k, replace=False)]
    labels = np.zeros(len(pts), dtype=int)
    for _ in range(iters):
        d = ((pts[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
        labels = d.argmin(1)
        for c in range(k):
            if np.any(labels == c):
                centres[c] = pts[labels == c].mean(0)
    # Relabel so ids are dense 0..k-1 even if a cluster emptied.
    _, dense = np.unique(labels, return_inverse=True)
    return dense


def _assign_attributes(graph: nx.Graph, config: CityConfig, rng: np.random.Generator) -> None:
    """Disadvantage per neighbourhood, land use per place (commerce near centres), households."""
    nbs = np.array([graph.nodes[n]["neighborhood"] for n in graph.nodes])
    n_nb = int(nbs.max()) + 1
    # Neighbourhoods span the configured disadvantage range, in shuffled order.
    levels = np.linspace(config.disadvantage_min, config.disadvantage_max, n_nb)
    levels = levels[rng.permutation(n_nb)]
    pos = np.array([graph.nodes[n]["pos"] for n in graph.nodes])
    for nb in range(n_nb):
        members = np.flatnonzero(nbs == nb)
        if members.size == 0:
            continue
        centre = pos[members].mean(0)
        dist = np.hypot(*(pos[members] - centre).T)
        rank = np.argsort(np.argsort(dist)) / max(len(members) - 1, 1)  # 0 at centre, 1 at edge
        use = np.where(rank < 0.10, 2, np.where(rank < 0.25, 1, 0))  # commercial core, mixed ring
        parks = rng.random(len(members)) < 0.07  # assumption: ~7% of places are parks
        use = np.where(parks & (use == 0), 3, use)
        # More disadvantaged neighbourhoods are denser (assumption).
        density = 1.0 + 0.5 * levels[nb]
        households = rng.poisson(LAND_USE_HOUSEHOLDS[use] * density)
        for k, node in enumerate(members):
            graph.nodes[node]["land_use"] = LAND_USES[use[k]]
            graph.nodes[node]["households"] = int(households[k])
            graph.nodes[node]["disadvantage"] = float(levels[nb])


def city_from_graph(graph: nx.Graph, rng: np.random.Generator) -> City:
    """Turn an attributed, validated graph into a :class:`City` with arrays."""
    graph = nx.convert_node_labels_to_integers(graph, label_attribute="name")
    n = graph.number_of_nodes()
    neighborhood = np.array([graph.nodes[i]["neighborhood"] for i in range(n)], dtype=np.int64)
    _, neighborhood = np.unique(neighborhood, return_inverse=True)  # dense ids 0..k-1
    for i in range(n):
        graph.nodes[i]["neighborhood"] = int(neighborhood[i])
    pos = np.array([graph.nodes[i]["pos"] for i in range(n)], dtype=float)
    households = np.array([graph.nodes[i]["households"] for i in range(n)], dtype=np.int64)
    land_use = np.array([LAND_USES.index(graph.nodes[i]["land_use"]) for i in range(n)])
    disadvantage = np.array([graph.nodes[i]["disadvantage"] for i in range(n)], dtype=float)
    rows, cols, lengths = [], [], []
    for u, v, d in graph.edges(data=True):
        rows += [u, v]
        cols += [v, u]
        lengths += [d["length"], d["length"]]
    weighted = sparse.csr_matrix((lengths, (rows, cols)), shape=(n, n))
    adjacency = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    distance = csgraph.shortest_path(weighted, directed=False).astype(np.float32)
    return City(
        graph=graph,
        neighborhood=neighborhood,
        pos=pos,
        households=households,
        land_use=land_use,
        disadvantage=disadvantage,
        attract_z=rng.standard_normal(n),
        adjacency=adjacency,
        distance_m=distance,
    )


def load_graphml(path: Path, max_places: int = 5000) -> nx.Graph:
    """Read and validate a user's street network from GraphML (never pickle).

    Nodes need ``x`` and ``y`` (metres). ``neighborhood``, ``households``,
    ``land_use`` and ``disadvantage`` are filled with :data:`GRAPHML_DEFAULTS`
    when missing; an edge without ``length`` gets its straight-line length.

    Raises:
        ConfigError: the file is missing, unreadable, empty, too large,
            disconnected, or a node lacks coordinates or has a bad value.
    """
    key = "city.graphml"
    if not path.is_file():
        raise ConfigError(key, str(path), "file not found; give the path of a GraphML file")
    try:
        raw = nx.read_graphml(path)
    except Exception as exc:  # the parser's own errors are many and varied
        raise ConfigError(
            key, str(path), f"not readable as GraphML ({type(exc).__name__})"
        ) from None
    graph = nx.Graph(raw)  # undirected, simple
    if graph.number_of_nodes() == 0:
        raise ConfigError(key, str(path), "the network is empty; it needs at least 9 places")
    if graph.number_of_nodes() > max_places:
        raise ConfigError(
            key,
            str(path),
            f"{graph.number_of_nodes()} places is too large (city.max_places={max_places})",
        )
    if graph.number_of_nodes() < 9:
        raise ConfigError(key, str(path), "the network needs at least 9 places")
    if not nx.is_connected(graph):
        parts = nx.number_connected_components(graph)
        raise ConfigError(
            key, str(path), f"the street network must be connected (it has {parts} parts)"
        )
    for node, data in graph.nodes(data=True):
        try:
            data["pos"] = (float(data["x"]), float(data["y"]))
        except (KeyError, TypeError, ValueError):
            raise ConfigError(
                key, str(path), f"node {node!r} needs numeric 'x' and 'y' (metres)"
            ) from None
        for attr, default in GRAPHML_DEFAULTS.items():
            data.setdefault(attr, default)
        if data["land_use"] not in LAND_USES:
            raise ConfigError(
                key,
                str(path),
                f"node {node!r} land_use={data['land_use']!r}; allowed: {', '.join(LAND_USES)}",
            )
        try:
            data["households"] = int(data["households"])
            data["neighborhood"] = int(data["neighborhood"])
            data["disadvantage"] = float(data["disadvantage"])
        except (TypeError, ValueError):
            raise ConfigError(
                key, str(path), f"node {node!r} has a non-numeric attribute"
            ) from None
        if not 0 <= data["disadvantage"] <= 1 or data["households"] < 0:
            raise ConfigError(
                key, str(path), f"node {node!r}: disadvantage 0-1 and households >= 0"
            )
    for u, v, data in graph.edges(data=True):
        pu, pv = graph.nodes[u]["pos"], graph.nodes[v]["pos"]
        length = float(data.get("length", np.hypot(pu[0] - pv[0], pu[1] - pv[1])))
        data["length"] = max(length, 1.0)
    if sum(d["households"] for _, d in graph.nodes(data=True)) == 0:
        raise ConfigError(key, str(path), "no node has households > 0; residents need homes")
    return graph


def write_graphml(city: City, path: Path) -> None:
    """Write a city as GraphML that :func:`load_graphml` reads back."""
    g = nx.Graph()
    for i in range(city.n_places):
        g.add_node(
            i,
            x=float(city.pos[i, 0]),
            y=float(city.pos[i, 1]),
            neighborhood=int(city.neighborhood[i]),
            households=int(city.households[i]),
            land_use=LAND_USES[city.land_use[i]],
            disadvantage=float(city.disadvantage[i]),
        )
    for u, v, d in city.graph.edges(data=True):
        g.add_edge(u, v, length=float(d["length"]))
    nx.write_graphml(g, path)
