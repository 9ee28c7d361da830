"""Coordinates to metres: longitude/latitude and feet are detected and projected.

A layer's own CRS is used (or ``--crs`` when it has none; a different ``--crs``
for a layer that names one is refused). Geographic coordinates and projected
CRSs in feet are projected to the UTM zone of the city's centre (metres); a
metric projected CRS is kept. Without a CRS, GIS layers are refused; a GraphML
without one is read as metres (commsim's own GraphML format), unless its
numbers look like longitude/latitude.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from commsim.inputlimits import InputError


@dataclass
class Projected:
    """Coordinates in metres, their CRS, and what was done, for the summary."""

    xy: np.ndarray
    crs: str | None
    unit_m: float  # metres per unit of the source CRS (1 for metres and degrees)
    note: str


def looks_like_lonlat(xy: np.ndarray) -> bool:
    """True when every point fits longitude/latitude and the extent is under 5 units.

    No city laid out in metres fits in 5 m, so such numbers are degrees.
    """
    if len(xy) == 0:
        return False
    small = np.ptp(xy[:, 0]) < 5 and np.ptp(xy[:, 1]) < 5
    return bool(small and fits_lonlat(xy))


def fits_lonlat(xy: np.ndarray) -> bool:
    """True when every point is a possible longitude (-180 to 180) and latitude (-90 to 90)."""
    return bool(np.all(np.abs(xy[:, 0]) <= 180) and np.all(np.abs(xy[:, 1]) <= 90))


def resolve_crs(
    path: Path, own: Any, override: str | None, xy: np.ndarray, need: bool, option: str = "--crs"
) -> Any:
    """The CRS to read ``xy`` in: the file's, else ``--crs``; None only for metre GraphML.

    ``--crs`` (``option``) is for layers that name no CRS. A file that names one and
    a different ``--crs`` is refused rather than guessed at. A layer read as
    longitude/latitude whose numbers cannot be degrees names no real CRS: GeoJSON
    without a ``crs`` member is read as longitude/latitude (RFC 7946), whatever its
    numbers, so there ``--crs`` says what they are.
    """
    given = _crs(path, override, option) if override else None
    mine = _crs(path, own, "its CRS") if own else None
    if mine is not None and mine.is_geographic and len(xy) and not fits_lonlat(xy):
        if given is not None:
            return given
        x, y = xy[:, 0], xy[:, 1]
        raise InputError(
            path,
            f"it is read as longitude/latitude ({own}) but its coordinates are not "
            f"(x {np.nanmin(x):,.0f} to {np.nanmax(x):,.0f}, y {np.nanmin(y):,.0f} to "
            f"{np.nanmax(y):,.0f}); give the CRS they are in with {option}, e.g. "
            f"{option} EPSG:3435 for Illinois East in US feet",
        )
    if mine is not None:
        if given is not None and not mine.equals(given, ignore_axis_order=True):
            raise InputError(
                path,
                f"names its own CRS {own}, not {option} {override}; {option} applies only "
                f"to layers without a CRS (drop {option} to use the file's)",
            )
        return mine
    if given is not None:
        return given
    if looks_like_lonlat(xy):
        raise InputError(
            path,
            "coordinates look like longitude/latitude but the file names no CRS; "
            f"pass {option} EPSG:4326",
        )
    if need:
        raise InputError(
            path,
            f"has no coordinate reference system (a shapefile without .prj?); pass {option}, "
            f"e.g. {option} EPSG:3435 for Illinois East in US feet",
        )
    return None


def _crs(path: Path, text: str, what: str) -> Any:
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        return CRS.from_user_input(text)
    except CRSError:
        raise InputError(path, f"{what} {text!r} is not a coordinate reference system") from None


def to_metres(
    xy: np.ndarray, crs: Any, centre: np.ndarray | None = None, path: Path | None = None
) -> Projected:
    """Project ``xy`` (in ``crs``) to metres; a metric CRS is kept, others go to local UTM.

    ``path`` names the file in errors.
    """
    if crs is None:
        return Projected(xy, None, 1.0, "no CRS: x and y read as metres")
    from pyproj import CRS, Transformer
    from pyproj.aoi import AreaOfInterest
    from pyproj.database import query_utm_crs_info

    unit = crs.axis_info[0].unit_name if crs.axis_info else ""
    factor = float(crs.axis_info[0].unit_conversion_factor) if crs.axis_info else 1.0
    if crs.is_projected and unit in ("metre", "meter"):
        return Projected(xy, crs.to_string(), 1.0, f"kept {crs.to_string()} (metres)")
    lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    ref = np.nanmean(xy, axis=0) if centre is None else centre
    lon, lat = lonlat.transform(ref[0], ref[1])
    infos = query_utm_crs_info(
        datum_name="WGS 84",
        area_of_interest=AreaOfInterest(lon, lat, lon, lat),
    )
    if not infos:
        raise InputError(
            path or Path("coordinates"),
            f"in {crs.to_string()} the centre is at longitude {lon:.3f}, latitude {lat:.3f}, "
            "where no UTM zone is; if the coordinates are in another CRS, give it with --crs",
        )
    utm = CRS.from_epsg(infos[0].code)
    out = np.column_stack(
        Transformer.from_crs(crs, utm, always_xy=True).transform(xy[:, 0], xy[:, 1])
    )
    what = "longitude/latitude" if crs.is_geographic else f"{unit or 'non-metre units'}"
    name = crs.to_string()
    return Projected(
        out,
        utm.to_string(),
        1.0 if crs.is_geographic else factor,
        f"{what} ({name}) projected to {utm.to_string()} (metres)",
    )


def finite_or_fail(path: Path, xy: np.ndarray, ids: np.ndarray, what: str = "node") -> None:
    """Refuse NaN or infinite coordinates, naming the first bad one."""
    bad = ~np.isfinite(xy).all(axis=1)
    if bad.any():
        raise InputError(path, f"{what} {ids[np.argmax(bad)]} has a non-finite coordinate")
