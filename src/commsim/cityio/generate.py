"""Streets inside neighbourhood polygons, for a city given as polygons alone.

The documented generator: junctions on a square grid of ``block_m`` spacing,
jittered by 15% of a block (assumption: real grids are not exact), kept where
they fall inside a neighbourhood; every polygon with no junction inside gets
one at a point inside it. Streets join Delaunay neighbours up to 1.6 blocks
apart (a grid's blocks and some diagonals), plus the shortest links that
connect every part (a minimum spanning tree: bridges across rivers and parks).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import Delaunay

from commsim.cityio.streets import Streets, simplify
from commsim.inputlimits import InputError

JITTER = 0.15  # of a block; assumption
LINK_BLOCKS = 1.6  # longest street, in blocks; as the generated cities


def streets_in_polygons(
    areas: Any, block_m: float, max_places: int, seed: int, source: str
) -> Streets:
    """A street network filling the polygons of ``areas`` (a GeoDataFrame in metres)."""
    import shapely

    rng = np.random.default_rng(seed)
    union = shapely.union_all(areas.geometry.values)
    x0, y0, x1, y1 = union.bounds
    expected = union.area / block_m**2
    if expected > max_places:
        raise InputError(
            source,
            f"a {block_m:g} m street grid in these polygons has ~{expected:,.0f} junctions, "
            f"more than city.max_places={max_places:,}; raise --block-m",
        )
    gx, gy = np.meshgrid(np.arange(x0, x1 + block_m, block_m), np.arange(y0, y1 + block_m, block_m))
    pts = np.column_stack([gx.ravel(), gy.ravel()])
    pts = pts + rng.normal(0, JITTER * block_m, pts.shape)
    pts = pts[shapely.contains_xy(union, pts[:, 0], pts[:, 1])]
    inside = [shapely.contains_xy(g, pts[:, 0], pts[:, 1]).any() for g in areas.geometry.values]
    extra = [
        shapely.get_coordinates(g.representative_point())[0]
        for g, ok in zip(areas.geometry.values, inside, strict=True)
        if not ok
    ]
    if extra:
        pts = np.vstack([pts, np.array(extra)])
    if len(pts) < 9:
        raise InputError(
            source, f"the polygons hold only {len(pts)} junctions at {block_m:g} m; lower --block-m"
        )
    tri = Delaunay(pts)
    s = tri.simplices
    edges = np.vstack([s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]]])
    edges = np.unique(np.sort(edges, axis=1), axis=0)
    length = np.hypot(*(pts[edges[:, 0]] - pts[edges[:, 1]]).T)
    n = len(pts)
    full = sparse.csr_matrix((length, (edges[:, 0], edges[:, 1])), shape=(n, n))
    tree = csgraph.minimum_spanning_tree(full).tocoo()
    keep = length <= LINK_BLOCKS * block_m
    u = np.concatenate([edges[keep, 0], tree.row])
    v = np.concatenate([edges[keep, 1], tree.col])
    ids = np.array([str(i) for i in range(n)], dtype=object)
    streets = Streets(
        ids, pts, u, v, np.hypot(*(pts[u] - pts[v]).T), areas.crs.to_string() if areas.crs else None
    )
    streets.notes.append(
        f"streets generated inside the polygons: a {block_m:g} m grid jittered by "
        f"{JITTER:.0%}, Delaunay links up to {LINK_BLOCKS:g} blocks, joined by a spanning tree"
    )
    return simplify(source, streets)
