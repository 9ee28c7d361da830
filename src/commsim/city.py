"""Cities: the ``city.*`` config, the :class:`City` a run uses, and building one.

A city is a connected networkx graph whose nodes are places (street corners
and blocks) and whose edges are street segments with a ``length`` in metres.
:class:`City` keeps the graph for drawing and Mesa's network space, the same
facts as NumPy arrays for the simulation's vectorised hot loop, a table of its
neighbourhoods, and street distances computed on demand
(:mod:`commsim.streetdist`), so a city of 200,000 places fits in memory.
Generators are in :mod:`commsim.citygen`, GraphML files in
:mod:`commsim.citygraphml`, imported city folders in :mod:`commsim.cityfolder`.
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

from commsim import cityfolder
from commsim.citygen import (
    assign_attributes,
    grid_graph,
    neighborhoods_graph,
    organic_graph,
)

# GraphML reading and land use live in their own modules; their names stay importable here.
from commsim.citygraphml import GRAPHML_DEFAULTS, load_graphml, write_graphml  # noqa: F401
from commsim.geometry import Boundary, hull_boundaries
from commsim.landuse import (  # noqa: F401  (re-exported for the model and importers)
    CORE_SHARE,
    LAND_USE_ATTRACTION,
    LAND_USE_HOUSEHOLDS,
    LAND_USES,
    PERSONS_PER_HOUSEHOLD,
    RING_SHARE,
    activity_land_use,
)
from commsim.paramspec import ConfigError, Section, param
from commsim.streetdist import StreetDistances

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
    def inverse_degree(self) -> np.ndarray:
        """1 / number of adjacent places, per place (0 for an isolated place)."""
        inv = self.__dict__.get("_inverse_degree")
        if inv is None:
            deg = np.diff(self.adjacency.indptr).astype(float)
            inv = self.__dict__["_inverse_degree"] = np.divide(
                1.0, deg, out=np.zeros_like(deg), where=deg > 0
            )
        return inv

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
        assign_attributes(graph, config, rng)
    elif config.kind == "organic":
        graph = organic_graph(config.places, config.neighborhoods, config.block_m, rng)
        assign_attributes(graph, config, rng)
    else:
        graph = neighborhoods_graph(config.places, config.neighborhoods, config.block_m, rng)
        assign_attributes(graph, config, rng)
    return city_from_graph(graph, rng, config)


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
