"""The city folder: an imported city as plain tables that every command can read.

``commsim city import`` writes one; ``commsim run city=imported city.dir=<folder>``
(and compare, sweeps and the dashboard) reads it. Reading needs only pandas and
pyarrow, never the GIS packages. The folder holds:

* ``city.json`` — format version, name, CRS, counts, the files it came from;
* ``places.parquet`` — one row per place (street junction): the file's own ``id``,
  ``x``/``y`` in metres, ``neighborhood`` (row of neighborhoods.parquet),
  ``households``, ``land_use``, ``disadvantage``;
* ``streets.parquet`` — ``u``, ``v`` (rows of places.parquet) and ``length_m``;
* ``neighborhoods.parquet`` — ``id``, ``name``, ``households``, ``population``,
  ``disadvantage``, ``label_x``/``label_y`` and any of ``share_<group>``,
  ``income_low/mid/high``, ``age_<band>``, ``smartphone``;
* ``boundaries.parquet`` (optional) — polygon rings: ``neighborhood``, ``ring``
  (numbered within the neighbourhood), ``x``, ``y`` in drawing order;
* ``preview.png`` and ``summary.txt`` for people.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from commsim.paramspec import ConfigError

FORMAT = "commsim-city"
VERSION = 1
META, PLACES, STREETS, NEIGHBORHOODS, BOUNDARIES = (
    "city.json",
    "places.parquet",
    "streets.parquet",
    "neighborhoods.parquet",
    "boundaries.parquet",
)
PLACE_COLUMNS = ("id", "x", "y", "neighborhood", "households", "land_use", "disadvantage")
NEIGHBORHOOD_COLUMNS = ("id", "name", "households", "population", "disadvantage")
KEY = "city.dir"


@dataclass
class CityTables:
    """A city as tables (what a city folder holds)."""

    places: pd.DataFrame
    streets: pd.DataFrame
    neighborhoods: pd.DataFrame
    boundaries: pd.DataFrame | None
    meta: dict[str, Any]

    def rings(self) -> list[tuple[np.ndarray, ...]] | None:
        """Polygon rings of each neighbourhood (in row order), or None without boundaries."""
        if self.boundaries is None or self.boundaries.empty:
            return None
        out: list[list[np.ndarray]] = [[] for _ in range(len(self.neighborhoods))]
        b = self.boundaries
        for (nb, _), part in b.groupby(["neighborhood", "ring"], sort=True):
            out[int(nb)].append(part[["x", "y"]].to_numpy(float))
        return [tuple(r) for r in out]


def write_city_folder(folder: Path, tables: CityTables) -> None:
    """Write a city folder (the files are replaced; ``city.json`` last, so a folder is whole)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / META).unlink(missing_ok=True)
    tables.places.to_parquet(folder / PLACES, index=False)
    tables.streets.to_parquet(folder / STREETS, index=False)
    tables.neighborhoods.to_parquet(folder / NEIGHBORHOODS, index=False)
    if tables.boundaries is not None:
        tables.boundaries.to_parquet(folder / BOUNDARIES, index=False)
    else:
        (folder / BOUNDARIES).unlink(missing_ok=True)
    meta = {"format": FORMAT, "version": VERSION, **tables.meta}
    meta.update(places=len(tables.places), streets=len(tables.streets))
    meta.update(neighborhoods=len(tables.neighborhoods))
    tmp = folder / (META + ".tmp")
    tmp.write_text(json.dumps(meta, indent=2, default=str) + "\n")
    tmp.replace(folder / META)


def read_meta(folder: Path) -> dict[str, Any]:
    """``city.json`` of a city folder, checked (raises :class:`ConfigError` on ``city.dir``)."""
    if not folder.is_dir():
        raise _bad(folder, "no such folder; make one with 'commsim city import'")
    path = folder / META
    if not path.is_file():
        raise _bad(
            folder,
            f"not a city folder (no {META}; it is written last, so an import may have stopped)",
        )
    try:
        meta = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise _bad(folder, f"{META} is not readable JSON ({type(exc).__name__})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise _bad(folder, f"{META} is not a commsim city description")
    if meta.get("version") != VERSION:
        raise _bad(
            folder, f"city format version {meta.get('version')!r}; this commsim reads {VERSION}"
        )
    return meta


def read_city_folder(folder: Path, max_places: int, land_uses: tuple[str, ...]) -> CityTables:
    """Read and validate a city folder; the place count is checked before any table is read.

    Raises:
        ConfigError: on ``city.dir``, one line naming the folder and the problem.
    """
    meta = read_meta(folder)
    for name in (PLACES, STREETS, NEIGHBORHOODS):
        if not (folder / name).is_file():
            raise _bad(folder, f"{name} is missing")
    n = _rows(folder / PLACES, folder)
    if n > max_places:
        raise _bad(folder, f"{n:,} places is more than city.max_places={max_places:,}")
    places = _read(folder / PLACES, folder)
    streets = _read(folder / STREETS, folder)
    hoods = _read(folder / NEIGHBORHOODS, folder)
    bpath = folder / BOUNDARIES
    boundaries = _read(bpath, folder) if bpath.is_file() else None
    _check_columns(places, PLACE_COLUMNS, PLACES, folder)
    _check_columns(streets, ("u", "v", "length_m"), STREETS, folder)
    _check_columns(hoods, NEIGHBORHOOD_COLUMNS, NEIGHBORHOODS, folder)
    if boundaries is not None:
        _check_columns(boundaries, ("neighborhood", "ring", "x", "y"), BOUNDARIES, folder)
    _check_values(places, streets, hoods, boundaries, land_uses, folder)
    places["id"] = places["id"].astype(str)
    hoods["id"] = hoods["id"].astype(str)
    hoods["name"] = hoods["name"].astype(str)
    return CityTables(places, streets, hoods, boundaries, meta)


def _check_values(
    places: pd.DataFrame,
    streets: pd.DataFrame,
    hoods: pd.DataFrame,
    boundaries: pd.DataFrame | None,
    land_uses: tuple[str, ...],
    folder: Path,
) -> None:
    p, k = len(places), len(hoods)
    if p < 9:
        raise _bad(folder, "a city needs at least 9 places")
    for col in ("x", "y", "households", "disadvantage"):
        v = pd.to_numeric(places[col], errors="coerce").to_numpy(float)
        if not np.isfinite(v).all():
            raise _bad(folder, f"{PLACES} column {col} has missing or non-finite values")
    if (places["households"] < 0).any() or places["households"].sum() <= 0:
        raise _bad(folder, f"{PLACES}: households must be >= 0 and some place must have homes")
    if not places["disadvantage"].between(0, 1).all():
        raise _bad(folder, f"{PLACES}: disadvantage must be between 0 and 1")
    bad_use = set(places["land_use"]) - set(land_uses)
    if bad_use:
        raise _bad(
            folder, f"{PLACES}: land_use {sorted(bad_use)[0]!r}; allowed: {', '.join(land_uses)}"
        )
    nb = places["neighborhood"].to_numpy()
    if nb.min() < 0 or nb.max() >= k or len(np.unique(nb)) != k:
        raise _bad(
            folder, f"{PLACES}: neighborhood must number the {k} rows of {NEIGHBORHOODS}, each used"
        )
    u, v = streets["u"].to_numpy(), streets["v"].to_numpy()
    if len(u) == 0 or min(u.min(), v.min()) < 0 or max(u.max(), v.max()) >= p:
        raise _bad(folder, f"{STREETS}: u and v must be place rows 0..{p - 1}")
    length = streets["length_m"].to_numpy(float)
    if not (np.isfinite(length).all() and (length > 0).all()):
        raise _bad(folder, f"{STREETS}: length_m must be finite and positive")
    if (u == v).any():
        raise _bad(folder, f"{STREETS}: a street starts and ends at the same place")
    if boundaries is not None and len(boundaries):
        xy = boundaries[["x", "y"]].to_numpy(float)
        bnb = boundaries["neighborhood"].to_numpy()
        if not np.isfinite(xy).all() or bnb.min() < 0 or bnb.max() >= k:
            raise _bad(folder, f"{BOUNDARIES}: rings need finite x, y and a neighbourhood row")


def _rows(path: Path, folder: Path) -> int:
    import pyarrow.parquet as pq

    try:
        return int(pq.ParquetFile(path).metadata.num_rows)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise _bad(
            folder, f"{path.name} is not a readable Parquet file ({type(exc).__name__})"
        ) from None


def _read(path: Path, folder: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise _bad(
            folder, f"{path.name} is not a readable Parquet file ({type(exc).__name__})"
        ) from None


def _check_columns(frame: pd.DataFrame, needed: tuple[str, ...], name: str, folder: Path) -> None:
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise _bad(folder, f"{name} lacks column(s) {', '.join(missing)}")


def _bad(folder: Path, problem: str) -> ConfigError:
    return ConfigError(KEY, str(folder), problem)
