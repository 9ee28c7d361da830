"""The structure the project relies on: levers own their settings, imports run one way."""

from __future__ import annotations

import ast
from dataclasses import fields
from pathlib import Path

import mesa
import networkx as nx
import pytest

from commsim import CommunityModel
from commsim.levers import LEVERS, STRATEGIES

SRC = Path(__file__).resolve().parents[1] / "src" / "commsim"
# The simulation layer: where a lever's settings could act on the model behind its back.
SIMULATION = [
    p
    for p in SRC.rglob("*.py")
    if p.stem
    in {
        "model", "world", "population", "city", "dynamics", "collector", "outcomes", "runner",
        "routines", "patrol", "offending", "incidents", "trust", "places", "careers", "agents",
    }
    or p.parent.name == "levers"
]  # fmt: skip


def _attributes(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}


def _owned(cls: type) -> set[str]:
    names: set[str] = set()
    for part in (cls.Policy, cls.Costs):
        if part is not None:
            names |= {f.name for f in fields(part)}
    return names


@pytest.mark.parametrize("lever", [*LEVERS.values(), *STRATEGIES.values()], ids=lambda c: c.key)
def test_a_levers_settings_are_read_only_in_its_own_module(lever):
    own_module = Path(__import__(lever.__module__, fromlist=["x"]).__file__).resolve()
    common = {"name", "start_day", "end_day", "patrol_strategy"}
    owned = _owned(lever) - common
    for path in SIMULATION:
        if path.resolve() == own_module:
            continue
        used = _attributes(path) & owned
        assert not used, f"{path.name} reads {lever.key}'s settings {sorted(used)}"


def test_lever_settings_have_one_owner():
    seen: dict[str, str] = {}
    for lever in [*LEVERS.values(), *STRATEGIES.values()]:
        for name in _owned(lever):
            assert name not in seen, f"{name} is declared by {seen[name]} and {lever.key}"
            seen[name] = lever.key


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("commsim"):
            submodules = {f"{node.module}.{a.name}" for a in node.names}
            # ``from commsim import trust`` imports the module commsim.trust.
            real = {m for m in submodules if _is_module(m)}
            out |= real if real == submodules else {node.module, *real}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("commsim")}
    return out


def _is_module(name: str) -> bool:
    rel = Path(*name.split(".")[1:])
    return (SRC / rel).with_suffix(".py").is_file() or (SRC / rel / "__init__.py").is_file()


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def test_no_import_loops():
    modules = {_module_name(p): p for p in SRC.rglob("*.py")}
    graph = nx.DiGraph()
    for name, path in modules.items():
        graph.add_node(name)
        for target in _imports(path):
            if target in modules and target != name:
                graph.add_edge(name, target)
    # A package's __init__ that only discovers its modules is not a loop through them.
    graph.remove_edges_from(
        [(a, b) for a, b in graph.edges if a == "commsim.levers" and b.startswith(a)]
    )
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, cycles


def test_levers_use_only_the_world_interface():
    forbidden = {"commsim.model", "commsim.runner", "commsim.params", "commsim.config", "hydra"}
    for path in (SRC / "levers").glob("*.py"):
        bad = {m for m in _imports(path) if any(m == f or m.startswith(f + ".") for f in forbidden)}
        assert not bad, f"{path.name} imports {sorted(bad)}"


def test_core_never_imports_hydra():
    core = [p for p in SRC.rglob("*.py") if p.stem not in {"cli", "config"}]
    for path in core:
        text = path.read_text(encoding="utf-8")
        assert "import hydra" not in text and "from hydra" not in text, path.name


def test_model_stops_running_when_its_days_are_done():
    model = CommunityModel(city="small", days=2, warmup_days=1, seed=0)
    while model.running:
        model.step()
    assert model.steps == 24 * 3
    assert len(model.daily_table()) == 2


def test_mesa_batch_run_lines_up_with_steps():
    rows = mesa.batch_run(
        CommunityModel,
        parameters={"city": "small", "days": 3, "warmup_days": 1, "watch_coverage": [0.0, 0.5]},
        iterations=1,
        max_steps=10_000,
        number_processes=1,
        display_progress=False,
    )
    assert len(rows) == 2
    for row in rows:
        assert row["Step"] == 24 * 4 - 1
        daily = CommunityModel(
            city="small",
            days=3,
            warmup_days=1,
            watch_coverage=row["watch_coverage"],
            seed=row.get("seed", 0),
        )
        while daily.running:
            daily.step()
        assert row["crimes"] == daily.today["crimes"]  # the last evaluated day's value
        assert row["watch_participation"] == pytest.approx(daily.today["watch_participation"])
    assert rows[1]["watch_participation"] > rows[0]["watch_participation"]
