"""The parameter table of docs/model.md, generated from the parameters' own descriptions.

Each parameter's unit, range and source live on its field
(:func:`commsim.paramspec.param`); this module turns them into Markdown, so the
documentation cannot drift from the code (a test compares them).

Run ``python -m commsim.paramdoc docs/model.md`` to refresh the table in place.
"""

from __future__ import annotations

import sys
from pathlib import Path

from commsim.params import SimConfig
from commsim.paramspec import ParamInfo, describe

START, END = "<!-- parameters:start -->", "<!-- parameters:end -->"
#: Source words that say where a behavioural default comes from.
SOURCE_WORDS = ("assumption", "calibrated", "lever", "choice", "label", "path", "scenario")


def _range(p: ParamInfo) -> str:
    if p.choices:
        return " / ".join(p.choices)
    if p.lo is None and p.hi is None:
        return ""
    lo = "" if p.lo is None else f"{p.lo:g}"
    hi = "" if p.hi is None else f"{p.hi:g}"
    return f"{lo}–{hi}" if lo and hi else (f"≥ {lo}" if lo else f"≤ {hi}")


def _cell(text: str) -> str:
    return text.replace("|", "/")


def table() -> str:
    """The Markdown parameter table: key, default, unit, range and source."""
    rows = ["| key | default | unit | range | source | note |", "|---|---|---|---|---|---|"]
    for p in describe(SimConfig()):
        if p.key.startswith("population.groups."):
            continue
        default = "[]" if p.default == [] else repr(p.default)
        plausible = (
            f" (evidence allows {p.plausible[0]:g}–{p.plausible[1]:g})" if p.plausible else ""
        )
        rows.append(
            f"| `{p.key}` | `{_cell(default)}` | {_cell(p.unit)} | {_range(p)} | "
            f"{_cell(p.source)}{plausible} | {_cell(p.doc)} |"
        )
    groups = SimConfig().population.groups
    rows.append("")
    rows.append("| group | share | baseline_trust | disadvantage_loading |")
    rows.append("|---|---|---|---|")
    for g, gp in groups.items():
        rows.append(f"| {g} | {gp.share} | {gp.baseline_trust} | {gp.disadvantage_loading} |")
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
