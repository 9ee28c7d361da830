"""Generated street networks: grid, organic and multi-neighbourhood cities, with attributes."""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
from scipy.spatial import Delaunay

from commsim.landuse import LAND_USE_HOUSEHOLDS, LAND_USES


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
    return _delaunay_streets(pts, kmeans_labels(pts, neighborhoods, rng), block_m)


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


def kmeans_labels(pts: np.ndarray, k: int, rng: np.random.Generator, iters: int = 25) -> np.ndarray:
    """Cluster points into ``k`` groups (Lloyd's k-means); labels are dense 0..k-1."""
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


def assign_attributes(graph: nx.Graph, config: Any, rng: np.random.Generator) -> None:
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
