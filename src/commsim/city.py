"""Neighbourhood street networks: generators, user files, validation.

A city is a connected networkx graph whose nodes are places (street corners
and blocks) and whose edges are street segments with a ``length`` in metres.
:class:`City` keeps the graph for drawing and Mesa's network space, the same
facts as NumPy arrays for the simulation's vectorised hot loop, a table of its
neighbourhoods, and street distances computed on demand
(:mod:`commsim.streetdist`), so a city of 200,000 places fits in memory.
"""

from __future__ import annotations

import copy
import zlib
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.spatial import Delaunay

from commsim import cityfolder
from commsim.geometry import Boundary, hull_boundaries
from commsim.inputlimits import InputError, count_xml_elements, open_bounded
from commsim.paramspec import ConfigError, Section, param
from commsim.streetdist import StreetDistances

LAND_USES = ("residential", "mixed", "commercial", "park")
# Relative attractiveness to offenders by land use; assumption (Brantingham &
# Brantingham 1995: commercial "crime attractors").
LAND_USE_ATTRACTION = np.array([1.0, 1.2, 1.5, 1.3])
# Mean households per place by land use; assumption (≈2.5 residents per
# household, US Census 2020, spread over residential blocks).
LAND_USE_HOUSEHOLDS = np.array([4.0, 2.0, 0.0, 0.0])
# People per household (US Census 2020: 2.51), used to derive residents from households.
PERSONS_PER_HOUSEHOLD = 2.5
# Land use where the data gives none: within each neighbourhood the places
# nearest its centre are a commercial core (10%) and a mixed ring (next 15%);
# assumption (Burgess's concentric zones; the generated cities use the same rule).
CORE_SHARE, RING_SHARE = 0.10, 0.25

# Defaults documented in docs/model.md, used for GraphML nodes that lack them.
GRAPHML_DEFAULTS = {
    "neighborhood": 0,
    "households": 3,
    "land_use": "residential",
    "disadvantage": 0.3,
}
CITY_KINDS = ("neighborhoods", "grid", "organic", "graphml", "imported")
GENERATED_KINDS = ("neighborhoods", "grid", "organic")


@dataclass(frozen=True)
class CityConfig(Section):
    """The street network and its neighbourhoods (the ``city.*`` keys)."""

    section = "city"

    name: str = param("default", source="label", doc="Label of the city preset.")
    kind: str = param("neighborhoods", choices=CITY_KINDS, source="choice")
    residents: int | None = param(
        5000,
        lo=10,
        hi=2_000_000,
        unit="people",
        source="assumption: a district of ~2,000 households",
        doc="Resident agents; empty (null) derives them from the city's population or households.",
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
    dir: str | None = param(
        None, source="path", doc="A city folder written by 'commsim city import' (kind=imported)."
    )
    people_per_agent: float = param(
        1.0,
        lo=1,
        hi=10_000,
        unit="people per resident agent",
        source="choice (speed)",
        doc="Each resident agent stands for this many people; households shrink alike, so rates per person hold.",
    )
    max_places: int = param(
        200_000,
        lo=9,
        hi=2_000_000,
        unit="places",
        source="choice (memory limit: ~3 KB per place)",
        doc="Larger networks are refused before they are read whole.",
    )
    seed_offset: int = param(
        0, lo=0, source="choice", doc="Varies the generated layout independently of the run seed."
    )

    def check(self) -> None:
        """Places within the limit, enough places for the neighbourhoods, a file where one is needed."""
        if self.kind in GENERATED_KINDS and self.places > self.max_places:
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
        if self.kind == "imported" and not self.dir:
            raise ConfigError(
                "city.dir",
                self.dir,
                "must be a city folder written by 'commsim city import' when city=imported",
            )


@dataclass
class City:
    """A street network plus per-place arrays (index = place number 0..P-1).

    Attributes:
        graph: Street network, nodes 0..P-1 with ``pos``, ``neighborhood``,
            ``households``, ``land_use``, ``disadvantage`` and ``name`` (the
            file's node id); ``graph.graph["boundaries"]`` holds
            :meth:`boundaries` for maps.
        neighborhood: Neighbourhood (row of :attr:`neighborhoods`) of each place.
        pos: (P, 2) coordinates in metres.
        households: Households living at each place (divided by
            ``people_per_agent`` when agents stand for several people).
        land_use: Index into :data:`LAND_USES`.
        disadvantage: 0-1 index of each place.
        attract_z: A standard-normal draw per place (spread of attractiveness).
        adjacency: Unweighted, symmetric, no self loops.
        weighted: The same streets with their lengths in metres.
        residents: Resident agents of a run on this city.
        place_ids: The input file's own id of each place (text).
        neighborhoods: One row per neighbourhood (index = dense id): ``id``
            (the user's), ``name``, ``households``, ``population``,
            ``disadvantage`` and whatever attributes the data gave.
        polygons: Real boundary rings per neighbourhood, or None.
        crs: Coordinate reference system of ``pos`` (e.g. ``EPSG:32616``), if known.
        people_per_agent: People each resident agent stands for.
    """

    graph: nx.Graph
    neighborhood: np.ndarray
    pos: np.ndarray
    households: np.ndarray
    land_use: np.ndarray
    disadvantage: np.ndarray
    attract_z: np.ndarray
    adjacency: sparse.csr_matrix
    weighted: sparse.csr_matrix
    residents: int
    place_ids: np.ndarray
    neighborhoods: pd.DataFrame
    polygons: list[tuple[np.ndarray, ...]] | None = None
    crs: str | None = None
    people_per_agent: float = 1.0
    streets: StreetDistances = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.streets = StreetDistances(self.weighted, self.pos)
        self.graph.graph["boundaries"] = self.boundaries()

    @property
    def n_places(self) -> int:
        """Number of places (graph nodes)."""
        return len(self.neighborhood)

    @property
    def n_neighborhoods(self) -> int:
        """Number of neighbourhoods (dense ids are 0..n-1)."""
        return len(self.neighborhoods)

    # ------------------------------------------------------------- distances
    def distances_to(self, target: int, sources: np.ndarray) -> np.ndarray:
        """Street distance in metres (float32) from each of ``sources`` to ``target``.

        Examples:
            >>> city.distances_to(12, np.array([0, 5, 40]))
        """
        return self.streets.distances_to(target, sources)

    def nearest(self, target: int, sources: np.ndarray) -> tuple[int, float]:
        """Position in ``sources`` of the place nearest ``target`` by street, and the metres.

        Exact, and cheap however large the city: the search from ``target``
        stops once a source is reached. Ties go to the first source.
        """
        return self.streets.nearest(target, sources)

    def within(self, homes: np.ndarray, places: np.ndarray, radius_m: float) -> np.ndarray:
        """True where ``places[i]`` is at most ``radius_m`` street metres from ``homes[i]``."""
        return self.streets.within(homes, places, radius_m)

    # -------------------------------------------------------- neighbourhoods
    def neighborhood_index(self, id_or_name: Any) -> int:
        """Dense neighbourhood number of a user's neighbourhood id or name.

        The user's ``id`` is tried first, then the ``name`` (case-insensitive);
        for a generated city the ids are 0..n-1.

        Raises:
            KeyError: no neighbourhood has that id or name (the message lists some).
        """
        text = str(id_or_name).strip()
        if isinstance(id_or_name, float) and id_or_name.is_integer():
            text = str(int(id_or_name))
        ids = self.neighborhoods["id"].astype(str).to_numpy()
        hit = np.flatnonzero(ids == text)
        if len(hit) == 0:
            names = self.neighborhoods["name"].astype(str).str.casefold().to_numpy()
            hit = np.flatnonzero(names == text.casefold())
        if len(hit) == 0:
            shown = ", ".join(ids[:5]) + (", ..." if len(ids) > 5 else "")
            raise KeyError(f"no neighbourhood has id or name {text!r} (ids: {shown})")
        return int(hit[0])

    def boundaries(self) -> list[Boundary]:
        """Each neighbourhood's outline and label: real polygons when known, else hulls of its places."""
        names = self.neighborhoods["name"].astype(str).tolist()
        if self.polygons is None:
            return hull_boundaries(self.pos, self.neighborhood, names)
        labels = self.neighborhoods[["label_x", "label_y"]].to_numpy(float)
        return [
            Boundary(names[k], self.polygons[k], labels[k]) for k in range(self.n_neighborhoods)
        ]


def city_for(config: Any) -> City:
    """The city of a run config (a ``SimConfig`` or its ``CityConfig``), built once per process.

    The layout depends on the city section alone (and its ``seed_offset``), never
    on the run seed: every replicate and scenario runs on the same streets.
    ``city.residents`` only sets :attr:`City.residents` (the layout is shared).

    Examples:
        >>> city = city_for(CityConfig(places=100, neighborhoods=3))
    """
    return _sized_city(config if isinstance(config, CityConfig) else config.city)


@lru_cache(maxsize=16)
def _sized_city(config: CityConfig) -> City:
    city = _city_for(replace(config, residents=None))
    if config.residents is None or config.residents == city.residents:
        return city
    resized = copy.copy(city)  # shares the arrays and the distance caches
    resized.residents = int(config.residents)
    return resized


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
    if config.kind == "imported":
        tables = cityfolder.read_city_folder(Path(config.dir or ""), config.max_places, LAND_USES)
        return city_from_tables(tables, config, rng)
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
    return city_from_graph(graph, rng, config)


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


def city_from_graph(
    graph: nx.Graph,
    rng: np.random.Generator,
    config: CityConfig | None = None,
    *,
    neighborhoods: pd.DataFrame | None = None,
    polygons: list[tuple[np.ndarray, ...]] | None = None,
    crs: str | None = None,
) -> City:
    """Turn an attributed, validated graph into a :class:`City` with arrays.

    Args:
        graph: Nodes with ``pos``, ``neighborhood``, ``households``, ``land_use``
            and ``disadvantage``; edges with ``length`` (metres).
        rng: Generator for the per-place attractiveness draw.
        config: The city section (residents, people per agent); defaults if None.
        neighborhoods: The neighbourhood table, one row per dense id (the
            graph's neighbourhood values are then row numbers); built from the
            places if None.
        polygons: Real boundary rings per neighbourhood row, if known.
        crs: Coordinate reference system of the positions, if known.
    """
    config = config or CityConfig()
    graph = nx.convert_node_labels_to_integers(graph, label_attribute="name")
    n = graph.number_of_nodes()
    raw_nb = np.array([graph.nodes[i]["neighborhood"] for i in range(n)], dtype=np.int64)
    nb_ids, neighborhood = np.unique(raw_nb, return_inverse=True)  # dense ids 0..k-1
    for i in range(n):
        graph.nodes[i]["neighborhood"] = int(neighborhood[i])
    pos = np.array([graph.nodes[i]["pos"] for i in range(n)], dtype=float)
    households = np.array([graph.nodes[i]["households"] for i in range(n)], dtype=np.int64)
    land_use = np.array([LAND_USES.index(graph.nodes[i]["land_use"]) for i in range(n)])
    disadvantage = np.array([graph.nodes[i]["disadvantage"] for i in range(n)], dtype=float)
    place_ids = np.array([str(graph.nodes[i]["name"]) for i in range(n)], dtype=object)
    rows, cols, lengths = [], [], []
    for u, v, d in graph.edges(data=True):
        rows += [u, v]
        cols += [v, u]
        lengths += [d["length"], d["length"]]
    weighted = sparse.csr_matrix((lengths, (rows, cols)), shape=(n, n))
    adjacency = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    attract_z = rng.standard_normal(n)
    if neighborhoods is None:
        neighborhoods = _neighborhood_table(nb_ids, neighborhood, households, disadvantage)
    else:
        neighborhoods = neighborhoods.iloc[nb_ids].reset_index(drop=True)
        if polygons is not None:
            polygons = [polygons[k] for k in nb_ids]
    ppa = float(config.people_per_agent)
    if ppa > 1:
        households = _scale_households(households, ppa)
        for i in range(n):
            graph.nodes[i]["households"] = int(households[i])
    return City(
        graph=graph,
        neighborhood=neighborhood,
        pos=pos,
        households=households,
        land_use=land_use,
        disadvantage=disadvantage,
        attract_z=attract_z,
        adjacency=adjacency,
        weighted=weighted,
        residents=config.residents or derived_residents(neighborhoods, households, ppa),
        place_ids=place_ids,
        neighborhoods=neighborhoods,
        polygons=polygons,
        crs=crs,
        people_per_agent=ppa,
    )


def city_from_tables(
    tables: cityfolder.CityTables, config: CityConfig, rng: np.random.Generator
) -> City:
    """A :class:`City` from a city folder's tables (see :mod:`commsim.cityfolder`)."""
    places, streets = tables.places, tables.streets
    graph = nx.Graph()
    xy = places[["x", "y"]].to_numpy(float)
    graph.add_nodes_from(
        (
            i,
            {
                "pos": (float(xy[i, 0]), float(xy[i, 1])),
                "neighborhood": int(nb),
                "households": int(hh),
                "land_use": str(use),
                "disadvantage": float(dis),
            },
        )
        for i, (nb, hh, use, dis) in enumerate(
            zip(
                places["neighborhood"],
                places["households"],
                places["land_use"],
                places["disadvantage"],
                strict=True,
            )
        )
    )
    graph.add_edges_from(
        (int(u), int(v), {"length": float(length)})
        for u, v, length in zip(streets["u"], streets["v"], streets["length_m"], strict=True)
    )
    if not nx.is_connected(graph):
        raise ConfigError("city.dir", config.dir, "the street network is not connected")
    city = city_from_graph(
        graph,
        rng,
        config,
        neighborhoods=tables.neighborhoods,
        polygons=tables.rings(),
        crs=tables.meta.get("crs"),
    )
    city.place_ids = places["id"].astype(str).to_numpy(dtype=object)
    return city


def derived_residents(
    neighborhoods: pd.DataFrame, households: np.ndarray, people_per_agent: float = 1.0
) -> int:
    """Resident agents for a city: its population (else households x 2.5), per agent.

    ``households`` are the city's (already divided by ``people_per_agent``).
    """
    population = pd.to_numeric(neighborhoods.get("population"), errors="coerce")
    if population is not None and np.isfinite(population).all() and population.sum() > 0:
        people = float(population.sum()) / people_per_agent
    else:
        people = float(households.sum()) * PERSONS_PER_HOUSEHOLD
    return max(10, round(people))


def _scale_households(households: np.ndarray, people_per_agent: float) -> np.ndarray:
    """Households of a 1-in-``people_per_agent`` sample, rounded at random (seeded), never all 0."""
    rng = np.random.default_rng(zlib.crc32(b"households"))
    scaled = households / people_per_agent
    out = np.floor(scaled + rng.random(len(scaled))).astype(np.int64)
    if out.sum() == 0:
        out[np.argmax(households)] = 1
    return out


def _neighborhood_table(
    ids: np.ndarray, neighborhood: np.ndarray, households: np.ndarray, disadvantage: np.ndarray
) -> pd.DataFrame:
    """Neighbourhood table of a city given only per-place values (generated or GraphML)."""
    k = len(ids)
    hh = np.bincount(neighborhood, weights=households, minlength=k)
    count = np.bincount(neighborhood, minlength=k)
    dis = np.bincount(neighborhood, weights=disadvantage, minlength=k) / np.maximum(count, 1)
    return pd.DataFrame(
        {
            "id": [str(i) for i in ids],
            "name": [str(i) for i in ids],
            "households": hh.astype(np.int64),
            "population": hh * PERSONS_PER_HOUSEHOLD,
            "disadvantage": dis,
        }
    )


def activity_land_use(pos: np.ndarray, neighborhood: np.ndarray) -> np.ndarray:
    """Land use by the documented rule: a commercial core and mixed ring in every neighbourhood.

    Within each neighbourhood, the 10% of places nearest its centre are
    commercial, the next 15% mixed, the rest residential; a neighbourhood of
    one place is mixed. Every city so has places to work, shop and go out.

    Returns:
        Index into :data:`LAND_USES` per place.
    """
    use = np.zeros(len(pos), dtype=np.int64)
    for nb in np.unique(neighborhood):
        members = np.flatnonzero(neighborhood == nb)
        centre = pos[members].mean(0)
        dist = np.hypot(*(pos[members] - centre).T)
        rank = np.argsort(np.argsort(dist, kind="stable")) / max(len(members) - 1, 1)
        use[members] = np.where(rank < CORE_SHARE, 2, np.where(rank < RING_SHARE, 1, 0))
        if len(members) == 1:
            use[members] = 1
    return use


def load_graphml(path: Path, max_places: int = 200_000) -> nx.Graph:
    """Read and validate a user's street network from GraphML (never pickle).

    Nodes need ``x`` and ``y`` (metres). ``neighborhood``, ``households`` and
    ``disadvantage`` are filled with :data:`GRAPHML_DEFAULTS` when missing;
    ``land_use`` missing on every node follows :func:`activity_land_use`, and a
    file whose land uses leave no place to work or shop gets that rule's
    commercial core too. An edge without ``length`` gets its straight-line
    length. The file (``.graphml`` or ``.graphml.gz``) is checked for size and
    node count while streaming, before it is parsed whole.

    Raises:
        ConfigError: on ``city.graphml``: the file is missing, unreadable,
            empty, too large, disconnected, or a node lacks coordinates or has
            a bad value.
    """
    key = "city.graphml"
    try:
        counts = count_xml_elements(path, ("node", "edge"), max_places)
        if counts["node"] == 0:
            raise InputError(path, "the network is empty; it needs at least 9 places")
        with open_bounded(path) as stream:
            raw = nx.read_graphml(stream)
    except InputError as exc:
        raise exc.as_config_error(key) from None
    except Exception as exc:  # the parser's own errors are many and varied
        raise ConfigError(
            key, str(path), f"not readable as GraphML ({type(exc).__name__})"
        ) from None
    graph = nx.Graph(raw)  # undirected, simple
    graph.remove_edges_from(list(nx.selfloop_edges(graph)))
    _refuse_non_metres(raw, path)
    if graph.number_of_nodes() < 9:
        raise ConfigError(key, str(path), "the network needs at least 9 places")
    if not nx.is_connected(graph):
        parts = nx.number_connected_components(graph)
        raise ConfigError(
            key, str(path), f"the street network must be connected (it has {parts} parts)"
        )
    given_use = any("land_use" in d for _, d in graph.nodes(data=True))
    for node, data in graph.nodes(data=True):
        try:
            data["pos"] = (float(data["x"]), float(data["y"]))
        except (KeyError, TypeError, ValueError):
            raise ConfigError(
                key, str(path), f"node {node!r} needs numeric 'x' and 'y' (metres)"
            ) from None
        if not np.isfinite(data["pos"]).all():
            raise ConfigError(key, str(path), f"node {node!r} has a non-finite x or y")
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
        except (TypeError, ValueError, OverflowError):
            raise ConfigError(
                key, str(path), f"node {node!r} has a non-numeric attribute"
            ) from None
        if not 0 <= data["disadvantage"] <= 1 or data["households"] < 0:
            raise ConfigError(
                key, str(path), f"node {node!r}: disadvantage 0-1 and households >= 0"
            )
    for u, v, data in graph.edges(data=True):
        pu, pv = graph.nodes[u]["pos"], graph.nodes[v]["pos"]
        try:
            length = float(data.get("length", np.hypot(pu[0] - pv[0], pu[1] - pv[1])))
        except (TypeError, ValueError):
            raise ConfigError(
                key, str(path), f"street {u!r}-{v!r} has a non-numeric length"
            ) from None
        if not np.isfinite(length) or length < 0:
            raise ConfigError(
                key, str(path), f"street {u!r}-{v!r} has length {length}; must be finite and >= 0"
            )
        data["length"] = max(length, 1.0)
    if sum(d["households"] for _, d in graph.nodes(data=True)) == 0:
        raise ConfigError(key, str(path), "no node has households > 0; residents need homes")
    _ensure_activity_places(graph, given_use)
    return graph


def _refuse_non_metres(raw: nx.Graph, path: Path) -> None:
    """Refuse longitude/latitude or feet: only ``commsim city import`` projects coordinates."""
    key, fix = "city.graphml", "import it with 'commsim city import', which projects to metres"
    crs = raw.graph.get("crs")
    if crs:
        try:
            from pyproj import CRS

            info = CRS.from_user_input(crs)
            metric = info.is_projected and info.axis_info[0].unit_name in ("metre", "meter")
        except Exception:  # no pyproj, or a CRS it cannot read: judge by the numbers below
            metric = True
        if not metric:
            raise ConfigError(key, str(path), f"coordinates are in {crs}, not metres; {fix}")
    xy = []
    for _, d in raw.nodes(data=True):
        try:
            xy.append((float(d["x"]), float(d["y"])))
        except (KeyError, TypeError, ValueError):
            return  # reported node by node later
    xy_arr = np.array(xy)
    small = len(xy_arr) and np.ptp(xy_arr[:, 0]) < 5 and np.ptp(xy_arr[:, 1]) < 5
    if small and (np.abs(xy_arr[:, 0]) <= 180).all() and (np.abs(xy_arr[:, 1]) <= 90).all():
        raise ConfigError(
            key, str(path), f"x and y look like longitude/latitude, not metres; {fix}"
        )


def _ensure_activity_places(graph: nx.Graph, given_use: bool) -> None:
    """Apply :func:`activity_land_use` where the file gives no land use or no place to work."""
    nodes = list(graph.nodes)
    uses = [graph.nodes[n]["land_use"] for n in nodes]
    if given_use and any(u in ("commercial", "mixed") for u in uses):
        return
    pos = np.array([graph.nodes[n]["pos"] for n in nodes], dtype=float)
    nb = np.array([graph.nodes[n]["neighborhood"] for n in nodes])
    rule = activity_land_use(pos, nb)
    for node, use, new in zip(nodes, uses, rule, strict=True):
        # Data's own land use stays where given (parks stay parks); the rule adds
        # the commercial core and mixed ring the file lacked.
        if not given_use or (new > 0 and use == "residential"):
            graph.nodes[node]["land_use"] = LAND_USES[new]


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
