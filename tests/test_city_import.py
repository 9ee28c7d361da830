"""`commsim city import`: from OSM XML, GIS lines and polygons to a city folder that runs."""

import gzip
import json
import zlib

import networkx as nx
import numpy as np
import pandas as pd
import pytest

gpd = pytest.importorskip("geopandas", reason="the geo extra is part of the dev install")
shapely = pytest.importorskip("shapely")

from commsim.city import CityConfig, city_for  # noqa: E402
from commsim.cityio import main  # noqa: E402
from commsim.paramspec import ConfigError  # noqa: E402

LAT0, LON0, STEP = 41.88, -87.63, 0.001  # about 111 m north-south, 83 m east-west


def osm_grid(path, n=5, extra=""):
    """An OpenStreetMap extract: an n x n street grid in Chicago's Loop."""
    rows = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    ids = {}
    for r in range(n):
        for c in range(n):
            ids[r, c] = 1000 + r * n + c
            rows.append(
                f'<node id="{ids[r, c]}" lat="{LAT0 + r * STEP:.6f}" lon="{LON0 + c * STEP:.6f}"/>'
            )
    way = 1
    for r in range(n):
        refs = "".join(f'<nd ref="{ids[r, c]}"/>' for c in range(n))
        rows.append(f'<way id="{way}">{refs}<tag k="highway" v="residential"/></way>')
        way += 1
    for c in range(n):
        refs = "".join(f'<nd ref="{ids[r, c]}"/>' for r in range(n))
        rows.append(f'<way id="{way}">{refs}<tag k="highway" v="residential"/></way>')
        way += 1
    rows += [extra, "</osm>"]
    path.write_text("\n".join(rows))
    return path


def areas_frame(crs="EPSG:4326"):
    """Two neighbourhoods splitting the grid west/east, with attributes."""
    mid = LON0 + 2.5 * STEP
    west = shapely.box(LON0 - STEP, LAT0 - STEP, mid, LAT0 + 5 * STEP)
    east = shapely.box(mid, LAT0 - STEP, LON0 + 5 * STEP, LAT0 + 5 * STEP)
    return gpd.GeoDataFrame(
        {
            "AREA_NO": [32, 8],
            "COMMUNITY": ["LOOP", "NEAR NORTH SIDE"],
            "POP": [1200.0, 800.0],
            "MEDINC": [40_000.0, 90_000.0],
            "PCT_A": [30.0, 80.0],
            "PCT_B": [70.0, 20.0],
        },
        geometry=[west, east],
        crs=crs,
    )


MAPPING = """
id: AREA_NO
name: COMMUNITY
population: POP
income: MEDINC
groups: {majority: PCT_A, minority: PCT_B}
"""


def run_import(*args):
    return main(["import", *map(str, args)])


def fails(capsys, *args):
    code = run_import(*args)
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert len(err.splitlines()) == 1 and err.startswith("commsim: error: ")
    return err


def test_osm_extract_with_neighbourhoods_imports_and_keeps_ids(tmp_path, capsys):
    streets = osm_grid(tmp_path / "loop.osm")
    areas = tmp_path / "areas.geojson"
    areas_frame().to_file(areas)
    (tmp_path / "map.yaml").write_text(MAPPING)
    out = tmp_path / "city"
    assert (
        run_import(
            "--streets", streets, "--areas", areas, "--mapping", tmp_path / "map.yaml", "--out", out
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "neighbourhoods                  2" in printed and "longitude/latitude" in printed
    assert (out / "preview.png").stat().st_size > 10_000
    meta = json.loads((out / "city.json").read_text())
    assert meta["crs"] == "EPSG:32616"  # UTM zone 16N for Chicago
    city = city_for(CityConfig(kind="imported", dir=str(out), residents=None))
    # OSM node ids are kept; corners of the grid are simplified away by osmnx only if degree 2.
    assert set(city.place_ids) <= {str(1000 + i) for i in range(25)}
    assert len(city.place_ids) >= 21
    # Blocks are ~83 m (east-west) and ~111 m (north-south), not 1 m; a street
    # round a simplified corner is both (~194 m).
    lengths = np.array([d["length"] for *_, d in city.graph.edges(data=True)])
    assert lengths.min() > 82 and lengths.max() < 195 and 82 < np.median(lengths) < 112
    hoods = city.neighborhoods
    assert hoods["id"].tolist() == ["32", "8"] and hoods["name"].tolist() == [
        "LOOP",
        "NEAR NORTH SIDE",
    ]
    assert hoods["population"].tolist() == [1200.0, 800.0]
    assert city.residents == 2000  # derived from population
    assert hoods["share_minority"].tolist() == pytest.approx([0.7, 0.2])  # percent read as share
    assert (
        hoods["disadvantage"].iloc[0] > hoods["disadvantage"].iloc[1]
    )  # poorer is more disadvantaged
    assert city.neighborhood_index(8) == 1 and city.neighborhood_index("near north side") == 1
    assert city.neighborhood_index("32") == 0
    with pytest.raises(KeyError, match="no neighbourhood"):
        city.neighborhood_index("Hyde Park")
    # Households follow population (/2.5), spread over homes; shops have none.
    assert city.households.sum() == pytest.approx(2000 / 2.5, abs=2)
    assert (city.households[city.land_use == 2] == 0).all()
    assert city.polygons is not None and len(city.boundaries()) == 2
    assert city.boundaries()[1].name == "NEAR NORTH SIDE"


@pytest.fixture
def restore_logging():
    """Hydra points the root logger at this test's captured stderr; put it back after."""
    import logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_a_run_on_an_imported_city(tmp_path, capsys, restore_logging):
    from commsim.cli import main as cli_main

    out = tmp_path / "city"
    assert run_import("--streets", osm_grid(tmp_path / "g.osm", n=6), "--out", out) == 0
    run_dir = tmp_path / "run"
    code = cli_main(
        [
            "run",
            "city=imported",
            f"city.dir={out}",
            "days=3",
            "warmup_days=1",
            f"hydra.run.dir={run_dir}",
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert (run_dir / "summary.json").is_file()


def test_gis_lines_in_us_feet_become_metres(tmp_path):
    # Two 1,000 ft streets meeting at a corner, and a grid of 300 ft blocks.
    lines = []
    for i in range(4):
        lines.append(
            shapely.LineString([(1_100_000 + 300 * i, 1_900_000), (1_100_000 + 300 * i, 1_900_900)])
        )
        lines.append(
            shapely.LineString([(1_100_000, 1_900_000 + 300 * i), (1_100_900, 1_900_000 + 300 * i)])
        )
    # Lines that cross mid-way are cut at their shared vertices: split into segments.
    segs = []
    for line in lines:
        c = np.array(line.coords)
        pts = np.linspace(c[0], c[1], 4)
        segs += [shapely.LineString([pts[k], pts[k + 1]]) for k in range(3)]
    path = tmp_path / "streets.gpkg"
    gpd.GeoDataFrame(geometry=segs, crs="EPSG:3435").to_file(path)
    out = tmp_path / "city"
    assert run_import("--streets", path, "--out", out) == 0
    city = city_for(CityConfig(kind="imported", dir=str(out)))
    lengths = np.array([d["length"] for *_, d in city.graph.edges(data=True)])
    assert lengths == pytest.approx(300 * 0.3048006, rel=1e-3)  # US survey feet to metres
    assert city.n_places == 16


def test_polygons_alone_get_generated_streets(tmp_path, capsys):
    frame = areas_frame().to_crs("EPSG:3435")
    shp = tmp_path / "areas.shp"
    frame.to_file(shp)
    (tmp_path / "areas.prj").unlink()  # as libpysal's Chicago77: no .prj
    err = fails(capsys, "--areas", shp, "--out", tmp_path / "nocrs")
    assert "areas.shp" in err and "no coordinate reference system" in err and "--crs" in err
    (tmp_path / "map.yaml").write_text(MAPPING)
    out = tmp_path / "city"
    code = run_import(
        "--areas",
        shp,
        "--crs",
        "EPSG:3435",
        "--mapping",
        tmp_path / "map.yaml",
        "--block-m",
        "40",
        "--out",
        out,
    )
    assert code == 0
    city = city_for(CityConfig(kind="imported", dir=str(out), residents=None))
    assert nx.is_connected(city.graph) and city.n_neighborhoods == 2
    assert 150 < city.n_places < 260  # ~0.5 km x 0.67 km at 40 m blocks: ~207
    assert set(np.unique(city.land_use)) >= {0, 1, 2}  # homes, mixed and shops


def test_imported_city_by_config_and_people_per_agent(tmp_path):
    from commsim.config import load_config

    streets = osm_grid(tmp_path / "loop.osm")
    areas = tmp_path / "areas.geojson"
    areas_frame().to_file(areas)
    (tmp_path / "map.yaml").write_text(MAPPING)
    out = tmp_path / "city"
    run_import(
        "--streets", streets, "--areas", areas, "--mapping", tmp_path / "map.yaml", "--out", out
    )
    cfg = load_config(["city=imported", f"city.dir={out}"])
    assert cfg.city.residents is None and city_for(cfg).residents == 2000
    scaled = city_for(load_config(["city=imported", f"city.dir={out}", "city.people_per_agent=10"]))
    assert scaled.residents == 200
    assert scaled.households.sum() == pytest.approx(80, abs=8)
    fixed = city_for(load_config(["city=imported", f"city.dir={out}", "city.residents=300"]))
    assert fixed.residents == 300
    with pytest.raises(ConfigError, match=r"city\.dir"):
        load_config(["city=imported"])
    with pytest.raises(ConfigError, match="not a city folder"):
        city_for(load_config(["city=imported", f"city.dir={tmp_path}"]))


# ---------------------------------------------------------------- bad input
def test_bad_files_fail_with_one_line(tmp_path, capsys):
    assert "nope.osm: file not found" in fails(
        capsys, "--streets", tmp_path / "nope.osm", "--out", tmp_path / "o"
    )
    empty = tmp_path / "empty.osm"
    empty.write_text("")
    assert "empty.osm: the file is empty" in fails(
        capsys, "--streets", empty, "--out", tmp_path / "o"
    )
    junk = tmp_path / "junk.osm"
    junk.write_text("<osm><node id='1'")
    assert "junk.osm: not readable as XML" in fails(
        capsys, "--streets", junk, "--out", tmp_path / "o"
    )
    odd = tmp_path / "streets.csv"
    odd.write_text("a,b\n")
    assert "unknown kind of file" in fails(capsys, "--streets", odd, "--out", tmp_path / "o")
    assert "give --streets" in fails(capsys, "--out", tmp_path / "o")


def test_a_compression_bomb_is_refused_early(tmp_path, capsys):
    bomb = tmp_path / "bomb.graphml.gz"
    chunk = b"<!--" + b" " * (1 << 20) + b"-->"
    with gzip.open(bomb, "wb", compresslevel=9) as f:
        f.write(b"<graphml>")
        for _ in range(100):  # ~100 MB expanded, ~100 kB on disk
            f.write(chunk)
        f.write(b"</graphml>")
    assert bomb.stat().st_size < 1_000_000
    err = fails(capsys, "--streets", bomb, "--out", tmp_path / "o")
    assert "bomb.graphml.gz: expands to more than 64 MB" in err


def test_too_many_nodes_refused_before_parsing(tmp_path, capsys):
    err = fails(
        capsys,
        "--streets",
        osm_grid(tmp_path / "big.osm", n=16),
        "--max-places",
        "9",
        "--out",
        tmp_path / "o",
    )
    assert "more than 225 nodes" in err


def _graphml(tmp_path, graph, name="g.graphml"):
    path = tmp_path / name
    nx.write_graphml(graph, path)
    return path


def _grid_graph(n=4, crs=None):
    g = nx.grid_2d_graph(n, n)
    g = nx.convert_node_labels_to_integers(g, label_attribute="rc")
    for _, d in g.nodes(data=True):
        d["x"], d["y"] = float(d["rc"][0] * 100), float(d["rc"][1] * 100)
        del d["rc"]
    if crs:
        g.graph["crs"] = crs
    return g


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda g: g.nodes[3].update(x=float("nan")), "node 3 has a non-finite coordinate"),
        (lambda g: g.edges[0, 1].update(length=float("inf")), "has length inf"),
        (lambda g: g.edges[0, 1].update(length=-5.0), "has length -5.0"),
    ],
)
def test_non_finite_numbers_are_refused(tmp_path, capsys, mutate, message):
    g = _grid_graph()
    mutate(g)
    err = fails(capsys, "--streets", _graphml(tmp_path, g), "--out", tmp_path / "o")
    assert "g.graphml" in err and message in err


def test_self_loops_dropped_and_parts_reported(tmp_path, capsys):
    g = _grid_graph()
    g.add_edge(5, 5, length=10.0)
    out = tmp_path / "city"
    assert run_import("--streets", _graphml(tmp_path, g), "--out", out) == 0
    assert "1 self-loop street(s) dropped" in capsys.readouterr().out
    g.add_node(99, x=5000.0, y=5000.0)
    g.add_node(98, x=5100.0, y=5000.0)
    g.add_edge(98, 99)
    path = _graphml(tmp_path, g, "parts.graphml")
    err = fails(capsys, "--streets", path, "--out", tmp_path / "o")
    assert "2 separate parts (the largest has 16 of 18 places)" in err and "--keep-largest" in err
    assert run_import("--streets", path, "--keep-largest", "--out", tmp_path / "kept") == 0
    assert "kept the largest (16 of 18 places)" in capsys.readouterr().out
    assert city_for(CityConfig(kind="imported", dir=str(tmp_path / "kept"))).n_places == 16


def test_lonlat_without_crs_needs_crs(tmp_path, capsys):
    g = _grid_graph()
    for _, d in g.nodes(data=True):
        d["x"], d["y"] = LON0 + d["x"] / 1e5, LAT0 + d["y"] / 1e5
    path = _graphml(tmp_path, g)
    assert "look like longitude/latitude" in fails(
        capsys, "--streets", path, "--out", tmp_path / "o"
    )
    assert run_import("--streets", path, "--crs", "EPSG:4326", "--out", tmp_path / "c") == 0
    city = city_for(CityConfig(kind="imported", dir=str(tmp_path / "c")))
    lengths = np.array([d["length"] for *_, d in city.graph.edges(data=True)])
    assert lengths.min() > 82 and lengths.max() < 112  # 0.001 degrees, not 0.001 m
    # The plain GraphML route refuses such coordinates and names the importer.
    with pytest.raises(ConfigError, match=r"longitude/latitude.*commsim city import"):
        city_for(CityConfig(kind="graphml", graphml=str(path)))


def test_crs_that_contradicts_the_files_own_is_refused(tmp_path, capsys):
    areas = tmp_path / "areas.geojson"
    areas_frame().to_file(areas)
    err = fails(capsys, "--areas", areas, "--crs", "EPSG:3857", "--out", tmp_path / "o")
    assert "areas.geojson: names its own CRS EPSG:4326, not --crs EPSG:3857" in err
    assert "--crs applies only to layers without a CRS" in err
    streets = osm_grid(tmp_path / "g.osm")
    err = fails(
        capsys, "--streets", streets, "--areas", areas, "--areas-crs", "EPSG:3435",
        "--out", tmp_path / "o",
    )  # fmt: skip
    assert "not --areas-crs EPSG:3435; --areas-crs applies only" in err
    assert not (tmp_path / "o").exists()


def test_geojson_in_metres_names_the_file_and_asks_for_its_crs(tmp_path, capsys):
    # GeoJSON without a "crs" member is read as longitude/latitude (RFC 7946).
    frame = gpd.GeoDataFrame(
        {"id": [1, 2]}, geometry=[shapely.box(0, 0, 540, 480), shapely.box(540, 0, 1080, 480)]
    )
    areas = tmp_path / "metres.geojson"
    with pytest.warns(UserWarning, match="crs"):
        frame.to_file(areas)
    err = fails(capsys, "--areas", areas, "--out", tmp_path / "o")
    assert f"{areas}: it is read as longitude/latitude (EPSG:4326) but its coordinates" in err
    assert "(x 0 to 1,080, y 0 to 480); give the CRS they are in with --crs" in err
    out = tmp_path / "city"
    assert run_import("--areas", areas, "--crs", "EPSG:32616", "--out", out) == 0
    assert city_for(CityConfig(kind="imported", dir=str(out))).n_neighborhoods == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--block-m", "-5"], "argument --block-m: must be a number above 0, not -5"),
        (["--block-m", "0"], "argument --block-m: must be a number above 0, not 0"),
        (["--block-m", "abc"], "argument --block-m: must be a number above 0, not abc"),
        (["--seed", "-1"], "argument --seed: must be a whole number of at least 0, not -1"),
        (["--max-places", "0"], "must be a whole number from 9 to 2,000,000, not 0"),
        (["--max-places", "-3"], "must be a whole number from 9 to 2,000,000, not -3"),
        (["--bogus"], "unrecognized arguments: --bogus (see commsim city import --help)"),
    ],
)
def test_bad_options_are_one_line_before_any_file_is_read(tmp_path, capsys, args, message):
    err = fails(capsys, "--areas", tmp_path / "never-read.gpkg", "--out", tmp_path / "o", *args)
    assert message in err
    assert not (tmp_path / "o").exists()


def test_a_missing_out_is_one_line(tmp_path, capsys):
    err = fails(capsys, "--areas", tmp_path / "a.gpkg")
    assert err == (
        "commsim: error: the following arguments are required: --out "
        "(see commsim city import --help)"
    )


def test_bad_mappings_name_the_key_or_column(tmp_path, capsys):
    areas = tmp_path / "areas.geojson"
    areas_frame().to_file(areas)
    streets = osm_grid(tmp_path / "g.osm")
    bad = tmp_path / "bad.yaml"
    bad.write_text("populaton: POP\n")
    assert "bad.yaml: unknown key 'populaton'" in fails(
        capsys, "--streets", streets, "--areas", areas, "--mapping", bad, "--out", tmp_path / "o"
    )
    bad.write_text("population: PEOPLE\n")
    err = fails(
        capsys, "--streets", streets, "--areas", areas, "--mapping", bad, "--out", tmp_path / "o"
    )
    assert "column 'PEOPLE' is not in areas.geojson" in err
    frame = areas_frame()
    frame.loc[0, "POP"] = np.nan
    frame.to_file(areas)
    bad.write_text("population: POP\n")
    err = fails(
        capsys, "--streets", streets, "--areas", areas, "--mapping", bad, "--out", tmp_path / "o"
    )
    assert "population (POP) is missing or not a finite number in row 0" in err


def test_without_the_geo_extra_the_command_names_it(tmp_path, capsys, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "pyproj", None)
    err = fails(capsys, "--streets", osm_grid(tmp_path / "g.osm"), "--out", tmp_path / "o")
    assert "pip install 'commsim[geo]'" in err


def test_a_damaged_city_folder_is_one_line(tmp_path):
    out = tmp_path / "city"
    assert run_import("--streets", osm_grid(tmp_path / "g.osm"), "--out", out) == 0
    streets = pd.read_parquet(out / "streets.parquet")
    streets.loc[0, "length_m"] = np.nan
    streets.to_parquet(out / "streets.parquet")
    with pytest.raises(ConfigError, match="length_m must be finite and positive"):
        city_for(CityConfig(kind="imported", dir=str(out), seed_offset=1))
    (out / "places.parquet").write_bytes(zlib.compress(b"not parquet"))
    with pytest.raises(ConfigError, match=r"places\.parquet is not a readable Parquet file"):
        city_for(CityConfig(kind="imported", dir=str(out), seed_offset=2))


def test_the_city_command_is_registered(tmp_path, capsys):
    from commsim.cli import main as cli_main

    assert cli_main(["city"]) == 0
    assert "commsim city import" in capsys.readouterr().out
    assert cli_main(["city", "import", "--out", str(tmp_path / "o")]) == 2
    assert "give --streets" in capsys.readouterr().err
    assert cli_main(["city", "export"]) == 2
    assert "unknown 'commsim city' action 'export'" in capsys.readouterr().err


def test_generated_cities_number_their_neighbourhoods():
    city = city_for(CityConfig(places=60, neighborhoods=3))
    assert city.neighborhoods["id"].tolist() == ["0", "1", "2"]
    assert city.neighborhood_index(2) == 2 and city.neighborhood_index("1") == 1
    assert city.neighborhoods["households"].sum() == city.households.sum()
    with pytest.raises(KeyError):
        city.neighborhood_index(3)


def test_watch_neighbourhoods_by_the_users_ids_or_names(tmp_path):
    from commsim import CommunityModel
    from commsim.config import load_config

    streets = osm_grid(tmp_path / "loop.osm")
    areas = tmp_path / "areas.geojson"
    areas_frame().to_file(areas)
    (tmp_path / "map.yaml").write_text(MAPPING)
    out = tmp_path / "city"
    run_import(
        "--streets", streets, "--areas", areas, "--mapping", tmp_path / "map.yaml", "--out", out
    )
    base = ["city=imported", f"city.dir={out}", "policy=neighborhood_watch", "days=5"]
    for names, covered in (("[8]", [1]), ("[LOOP]", [0]), ("['near north side',32]", [1, 0])):
        config = load_config([*base, f"policy.watch_neighborhoods={names}"])
        model = CommunityModel(config, seed=0)
        assert model.lever("watch").choose_neighborhoods(model.world).tolist() == covered
    # Area 8 is the second row: a number is the user's id, never commsim's row number.
    with pytest.raises(ConfigError, match=r"policy\.watch_neighborhoods\.0=1: .*ids: 32, 8"):
        load_config([*base, "policy.watch_neighborhoods=[1]"])
