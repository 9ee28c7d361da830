"""Results for GIS users: places, neighbourhoods and events as GeoPackage or GeoParquet.

A run's ``places``, ``neighborhoods`` and ``events`` tables are written with
geometry in the city's coordinate reference system (:attr:`commsim.city.City.crs`),
so an analyst opens them in QGIS or reads them with geopandas and joins them to
their own data:

- places are points at the place's position, with the user's place id
  (``place_id``, the input file's node id) beside commsim's number (``place``);
- neighbourhoods are the city's real polygons when it has them (an imported
  city), else the convex hull of their places; with the user's ``neighborhood_id``
  and ``neighborhood_name``;
- events are points at the place where the crime happened, with both ids.

``gpkg`` writes one GeoPackage, ``geo/results.gpkg``, with a layer per table;
``geoparquet`` writes ``geo/<table>.parquet`` (GeoParquet). A generated city has
no real-world CRS: its files carry none (coordinates are metres in the city's
own frame). For a comparison or sweep the layers hold one row per group
(strategy and swept values) and place or neighbourhood, averaged over
replicates, and every run's events with its ``strategy`` and ``seed``
(every run must be on the same city).

Needs the ``geo`` extra (geopandas, pyogrio, shapely).
"""

from __future__ import annotations

import functools
import os
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

FORMATS = ("gpkg", "geoparquet")
GEO_DIR = "geo"
GPKG_FILE = "results.gpkg"
TABLES = ("places", "neighborhoods", "events")


class GeoError(Exception):
    """GIS output cannot be written; the message is one line for the user."""


def check_format(fmt: str) -> str:
    """The format if it is known and the geo packages are installed.

    Raises:
        GeoError: An unknown format, or the geo extra is missing.
    """
    if fmt not in FORMATS:
        raise GeoError(f"--geo={fmt}: choose one of {', '.join(FORMATS)}")
    try:
        import geopandas  # noqa: F401
        import pyogrio  # noqa: F401
        import shapely  # noqa: F401
    except ImportError as exc:
        raise GeoError(
            f"--geo={fmt} needs optional packages ({exc.name}); pip install 'commsim[geo]'"
        ) from None
    return fmt


# ------------------------------------------------------------------ geometry
def neighborhood_shapes(city: Any) -> list[Any]:
    """One shapely (multi)polygon per neighbourhood: real boundaries, else hulls of places.

    A neighbourhood's rings (exteriors and holes, as the city folder keeps them)
    are combined by the even-odd rule, so holes and islands come out right.
    """
    import shapely

    from commsim.geometry import hulls

    if city.polygons is not None:
        rings = city.polygons
    else:
        rings = [(ring,) for ring, _ in hulls(city.pos, city.neighborhood)]
    shapes = []
    for parts in rings:
        polys = [_polygon(ring) for ring in parts]
        polys = [p for p in polys if p is not None]
        if not polys:
            shapes.append(None)
            continue
        shape = functools.reduce(lambda a, b: a.symmetric_difference(b), polys)
        shapes.append(shape if shape.is_valid else shapely.make_valid(shape))
    return shapes


def _polygon(ring: np.ndarray) -> Any:
    """A polygon from a closed ring; a buffered point or line when a hull is degenerate."""
    import shapely

    ring = np.asarray(ring, dtype=float)
    unique = np.unique(ring, axis=0)
    if len(unique) >= 3:
        poly = shapely.Polygon(ring)
        if poly.area > 0:
            return poly if poly.is_valid else shapely.make_valid(poly)
    if len(unique) == 0:
        return None
    # One or two places (or all on a line): a small area around them, 10 m wide.
    line = shapely.LineString(unique) if len(unique) > 1 else shapely.Point(unique[0])
    return line.buffer(10.0)


# ------------------------------------------------------------------ layers
def _ids(city: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    hoods = city.neighborhoods
    return (
        np.asarray(city.place_ids).astype(str),
        hoods["id"].astype(str).to_numpy(),
        hoods["name"].astype(str).to_numpy(),
    )


def place_layer(city: Any, places: pd.DataFrame) -> Any:
    """Places as points, with the user's place and neighbourhood ids."""
    import geopandas as gpd

    place_ids, nb_ids, nb_names = _ids(city)
    frame = places.copy()
    where = frame["place"].to_numpy(np.int64)
    nb = city.neighborhood[where]
    frame.insert(1, "place_id", place_ids[where])
    frame.insert(2, "neighborhood_id", nb_ids[nb])
    frame.insert(3, "neighborhood_name", nb_names[nb])
    xy = city.pos[where]
    return gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=city.crs
    ).reset_index(drop=True)


def neighborhood_layer(city: Any, neighborhoods: pd.DataFrame) -> Any:
    """Neighbourhoods as polygons (real ones when the city has them), with the user's ids."""
    import geopandas as gpd

    _, nb_ids, nb_names = _ids(city)
    shapes = neighborhood_shapes(city)
    frame = neighborhoods.copy()
    nb = frame["neighborhood"].to_numpy(np.int64)
    frame.insert(1, "neighborhood_id", nb_ids[nb])
    frame.insert(2, "neighborhood_name", nb_names[nb])
    geometry = gpd.GeoSeries([shapes[k] for k in nb], crs=city.crs)
    return gpd.GeoDataFrame(frame, geometry=geometry.values, crs=city.crs).reset_index(drop=True)


def event_layer(city: Any, events: pd.DataFrame) -> Any:
    """Events as points at their place, with the user's place and neighbourhood ids."""
    import geopandas as gpd

    place_ids, nb_ids, nb_names = _ids(city)
    frame = events.copy()
    where = frame["place"].to_numpy(np.int64)
    at = frame.columns.get_loc("place") + 1
    frame.insert(at, "place_id", place_ids[where])
    nb = city.neighborhood[where]
    frame.insert(at + 1, "neighborhood_id", nb_ids[nb])
    frame.insert(at + 2, "neighborhood_name", nb_names[nb])
    xy = city.pos[where] if len(where) else np.zeros((0, 2))
    return gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=city.crs
    ).reset_index(drop=True)


def layers(city: Any, tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """The GIS layers of whichever of ``places``, ``neighborhoods``, ``events`` are given."""
    make = {"places": place_layer, "neighborhoods": neighborhood_layer, "events": event_layer}
    return {name: make[name](city, tables[name]) for name in TABLES if name in tables}


# ------------------------------------------------------------------ writing
def write_layers(frames: dict[str, Any], folder: Path, fmt: str) -> list[Path]:
    """Write the layers into ``folder`` (atomically: a file appears whole or not at all)."""
    check_format(fmt)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "gpkg":
        target = folder / GPKG_FILE
        with _Staged(target) as tmp, warnings.catch_warnings():
            # A generated city has no real-world CRS; that is documented, not a surprise.
            warnings.filterwarnings("ignore", message=".*crs.* was not provided")
            for name, frame in frames.items():
                frame.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
        return [target]
    written = []
    for name, frame in frames.items():
        target = folder / f"{name}.parquet"
        with _Staged(target) as tmp:
            frame.to_parquet(tmp, index=False)
        written.append(target)
    return written


class _Staged:
    """A temporary path beside ``target``, moved onto it when the block succeeds."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __enter__(self) -> Path:
        fd, name = tempfile.mkstemp(prefix=f".{self.target.name}.", dir=self.target.parent)
        os.close(fd)
        os.unlink(name)  # the GPKG driver wants to create the file itself
        self.tmp = Path(name + self.target.suffix)
        return self.tmp

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        if exc_type is None:
            os.replace(self.tmp, self.target)
        else:
            self.tmp.unlink(missing_ok=True)


# ------------------------------------------------------------------ runs and reports
def city_of_run(run_dir: Path) -> Any:
    """The city a run was made on, rebuilt from the ``city`` section of its config.yaml.

    Raises:
        GeoError: The config is missing or names a city that cannot be built.
    """
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    from commsim import store
    from commsim.city import CityConfig, city_for
    from commsim.config import explain, schema_node
    from commsim.params import ConfigError

    path = Path(run_dir) / "config.yaml"
    try:
        section = OmegaConf.select(OmegaConf.load(path), "city", default=None) or {}
        try:
            config = OmegaConf.to_object(OmegaConf.merge(schema_node(CityConfig), section))
        except OmegaConfBaseException as exc:
            raise explain(exc, prefix="city") from None
        return city_for(config)
    except (ConfigError, OSError, ValueError, OmegaConfBaseException) as exc:
        reason = store.describe_error(exc)
        raise GeoError(f"{path}: the run's city cannot be rebuilt ({reason})") from None


def city_of_runs(runs: pd.DataFrame, runs_dir: str | Path) -> Any:
    """The one city every run of a folder was made on.

    Raises:
        GeoError: Runs were made on different cities (a sweep over ``city.*``), or the
            city cannot be rebuilt.
    """
    import yaml

    sections = {}
    for run_dir in runs["run_dir"]:
        path = Path(runs_dir) / str(run_dir) / "config.yaml"
        try:
            section = (yaml.safe_load(path.read_text()) or {}).get("city")
        except (OSError, yaml.YAMLError, AttributeError):
            section = None
        sections[str(run_dir)] = repr(section)
    if len(set(sections.values())) > 1:
        raise GeoError(
            f"{runs_dir}: the runs are on different cities; map each run on its own "
            "(commsim run --geo, or a report of one city's runs)"
        )
    return city_of_run(Path(runs_dir) / str(runs["run_dir"].iloc[0]))


def export_run(run_dir: str | Path, fmt: str) -> list[Path]:
    """Write a complete run's places, neighbourhoods and events into ``<run_dir>/geo``.

    Raises:
        GeoError: The run is not complete, or its city cannot be rebuilt.
    """
    from commsim import store

    check_format(fmt)
    run_dir = Path(run_dir)
    state = store.run_state(run_dir)
    if not state.complete:
        raise GeoError(f"{run_dir}: not a complete run ({state.status}: {state.reason})")
    tables = {
        name: pd.read_parquet(run_dir / f"{name}.parquet")
        for name in TABLES
        if (run_dir / f"{name}.parquet").is_file()
    }
    if not tables:
        raise GeoError(f"{run_dir}: the run has no places, neighbourhoods or events tables")
    city = city_of_run(run_dir)
    return write_layers(layers(city, tables), run_dir / GEO_DIR, fmt)


def export_runs(
    runs: pd.DataFrame, runs_dir: str | Path, out: str | Path, fmt: str, by: Sequence[str]
) -> list[Path]:
    """Write the layers of a folder of runs (a comparison or sweep) into ``<out>/geo``.

    Per place and per neighbourhood, numeric outcomes are averaged over the runs of
    each group (``by``: the strategy and any swept values), one row per group and
    place or neighbourhood, with ``runs`` (how many were averaged); events are every
    run's, with the group's columns and the run's ``seed``. The city is that of the
    first run (every run of a comparison shares it).

    Args:
        runs: The runs table (``run_dir`` relative to ``runs_dir``, ``seed``, ``by`` columns).
        runs_dir: Folder the run directories are in.
        out: Report folder; files go to ``out/geo``.
        fmt: ``gpkg`` or ``geoparquet``.
        by: Columns of ``runs`` that name a group.
    """
    check_format(fmt)
    runs_dir = Path(runs_dir)
    if runs.empty:
        raise GeoError(f"{runs_dir}: no complete runs to write as GIS layers")
    by = [b for b in by if b in runs.columns]
    city = city_of_runs(runs, runs_dir)
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES}
    for row in runs.itertuples(index=False):
        folder = runs_dir / str(row.run_dir)
        keys = {b: getattr(row, b) for b in by}
        for name in TABLES:
            path = folder / f"{name}.parquet"
            if path.is_file():
                frame = pd.read_parquet(path)
                for col, value in reversed(keys.items()):
                    frame.insert(0, col, value)
                if name == "events":
                    frame.insert(len(keys), "seed", int(row.seed))
                parts[name].append(frame)
    tables: dict[str, pd.DataFrame] = {}
    for name, key in (("places", "place"), ("neighborhoods", "neighborhood")):
        if parts[name]:
            tables[name] = _mean_over_runs(pd.concat(parts[name], ignore_index=True), by, key)
    if parts["events"]:
        tables["events"] = pd.concat(parts["events"], ignore_index=True)
    return write_layers(layers(city, tables), Path(out) / GEO_DIR, fmt)


def _mean_over_runs(frame: pd.DataFrame, by: list[str], key: str) -> pd.DataFrame:
    """Numeric columns averaged over runs, per group and ``key``; ``runs`` counts them."""
    groups = [*by, key]
    numeric = [
        c for c in frame.columns if c not in groups and pd.api.types.is_numeric_dtype(frame[c])
    ]
    grouped = frame.groupby(groups, sort=False, dropna=False)
    # Columns that do not vary between runs (the place's neighbourhood, households)
    # keep their value and type; outcomes are averaged.
    varies = grouped[numeric].nunique(dropna=False).max() > 1
    fixed = [c for c in numeric if not varies[c]]
    out = grouped[[c for c in numeric if varies[c]]].mean()
    out[fixed] = grouped[fixed].first()
    out = out.reset_index()
    out["runs"] = grouped.size().to_numpy()
    # ``place`` / ``neighborhood`` first, as in a single run's table, then the group.
    return out[[key, *by, "runs", *numeric]]
