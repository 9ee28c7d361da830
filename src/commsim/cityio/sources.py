"""Users' files opened within limits: size, compression, and how many features they hold."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from commsim.inputlimits import InputError, check_file, is_compressed, open_bounded

XML_SUFFIXES = (".osm", ".xml", ".graphml")
GIS_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".fgb", ".gml", ".geojsonl")


def kind_of(path: Path) -> str:
    """``"osm"``, ``"graphml"`` or ``"gis"`` from the file name (past any compression suffix)."""
    name = path.name.lower()
    for ext in (".gz", ".bz2", ".xz"):
        if name.endswith(ext):
            name = name[: -len(ext)]
    if name.endswith(".graphml"):
        return "graphml"
    if name.endswith((".osm", ".xml")):
        return "osm"
    if name.endswith(GIS_SUFFIXES):
        return "gis"
    raise InputError(
        path,
        "unknown kind of file; give an OpenStreetMap extract (.osm), a GraphML (.graphml), "
        "or a GIS layer (.gpkg, .geojson, .shp, .fgb)",
    )


@contextmanager
def plain_copy(path: Path) -> Iterator[Path]:
    """The file itself, or (if compressed) a bounded, decompressed copy in a temporary folder."""
    check_file(path)
    if not is_compressed(path):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="commsim-import-") as tmp:
        out = Path(tmp) / path.with_suffix("").name
        with open_bounded(path) as src, out.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        yield out


def gis_feature_count(path: Path, layer: str | None) -> int:
    """Features in a GIS layer, read from its header (the geometries are not read)."""
    import pyogrio

    try:
        info = pyogrio.read_info(path, layer=layer)
    except Exception as exc:  # GDAL raises many types for unreadable files
        raise InputError(path, f"not readable as a GIS layer ({_first_line(exc)})") from None
    return int(info.get("features") or 0)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:120]
