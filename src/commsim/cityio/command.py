"""``commsim city import``: the command line of the city importer.

Examples:
    commsim city import --streets extract.osm --areas tracts.gpkg --mapping tracts.yaml --out mycity
    commsim city import --areas Chicago77.shp --crs EPSG:3435 --mapping chicago.yaml --out chicago
    commsim run city=imported city.dir=mycity
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from commsim.cliargs import OneLineParser, number_above, parse, whole_number

EXIT_USAGE = 2


def main(argv: list[str]) -> int:
    """``commsim city import [options]``; one clear line and exit 2 on any bad input."""
    parser = _parser()
    if not argv or argv[0] in ("-h", "--help"):
        parser.print_help()
        return 0
    if argv[0] != "import":
        return _fail(f"unknown 'commsim city' action {argv[0]!r}; use: commsim city import --help")
    args = parse(parser, argv[1:])
    if isinstance(args, int):
        return args
    try:
        return run_import(args)
    except ImportError as exc:
        return _fail(
            f"'commsim city import' needs the geo extra ({exc.name} is missing): "
            "pip install 'commsim[geo]'"
        )


def run_import(args: argparse.Namespace) -> int:
    """Read, check, assemble and write the city folder; print its summary."""
    import numpy as np

    from commsim import cityfolder
    from commsim.city import CityConfig, city_from_tables, derived_residents
    from commsim.cityio import areas, assemble, generate, preview, streets
    from commsim.inputlimits import InputError
    from commsim.paramspec import ConfigError

    if args.streets is None and args.areas is None:
        return _fail("give --streets (a street network), --areas (neighbourhood polygons), or both")
    if args.mapping is not None and args.areas is None:
        return _fail("--mapping describes the --areas layer; give --areas too")
    out = Path(args.out)
    if out.exists() and any(out.iterdir()) and not (out / cityfolder.META).is_file():
        return _fail(f"{out}: exists and is not a city folder; choose a new --out")
    try:
        mapping = areas.read_mapping(Path(args.mapping) if args.mapping else None)
        net = None
        if args.streets is not None:
            net = streets.read_streets(
                Path(args.streets), args.crs, args.max_places, args.streets_layer
            )
        hoods, note = None, None
        if args.areas is not None:
            # --crs covers --areas only when there is no street file (see --areas-crs).
            own_flag = args.streets is None and not args.areas_crs
            hoods, note = areas.read_areas(
                Path(args.areas),
                mapping,
                args.crs if own_flag else args.areas_crs,
                args.areas_layer,
                Path(args.mapping) if args.mapping else None,
                target_crs=net.crs if net is not None else None,
                crs_option="--crs" if own_flag else "--areas-crs",
            )
            if net is not None and net.crs is None:
                raise InputError(
                    Path(args.streets),
                    "has no CRS, so it cannot be matched to the polygons; pass --crs",
                )
        if net is None:
            net = generate.streets_in_polygons(
                hoods, args.block_m, args.max_places, args.seed, args.areas
            )
        if note:
            net.notes.append(note)
        source = Path(args.streets or args.areas)
        built = assemble.assemble(net, hoods, source, args.keep_largest, args.seed)
    except InputError as exc:
        return _fail(str(exc))
    tables = built.tables
    name = args.name or out.name
    tables.meta.update(
        name=name,
        sources={"streets": args.streets, "areas": args.areas, "mapping": args.mapping},
        crs=tables.meta.get("crs"),
        notes=built.notes,
    )
    config = CityConfig(kind="imported", dir=str(out), residents=None, max_places=args.max_places)
    try:
        city = city_from_tables(tables, config, np.random.default_rng(0))
    except ConfigError as exc:
        return _fail(str(exc))
    residents = derived_residents(city.neighborhoods, city.households)
    tables.meta["residents_derived"] = residents
    cityfolder.write_city_folder(out, tables)
    preview.preview_map(
        tables,
        f"{name}: {len(tables.places):,} places, {len(tables.neighborhoods)} neighbourhoods",
        out / "preview.png",
    )
    text = preview.summary_text(tables, name, residents, built.notes)
    (out / "summary.txt").write_text(text + "\n")
    print(text)
    print(f"written: {out}   run it: commsim run city=imported city.dir={out}")
    return 0


def _max_places_range() -> tuple[int, int | None]:
    """The range ``city.max_places`` allows, so --max-places is refused before any file is read."""
    from commsim.city import CityConfig
    from commsim.paramspec import lookup

    info = lookup(CityConfig, "max_places")
    return 1 if info.lo is None else int(info.lo), None if info.hi is None else int(info.hi)


def _parser() -> argparse.ArgumentParser:
    p = OneLineParser(
        prog="commsim city import",
        description="Write a city folder from a street network and/or neighbourhood polygons.",
    )
    p.add_argument("--out", required=True, help="city folder to write")
    p.add_argument("--streets", help="OpenStreetMap extract (.osm), GraphML, or GIS line layer")
    p.add_argument("--streets-layer", help="layer of a multi-layer file (GeoPackage)")
    p.add_argument("--areas", help="neighbourhood polygons (GeoPackage, GeoJSON, shapefile)")
    p.add_argument("--areas-layer", help="layer of a multi-layer file (GeoPackage)")
    p.add_argument("--mapping", help="YAML: which column of --areas means what")
    p.add_argument("--crs", help="CRS of a file that names none (e.g. EPSG:4326, EPSG:3435)")
    p.add_argument("--areas-crs", help="CRS of --areas when it names none and differs from --crs")
    p.add_argument(
        "--keep-largest",
        action="store_true",
        help="keep the largest connected part of a street network in pieces",
    )
    p.add_argument(
        "--block-m",
        type=number_above(0),
        default=120.0,
        help="street spacing when streets are generated inside --areas (metres, above 0)",
    )
    p.add_argument(
        "--max-places",
        type=whole_number(*_max_places_range()),
        default=200_000,
        help="refuse networks with more places (city.max_places)",
    )
    p.add_argument("--name", help="city name (default: the folder's name)")
    p.add_argument(
        "--seed",
        type=whole_number(0),
        default=0,
        help="seed of generated streets and clusters (0 or more)",
    )
    return p


def _fail(message: str) -> int:
    print(f"commsim: error: {message}", file=sys.stderr)
    return EXIT_USAGE
