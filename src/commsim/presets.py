"""Strategy presets in plain words, read from the leading comment of each preset file.

Every file in ``conf/policy/`` opens with one paragraph of comment lines of the form
``# Title: what the strategy does.``, then a line holding only ``#``, then any details.
Reports and the scorecard show the title and the description; the presets stay plain
config files (the comment is not a config key, so it never changes a run).

Examples:
    >>> describe_preset("hotspot_policing").title
    'Hot-spot policing'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["PresetText", "describe_preset", "humanise"]


@dataclass(frozen=True)
class PresetText:
    """A strategy in words.

    Attributes:
        name: The preset's name (``neighborhood_watch``).
        title: A short title (``Neighbourhood watch``).
        description: One sentence saying what the strategy does ("" when unknown).
    """

    name: str
    title: str
    description: str


def humanise(name: str) -> str:
    """A preset name as people read it: ``community_policing`` -> ``Community policing``."""
    return name.replace("_", " ").strip().capitalize() or name


def describe_preset(name: str, folder: Path | None = None) -> PresetText:
    """The title and one-line description of a policy preset.

    Args:
        name: The preset (file stem in ``conf/policy/``) or any strategy name.
        folder: Where the presets are (default: commsim's ``conf/policy``).

    Returns:
        The text from the file's leading comment; for a strategy with no preset file (a
        name set with ``policy.name=...``) the humanised name and no description.
    """
    if folder is None:
        try:
            from commsim.config import config_dir

            folder = config_dir() / "policy"
        except FileNotFoundError:
            return PresetText(name, humanise(name), "")
    path = Path(folder) / f"{name}.yaml"
    try:
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
    except OSError:
        text = ""
    paragraph: list[str] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        words = line.lstrip("#").strip()
        if not words:
            break
        paragraph.append(words)
    sentence = " ".join(paragraph)
    title, sep, rest = sentence.partition(": ")
    if not sep or len(title) > 60:
        return PresetText(name, humanise(name), sentence)
    rest = rest.strip()
    return PresetText(name, title.strip(), rest[:1].upper() + rest[1:])
