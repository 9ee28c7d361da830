"""Scientific honesty: every default documented with its source, docs in step with code."""

import re
from pathlib import Path

import pytest

from commsim.paramdoc import END, START, field_comments, table

ROOT = Path(__file__).resolve().parents[1]
BEHAVIOUR = [
    "PopulationParams",
    "OffendingParams",
    "PlaceParams",
    "ReportingParams",
    "TrustParams",
    "PoliceParams",
    "OffenderDynamicsParams",
    "CostParams",
]
SOURCE = re.compile(r"assumption|calibrated|\b(19|20)\d\d\b")


@pytest.mark.parametrize("section", BEHAVIOUR)
def test_every_behavioural_default_has_a_source_or_says_assumption(section):
    missing = [name for name, text in field_comments()[section].items() if not SOURCE.search(text)]
    if section == "PopulationParams":
        missing = [m for m in missing if m != "groups"] if "groups" in missing else missing
    assert not missing, f"{section}: {missing}"


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
