"""Outcome registry and daily/summary reporters (DESIGN §4).

The registry gives every outcome a key (part of the public interface), a
label and unit (for plots and reports), and whether it is a stock (a level,
averaged over time) or a flow (a count, summed over time).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from commsim.params import CRIME_TYPES


@dataclass(frozen=True)
class Metric:
    """One outcome: key, human label, unit, and stock/flow kind."""

    key: str
    label: str
    unit: str
    kind: str  # "stock" or "flow"
    higher_is_better: bool = False

    @property
    def axis_label(self) -> str:
        """Label with its unit, for plot axes."""
        return f"{self.label} ({self.unit})" if self.unit else self.label


_BASE = [
    Metric("crimes", "True crimes", "crimes", "flow"),
    *[Metric(f"crimes_{t}", f"True crimes: {t}", "crimes", "flow") for t in CRIME_TYPES],
    Metric("crimes_reported", "Crimes reported to police", "crimes", "flow"),
    Metric("reporting_rate", "Reporting rate", "share of crimes", "stock", True),
    Metric("arrests", "Arrests", "arrests", "flow", True),
    Metric("clearance_rate", "Clearance rate", "arrests per recorded crime", "stock", True),
    Metric("response_time_median_min", "Median response time", "minutes", "stock"),
    Metric("trust_mean", "Mean trust in police", "0-1", "stock", True),
    Metric("trust_gap", "Trust gap between groups", "0-1", "stock"),
    Metric("fear_mean", "Mean fear of crime", "0-1", "stock"),
    Metric("victimization_rate", "Victimisation rate", "per 1,000 residents per year", "stock"),
    Metric("crime_concentration_top5", "Crime at the top 5% of places", "share of crime", "stock"),
    Metric("active_offenders", "Active offenders", "offenders", "stock"),
    Metric("watch_participation", "Watch participation", "share of residents", "stock", True),
    Metric("cost_usd", "Programme cost", "USD", "flow"),
]

METRICS: dict[str, Metric] = {m.key: m for m in _BASE}


def metric(key: str) -> Metric:
    """The registry entry for ``key``, including per-group keys such as ``trust_mean_minority``."""
    if key in METRICS:
        return METRICS[key]
    for prefix in ("trust_mean_", "victimization_rate_"):
        if key.startswith(prefix):
            base = METRICS[prefix.rstrip("_")]
            group = key[len(prefix) :]
            return Metric(
                key, f"{base.label}, {group}", base.unit, base.kind, base.higher_is_better
            )
    return Metric(key, key.replace("_", " "), "", "stock")


def group_keys(groups: list[str]) -> list[str]:
    """The per-group outcome keys for these group names."""
    return [f"trust_mean_{g}" for g in groups] + [f"victimization_rate_{g}" for g in groups]


def daily_keys(groups: list[str]) -> list[str]:
    """Columns of the daily time series, in order."""
    keys = [k for k in METRICS if k != "crime_concentration_top5"]
    return keys + group_keys(groups)


@dataclass
class DayCounter:
    """Counts gathered during one simulated day."""

    crimes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CRIME_TYPES, 0))
    reported: int = 0
    recorded: int = 0
    arrests: int = 0
    victims_by_group: np.ndarray | None = None
    response_min: list[float] = field(default_factory=list)
    cost_usd: float = 0.0

    @property
    def total(self) -> int:
        """All true crimes of the day."""
        return sum(self.crimes.values())


class RollingRates:
    """Trailing-window ratios for the daily table, so a day without crime has a value.

    A single day of a small city often has no crime, which would make a daily
    reporting rate undefined. The daily table therefore shows rates over the
    trailing ``window`` days, carrying the last value forward while the window
    is empty (0 before any crime). Summaries use the whole evaluation window.
    """

    def __init__(self, window: int = 28) -> None:
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


def summarize(
    timeseries: pd.DataFrame,
    events: pd.DataFrame,
    groups: list[str],
    group_sizes: np.ndarray,
    n_places: int,
) -> dict[str, float]:
    """Outcomes over the evaluation window (DESIGN §4), from the daily table and events."""
    days = max(len(timeseries), 1)
    n = float(group_sizes.sum())
    out: dict[str, float] = {}
    crimes = len(events)
    out["crimes"] = float(crimes)
    for t in CRIME_TYPES:
        out[f"crimes_{t}"] = float((events["type"] == t).sum()) if crimes else 0.0
    reported = int(events["reported"].sum()) if crimes else 0
    recorded = int(events["recorded"].sum()) if crimes else 0
    arrests = int(events["arrested"].sum()) if crimes else 0
    out["crimes_reported"] = float(reported)
    out["reporting_rate"] = reported / crimes if crimes else 0.0
    out["arrests"] = float(arrests)
    out["clearance_rate"] = arrests / recorded if recorded else 0.0
    responses = events["response_min"].dropna() if crimes else pd.Series(dtype=float)
    out["response_time_median_min"] = float(responses.median()) if len(responses) else 0.0
    for key in ("trust_mean", "trust_gap", "fear_mean", "active_offenders", "watch_participation"):
        out[key] = float(timeseries[key].mean()) if len(timeseries) else 0.0
    for g in groups:
        out[f"trust_mean_{g}"] = (
            float(timeseries[f"trust_mean_{g}"].mean()) if len(timeseries) else 0.0
        )
    per_year = 1000.0 * 365.0 / days
    victims = events[events["victim_group"].isin(groups)] if crimes else events
    out["victimization_rate"] = len(victims) / n * per_year if n else 0.0
    for g, size in zip(groups, group_sizes, strict=True):
        count = int((victims["victim_group"] == g).sum()) if crimes else 0
        out[f"victimization_rate_{g}"] = float(count / size * per_year) if size else 0.0
    out["crime_concentration_top5"] = concentration_top(
        events["place"].to_numpy() if crimes else [], n_places
    )
    out["cost_usd"] = float(timeseries["cost_usd"].sum()) if len(timeseries) else 0.0
    return out


def concentration_top(places: np.ndarray | list, n_places: int, share: float = 0.05) -> float:
    """Share of crime at the ``share`` of places with the most crime (Weisburd 2015)."""
    places = np.asarray(places, dtype=np.int64)
    if len(places) == 0:
        return 0.0
    counts = np.sort(np.bincount(places, minlength=n_places))[::-1]
    top = max(1, round(share * n_places))
    return float(counts[:top].sum() / counts.sum())
