"""Command-line arguments of every ``commsim`` subcommand: one-line errors, checked numbers.

Every subcommand builds its parser with :class:`OneLineParser` and reads it with
:func:`parse`, so a bad argument is one line on stderr (``commsim: error: ...``)
and exit code 2, never argparse's usage block. The number types reject values
out of range while the arguments are read, before anything is started.

Examples:
    >>> p = OneLineParser(prog="commsim demo")
    >>> _ = p.add_argument("--seed", type=whole_number(0), default=0)
    >>> parse(p, ["--seed", "3"]).seed
    3
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

__all__ = ["OneLineParser", "number_above", "parse", "whole_number"]


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, ``commsim: error: ...``, exit code 2."""

    def error(self, message: str) -> NoReturn:
        """Print one error line and exit with code 2."""
        if message.startswith(("unrecognized arguments", "the following arguments are required")):
            message += f" (see {self.prog} --help)"
        self.exit(2, f"commsim: error: {message}\n")


def parse(
    parser: argparse.ArgumentParser, argv: Sequence[str] | None, *, intermixed: bool = False
) -> argparse.Namespace | int:
    """Parse arguments; return the namespace, or the exit code after --help or an error.

    Args:
        parser: Usually a :class:`OneLineParser`.
        argv: The arguments (default: ``sys.argv[1:]``).
        intermixed: Allow options between positional arguments (``key=value`` overrides).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        return parser.parse_intermixed_args(args) if intermixed else parser.parse_args(args)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2


def whole_number(lo: int, hi: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number from ``lo`` to ``hi`` (no upper bound if None)."""
    allowed = (
        f"a whole number of at least {lo:,}"
        if hi is None
        else f"a whole number from {lo:,} to {hi:,}"
    )

    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < lo or (hi is not None and value > hi):
            raise argparse.ArgumentTypeError(f"must be {allowed}, not {text}")
        return value

    convert.__name__ = "whole number"
    return convert


def number_above(lo: float) -> Callable[[str], float]:
    """An argparse type: a finite number above ``lo``."""

    def convert(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value <= lo:
            raise argparse.ArgumentTypeError(f"must be a number above {lo:g}, not {text}")
        return value

    convert.__name__ = "number"
    return convert
