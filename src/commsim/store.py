"""The run store: the one module that reads and writes run directories.

A run directory holds one run's files, each written to a unique temporary name in
the same folder and renamed into place, so a reader never sees half a file:

- ``config.yaml``: the resolved config;
- ``<table>.parquet``: every table of the run (``timeseries``, ``events`` ...);
- ``summary.json``: the run's summary outcomes;
- ``manifest.json``: what the run is and whether it is usable (below).

``manifest.json`` is written first with ``status: running`` and last with
``status: complete`` and the SHA-256 checksum of every file; a failure on the way
(an error, a full disk, a read-only folder, Ctrl-C or SIGTERM) rewrites it with
``status: failed`` and a one-line ``error`` when the folder can still be written.

:func:`run_state` is the only place that decides what a folder holds:

========== ==================================================================
complete   the manifest says complete and every file verifies
stale      complete, but made from another config (its config hash differs) or by
           another model version (:data:`MODEL_VERSION`)
corrupt    the manifest says complete, but a file is missing or fails its checksum
incomplete running, interrupted, or files without a manifest
failed     the run recorded an error
missing    no run here yet
========== ==================================================================

Only ``complete`` runs are reused or reported; every other state is redone by the
next ``commsim run``/``compare``/``sensitivity`` into the same folder.

Run folders of commsim 0.1 have manifests without checksums; they are accepted as
complete when each of their four files parses (``legacy`` is then True).

A lock file (``.commsim.lock``, :func:`lock`) lets one process at a time write a
folder; a second one gets :class:`BusyError`, one line naming the folder and the
holder's process id.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import errno
import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from commsim.params import ConfigError

__all__ = [
    "COMPLETE",
    "CORRUPT",
    "FAILED",
    "INCOMPLETE",
    "MANIFEST",
    "MISSING",
    "MODEL_VERSION",
    "STALE",
    "BusyError",
    "RunState",
    "StoreError",
    "atomic_write",
    "check_writable",
    "config_hash",
    "describe_error",
    "lock",
    "read_index",
    "run_state",
    "slug",
    "update_index",
    "write_json",
    "write_parquet",
    "write_text",
]

#: Version of the manifest layout (0.1 wrote manifests without ``format``).
FORMAT = 2
#: Version of what a run produces. Raise it with every change to the model's numbers
#: or to its output columns: a complete run made under another model version is then
#: ``stale`` and made again, never reused, even when its config is the same. The
#: seeded regression baselines (tests/test_regression.py) refuse new numbers under
#: an unchanged version. Runs made before versions were recorded count as version 0.
MODEL_VERSION = 1
MANIFEST = "manifest.json"
CONFIG = "config.yaml"
SUMMARY = "summary.json"
LOCK = ".commsim.lock"
INDEX = "index.csv"
#: The files of a commsim 0.1 run, which its manifest does not list.
LEGACY_FILES = (CONFIG, "timeseries.parquet", "events.parquet", SUMMARY)
KEY_PACKAGES = ("commsim", "mesa", "numpy", "pandas", "networkx", "scipy", "hydra-core", "pyarrow")

COMPLETE = "complete"
STALE = "stale"
CORRUPT = "corrupt"
INCOMPLETE = "incomplete"
FAILED = "failed"
MISSING = "missing"
RUNNING = "running"

_UMASK = os.umask(0)
os.umask(_UMASK)
#: Permissions of output files: ordinary files under the user's umask.
FILE_MODE = 0o666 & ~_UMASK
_TMP_SUFFIX = ".tmp"


class StoreError(OSError):
    """A run folder cannot be read, written or locked; ``str()`` is one line for the user."""


class BusyError(StoreError):
    """Another process holds the folder's lock."""


# --------------------------------------------------------------------------------------
# Small pieces: errors, names, hashes, atomic files
# --------------------------------------------------------------------------------------


def describe_error(exc: BaseException) -> str:
    """One line saying what went wrong, in words a user can act on.

    Examples:
        >>> describe_error(OSError(errno.ENOSPC, "No space left on device", "/out/a"))
        'disk full: no space left to write /out/a'
    """
    if isinstance(exc, KeyboardInterrupt):
        return str(exc) or "interrupted"
    if isinstance(exc, StoreError | ConfigError):
        return str(exc)
    if isinstance(exc, OSError) and exc.errno is not None:
        where = exc.filename or "the output folder"
        if exc.errno == errno.ENOSPC or exc.errno == errno.EDQUOT:
            return f"disk full: no space left to write {where}"
        if exc.errno == errno.EROFS:
            return f"read-only file system: cannot write {where}"
        if exc.errno in (errno.EACCES, errno.EPERM):
            return f"permission denied: cannot write {where}"
        return f"{exc.strerror or type(exc).__name__}: {where}"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def is_storage_error(exc: BaseException) -> bool:
    """True for errors of the disk rather than of one run (full, read-only, no access)."""
    return isinstance(exc, OSError) and exc.errno in (
        errno.ENOSPC,
        errno.EDQUOT,
        errno.EROFS,
        errno.EACCES,
        errno.EPERM,
    )


_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def slug(text: str, limit: int = 40) -> str:
    """A short, safe folder name for ``text``: never a path, never hidden, never long.

    Characters other than letters, digits, ``_``, ``-`` and ``.`` become ``-``; a name
    that had to change or be cut gets a short hash of the original, so two names
    never share a folder.

    Examples:
        >>> slug("neighborhood_watch")
        'neighborhood_watch'
        >>> slug("/../../x")
        'x-0f8ad4e5'
    """
    safe = _UNSAFE.sub("-", str(text)).strip("-.")
    if safe == text and 0 < len(safe) <= limit:
        return safe
    digest = hashlib.sha256(str(text).encode()).hexdigest()[:8]
    return f"{safe[: limit - 9].rstrip('-.')}-{digest}".lstrip("-") if safe else digest


def short_hash(text: str, length: int = 12) -> str:
    """A short hex digest of ``text`` (folder names of sweep jobs)."""
    return hashlib.sha256(str(text).encode()).hexdigest()[:length]


def config_hash(config_yaml: str) -> str:
    """A short, stable fingerprint of a resolved config (the same rule as commsim 0.1)."""
    return hashlib.sha256(config_yaml.encode()).hexdigest()[:16]


def sha256_file(path: Path) -> str:
    """The SHA-256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def atomic_write(path: Path, write: Callable[[Path], None]) -> str:
    """Call ``write(tmp)`` on a unique temporary file next to ``path``, then rename it.

    The temporary file is flushed to disk before the rename (so a full disk shows up
    here, not later) and removed on any failure.

    Returns:
        The SHA-256 checksum of the bytes written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=_TMP_SUFFIX, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        checksum = sha256_file(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, FILE_MODE)  # mkstemp creates 0600; outputs are ordinary files
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return checksum


def write_bytes(path: Path, data: bytes) -> str:
    """Write bytes atomically; return their checksum."""
    return atomic_write(path, lambda p: p.write_bytes(data))


def write_text(path: Path, text: str) -> str:
    """Write text atomically; return its checksum."""
    return write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, obj: Any) -> str:
    """Write JSON atomically (sorted keys, indented); return its checksum."""
    text = json.dumps(obj, indent=2, sort_keys=True, default=_json_default) + "\n"
    return write_text(path, text)


def write_parquet(path: Path, frame: pd.DataFrame) -> str:
    """Write a DataFrame as Parquet atomically, without the index; return its checksum."""
    return atomic_write(path, lambda p: frame.to_parquet(p, index=False))


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "item"):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON object from a file, or None when it is missing, unreadable or not an object."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


# --------------------------------------------------------------------------------------
# Code version
# --------------------------------------------------------------------------------------


def package_versions() -> dict[str, str]:
    """Installed versions of commsim and the packages that decide its numbers."""
    out = {}
    for name in KEY_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


_GIT: list[str | None] = []


def git_commit() -> str | None:
    """The commit of the checkout commsim runs from, when it is one (looked up once)."""
    if not _GIT:
        here = Path(__file__).resolve().parent
        try:
            out = subprocess.run(
                ["git", "-C", str(here), "rev-parse", "HEAD"],
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            )
            _GIT.append(out.stdout.strip() or None if out.returncode == 0 else None)
        except (OSError, subprocess.SubprocessError):
            _GIT.append(None)
    return _GIT[0]


def code_version() -> dict[str, str | None]:
    """The commsim version and, in a git checkout, its commit."""
    try:
        version = metadata.version("commsim")
    except metadata.PackageNotFoundError:  # run from a source tree without installing
        version = "unknown"
    return {"commsim": version, "git_commit": git_commit()}


def now() -> str:
    """The current UTC time, ISO 8601 to the second (manifest timestamps)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


# --------------------------------------------------------------------------------------
# Locks
# --------------------------------------------------------------------------------------


@contextlib.contextmanager
def lock(folder: str | os.PathLike[str], what: str = "this folder") -> Iterator[Path]:
    """Hold the folder's lock for the duration of the block (creating the folder).

    The lock is ``fcntl.flock`` on ``<folder>/.commsim.lock``: the system releases it
    when the process ends, however it ends, so a killed job never leaves a stale lock.
    (On network file systems without flock support, locks may not be seen across
    machines.)

    Args:
        folder: The folder to lock.
        what: How the folder is named in the error (e.g. ``--out``).

    Raises:
        BusyError: Another process holds the lock.
        StoreError: The folder cannot be created or written (read-only, no access,
            disk full).
    """
    folder = Path(folder)
    path = folder / LOCK
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    except OSError as exc:
        raise StoreError(f"{what} {folder}: {describe_error(exc)}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _lock_holder(path)
            raise BusyError(
                f"{what} {folder} is in use by another commsim process{holder}; "
                "wait for it to finish or write somewhere else"
            ) from None
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        except OSError as exc:
            raise StoreError(f"{what} {folder}: {describe_error(exc)}") from None
        yield folder
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def _lock_holder(path: Path) -> str:
    try:
        pid = path.read_text().strip()
    except OSError:
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""


def check_writable(folder: str | os.PathLike[str], what: str = "output folder") -> None:
    """Fail now, with one line, if files cannot be created in ``folder``.

    Raises:
        StoreError: The folder is read-only, not ours, or the disk is full.
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _probe(folder)
    except OSError as exc:
        raise StoreError(f"{what} {folder}: {describe_error(exc)}") from None


def check_creatable(folder: str | os.PathLike[str], what: str = "output folder") -> None:
    """Fail now, with one line, if ``folder`` could not be created and written; create nothing.

    The probe file goes into the nearest folder that exists, so a command refused
    later (or by the program it hands over to) leaves no empty folders behind.

    Raises:
        StoreError: A file is in the way, or the folder is read-only, not ours, or full.
    """
    folder = Path(folder)
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        where = "" if existing == folder else f"{existing} "
        raise StoreError(f"{what} {folder}: {where}is a file, not a folder")
    try:
        _probe(existing)
    except OSError as exc:
        raise StoreError(f"{what} {folder}: {describe_error(exc)}") from None


def _probe(folder: Path) -> None:
    """Write, sync and remove a small file in ``folder`` (raises the OSError a write would)."""
    fd, name = tempfile.mkstemp(prefix=".probe.", suffix=_TMP_SUFFIX, dir=folder)
    try:
        os.write(fd, b"commsim")
        os.fsync(fd)
    finally:
        os.close(fd)
        os.unlink(name)


# --------------------------------------------------------------------------------------
# The state of a run folder
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunState:
    """What a run folder holds.

    Attributes:
        path: The run folder.
        status: One of complete, stale, corrupt, incomplete, failed, missing.
        reason: Why the run cannot be used (one line); None when complete.
        manifest: The parsed manifest, if there is a readable one.
        legacy: A commsim 0.1 run (no checksums) accepted because its files parse.
    """

    path: Path
    status: str
    reason: str | None = None
    manifest: Mapping[str, Any] | None = None
    legacy: bool = False

    @property
    def complete(self) -> bool:
        """True when the run may be reused and reported."""
        return self.status == COMPLETE

    @property
    def files(self) -> dict[str, str]:
        """File name -> SHA-256 checksum, as the manifest lists them."""
        return dict((self.manifest or {}).get("files") or {})


def run_state(
    run_dir: str | os.PathLike[str],
    expected_hash: str | None = None,
    verify: bool = True,
) -> RunState:
    """Decide what a run folder holds (the one rule every command uses).

    Args:
        run_dir: The run folder.
        expected_hash: The config hash the run must have been made with; a complete
            run with another hash, or made by another model version, is ``stale``.
            None accepts any config and model version (reporting existing runs).
        verify: Check every file's SHA-256 (False: only that each file exists).

    Returns:
        A :class:`RunState`.
    """
    path = Path(run_dir)
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        if not path.is_dir() or not _has_run_files(path):
            return RunState(path, MISSING, "no run here")
        return RunState(path, INCOMPLETE, "no manifest.json (interrupted before it was written)")
    manifest = read_json(manifest_path)
    if manifest is None:
        return RunState(path, CORRUPT, "manifest.json is unreadable")
    status = manifest.get("status")
    if status == FAILED:
        error = str(manifest.get("error") or "failed (no error recorded)").strip()
        lines = error.splitlines() or ["failed"]
        return RunState(path, FAILED, lines[-1] if len(lines) > 1 else lines[0], manifest)
    if status != COMPLETE:
        reason = (
            "interrupted or still running" if status == RUNNING else f"manifest status {status!r}"
        )
        return RunState(path, INCOMPLETE, reason, manifest)
    recorded = manifest.get("config_hash")
    if expected_hash is not None and recorded != expected_hash:
        return RunState(
            path, STALE, f"made from another config (hash {recorded}, expected {expected_hash})",
            manifest,
        )  # fmt: skip
    made_by = manifest.get("model_version", 0)
    if expected_hash is not None and made_by != MODEL_VERSION:
        return RunState(
            path, STALE, f"made by model version {made_by}; this commsim is model version "
            f"{MODEL_VERSION}", manifest,
        )  # fmt: skip
    files = manifest.get("files")
    if not isinstance(files, dict):
        problem = _legacy_problem(path)
        if problem:
            return RunState(path, CORRUPT, f"commsim 0.1 run: {problem}", manifest, legacy=True)
        return RunState(path, COMPLETE, None, manifest, legacy=True)
    for name, checksum in files.items():
        file = path / name
        if not file.is_file():
            return RunState(path, CORRUPT, f"{name} is missing", manifest)
        if verify:
            try:
                actual = sha256_file(file)
            except OSError as exc:
                return RunState(path, CORRUPT, f"{name}: {describe_error(exc)}", manifest)
            if actual != checksum:
                return RunState(path, CORRUPT, f"{name} fails its checksum (changed or truncated)",
                                manifest)  # fmt: skip
    return RunState(path, COMPLETE, None, manifest)


def _has_run_files(path: Path) -> bool:
    return any((path / name).exists() for name in (*LEGACY_FILES, ".hydra")) or any(
        path.glob("*.parquet")
    )


def _legacy_problem(path: Path) -> str | None:
    """Why a commsim 0.1 run's files do not parse (None when all four do)."""
    import pyarrow.parquet as pq
    import yaml

    for name in LEGACY_FILES:
        file = path / name
        if not file.is_file():
            return f"{name} is missing"
        try:
            if name.endswith(".parquet"):
                pq.read_table(file)
            elif name.endswith(".json"):
                if read_json(file) is None:
                    return f"{name} does not parse"
            else:
                yaml.safe_load(file.read_text(encoding="utf-8"))
        except Exception as exc:  # any parse failure means the file cannot be used
            return f"{name} does not parse ({describe_error(exc)})"
    return None


# --------------------------------------------------------------------------------------
# Writing a run
# --------------------------------------------------------------------------------------


class RunOutputs(Protocol):
    """What the store writes: a :class:`commsim.runner.RunResult` has all of these."""

    summary: dict[str, float]
    tables: dict[str, pd.DataFrame]
    wall_seconds: float
    counts: dict[str, int]

    @property
    def config_yaml(self) -> str:
        """The resolved config as YAML."""
        ...


@dataclass
class RunRecord:
    """One run being written to its folder; made by :func:`recording`.

    Attributes:
        path: The run folder.
        manifest: The manifest as it will be written (status ``running`` until saved).
    """

    path: Path
    manifest: dict[str, Any] = field(default_factory=dict)
    saved: bool = False

    def save(self, outputs: RunOutputs) -> Path:
        """Write every file of the run, verify them, then mark the manifest complete.

        Raises:
            StoreError: A file could not be written or does not read back as written.
        """
        config_yaml = outputs.config_yaml
        if config_hash(config_yaml) != self.manifest.get("config_hash"):
            raise StoreError(
                f"{self.path}: the run's config differs from the one it was started with"
            )
        files: dict[str, str] = {CONFIG: write_text(self.path / CONFIG, config_yaml)}
        for stem, frame in outputs.tables.items():
            name = f"{slug(stem)}.parquet"
            files[name] = write_parquet(self.path / name, frame)
        files[SUMMARY] = write_json(self.path / SUMMARY, outputs.summary)
        for name, checksum in files.items():
            if sha256_file(self.path / name) != checksum:
                raise StoreError(f"{self.path / name}: does not read back as written")
        self.manifest.update(
            status=COMPLETE,
            error=None,
            files=files,
            finished=now(),
            wall_seconds=round(float(outputs.wall_seconds), 3),
            counts=dict(outputs.counts),
        )
        write_json(self.path / MANIFEST, self.manifest)
        self.saved = True
        return self.path

    def fail(self, error: str) -> bool:
        """Mark the run failed with a one-line reason; False if the manifest cannot be written."""
        self.manifest.update(status=FAILED, error=error.strip().splitlines()[0], finished=now())
        self.manifest.pop("files", None)
        try:
            write_json(self.path / MANIFEST, self.manifest)
        except OSError:
            return False
        return True


@contextlib.contextmanager
def recording(
    run_dir: str | os.PathLike[str],
    *,
    config_hash: str,
    seed: int,
    strategy: str,
    overrides: Sequence[str] = (),
    extra: Mapping[str, Any] | None = None,
    locked: bool = True,
) -> Iterator[RunRecord]:
    """Claim a run folder, mark it running, and mark it failed if the block fails.

    Inside the block, simulate and call :meth:`RunRecord.save`. Any exception (and
    KeyboardInterrupt) leaves ``status: failed`` with a one-line ``error`` in the
    manifest, no temporary files, and propagates.

    Args:
        run_dir: The run folder.
        config_hash: Hash of the config the run is made from.
        seed: The run's seed.
        strategy: The run's strategy (policy name).
        overrides: The overrides the config was composed with.
        extra: More manifest fields.
        locked: Hold the folder's lock (False when the caller already holds it).

    Raises:
        BusyError: Another process is writing this run folder.
        StoreError: The folder cannot be written.
    """
    path = Path(run_dir)
    guard = lock(path, "run folder") if locked else contextlib.nullcontext(path)
    with guard:
        old = read_json(path / MANIFEST) or {}
        record = RunRecord(
            path,
            {
                "format": FORMAT,
                "status": RUNNING,
                "error": None,
                "config_hash": config_hash,
                "model_version": MODEL_VERSION,
                "seed": int(seed),
                "strategy": strategy,
                "overrides": [str(o) for o in overrides],
                "code": code_version(),
                "versions": package_versions(),
                "started": now(),
                **(extra or {}),
            },
        )
        try:
            _clear(path, old)
            write_json(path / MANIFEST, record.manifest)
        except OSError as exc:
            raise StoreError(f"run folder {path}: {describe_error(exc)}") from None
        try:
            yield record
        except BaseException as exc:
            record.fail(describe_error(exc))
            raise
        if not record.saved:
            record.fail("the run ended without saving its outputs")


def _clear(path: Path, old_manifest: Mapping[str, Any]) -> None:
    """Remove what an earlier attempt left: its listed files and stray temporary files."""
    names = set(old_manifest.get("files") or ()) | set(LEGACY_FILES)
    for name in names:
        if "/" not in name and name != MANIFEST:
            (path / name).unlink(missing_ok=True)
    for tmp in path.glob(f".*{_TMP_SUFFIX}"):
        tmp.unlink(missing_ok=True)
    # GIS layers made from the earlier attempt (``commsim run --geo``) would be stale.
    shutil.rmtree(path / "geo", ignore_errors=True)


def read_summary(run_dir: str | os.PathLike[str]) -> dict[str, float] | None:
    """A run's summary outcomes, or None when unreadable."""
    return read_json(Path(run_dir) / SUMMARY)


# --------------------------------------------------------------------------------------
# The index of a folder of runs
# --------------------------------------------------------------------------------------

INDEX_COLUMNS = ("run_dir", "strategy", "seed", "config_hash", "overrides")


def update_index(folder: str | os.PathLike[str], rows: Sequence[Mapping[str, Any]]) -> Path:
    """Add or replace rows of ``<folder>/index.csv`` (keyed by ``run_dir``), under a lock.

    Each row maps a run folder (relative to ``folder``) to the overrides it was made
    with, so short hashed folder names can be read back.

    Args:
        folder: The sweep or comparison folder.
        rows: Mappings with the keys of ``INDEX_COLUMNS`` (``overrides`` a sequence).

    Returns:
        The index file.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / ".index.lock", os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # brief: concurrent jobs of a sweep wait their turn
        current = {r["run_dir"]: r for r in read_index(folder)}
        for row in rows:
            entry = {k: row.get(k, "") for k in INDEX_COLUMNS}
            overrides = row.get("overrides") or ()
            entry["overrides"] = (
                overrides if isinstance(overrides, str) else " ".join(map(str, overrides))
            )
            current[str(entry["run_dir"])] = entry
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=INDEX_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for key in sorted(current):
            writer.writerow(current[key])
        write_text(folder / INDEX, buffer.getvalue())
    finally:
        os.close(fd)
    return folder / INDEX


def read_index(folder: str | os.PathLike[str]) -> list[dict[str, str]]:
    """The rows of ``<folder>/index.csv`` (empty when there is none)."""
    path = Path(folder) / INDEX
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    except (OSError, csv.Error):
        return []
