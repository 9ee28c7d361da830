"""Build the worked example: Chicago's 77 community areas as a commsim city folder.

The polygons ship with libpysal (``libpysal.examples``, Chicago77.shp). The
shapefile has no .prj; its numbers are Illinois State Plane East in US survey
feet (EPSG:3435), which ``--crs`` states. With no street layer, streets are
generated inside the polygons (a jittered grid of ``BLOCK_M`` metre blocks).

Run from the repository root (needs the geo extra)::

    python experiments/real_city/build_city.py
    commsim run city=imported city.dir=experiments/real_city/chicago days=30
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# 200 m blocks: ~15,000 junctions for the city's ~600 km2, so a comparison
# finishes in minutes (Chicago's real blocks are ~100 x 200 m).
BLOCK_M = 200


def chicago_shapefile() -> Path:
    """Where libpysal keeps Chicago77.shp (shipped in its wheel, read offline)."""
    import libpysal

    path = Path(libpysal.__file__).parent / "examples" / "chicago" / "Chicago77.shp"
    if not path.is_file():
        raise SystemExit(f"libpysal has no {path.name} here; pip install 'commsim[geo]'")
    return path


def main() -> int:
    """Import the city; the folder, its preview map and summary go to ``chicago/``."""
    from commsim.cityio import main as city_import

    code = city_import(
        [
            "import",
            "--areas",
            str(chicago_shapefile()),
            "--crs",
            "EPSG:3435",
            "--mapping",
            str(HERE / "chicago.yaml"),
            "--block-m",
            str(BLOCK_M),
            "--name",
            "Chicago (77 community areas)",
            "--out",
            str(HERE / "chicago"),
        ]
    )
    if code == 0:
        _portable_sources(HERE / "chicago" / "city.json")
    return code


def _portable_sources(path: Path) -> None:
    """Name the inputs as anyone can find them, not by this machine's paths."""
    meta = json.loads(path.read_text())
    meta["sources"] = {
        "streets": None,
        "areas": "libpysal (examples/chicago/Chicago77.shp)",
        "mapping": "experiments/real_city/chicago.yaml",
    }
    path.write_text(json.dumps(meta, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
