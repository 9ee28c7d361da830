"""A city's tables from streets and neighbourhoods: join, clean, land use, households.

Rules (documented in docs/model.md, "Input data"):

* a place belongs to the neighbourhood polygon it lies in; places outside every
  polygon are dropped, and so are neighbourhoods with no place;
* a street network in several parts is refused, or (``keep_largest``) its
  largest part kept with a note;
* land use comes from the data where given, else
  :func:`commsim.city.activity_land_use` (a commercial core and mixed ring in
  each neighbourhood), so there are always places to work, shop and go out;
* a neighbourhood's households (or population / 2.5) are spread over its
  residential and mixed places in proportion 4 : 2 (as the generated cities);
  without such data, each place gets 4, 2 or 0 households by land use;
* a place's disadvantage is its neighbourhood's (0.3 where the data has none).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph

from commsim.cityfolder import CityTables
from commsim.citygen import kmeans_labels
from commsim.citygraphml import GRAPHML_DEFAULTS
from commsim.cityio.streets import Streets
from commsim.inputlimits import InputError
from commsim.landuse import (
    LAND_USE_HOUSEHOLDS,
    LAND_USES,
    PERSONS_PER_HOUSEHOLD,
    activity_land_use,
)

# Places per neighbourhood when a street file comes without neighbourhoods. choice
PLACES_PER_CLUSTER = 500


@dataclass
class Assembled:
    """The tables and what was done, for the summary."""

    tables: CityTables
    notes: list[str] = field(default_factory=list)


def assemble(
    streets: Streets,
    areas: Any | None,
    source: Path,
    keep_largest: bool,
    seed: int = 0,
) -> Assembled:
    """Join places to neighbourhoods and derive everything a city folder needs."""
    notes = list(streets.notes)
    n = len(streets.ids)
    if areas is not None:
        nb = _join(streets.xy, areas)
        outside = nb < 0
        if outside.all():
            raise InputError(
                source, "no street junction lies inside any neighbourhood polygon (check the CRS)"
            )
        if outside.any():
            notes.append(
                f"{int(outside.sum()):,} of {n:,} places lie outside every neighbourhood: dropped"
            )
        keep = ~outside
    else:
        nb = _neighbourhoods_without_polygons(streets, seed, notes)
        keep = np.ones(n, dtype=bool)
    keep = _connected(streets, keep, source, keep_largest, notes)
    rows = np.flatnonzero(keep)
    new_index = np.full(n, -1)
    new_index[rows] = np.arange(len(rows))
    both = keep[streets.u] & keep[streets.v]
    u, v, length = new_index[streets.u[both]], new_index[streets.v[both]], streets.length[both]
    xy = streets.xy[rows]
    nb = nb[rows]
    if areas is not None:
        table = pd.DataFrame(areas.drop(columns="geometry")).reset_index(drop=True)
        used = np.unique(nb)
        if len(used) < len(table):
            empty = table["name"].to_numpy()[np.setdiff1d(np.arange(len(table)), used)]
            shown = ", ".join(map(str, empty[:5])) + (", ..." if len(empty) > 5 else "")
            notes.append(
                f"{len(empty)} neighbourhood(s) hold no street junction and were dropped: {shown}"
            )
        geoms = areas.geometry.values[used]
        table = table.iloc[used].reset_index(drop=True)
        nb = np.searchsorted(used, nb)
    else:
        geoms = None
        table = pd.DataFrame({"id": None, "name": None}, index=range(nb.max() + 1))
        table["id"] = table["name"] = [str(k) for k in range(len(table))]
        for col in ("population", "households", "disadvantage"):
            table[col] = np.nan
    attrs = {k: a[rows] for k, a in streets.attrs.items()}
    land_use = _land_use(attrs, xy, nb, source, notes)
    households = _households(table, attrs, land_use, nb, source, notes)
    disadvantage = _disadvantage(table, attrs, nb, source, notes)
    table["households"] = np.bincount(nb, weights=households, minlength=len(table)).astype(np.int64)
    pop = pd.to_numeric(table["population"], errors="coerce")
    table["population"] = np.where(pop.notna(), pop, table["households"] * PERSONS_PER_HOUSEHOLD)
    table["disadvantage"] = np.bincount(
        nb, weights=disadvantage, minlength=len(table)
    ) / np.maximum(np.bincount(nb, minlength=len(table)), 1)
    boundaries, labels = _rings(geoms, xy, nb)
    table["label_x"], table["label_y"] = labels[:, 0], labels[:, 1]
    places = pd.DataFrame(
        {
            "id": streets.ids[rows].astype(str),
            "x": xy[:, 0],
            "y": xy[:, 1],
            "neighborhood": nb.astype(np.int64),
            "households": households.astype(np.int64),
            "land_use": [LAND_USES[k] for k in land_use],
            "disadvantage": disadvantage,
        }
    )
    streets_frame = pd.DataFrame(
        {"u": u.astype(np.int64), "v": v.astype(np.int64), "length_m": length}
    )
    meta = {"crs": streets.crs}
    return Assembled(CityTables(places, streets_frame, table, boundaries, meta), notes)


def _join(xy: np.ndarray, areas: Any) -> np.ndarray:
    """Row of the polygon each point lies in (the first, on shared borders), or -1."""
    import shapely

    tree = shapely.STRtree(areas.geometry.values)
    pts, polys = tree.query(shapely.points(xy), predicate="intersects")
    out = np.full(len(xy), -1)
    order = np.lexsort((polys, pts))
    pts, polys = pts[order], polys[order]
    first = np.ones(len(pts), dtype=bool)
    first[1:] = pts[1:] != pts[:-1]
    out[pts[first]] = polys[first]
    return out


def _neighbourhoods_without_polygons(streets: Streets, seed: int, notes: list[str]) -> np.ndarray:
    given = streets.attrs.get("neighborhood")
    if given is not None and all(x is not None for x in given):
        _, dense = np.unique(given.astype(str), return_inverse=True)
        notes.append("neighbourhoods from the nodes' 'neighborhood' attribute")
        return dense.ravel()
    k = int(np.clip(round(len(streets.ids) / PLACES_PER_CLUSTER), 1, 100))
    notes.append(f"no neighbourhoods given: {k} made by k-means on place positions")
    return kmeans_labels(streets.xy, k, np.random.default_rng(seed))


def _connected(
    streets: Streets, keep: np.ndarray, source: Path, keep_largest: bool, notes: list[str]
) -> np.ndarray:
    n = len(keep)
    both = keep[streets.u] & keep[streets.v]
    g = sparse.csr_matrix((np.ones(both.sum()), (streets.u[both], streets.v[both])), shape=(n, n))
    _, label = csgraph.connected_components(g, directed=False)
    label = np.where(keep, label, -1)
    sizes = np.bincount(label[keep])
    parts = int((sizes > 0).sum())
    if parts == 1:
        return keep
    big = int(np.argmax(sizes))
    if not keep_largest:
        raise InputError(
            source,
            f"the street network has {parts:,} separate parts (the largest has {sizes[big]:,} of "
            f"{int(keep.sum()):,} places); pass --keep-largest to keep only the largest",
        )
    notes.append(
        f"street network in {parts:,} parts: kept the largest "
        f"({sizes[big]:,} of {int(keep.sum()):,} places)"
    )
    return label == big


def _land_use(
    attrs: dict[str, np.ndarray], xy: np.ndarray, nb: np.ndarray, source: Path, notes: list[str]
) -> np.ndarray:
    rule = activity_land_use(xy, nb)
    given = attrs.get("land_use")
    if given is None:
        notes.append(
            "land use by the documented rule: a commercial core (10%) and mixed ring (15%) "
            "in each neighbourhood"
        )
        return rule
    use = np.array([LAND_USES.index(x) if x in LAND_USES else -1 for x in given])
    unknown = [x for x in given if x is not None and x not in LAND_USES]
    if unknown:
        raise InputError(source, f"land_use {unknown[0]!r}; allowed: {', '.join(LAND_USES)}")
    use = np.where(use < 0, rule, use)
    if not np.isin(use, (1, 2)).any():
        notes.append(
            "the data's land use leaves no place to work or shop: the rule's core and ring added"
        )
        use = np.where((use == 0) & (rule > 0), rule, use)
    return use


def _households(
    table: pd.DataFrame,
    attrs: dict[str, np.ndarray],
    land_use: np.ndarray,
    nb: np.ndarray,
    source: Path,
    notes: list[str],
) -> np.ndarray:
    weight = LAND_USE_HOUSEHOLDS[land_use]
    hh = pd.to_numeric(table["households"], errors="coerce").to_numpy(float)
    pop = pd.to_numeric(table["population"], errors="coerce").to_numpy(float)
    target = np.where(np.isfinite(hh), hh, pop / PERSONS_PER_HOUSEHOLD)
    if np.isfinite(target).all() and target.sum() > 0:
        out = np.zeros(len(nb), dtype=np.int64)
        for k in range(len(table)):
            members = np.flatnonzero(nb == k)
            w = weight[members] if weight[members].sum() > 0 else np.ones(len(members))
            out[members] = _largest_remainder(target[k] * w / w.sum())
        notes.append(
            "households spread over each neighbourhood's residential and mixed places (4 : 2)"
        )
        return out
    given = attrs.get("households")
    if given is not None and all(x is not None for x in given):
        try:
            out = np.array([int(float(x)) for x in given], dtype=np.int64)
        except (TypeError, ValueError):
            raise InputError(source, "node households must be whole numbers") from None
        if (out < 0).any() or out.sum() == 0:
            raise InputError(source, "node households must be >= 0 and not all 0")
        return out
    notes.append(
        "no population or households given: 4 per residential place, 2 per mixed (assumption)"
    )
    return LAND_USE_HOUSEHOLDS[land_use].astype(np.int64)


def _disadvantage(
    table: pd.DataFrame,
    attrs: dict[str, np.ndarray],
    nb: np.ndarray,
    source: Path,
    notes: list[str],
) -> np.ndarray:
    by_nb = pd.to_numeric(table["disadvantage"], errors="coerce").to_numpy(float)
    if np.isfinite(by_nb).all():
        return by_nb[nb]
    given = attrs.get("disadvantage")
    if given is not None and all(x is not None for x in given):
        out = np.array([float(x) for x in given])
        if not (np.isfinite(out).all() and ((out >= 0) & (out <= 1)).all()):
            raise InputError(source, "node disadvantage must be between 0 and 1")
        return out
    default = float(GRAPHML_DEFAULTS["disadvantage"])
    notes.append(f"no income or disadvantage given: disadvantage {default} everywhere (assumption)")
    return np.full(len(nb), default)


def _largest_remainder(shares: np.ndarray) -> np.ndarray:
    """Whole numbers summing to round(sum(shares)), each within 1 of its share."""
    floor = np.floor(shares).astype(np.int64)
    left = round(float(shares.sum())) - int(floor.sum())
    if left > 0:
        floor[np.argsort(-(shares - floor), kind="stable")[:left]] += 1
    return floor


def _rings(geoms: Any, xy: np.ndarray, nb: np.ndarray) -> tuple[pd.DataFrame | None, np.ndarray]:
    """Boundary rings (exteriors and holes) and label points; hull centres without polygons."""
    k = int(nb.max()) + 1
    if geoms is None:
        labels = np.array([xy[nb == i].mean(0) for i in range(k)])
        return None, labels
    import shapely

    frames, labels = [], []
    for i, geom in enumerate(geoms):
        labels.append(shapely.get_coordinates(geom.representative_point())[0])
        ring_no = 0
        for poly in shapely.get_parts(geom):
            if poly.geom_type != "Polygon":  # repaired geometry may carry stray lines
                continue
            for ring in [poly.exterior, *poly.interiors]:
                c = shapely.get_coordinates(ring)
                frames.append(
                    pd.DataFrame({"neighborhood": i, "ring": ring_no, "x": c[:, 0], "y": c[:, 1]})
                )
                ring_no += 1
    return pd.concat(frames, ignore_index=True), np.array(labels)
