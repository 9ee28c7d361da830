"""Neighbourhood outlines for maps: real polygons, or hulls around a neighbourhood's places.

Shared by every map that draws neighbourhoods (report figures, the dashboard,
animations). Plain NumPy: no GIS packages are needed to draw an imported city.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Boundary:
    """One neighbourhood's outline, in metres.

    Attributes:
        name: Label drawn on maps (the user's neighbourhood name or id).
        rings: Closed rings (k, 2): each polygon's exterior and holes, all drawn as lines.
        label_xy: Where the name goes (a point inside the neighbourhood).
    """

    name: str
    rings: tuple[np.ndarray, ...]
    label_xy: np.ndarray


def hulls(xy: np.ndarray, nb: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Convex outline (closed ring) and label point (centroid of the places) of each neighbourhood.

    Args:
        xy: (P, 2) place positions (any unit).
        nb: Neighbourhood id of each place.

    Returns:
        One ``(ring, centre)`` per neighbourhood id, in increasing id order.
    """
    from scipy.spatial import ConvexHull, QhullError

    out = []
    for k in np.unique(nb):
        pts = xy[nb == k]
        centre = pts.mean(0)
        try:
            ring = pts[ConvexHull(pts).vertices]
        except (QhullError, ValueError):  # fewer than 3 places, or all on a line
            ring = pts
        out.append((np.vstack([ring, ring[:1]]), centre))
    return out


def hull_boundaries(xy: np.ndarray, nb: np.ndarray, names: list[str]) -> list[Boundary]:
    """A :class:`Boundary` per neighbourhood from the convex hull of its places."""
    return [Boundary(names[i], (ring,), centre) for i, (ring, centre) in enumerate(hulls(xy, nb))]
