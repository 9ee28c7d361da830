"""Process 9: the daily values of every outcome in the registry.

:func:`daily_values` is each outcome's computation from the day's counts and
the world's state; :mod:`commsim.outcomes` says what each value means and how
a run is summarised. Ratios in the daily table are over a trailing window so a
day without crime still has a value; summaries use the whole window.
"""

from __future__ import annotations

import numpy as np

from commsim.behaviour import CRIME_TYPES
from commsim.outcomes import expanded_keys
from commsim.population import ACTIVE
from commsim.world import DayCounter, World

ROLLING_DAYS = 28


class RollingRates:
    """Trailing-window ratios for the daily table (carried forward while the window is empty)."""

    def __init__(self, window: int = ROLLING_DAYS) -> None:
        self.window = window
        self._days: list[DayCounter] = []
        self._last = {"reporting_rate": 0.0, "clearance_rate": 0.0, "response_time_median_min": 0.0}

    def push(self, day: DayCounter) -> dict[str, float]:
        """Add a finished day and return the trailing rates."""
        self._days.append(day)
        if len(self._days) > self.window:
            self._days.pop(0)
        crimes = sum(d.total for d in self._days)
        reported = sum(d.reported for d in self._days)
        recorded = sum(d.recorded for d in self._days)
        arrests = sum(d.arrests for d in self._days)
        responses = [r for d in self._days for r in d.response_min]
        if crimes:
            self._last["reporting_rate"] = reported / crimes
        if recorded:
            self._last["clearance_rate"] = min(arrests / recorded, 1.0)
        if responses:
            self._last["response_time_median_min"] = float(np.median(responses))
        return dict(self._last)


def daily_keys(groups: list[str]) -> list[str]:
    """Columns of the daily table, in display order."""
    return expanded_keys(groups, daily_only=True)


def daily_values(world: World, rolling: RollingRates) -> dict[str, float]:
    """The finished day's value of every daily outcome."""
    res, c = world.residents, world.today
    n = world.n_residents
    sizes = world.group_sizes
    by_group = np.bincount(res.group, weights=res.trust, minlength=len(world.groups)) / np.maximum(
        sizes, 1
    )
    fear_by_group = np.bincount(
        res.group, weights=res.fear, minlength=len(world.groups)
    ) / np.maximum(sizes, 1)
    present = sizes > 0
    today: dict[str, float] = {
        "crimes": float(c.total),
        **{f"crimes_{t}": float(c.crimes[t]) for t in CRIME_TYPES},
        "crimes_reported": float(c.reported),
        "crimes_recorded": float(c.recorded),
        "arrests": float(c.arrests),
        **rolling.push(c),
        "trust_mean": float(res.trust.mean()),
        "trust_gap": float(by_group[present].max() - by_group[present].min()),
        "fear_mean": float(res.fear.mean()),
        "victimization_rate": float(c.victims_by_group.sum() / n * 365_000),
        "active_offenders": float((world.offenders.state == ACTIVE).sum()),
        "watch_participation": float(res.watch.mean()),
        "cost_usd": float(c.cost_usd),
    }
    for g, name in enumerate(world.groups):
        today[f"trust_mean_{name}"] = float(by_group[g])
        today[f"fear_mean_{name}"] = float(fear_by_group[g])
        today[f"victimization_rate_{name}"] = float(
            c.victims_by_group[g] / max(sizes[g], 1) * 365_000
        )
    return {k: today[k] for k in daily_keys(world.groups)}
