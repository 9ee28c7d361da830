"""Land use of places: the four kinds, what each means to the model; the rule for silent data."""

from __future__ import annotations

import numpy as np

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
