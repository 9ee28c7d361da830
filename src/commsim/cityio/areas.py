"""Neighbourhood polygons and their attributes, read with a mapping file.

The mapping file (YAML) says which column of the polygon layer means what;
every key is optional::

    id: AREA_NUMBE            # the neighbourhood's own id (default: row number)
    name: COMMUNITY           # label on maps (default: the id)
    population: POP2020       # people
    households: HH2020        # households (population / 2.5 when only people are given)
    disadvantage: DISADV      # a 0-1 index; or
    income: MEDINC            # median income: disadvantage = 1 - percentile rank, scaled to 0.1-0.8
    groups: {majority: PCT_WHITE, minority: PCT_BLACK}   # shares, 0-1 or percent
    income_bands: {low: INC_LO, mid: INC_MID, high: INC_HI}
    age: {"0_17": AGE_U18, "18_64": AGE_ADULT, "65_plus": AGE_65UP}
    smartphone: PCT_SMARTPHONE

Shares (groups, income bands, age, smartphone) may be fractions (0-1) or
percentages (0-100): a column with any value above 1 is read as percent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from commsim.cityio import projection, sources
from commsim.inputlimits import InputError

MAPPING_KEYS = (
    "id",
    "name",
    "population",
    "households",
    "disadvantage",
    "income",
    "groups",
    "income_bands",
    "age",
    "smartphone",
)
# Disadvantage from income spans the generated cities' default range. assumption
INCOME_DISADVANTAGE = (0.1, 0.8)
# Neighbourhoods a city may have. choice (maps and per-neighbourhood tables stay readable)
MAX_NEIGHBORHOODS = 5000


def read_mapping(path: Path | None) -> dict[str, Any]:
    """The mapping file, checked: known keys, column names as text."""
    if path is None:
        return {}
    import yaml

    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(path, f"not a readable YAML mapping ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise InputError(path, "must be a YAML mapping of key: column")
    for key, value in data.items():
        if key not in MAPPING_KEYS:
            raise InputError(path, f"unknown key {key!r}; allowed: {', '.join(MAPPING_KEYS)}")
        nested = key in ("groups", "income_bands", "age")
        if nested and not (
            isinstance(value, dict) and all(isinstance(c, str) for c in value.values())
        ):
            raise InputError(path, f"{key} must map names to column names")
        if not nested and not isinstance(value, str):
            raise InputError(path, f"{key} must be a column name")
        if key == "income_bands" and not set(value) <= {"low", "mid", "high"}:
            raise InputError(path, "income_bands takes low, mid and high")
    return data


def read_areas(
    path: Path,
    mapping: dict[str, Any],
    crs: str | None,
    layer: str | None,
    mapping_path: Path | None,
    target_crs: str | None = None,
    crs_option: str = "--crs",
) -> tuple[Any, str]:
    """The polygon layer as a GeoDataFrame in metres with commsim's columns, and a note.

    Polygons go to ``target_crs`` (the streets' CRS) when given, else to a metric CRS.
    ``crs`` is for a layer that names no CRS; errors call it ``crs_option``.
    Columns: ``id``, ``name``, ``population``, ``households``, ``disadvantage``
    (NaN where the data has none), any ``share_<group>``, ``income_<band>``,
    ``age_<band>``, ``smartphone``, and ``geometry``.
    """
    import geopandas as gpd
    import pyogrio

    with sources.plain_copy(path) as plain:
        n = sources.gis_feature_count(plain, layer)
        if n > MAX_NEIGHBORHOODS:
            raise InputError(
                path, f"has {n:,} polygons; at most {MAX_NEIGHBORHOODS:,} neighbourhoods"
            )
        try:
            frame = pyogrio.read_dataframe(plain, layer=layer)
        except Exception as exc:  # GDAL raises many types for unreadable files
            raise InputError(
                path, f"not readable as a GIS layer ({sources._first_line(exc)})"
            ) from None
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty].reset_index(drop=True)
    kinds = set(frame.geometry.geom_type)
    if not kinds or not kinds <= {"Polygon", "MultiPolygon"}:
        raise InputError(
            path, f"needs neighbourhood polygons; it holds {', '.join(sorted(kinds)) or 'nothing'}"
        )
    import shapely

    coords = shapely.get_coordinates(frame.geometry.values)
    projection.finite_or_fail(path, coords, np.arange(len(coords)), "vertex")
    own = frame.crs.to_string() if frame.crs is not None else None
    resolved = projection.resolve_crs(path, own, crs, coords, need=True, option=crs_option)
    # The geometries keep the file's CRS unless it was none (or could not be right).
    geo = gpd.GeoSeries(frame.geometry.values).set_crs(resolved, allow_override=True)
    if target_crs is not None:
        note = f"neighbourhoods projected to the streets' {target_crs}"
        geo = geo.to_crs(target_crs)
    else:
        centre = np.nanmean(coords, axis=0)
        metric = projection.to_metres(centre[None, :], resolved, centre, path)
        geo = geo.to_crs(metric.crs)
        note = "neighbourhoods: " + metric.note
    if not geo.is_valid.all():
        geo = geo.make_valid()
    table = _attributes(path, frame, mapping, mapping_path)
    return gpd.GeoDataFrame(table, geometry=geo.values, crs=geo.crs), note


def _column(path: Path, frame: pd.DataFrame, column: str, mapping_path: Path | None) -> pd.Series:
    if column not in frame.columns:
        where = mapping_path or path
        shown = ", ".join(c for c in frame.columns if c != "geometry")[:200]
        raise InputError(where, f"column {column!r} is not in {path.name} (columns: {shown})")
    return frame[column]


def _numbers(path: Path, series: pd.Series, what: str, lo: float = 0.0) -> np.ndarray:
    values = pd.to_numeric(series, errors="coerce").to_numpy(float)
    if not np.isfinite(values).all():
        row = int(np.argmax(~np.isfinite(values)))
        raise InputError(
            path, f"{what} ({series.name}) is missing or not a finite number in row {row}"
        )
    if (values < lo).any():
        raise InputError(path, f"{what} ({series.name}) must be >= {lo:g}")
    return values


def _shares(path: Path, series: pd.Series, what: str) -> np.ndarray:
    values = _numbers(path, series, what)
    if values.max() > 1:
        values = values / 100.0
    if values.max() > 1:
        raise InputError(
            path, f"{what} ({series.name}) must be a share (0-1) or a percentage (0-100)"
        )
    return values


def _attributes(
    path: Path, frame: pd.DataFrame, mapping: dict[str, Any], mapping_path: Path | None
) -> pd.DataFrame:
    n = len(frame)
    col = lambda key: _column(path, frame, mapping[key], mapping_path)  # noqa: E731
    ids = (
        col("id").astype(str).str.strip().to_numpy()
        if "id" in mapping
        else np.arange(n).astype(str)
    )
    if len(set(ids)) != n:
        raise InputError(path, f"neighbourhood ids ({mapping.get('id')}) must be unique")
    names = col("name").astype(str).str.strip().to_numpy() if "name" in mapping else ids
    out = pd.DataFrame({"id": ids, "name": names})
    out["population"] = (
        _numbers(path, col("population"), "population") if "population" in mapping else np.nan
    )
    out["households"] = (
        _numbers(path, col("households"), "households") if "households" in mapping else np.nan
    )
    if "disadvantage" in mapping:
        d = _numbers(path, col("disadvantage"), "disadvantage")
        if d.max() > 1:
            raise InputError(path, f"disadvantage ({mapping['disadvantage']}) must be a 0-1 index")
        out["disadvantage"] = d
    elif "income" in mapping:
        income = _numbers(path, col("income"), "income")
        rank = pd.Series(income).rank(pct=True, method="average").to_numpy()
        lo, hi = INCOME_DISADVANTAGE
        span = (rank - rank.min()) / max(np.ptp(rank), 1e-12)
        out["disadvantage"] = hi - span * (hi - lo)
        out["income"] = income
    else:
        out["disadvantage"] = np.nan
    for group, column in (mapping.get("groups") or {}).items():
        out[f"share_{group}"] = _shares(
            path, _column(path, frame, column, mapping_path), f"share of {group}"
        )
    for band, column in (mapping.get("income_bands") or {}).items():
        out[f"income_{band}"] = _shares(
            path, _column(path, frame, column, mapping_path), f"income {band}"
        )
    for band, column in (mapping.get("age") or {}).items():
        out[f"age_{band}"] = _shares(
            path, _column(path, frame, column, mapping_path), f"age {band}"
        )
    if "smartphone" in mapping:
        out["smartphone"] = _shares(path, col("smartphone"), "smartphone access")
    return out
