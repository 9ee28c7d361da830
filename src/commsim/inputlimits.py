"""Reading users' files safely: size limits before parsing, bounded decompression.

A street-network file is checked before it is parsed whole: its size on disk,
the bytes it expands to when compressed (``.gz``, ``.bz2``, ``.xz``), and — for
XML formats — its number of nodes, counted while streaming. A 1 MB archive that
expands to 1 GB is refused after reading a bounded amount, never held in memory.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zlib
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import ParseError, iterparse

from commsim.paramspec import ConfigError

# Largest expanded input read, whatever the file (2 GiB). choice (memory limit)
MAX_EXPANDED_BYTES = 2 * 2**30
# A compressed file may expand at most this much before it is refused: XML and
# GeoJSON compress about 5-20x; a far higher ratio is a bomb, not a city. choice
MAX_EXPANSION_RATIO = 100
# However small the archive, this much expanded input is always allowed (64 MiB). choice
MIN_EXPANDED_BYTES = 64 * 2**20

_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


class InputError(ValueError):
    """A user's file cannot be used; ``str`` is one line naming the file and the problem."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path, self.problem = Path(path), problem
        super().__init__(f"{path}: {problem}")

    def as_config_error(self, key: str) -> ConfigError:
        """The same problem as a config error on ``key``."""
        return ConfigError(key, str(self.path), self.problem)


def is_compressed(path: Path) -> bool:
    """True for ``.gz``, ``.bz2`` and ``.xz`` files."""
    return path.suffix.lower() in _OPENERS


def expanded_limit(path: Path, max_bytes: int = MAX_EXPANDED_BYTES) -> int:
    """Bytes a file may expand to: its own size, or a bounded multiple of it if compressed."""
    size = path.stat().st_size
    if not is_compressed(path):
        return size
    return min(max_bytes, max(MIN_EXPANDED_BYTES, MAX_EXPANSION_RATIO * size))


def check_file(path: Path, max_bytes: int = MAX_EXPANDED_BYTES) -> None:
    """Raise :class:`InputError` unless ``path`` is a readable, non-empty file within the limit."""
    if not path.exists():
        raise InputError(path, "file not found")
    if not path.is_file():
        raise InputError(path, "is not a file")
    size = path.stat().st_size
    if size == 0:
        raise InputError(path, "the file is empty")
    if size > max_bytes:
        raise InputError(
            path, f"the file is {size / 2**20:,.0f} MB; at most {max_bytes / 2**20:,.0f} MB is read"
        )


class _Bounded(io.RawIOBase):
    """A read-only stream that fails once more than ``limit`` bytes have been read."""

    def __init__(self, raw: IO[bytes], path: Path, limit: int) -> None:
        self.raw, self.path, self.limit, self.seen = raw, path, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        data = self.raw.read(len(buffer))
        self.seen += len(data)
        if self.seen > self.limit:
            raise InputError(
                self.path,
                f"expands to more than {self.limit / 2**20:,.0f} MB; refused "
                "(a compressed file may expand at most "
                f"{MAX_EXPANSION_RATIO}x, and no input beyond {MAX_EXPANDED_BYTES / 2**30:g} GB)",
            )
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.raw.close()
        super().close()


def open_bounded(path: Path, max_bytes: int = MAX_EXPANDED_BYTES) -> IO[bytes]:
    """Open a (possibly compressed) file for reading, refusing it past its expansion limit."""
    check_file(path, max_bytes)
    opener = _OPENERS.get(path.suffix.lower(), open)
    raw = opener(path, "rb")
    return io.BufferedReader(_Bounded(raw, path, expanded_limit(path, max_bytes)), 1 << 20)


def count_xml_elements(path: Path, tags: tuple[str, ...], limit: int) -> dict[str, int]:
    """Count elements by local tag name while streaming; stop past ``limit`` of the first tag.

    Raises:
        InputError: Not well-formed XML, a compressed stream past its bound, or more
            than ``limit`` elements of ``tags[0]``.
    """
    counts = dict.fromkeys(tags, 0)
    try:
        with open_bounded(path) as stream:
            for _, elem in iterparse(stream, events=("end",)):
                tag = elem.tag.rsplit("}", 1)[-1]
                if tag in counts:
                    counts[tag] += 1
                    if tag == tags[0] and counts[tag] > limit:
                        raise InputError(
                            path,
                            f"has more than {limit:,} {tags[0]}s (city.max_places={limit:,}); "
                            "cut the area or raise city.max_places",
                        )
                elem.clear()  # keep memory flat
    except (ParseError, EOFError, OSError, lzma.LZMAError, zlib.error) as exc:
        raise InputError(path, f"not readable as XML ({_reason(exc)})") from None
    return counts


def _reason(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]
