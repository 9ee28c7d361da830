"""The parameter table of docs/model.md, generated from params.py's own comments.

Each parameter's unit and source live next to its default in
:mod:`commsim.params`; this module turns them into a Markdown table, so the
documentation cannot drift from the code (a test compares them).

Run ``python -m commsim.paramdoc docs/model.md`` to refresh the table in place.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import sys
from pathlib import Path

from commsim import params

START, END = "<!-- parameters:start -->", "<!-- parameters:end -->"
SECTIONS = {
    "CityConfig": "city",
    "PopulationParams": "population",
    "GroupParams": "population.groups.<name>",
    "OffendingParams": "offending",
    "PlaceParams": "places",
    "ReportingParams": "reporting",
    "TrustParams": "trust",
    "PoliceParams": "police",
    "OffenderDynamicsParams": "offenders",
    "PolicyConfig": "policy",
    "CostParams": "costs",
    "SimConfig": "",
}
SOURCE_MARKERS = ("assumption", "calibrated", "19", "20", "(see", "metres", "path", "id")


def field_comments() -> dict[str, dict[str, str]]:
    """``{class name: {field: comment}}`` read from the source of commsim.params."""
    source = inspect.getsource(params)
    lines = source.splitlines()
    out: dict[str, dict[str, str]] = {}
    for node in ast.parse(source).body:
        if not isinstance(node, ast.ClassDef) or node.name not in SECTIONS:
            continue
        comments = {}
        for item in node.body:
            if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                span = lines[item.lineno - 1 : item.end_lineno or item.lineno]
                text = next((ln.split("#", 1)[1].strip() for ln in span if "#" in ln), "")
                comments[item.target.id] = text
        out[node.name] = comments
    return out


def _default(cls: type, f: dataclasses.Field) -> str:
    if f.default is not dataclasses.MISSING:
        return repr(f.default)
    if cls is params.PopulationParams and f.name == "groups":
        return "majority, minority, newcomer (below)"
    if f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
        value = f.default_factory()  # type: ignore[misc]
        return "[]" if value == [] else "(section)"
    return ""


def table() -> str:
    """The Markdown parameter table: key, default, unit and source."""
    comments = field_comments()
    rows = ["| key | default | unit, meaning and source |", "|---|---|---|"]
    for name, prefix in SECTIONS.items():
        cls = getattr(params, name)
        for f in dataclasses.fields(cls):
            if dataclasses.is_dataclass(f.type) or (
                f.name in ("shocks",) and name != "PolicyConfig"
            ):
                continue
            if name == "SimConfig" and f.name not in ("seed", "days", "warmup_days"):
                continue
            key = f"{prefix}.{f.name}" if prefix else f.name
            text = comments.get(name, {}).get(f.name, "").replace("|", "/")
            rows.append(f"| `{key}` | `{_default(cls, f)}` | {text} |")
    groups = params.PopulationParams().groups
    rows.append("")
    rows.append("| group | share | baseline_trust | smartphone_access |")
    rows.append("|---|---|---|---|")
    for g, p in groups.items():
        rows.append(f"| {g} | {p.share} | {p.baseline_trust} | {p.smartphone_access} |")
    return "\n".join(rows)


def refresh(path: Path) -> bool:
    """Rewrite the table between the markers in ``path``; True if it changed."""
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{START}\n{table()}\n{END}{tail}"
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    changed = refresh(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/model.md"))
    print("updated" if changed else "up to date")
