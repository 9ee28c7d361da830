"""Process 9: the daily values of every outcome in the registry.

:func:`daily_values` is each outcome's computation from the day's counts and
the world's state; :mod:`commsim.outcomes` says what each value means and how
a run is summarised. Ratios in the daily table are over a trailing window so a
day without crime still has a value; summaries use the whole window.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pandas as pd

from commsim.behaviour import CRIME_TYPES
from commsim.outcomes import expanded_keys
from commsim.world import DayCounter, World

ROLLING_DAYS = 28


class RollingRates:
    """Trailing-window ratios for the daily table (carried forward while the window is empty)."""

    def __init__(self, n_groups: int, window: int = ROLLING_DAYS) -> None:
        self._days: deque[DayCounter] = deque(maxlen=window)
        self._last: dict[str, float] = {}
        self.n_groups = n_groups

    def push(self, day: DayCounter, groups: list[str]) -> dict[str, float]:
        """Add a finished day and return the trailing rates."""
        self._days.append(day)
        days = self._days
        out = {
            "reporting_rate": _ratio(sum(d.reported for d in days), sum(d.total for d in days)),
            "clearance_rate": _ratio(
                sum(d.total_cleared for d in days), sum(d.total_recorded for d in days)
            ),
        }
        for t in CRIME_TYPES:
            out[f"clearance_rate_{t}"] = _ratio(
                sum(d.cleared[t] for d in days), sum(d.recorded[t] for d in days)
            )
        reported = sum(d.victim_reported_by_group for d in days)
        victims = sum(d.victims_by_group for d in days)
        for g, name in enumerate(groups):
            out[f"reporting_rate_{name}"] = _ratio(reported[g], victims[g])
        responses = [r for d in days for r in d.response_min]
        out["response_time_median_min"] = float(np.median(responses)) if responses else None
        for key, value in out.items():
            if value is not None:
                self._last[key] = value
        return {key: self._last.get(key, 0.0) for key in out}


def _ratio(num: float, den: float) -> float | None:
    return float(num) / float(den) if den else None


def daily_keys(groups: list[str]) -> list[str]:
    """Columns of the daily table, in display order."""
    return expanded_keys(groups, daily_only=True)


def daily_values(world: World, rolling: RollingRates) -> dict[str, float]:
    """The finished day's value of every daily outcome."""
    res, c = world.residents, world.today
    groups = world.groups
    sizes = np.maximum(world.group_sizes, 1)
    trust_by_group = world.mean_by_group(res.trust)
    present = world.group_sizes > 0
    spread = np.sqrt(np.maximum(world.mean_by_group(res.trust**2) - trust_by_group**2, 0.0))
    fear_by_group = world.mean_by_group(res.fear)
    adults = world.aged_16_plus
    n_adults = max(int(adults.sum()), 1)
    contacted = np.bincount(res.group, weights=res.contacted & adults, minlength=len(groups))
    approached = np.bincount(res.group, weights=res.approached & adults, minlength=len(groups))
    adults_by_group = np.maximum(np.bincount(res.group, weights=adults, minlength=len(groups)), 1)
    today: dict[str, float] = {
        "crimes": float(c.total),
        **{f"crimes_{t}": float(c.crimes[t]) for t in CRIME_TYPES},
        "crimes_reported": float(c.reported),
        "crimes_recorded": float(c.total_recorded),
        **{f"crimes_recorded_{t}": float(c.recorded[t]) for t in CRIME_TYPES},
        "arrests": float(c.arrests),
        **{f"arrests_{t}": float(c.cleared[t]) for t in CRIME_TYPES},
        **rolling.push(c, groups),
        "trust_mean": float(res.trust.mean()),
        "trust_sd": float(np.average(spread[present], weights=world.group_sizes[present])),
        "trust_gap": float(trust_by_group[present].max() - trust_by_group[present].min()),
        "fear_mean": float(res.fear.mean()),
        "victimization_rate": float(c.victims_by_group.sum() / world.n_residents * 365_000),
        "contact_prevalence": float((res.contacted & adults).sum() / n_adults),
        "police_initiated_prevalence": float((res.approached & adults).sum() / n_adults),
        "stops": float(c.stops_by_group.sum()),
        "contacts": float(c.contacts_by_group.sum()),
        "collective_efficacy": float(world.efficacy.mean()),
        "active_offenders": float(len(world.active)),
        "watch_participation": float(res.watch.mean()),
        "cost_usd": float(c.cost_usd),
    }
    for g, name in enumerate(groups):
        today[f"crimes_{name}"] = float(c.victims_by_group[g])
        today[f"crimes_reported_{name}"] = float(c.victim_reported_by_group[g])
        today[f"arrests_{name}"] = float(c.arrests_by_group[g])
        today[f"trust_mean_{name}"] = float(trust_by_group[g])
        today[f"fear_mean_{name}"] = float(fear_by_group[g])
        today[f"victimization_rate_{name}"] = float(c.victims_by_group[g] / sizes[g] * 365_000)
        today[f"contact_prevalence_{name}"] = float(contacted[g] / adults_by_group[g])
        today[f"police_initiated_prevalence_{name}"] = float(approached[g] / adults_by_group[g])
        today[f"stops_{name}"] = float(c.stops_by_group[g])
        today[f"contacts_{name}"] = float(c.contacts_by_group[g])
    tally = world.tally
    tally.trust_days += world.mean_by_neighborhood(res.trust)
    world.offender_days_by_cell += np.bincount(world.cell[world.active], minlength=world.n_cells)
    tally.watch_days += world.mean_by_neighborhood(res.watch.astype(float))
    tally.days += 1
    return {k: today[k] for k in daily_keys(groups)}


def neighborhood_table(world: World) -> pd.DataFrame:
    """One row per neighbourhood: who lives there and what the window brought them."""
    t, city = world.tally, world.city
    res = world.residents
    years = max(t.days, 1) / 365.0
    size = np.maximum(world.nb_sizes, 1)
    frame = pd.DataFrame(
        {
            "neighborhood": np.arange(city.n_neighborhoods, dtype=np.int64),
            "residents": world.nb_sizes.astype(np.int64),
            "disadvantage": world.nb_disadvantage,
            "crimes": t.crimes,
            "crimes_recorded": t.recorded,
            "victimization_rate": t.victimizations / size / years * 1000,
            "reporting_rate": np.divide(
                t.reported_victimizations,
                t.victimizations,
                out=np.zeros(len(size)),
                where=t.victimizations > 0,
            ),
            "stops_per_1000": t.stops / size / years * 1000,
            "contacts_per_1000": t.contacts / size / years * 1000,
            "arrests_per_1000": t.arrests / size / years * 1000,
            "trust_mean": t.trust_days / max(t.days, 1),
            "collective_efficacy": world.efficacy_nb,
            "watch_participation": t.watch_days / max(t.days, 1),
        }
    )
    for g, name in enumerate(world.groups):
        frame[f"share_{name}"] = (
            np.bincount(res.neighborhood, weights=res.group == g, minlength=len(size)) / size
        )
    return frame


def place_table(world: World) -> pd.DataFrame:
    """One row per place: where crime happened, was recorded, and where police were."""
    t, city = world.place_tally, world.city
    return pd.DataFrame(
        {
            "place": np.arange(city.n_places, dtype=np.int64),
            "neighborhood": city.neighborhood.astype(np.int64),
            "households": city.households.astype(np.int64),
            "crimes": t.crimes,
            "crimes_recorded": t.recorded,
            "patrol_hours": t.patrol_hours,
            "stops": t.stops,
        }
    )


def people_table(world: World, victimizations_before: np.ndarray) -> pd.DataFrame:
    """One row per group x age band x income band: who they are and what the window brought them.

    Args:
        world: The world at the end of the run.
        victimizations_before: Each resident's victimisations when the window began.
    """
    from commsim.behaviour import AGE_BANDS, INCOME_BANDS

    res, n = world.residents, world.n_cells
    days = max(world.tally.days, 1)
    residents = np.bincount(world.cell, minlength=n)
    size = np.maximum(residents, 1)
    cells = np.arange(n)
    frame = pd.DataFrame(
        {
            "group": [world.groups[c // 18] for c in cells],
            "age_band": [AGE_BANDS[(c // 3) % 6] for c in cells],
            "income_band": [INCOME_BANDS[c % 3] for c in cells],
            "residents": residents.astype(np.int64),
            "active_offenders_per_1000": world.offender_days_by_cell / days / size * 1000,
            "victimization_rate": np.bincount(
                world.cell, weights=res.victimizations - victimizations_before, minlength=n
            )
            / size
            / (days / 365.0)
            * 1000,
            "contacted": np.bincount(world.cell, weights=res.contacted, minlength=n) / size,
            "trust_mean": np.bincount(world.cell, weights=res.trust, minlength=n) / size,
        }
    )
    return frame[frame["residents"] > 0].reset_index(drop=True)
