"""Shared fixtures."""

from __future__ import annotations

import logging

import pytest

from runs import SHORT, cached_run

logging.getLogger("MESA").setLevel(logging.WARNING)


@pytest.fixture(scope="session")
def small_run():
    """A 60-day run of the small city, seed 0."""
    return cached_run(SHORT, 0)
