"""A user's street network as GraphML: read within limits, checked, and written back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from commsim.inputlimits import InputError, count_xml_elements, open_bounded
from commsim.landuse import LAND_USES, activity_land_use
from commsim.paramspec import ConfigError

GRAPHML_DEFAULTS = {
    "neighborhood": 0,
    "households": 3,
    "land_use": "residential",
    "disadvantage": 0.3,
}


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


def write_graphml(city: Any, path: Path) -> None:
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
