"""GIS outputs: GeoPackage and GeoParquet that QGIS-style readers open with CRS and ids."""

import numpy as np
import pandas as pd
import pytest

gpd = pytest.importorskip("geopandas", reason="the geo extra is part of the dev install")
pyogrio = pytest.importorskip("pyogrio")
shapely = pytest.importorskip("shapely")

from commsim import geoout  # noqa: E402
from commsim.city import CityConfig, city_for  # noqa: E402
from commsim.cli import main as cli_main  # noqa: E402
from test_city_import import MAPPING, areas_frame, osm_grid, run_import  # noqa: E402


@pytest.fixture
def restore_logging():
    """Hydra points the root logger at this test's captured stderr; put it back after."""
    import logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def imported_run(tmp_path, capsys, restore_logging):
    """A short run on a city imported from an OSM extract and two named areas, with --geo."""
    streets = osm_grid(tmp_path / "loop.osm", n=6)
    areas = tmp_path / "areas.geojson"
    areas_frame().to_file(areas)
    (tmp_path / "map.yaml").write_text(MAPPING)
    folder = tmp_path / "city"
    assert run_import(
        "--streets", streets, "--areas", areas, "--mapping", tmp_path / "map.yaml",
        "--out", folder,
    ) == 0  # fmt: skip
    run_dir = tmp_path / "run"
    code = cli_main(
        [
            "run",
            "--geo",
            "gpkg",
            "city=imported",
            f"city.dir={folder}",
            "city.residents=2000",
            "days=20",
            "warmup_days=2",
            f"hydra.run.dir={run_dir}",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "GIS layers:" in captured.out
    city = city_for(CityConfig(kind="imported", dir=str(folder), residents=2000))
    return run_dir, city


def test_run_writes_a_geopackage_in_the_city_crs_with_the_users_ids(imported_run):
    run_dir, city = imported_run
    gpkg = run_dir / "geo" / "results.gpkg"
    assert sorted(pyogrio.list_layers(gpkg)[:, 0]) == ["events", "neighborhoods", "places"]
    places = gpd.read_file(gpkg, layer="places")
    assert places.crs == "EPSG:32616"
    # Every place, keyed by the OSM node id, at its position in the city.
    assert places["place_id"].tolist() == list(city.place_ids)
    xy = np.column_stack([places.geometry.x, places.geometry.y])
    assert np.allclose(xy, city.pos)
    run_places = pd.read_parquet(run_dir / "places.parquet")
    assert places["crimes"].tolist() == run_places["crimes"].tolist()

    hoods = gpd.read_file(gpkg, layer="neighborhoods")
    assert hoods.crs == "EPSG:32616"
    assert hoods["neighborhood_id"].tolist() == ["32", "8"]
    assert hoods["neighborhood_name"].tolist() == ["LOOP", "NEAR NORTH SIDE"]
    # The real polygons, not hulls: each has the area of the input area.
    expected = areas_frame().to_crs("EPSG:32616").set_index("AREA_NO").area
    assert hoods.area.to_numpy() == pytest.approx(expected.loc[[32, 8]].to_numpy(), rel=1e-6)

    events = gpd.read_file(gpkg, layer="events")
    run_events = pd.read_parquet(run_dir / "events.parquet")
    assert len(events) == len(run_events) > 0
    at = run_events["place"].to_numpy()
    assert events["place_id"].tolist() == list(city.place_ids[at])
    ids = city.neighborhoods["id"].astype(str).to_numpy()
    assert events["neighborhood_id"].tolist() == list(ids[city.neighborhood[at]])
    assert np.allclose(np.column_stack([events.geometry.x, events.geometry.y]), city.pos[at])


def test_geoparquet_layers_read_back_with_crs(imported_run):
    run_dir, _ = imported_run
    written = geoout.export_run(run_dir, "geoparquet")
    assert sorted(p.name for p in written) == [
        "events.parquet",
        "neighborhoods.parquet",
        "places.parquet",
    ]
    for path in written:
        frame = gpd.read_parquet(path)
        assert frame.crs == "EPSG:32616"
    hoods = gpd.read_parquet(run_dir / "geo" / "neighborhoods.parquet")
    assert set(hoods.geom_type) == {"Polygon"}
    assert hoods["neighborhood_id"].tolist() == ["32", "8"]


def test_generated_cities_get_hulls_and_no_crs(tmp_path):
    city = city_for(CityConfig(places=120, neighborhoods=3, residents=500))
    table = pd.DataFrame({"neighborhood": np.arange(3), "crimes": [1.0, 2.0, 3.0]})
    layer = geoout.neighborhood_layer(city, table)
    assert layer.crs is None
    points = gpd.points_from_xy(city.pos[:, 0], city.pos[:, 1])
    for k, shape in enumerate(layer.geometry):
        assert shape.covers(points[city.neighborhood == k]).all()
    written = geoout.write_layers({"neighborhoods": layer}, tmp_path, "gpkg")
    back = gpd.read_file(written[0], layer="neighborhoods")
    assert back.crs is None and back["crimes"].tolist() == [1.0, 2.0, 3.0]


def test_polygons_with_holes_follow_the_even_odd_rule():
    outer = np.array([[0, 0], [100, 0], [100, 100], [0, 100], [0, 0]], float)
    hole = np.array([[40, 40], [60, 40], [60, 60], [40, 60], [40, 40]], float)
    island = np.array([[200, 0], [210, 0], [210, 10], [200, 10], [200, 0]], float)

    class City:
        def __init__(self):
            self.polygons = [(outer, hole, island)]

    (shape,) = geoout.neighborhood_shapes(City())
    assert shape.area == pytest.approx(100 * 100 - 20 * 20 + 10 * 10)
    assert not shape.contains(shapely.Point(50, 50)) and shape.contains(shapely.Point(10, 10))


def test_bad_geo_requests_are_one_line(tmp_path, capsys):
    assert cli_main(["run", "--geo", "shapefile", "city=small", "days=1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--geo=shapefile" in err and "gpkg" in err
    (tmp_path / "manifest.json").write_text('{"status": "running"}')
    (tmp_path / "places.parquet").write_bytes(b"")
    with pytest.raises(geoout.GeoError, match="not a complete run"):
        geoout.export_run(tmp_path, "gpkg")


def test_without_the_geo_extra_the_option_names_it(monkeypatch, capsys):
    import builtins

    real = builtins.__import__

    def no_geopandas(name, *args, **kwargs):
        if name == "geopandas":
            raise ImportError("no geopandas", name="geopandas")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_geopandas)
    assert cli_main(["run", "--geo=gpkg", "city=small", "days=1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "commsim[geo]" in err


def test_compare_writes_layers_per_strategy(tmp_path, capsys):
    from commsim.compare import main as compare_main

    out = tmp_path / "cmp"
    code = compare_main(
        ["--strategies", "baseline,neighborhood_watch", "--replicates", "2", "--out", str(out),
         "--geo", "geoparquet", "--quiet", "city=small", "days=20", "warmup_days=2",
         "--jobs", "1"]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    hoods = gpd.read_parquet(out / "report" / "geo" / "neighborhoods.parquet")
    assert len(hoods) == 2 * 3 and set(hoods["strategy"]) == {"baseline", "neighborhood_watch"}
    assert (hoods["runs"] == 2).all()
    # Averages over the two replicates of each strategy.
    runs = [pd.read_parquet(out / "runs" / "baseline" / f"seed_{s}" / "neighborhoods.parquet")
            for s in (0, 1)]  # fmt: skip
    base = hoods[hoods["strategy"] == "baseline"].sort_values("neighborhood")
    mean = (runs[0]["trust_mean"] + runs[1]["trust_mean"]) / 2
    assert base["trust_mean"].to_numpy() == pytest.approx(mean.to_numpy())
    events = gpd.read_parquet(out / "report" / "geo" / "events.parquet")
    assert {"strategy", "seed", "place_id", "neighborhood_id"} <= set(events.columns)
    report = (out / "report" / "report.md").read_text()
    assert "## GIS layers" in report and "geo/places.parquet" in report
    # Run again into the same folder: the new layers replace the old ones.
    (out / "report" / "geo" / "left_from_before.txt").write_text("old")
    assert compare_main(["--strategies", "baseline", "--replicates", "2", "--out", str(out),
                         "--geo", "geoparquet", "--quiet", "city=small", "days=20",
                         "warmup_days=2", "--jobs", "1"]) == 0  # fmt: skip
    assert not (out / "report" / "geo" / "left_from_before.txt").exists()
    hoods = gpd.read_parquet(out / "report" / "geo" / "neighborhoods.parquet")
    assert set(hoods["strategy"]) == {"baseline"}
    assert not [p.name for p in (out / "report").glob(".*-*")]  # no staging folders left


def test_runs_on_different_cities_are_refused(tmp_path):
    for name, places in (("a", 120), ("b", 150)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "config.yaml").write_text(f"city:\n  places: {places}\n")
    runs = pd.DataFrame({"run_dir": ["a", "b"], "strategy": "baseline", "seed": [0, 1]})
    with pytest.raises(geoout.GeoError, match="different cities"):
        geoout.city_of_runs(runs, tmp_path)
    with pytest.raises(geoout.GeoError, match="different cities"):
        geoout.export_runs(runs, tmp_path, tmp_path / "out", "gpkg", ["strategy"])
