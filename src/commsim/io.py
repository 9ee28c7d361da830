"""Atomic output files and run manifests.

Every file is written to a temporary name in the same directory and renamed
into place, so a reader never sees half a file. ``manifest.json`` is written
first with ``status: running`` and last with ``status: complete``; a run
directory whose manifest does not say complete is incomplete.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

MANIFEST = "manifest.json"
RUN_FILES = ("config.yaml", "timeseries.parquet", "events.parquet", "summary.json", MANIFEST)
_UMASK = os.umask(0)
os.umask(_UMASK)
KEY_PACKAGES = ("commsim", "mesa", "numpy", "pandas", "networkx", "scipy", "hydra-core", "pyarrow")


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary file next to ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp creates 0600; outputs are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    """Write text atomically."""
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def write_json(path: Path, obj: Any) -> None:
    """Write JSON atomically (sorted keys, indented)."""
    write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=_json_default) + "\n")


def write_parquet(path: Path, frame: pd.DataFrame) -> None:
    """Write a DataFrame as Parquet atomically, without the index."""
    atomic_write(path, lambda p: frame.to_parquet(p, index=False))


def read_manifest(run_dir: Path) -> dict[str, Any] | None:
    """The run's manifest, or None when missing or unreadable."""
    try:
        return json.loads((Path(run_dir) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_complete(run_dir: Path) -> bool:
    """True when the manifest says complete and every run file exists."""
    manifest = read_manifest(run_dir)
    if not manifest or manifest.get("status") != "complete":
        return False
    return all((Path(run_dir) / name).is_file() for name in RUN_FILES)


def package_versions() -> dict[str, str]:
    """Installed versions of commsim and the packages that decide its numbers."""
    out = {}
    for name in KEY_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit() -> str | None:
    """The commit of the checkout commsim runs from, when it is one."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def config_hash(config_yaml: str) -> str:
    """A short, stable fingerprint of a resolved config."""
    return hashlib.sha256(config_yaml.encode()).hexdigest()[:16]


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "item"):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
