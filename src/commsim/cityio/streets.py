"""Street networks from users' files: OpenStreetMap XML, GraphML, or a GIS line layer.

Every reader returns :class:`Streets`: places (junctions) with the file's own
ids and coordinates in metres, and streets between them with lengths in
metres. Self-loops are dropped, parallel streets keep the shortest, and
non-finite coordinates or lengths are refused.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np

from commsim.cityio import projection, sources
from commsim.inputlimits import InputError, check_file, count_xml_elements, open_bounded

# An OpenStreetMap extract holds many nodes per street junction (the shape of
# each way); its node count may be this multiple of city.max_places. choice
OSM_NODES_PER_PLACE = 25
# Line ends closer than this (metres) are one junction. choice
SNAP_M = 0.5
# Attributes a GraphML node may carry that a city keeps.
NODE_ATTRIBUTES = ("land_use", "households", "neighborhood", "disadvantage")


@dataclass
class Streets:
    """A street network in metres.

    Attributes:
        ids: The file's id of each place (text).
        xy: (P, 2) coordinates in metres.
        u, v: Place rows of each street's ends.
        length: Street lengths in metres.
        crs: The metric CRS of ``xy`` (None: metres, unnamed).
        attrs: Per-place attributes the file gave (``land_use``, ...), as object arrays.
        notes: What was done, for the summary.
    """

    ids: np.ndarray
    xy: np.ndarray
    u: np.ndarray
    v: np.ndarray
    length: np.ndarray
    crs: str | None
    attrs: dict[str, np.ndarray] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def read_streets(path: Path, crs: str | None, max_places: int, layer: str | None = None) -> Streets:
    """Read a street network file, projected to metres.

    Raises:
        InputError: one line naming the file and the problem.
    """
    kind = sources.kind_of(path)
    check_file(path)
    if kind == "graphml":
        count_xml_elements(path, ("node",), max_places)
        graph = _read_graphml(path)
        return _from_graph(path, graph, crs, need_crs=False)
    if kind == "osm":
        count_xml_elements(path, ("node",), max_places * OSM_NODES_PER_PLACE)
        with sources.plain_copy(path) as plain:
            graph = _read_osm(path, plain)
        return _from_graph(path, graph, crs, need_crs=True)
    with sources.plain_copy(path) as plain:
        n = sources.gis_feature_count(plain, layer)
        if n > 3 * max_places:
            raise InputError(
                path, f"has {n:,} lines, more than 3 x city.max_places={max_places:,}; cut the area"
            )
        return _from_lines(path, plain, crs, layer, max_places)


def _read_graphml(path: Path) -> nx.Graph:
    try:
        with open_bounded(path) as stream:
            return nx.read_graphml(stream)
    except InputError:
        raise
    except Exception as exc:  # the parser's own errors are many and varied
        raise InputError(path, f"not readable as GraphML ({type(exc).__name__})") from None


def _read_osm(path: Path, plain: Path) -> nx.Graph:
    import osmnx as ox

    logging.getLogger("osmnx").setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ox.graph_from_xml(plain, simplify=True, retain_all=True)
    except Exception as exc:  # osmnx raises several types for unusable extracts
        text = str(exc).splitlines()[0][:100] if str(exc) else type(exc).__name__
        raise InputError(
            path, f"no usable streets in this OpenStreetMap extract ({text})"
        ) from None


def _from_graph(path: Path, graph: nx.Graph, crs: str | None, need_crs: bool) -> Streets:
    """Places and streets of a (multi)graph with node ``x``, ``y`` and edge ``length``."""
    nodes = list(graph.nodes)
    ids = np.array([str(n) for n in nodes], dtype=object)
    index = {n: i for i, n in enumerate(nodes)}
    xy = np.full((len(nodes), 2), np.nan)
    for i, n in enumerate(nodes):
        data = graph.nodes[n]
        try:
            xy[i] = float(data["x"]), float(data["y"])
        except (KeyError, TypeError, ValueError):
            raise InputError(path, f"node {n} needs numeric 'x' and 'y'") from None
    projection.finite_or_fail(path, xy, ids)
    own_crs = graph.graph.get("crs")
    resolved = projection.resolve_crs(path, own_crs, crs, xy, need=need_crs)
    proj = projection.to_metres(xy, resolved, path=path)
    u, v, length = [], [], []
    for a, b, data in graph.edges(data=True):
        u.append(index[a])
        v.append(index[b])
        raw = data.get("length")
        try:
            length.append(np.nan if raw is None else float(raw))
        except (TypeError, ValueError):
            raise InputError(path, f"street {a}-{b} has a non-numeric length {raw!r}") from None
    lengths = np.array(length, dtype=float)
    given = ~np.isnan(lengths)
    if np.isinf(lengths).any() or (lengths[given] < 0).any():
        bad = int(np.argmax(np.isinf(lengths) | (given & (lengths < 0))))
        raise InputError(path, f"street {ids[u[bad]]}-{ids[v[bad]]} has length {lengths[bad]}")
    attrs = {}
    for key in NODE_ATTRIBUTES:
        values = [graph.nodes[n].get(key) for n in nodes]
        if any(x is not None for x in values):
            attrs[key] = np.array(values, dtype=object)
    streets = Streets(ids, proj.xy, np.array(u, int), np.array(v, int), lengths, proj.crs, attrs)
    streets.notes.append(proj.note)
    _lengths_in_metres(path, streets, proj.unit_m)
    return simplify(path, streets)


def _from_lines(
    path: Path, plain: Path, crs: str | None, layer: str | None, max_places: int
) -> Streets:
    """Junctions at line ends (snapped within :data:`SNAP_M`), streets along the lines."""
    import pyogrio
    import shapely

    try:
        frame = pyogrio.read_dataframe(plain, layer=layer)
    except Exception as exc:  # GDAL raises many types for unreadable files
        raise InputError(
            path, f"not readable as a GIS layer ({sources._first_line(exc)})"
        ) from None
    frame = frame[frame.geometry.notna()]
    kinds = set(frame.geometry.geom_type)
    if not kinds or not kinds <= {"LineString", "MultiLineString"}:
        raise InputError(
            path, f"needs street lines; it holds {', '.join(sorted(kinds)) or 'nothing'}"
        )
    lines = frame.geometry.explode(index_parts=False)
    coords = shapely.get_coordinates(lines.values)
    projection.finite_or_fail(path, coords, np.arange(len(coords)), "vertex")
    own = frame.crs.to_string() if frame.crs is not None else None
    resolved = projection.resolve_crs(path, own, crs, coords, need=True)
    proj = projection.to_metres(coords, resolved, path=path)
    counts = shapely.get_num_coordinates(lines.values)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    ends = starts + counts - 1
    xy = proj.xy
    seg = np.hypot(*np.diff(xy, axis=0).T)
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    length = cum[ends] - cum[starts]
    keys = np.round(np.vstack([xy[starts], xy[ends]]) / SNAP_M).astype(np.int64)
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    if len(uniq) > max_places:
        raise InputError(
            path, f"has {len(uniq):,} junctions, more than city.max_places={max_places:,}"
        )
    nodes_xy = uniq * SNAP_M
    m = len(starts)
    ids = np.array([f"{x:.1f},{y:.1f}" for x, y in nodes_xy], dtype=object)
    streets = Streets(ids, nodes_xy.astype(float), inverse[:m], inverse[m:], length, proj.crs)
    streets.notes.append(proj.note)
    streets.notes.append(f"junctions are line ends within {SNAP_M} m; ids are their x,y in metres")
    return simplify(path, streets)


def _lengths_in_metres(path: Path, streets: Streets, unit_m: float) -> None:
    """Fill missing lengths with the straight line; convert lengths given in feet."""
    chord = np.hypot(*(streets.xy[streets.u] - streets.xy[streets.v]).T)
    given = ~np.isnan(streets.length)
    ok = given & (chord > 0)
    if unit_m != 1.0 and ok.any():
        ratio = float(np.median(streets.length[ok] / chord[ok]))
        if abs(ratio * unit_m - 1) < abs(ratio - 1):  # lengths are in the CRS's units
            streets.length = streets.length * unit_m
            streets.notes.append(f"street lengths converted from CRS units ({unit_m:g} m each)")
    streets.length = np.where(given, streets.length, chord)


def simplify(path: Path | str, streets: Streets) -> Streets:
    """Drop self-loops; parallel streets keep the shortest; lengths at least 1 m."""
    loops = streets.u == streets.v
    if loops.any():
        streets.notes.append(f"{int(loops.sum())} self-loop street(s) dropped")
    u, v, length = streets.u[~loops], streets.v[~loops], streets.length[~loops]
    if len(u) == 0:
        raise InputError(path, "has no streets between two different places")
    a, b = np.minimum(u, v), np.maximum(u, v)
    order = np.lexsort((length, b, a))
    a, b, length = a[order], b[order], length[order]
    first = np.ones(len(a), dtype=bool)
    first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    streets.u, streets.v, streets.length = a[first], b[first], np.maximum(length[first], 1.0)
    return streets


def as_graph(streets: Streets) -> nx.Graph:
    """An undirected graph of places 0..P-1 and streets (``length``)."""
    g = nx.Graph()
    g.add_nodes_from(range(len(streets.ids)))
    g.add_weighted_edges_from(
        zip(streets.u.tolist(), streets.v.tolist(), streets.length.tolist(), strict=True),
        weight="length",
    )
    return g
