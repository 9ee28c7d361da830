"""Runs shared by several test modules, computed once per session."""

from __future__ import annotations

import functools

from commsim import RunResult, load_config, run

SHORT = ("city=small", "days=60", "warmup_days=10")


@functools.lru_cache(maxsize=64)
def cached_run(overrides: tuple[str, ...], seed: int) -> RunResult:
    """Run once per (overrides, seed) in this test session."""
    return run(load_config(list(overrides)), seed=seed)
