import networkx as nx
import numpy as np
import pytest

from commsim.city import LAND_USES, build_city, city_for, load_graphml, write_graphml
from commsim.params import CityConfig, ConfigError


@pytest.mark.parametrize("kind", ["neighborhoods", "grid", "organic"])
def test_generated_cities_are_connected_and_attributed(kind):
    city = build_city(CityConfig(kind=kind, places=200, neighborhoods=4), np.random.default_rng(1))
    assert nx.is_connected(city.graph)
    assert city.n_places == 200
    assert city.n_neighborhoods == 4
    assert city.households.sum() > 0
    assert (city.disadvantage >= 0).all() and (city.disadvantage <= 1).all()
    # Every place reaches every other by street; a place is 0 m from itself.
    d = city.distances_to(7, np.arange(city.n_places))
    assert np.isfinite(d).all() and d[7] == 0 and (np.delete(d, 7) > 0).all()
    for _, data in city.graph.nodes(data=True):
        assert data["land_use"] in LAND_USES
        assert len(data["pos"]) == 2


def test_neighbourhoods_span_the_disadvantage_range():
    cfg = CityConfig(disadvantage_min=0.1, disadvantage_max=0.8)
    city = build_city(cfg, np.random.default_rng(0))
    levels = sorted({round(float(d), 6) for d in city.disadvantage})
    assert levels[0] == pytest.approx(0.1) and levels[-1] == pytest.approx(0.8)
    assert len(levels) == cfg.neighborhoods


def test_graphml_round_trip(tmp_path):
    city = build_city(CityConfig(places=100, neighborhoods=3), np.random.default_rng(2))
    path = tmp_path / "city.graphml"
    write_graphml(city, path)
    graph = load_graphml(path)
    assert graph.number_of_nodes() == 100
    assert graph.number_of_edges() == city.graph.number_of_edges()


def _write(tmp_path, graph):
    path = tmp_path / "g.graphml"
    nx.write_graphml(graph, path)
    return path


def _grid(n=3):
    g = nx.grid_2d_graph(n, n)
    g = nx.convert_node_labels_to_integers(g, label_attribute="rc")
    for _i, d in g.nodes(data=True):
        d["x"], d["y"] = float(d["rc"][0] * 100), float(d["rc"][1] * 100)
        del d["rc"]
    return g


def test_graphml_missing_attributes_get_documented_defaults(tmp_path):
    graph = load_graphml(_write(tmp_path, _grid()))
    data = graph.nodes["0"]
    assert data["households"] == 3 and data["neighborhood"] == 0
    # No land use in the file: a commercial core and mixed ring by the documented rule.
    uses = [d["land_use"] for _, d in graph.nodes(data=True)]
    assert uses.count("commercial") == 1 and uses.count("mixed") == 1
    assert uses.count("residential") == 7
    assert all(d["length"] == pytest.approx(100.0) for *_, d in graph.edges(data=True))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda g: g.remove_nodes_from(list(g.nodes)), "empty"),
        (lambda g: g.add_node(99, x=0.0, y=0.0), "connected"),
        (lambda g: [d.pop("x") for _, d in g.nodes(data=True)], "'x' and 'y'"),
        (lambda g: g.nodes[0].update(land_use="lava"), "land_use"),
    ],
)
def test_bad_graphml_is_refused_clearly(tmp_path, mutate, message):
    g = _grid()
    mutate(g)
    with pytest.raises(ConfigError, match=message):
        load_graphml(_write(tmp_path, g))


def test_graphml_too_large_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="more than 20 nodes"):
        load_graphml(_write(tmp_path, _grid(5)), max_places=20)


def test_graphml_missing_file_and_garbage(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_graphml(tmp_path / "nope.graphml")
    bad = tmp_path / "bad.graphml"
    bad.write_text("this is not xml")
    with pytest.raises(ConfigError, match="not readable"):
        load_graphml(bad)


def test_run_on_user_graphml(tmp_path):
    from commsim import load_config, run

    city = build_city(CityConfig(places=150, neighborhoods=3), np.random.default_rng(3))
    path = tmp_path / "streets.graphml"
    write_graphml(city, path)
    cfg = load_config(
        ["city=graphml", f"city.graphml={path}", "city.residents=400", "days=10", "warmup_days=2"]
    )
    result = run(cfg, seed=0)
    assert result.counts["places"] == 150


def test_a_graphml_with_only_coordinates_runs(tmp_path):
    from commsim import load_config, run

    g = _grid(6)
    g.add_edge(4, 4)  # a self-loop is dropped, not an error
    path = _write(tmp_path, g)
    cfg = load_config(["city=graphml", f"city.graphml={path}", "days=3", "warmup_days=1"])
    city = city_for(cfg)
    assert cfg.city.residents is None and city.residents == round(36 * 3 * 2.5)
    assert np.isin(city.land_use, (1, 2)).sum() >= 3  # places to work and shop
    assert not any(u == v for u, v in city.graph.edges)
    assert city.place_ids.tolist() == [str(i) for i in range(36)]
    result = run(cfg, seed=0)
    assert result.counts["places"] == 36


def test_compressed_graphml_is_read_and_bombs_refused(tmp_path):
    import gzip

    plain = _write(tmp_path, _grid(4))
    packed = tmp_path / "g.graphml.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert load_graphml(packed).number_of_nodes() == 16
    bomb = tmp_path / "bomb.graphml.gz"
    with gzip.open(bomb, "wb") as f:
        f.write(b"<graphml>" + b" " * (80 << 20) + b"</graphml>")
    with pytest.raises(ConfigError, match="expands to more than 64 MB"):
        load_graphml(bomb)


def test_non_finite_graphml_values_are_refused(tmp_path):
    g = _grid()
    g.nodes[2]["x"] = float("inf")
    with pytest.raises(ConfigError, match="non-finite"):
        load_graphml(_write(tmp_path, g))
    g = _grid()
    g.edges[0, 1]["length"] = float("nan")
    with pytest.raises(ConfigError, match="must be finite"):
        load_graphml(_write(tmp_path, g))


def test_max_places_checked_on_generated_cities_only():
    with pytest.raises(ConfigError, match=r"city\.max_places"):
        CityConfig(places=500, max_places=400)
    assert CityConfig(kind="imported", dir="x", places=500, max_places=400).max_places == 400
