"""The API reference builds from the docstrings, and committed reports have no broken links."""

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
REPORTS = sorted(p for p in (ROOT / "experiments").glob("*/report") if p.is_dir())


def test_api_reference_builds_without_warnings(tmp_path):
    pytest.importorskip("mkdocstrings")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
         "-f", str(ROOT / "mkdocs.yml"), "-d", str(tmp_path / "site")],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    page = (tmp_path / "site" / "api" / "reporting" / "index.html").read_text()
    assert "build_scorecard" in page and "certainty" in page  # rendered from docstrings
    assert "commsim_model" in (tmp_path / "site" / "api" / "exploring" / "index.html").read_text()


def _targets(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        return re.findall(r'(?:href|src)="([^"]+)"', text)
    return re.findall(r"\]\(([^)\s]+)\)", text)


def _local(target: str) -> str | None:
    parsed = urlparse(target)
    if parsed.scheme in ("http", "https", "mailto", "data") or target.startswith("#"):
        return None
    return unquote(parsed.path)


def _broken(path: Path) -> list[str]:
    return [
        t
        for t in _targets(path)
        if (local := _local(t)) is not None and not (path.parent / local).exists()
    ]


def test_the_link_check_finds_a_broken_link(tmp_path):
    (tmp_path / "here.png").write_bytes(b"x")
    page = tmp_path / "report.md"
    page.write_text("![a](here.png) ![b](missing.png) [c](https://example.org) [d](#top)")
    assert _broken(page) == ["missing.png"]


def test_there_are_committed_reports():
    assert {p.parent.name for p in REPORTS} >= {"strategy_comparison", "watch_funding"}


@pytest.mark.parametrize("folder", REPORTS, ids=lambda p: p.parent.name)
def test_committed_reports_are_complete_and_have_no_broken_links(folder):
    for name in ("report.html", "report.md", "summary.csv"):
        assert (folder / name).is_file(), f"{folder.parent.name}: {name} is missing"
    for page in (folder / "report.html", folder / "report.md", folder.parent / "README.md"):
        assert _broken(page) == [], f"{page.relative_to(ROOT)} links to missing files"
    # Every figure named in the report is there in all three formats.
    md = (folder / "report.md").read_text(encoding="utf-8")
    for png in re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", md):
        for suffix in (".png", ".svg", ".pdf"):
            assert (folder / png).with_suffix(suffix).is_file(), f"{png} has no {suffix}"
