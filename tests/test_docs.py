"""Scientific honesty: every default documented with its source, docs in step with code."""

import re
from pathlib import Path

from commsim.paramdoc import END, SOURCE_WORDS, START, table
from commsim.params import SimConfig
from commsim.paramspec import describe

ROOT = Path(__file__).resolve().parents[1]
YEAR = re.compile(r"\b(19|20)\d\d\b")


def _has_source(text: str) -> bool:
    return bool(YEAR.search(text)) or any(word in text for word in SOURCE_WORDS)


def test_every_default_has_a_source_or_says_assumption():
    missing = [p.key for p in describe(SimConfig()) if not _has_source(p.source)]
    assert not missing, missing


def test_every_number_has_a_unit():
    bare = [
        p.key
        for p in describe(SimConfig())
        if p.is_number and not p.unit and p.source not in ("choice", "label")
    ]
    assert not bare, bare


def test_every_lever_is_a_policy_key_with_a_label_and_range():
    levers = [p for p in describe(SimConfig()) if p.lever]
    assert levers
    for p in levers:
        assert p.key.startswith("policy.") or p.key == "police.preventive_patrol_share", p.key
        assert p.label and (p.choices or p.hi is not None), p.key


def test_model_md_parameter_table_is_current():
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    current = text.split(START, 1)[1].split(END, 1)[0].strip()
    assert current == table().strip(), "run: python -m commsim.paramdoc docs/model.md"


def test_model_md_follows_odd_order():
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    headings = [
        "Purpose", "Entities", "Process overview", "Design concepts", "Initialisation",
        "Input data", "Submodels",
    ]  # fmt: skip
    positions = [text.index(f". {h}") for h in headings]  # '## 1. Purpose' ...
    assert positions == sorted(positions)
