"""Coordinates to metres: longitude/latitude and feet are detected and projected.

A layer's own CRS is used (or ``--crs`` when it has none). Geographic
coordinates and projected CRSs in feet are projected to the UTM zone of the
city's centre (metres); a metric projected CRS is kept. Without a CRS, GIS
layers are refused; a GraphML without one is read as metres (commsim's own
GraphML format), unless its numbers look like longitude/latitude.
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
    x, y = xy[:, 0], xy[:, 1]
    small = np.ptp(x) < 5 and np.ptp(y) < 5
    return bool(small and np.all(np.abs(x) <= 180) and np.all(np.abs(y) <= 90))


def resolve_crs(path: Path, own: Any, override: str | None, xy: np.ndarray, need: bool) -> Any:
    """The CRS to read ``xy`` in: ``--crs``, else the file's; None only for metre GraphML."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    text = override or own
    if text:
        try:
            return CRS.from_user_input(text)
        except CRSError:
            key = "--crs" if override else "its CRS"
            raise InputError(path, f"{key} {text!r} is not a coordinate reference system") from None
    if looks_like_lonlat(xy):
        raise InputError(
            path,
            "coordinates look like longitude/latitude but the file names no CRS; "
            "pass --crs EPSG:4326",
        )
    if need:
        raise InputError(
            path,
            "has no coordinate reference system (a shapefile without .prj?); pass --crs, "
            "e.g. --crs EPSG:3435 for Illinois East in US feet",
        )
    return None


def to_metres(xy: np.ndarray, crs: Any, centre: np.ndarray | None = None) -> Projected:
    """Project ``xy`` (in ``crs``) to metres; a metric CRS is kept, others go to local UTM."""
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
            Path("."), f"no UTM zone found for longitude {lon:.3f}, latitude {lat:.3f}"
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
