"""The outcome registry: one entry per outcome drives everything that names it.

Each :class:`Outcome` gives a key (part of the public interface), a label and
unit (plots, reports, the CLI summary, the dashboard), which direction is
better, how a run is summarised from its daily table and events, the order
outcomes are shown in, and the smallest change worth calling meaningful.
Collection (:mod:`commsim.collector`), ``summary.json``, confidence intervals
and directions in :mod:`commsim.results`, plots and reports all read it.

Adding an outcome is one entry here plus its daily computation in
:mod:`commsim.collector` (or, for event-based summaries, a function below).

Examples:
    >>> outcome("trust_mean_minority").label
    'Mean trust in police, minority'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from enum import Enum, IntEnum

import numpy as np
import pandas as pd

from commsim.behaviour import CRIME_TYPES


class Direction(IntEnum):
    """Which way an outcome improves."""

    LOWER_IS_BETTER = -1
    NEITHER = 0
    HIGHER_IS_BETTER = 1


class Summary(Enum):
    """How a run's value of an outcome is computed over the evaluation window."""

    SUM = "sum"  # a flow: total of the daily counts
    MEAN = "mean"  # a stock or a rate: mean of the daily values
    RATIO = "ratio"  # total of a numerator flow over total of a denominator flow
    EVENTS = "events"  # from the event table (e.g. a median over crimes)
    LAST = "last"  # the value on the last day (a running share)


@dataclass(frozen=True)
class Outcome:
    """One outcome and everything needed to collect, summarise and show it."""

    key: str
    label: str
    unit: str
    direction: Direction
    summary: Summary
    order: int
    count: bool = False  # a non-negative count (intervals must not go below zero)
    smallest_change: float | None = None  # smallest meaningful change, in the outcome's unit
    # For counts and rates whose size depends on the city: the smallest meaningful change
    # as a share of the baseline level (used where ``smallest_change`` is None).
    smallest_share: float | None = None
    numerator: str | None = None  # for RATIO
    denominator: str | None = None  # for RATIO
    per_group: bool = False  # also reported as <key>_<group>
    per_type: bool = False  # also reported as <key>_<crime type>
    daily: bool = True  # a column of the daily table
    description: str = ""

    @property
    def axis_label(self) -> str:
        """Label with its unit, for plot axes."""
        return f"{self.label} ({self.unit})" if self.unit else self.label

    @property
    def kind(self) -> str:
        """``flow`` (a count per period, summed) or ``stock`` (a level or rate, averaged)."""
        return "flow" if self.summary is Summary.SUM else "stock"


L, N, H = Direction.LOWER_IS_BETTER, Direction.NEITHER, Direction.HIGHER_IS_BETTER
PER_YEAR = "per 1,000 residents per year"

_ENTRIES = [
    Outcome(
        "crimes",
        "True crimes",
        "crimes",
        L,
        Summary.SUM,
        10,
        count=True,
        per_type=True,
        per_group=True,
        smallest_share=0.05,
        description="All crimes committed, known to police or not "
        "(per group: crimes against residents of that group).",
    ),
    Outcome(
        "crimes_reported",
        "Crimes reported to police",
        "crimes",
        N,
        Summary.SUM,
        20,
        count=True,
        per_group=True,
    ),
    Outcome(
        "crimes_recorded",
        "Crimes recorded by police",
        "crimes",
        N,
        Summary.SUM,
        25,
        count=True,
        per_type=True,
        description="Reported, or seen by an officer.",
    ),
    Outcome(
        "reporting_rate",
        "Reporting rate",
        "share of crimes",
        H,
        Summary.RATIO,
        30,
        numerator="crimes_reported",
        denominator="crimes",
        per_group=True,
        smallest_change=0.02,
    ),
    Outcome(
        "arrests",
        "Arrests",
        "arrests",
        N,
        Summary.SUM,
        40,
        count=True,
        per_type=True,
        per_group=True,
        description="Per group: arrests of residents of that group.",
    ),
    Outcome(
        "clearance_rate",
        "Clearance rate",
        "share of recorded crimes",
        H,
        Summary.RATIO,
        50,
        numerator="arrests",
        denominator="crimes_recorded",
        per_type=True,
        smallest_change=0.02,
    ),
    Outcome(
        "response_time_median_min",
        "Median response time",
        "minutes",
        L,
        Summary.EVENTS,
        60,
        smallest_change=1.0,
    ),
    Outcome(
        "trust_mean",
        "Mean trust in police",
        "0-1",
        H,
        Summary.MEAN,
        70,
        per_group=True,
        smallest_change=0.02,
        description="0-1 scale (a 0-10 survey item / 10); 0.02 = 0.1 SD.",
    ),
    Outcome("trust_sd", "Spread of trust within groups", "0-1 (SD)", N, Summary.MEAN, 75),
    Outcome(
        "trust_gap", "Trust gap between groups", "0-1", L, Summary.MEAN, 80, smallest_change=0.02
    ),
    Outcome(
        "fear_mean",
        "Mean fear of crime",
        "0-1",
        L,
        Summary.MEAN,
        90,
        per_group=True,
        smallest_change=0.02,
    ),
    Outcome(
        "victimization_rate",
        "Victimisation rate",
        PER_YEAR,
        L,
        Summary.MEAN,
        100,
        per_group=True,
        count=True,
        smallest_share=0.05,
    ),
    Outcome(
        "contact_prevalence",
        "Residents 16+ with any police contact",
        "share since the start",
        N,
        Summary.LAST,
        105,
        per_group=True,
        description="Share of residents aged 16+ with any police contact in the evaluation window.",
    ),
    Outcome(
        "police_initiated_prevalence",
        "Residents 16+ with a police-initiated contact",
        "share since the start",
        N,
        Summary.LAST,
        106,
        per_group=True,
        description="Share of residents aged 16+ stopped, arrested or approached by police "
        "at least once in the evaluation window (the Police-Public Contact Survey's "
        "police-initiated contact; ``stops`` counts stops).",
    ),
    Outcome(
        "stops", "Police-initiated stops", "stops", N, Summary.SUM, 106, count=True, per_group=True
    ),
    Outcome(
        "contacts", "Police contacts", "contacts", N, Summary.SUM, 107, count=True, per_group=True
    ),
    Outcome(
        "collective_efficacy",
        "Collective efficacy",
        "0-1",
        H,
        Summary.MEAN,
        108,
        smallest_change=0.02,
    ),
    Outcome(
        "crime_concentration_top5",
        "Crime at the top 5% of places",
        "share of crime",
        N,
        Summary.EVENTS,
        110,
        daily=False,
    ),
    Outcome("active_offenders", "Active offenders", "offenders", L, Summary.MEAN, 120, count=True),
    Outcome(
        "watch_participation", "Watch participation", "share of residents", N, Summary.MEAN, 130
    ),
    Outcome("cost_usd", "Programme cost", "USD", N, Summary.SUM, 140, count=True),
]

#: The registry, in display order.
OUTCOMES: dict[str, Outcome] = {o.key: o for o in sorted(_ENTRIES, key=lambda o: o.order)}


def outcome(key: str) -> Outcome:
    """The registry entry for a key, including per-group and per-type keys.

    Args:
        key: ``crimes``, ``crimes_burglary``, ``trust_mean_minority``...

    Raises:
        KeyError: The key is not an outcome.
    """
    if key in OUTCOMES:
        return OUTCOMES[key]
    for base in sorted(OUTCOMES.values(), key=lambda o: -len(o.key)):
        prefix = base.key + "_"
        if key.startswith(prefix) and (base.per_group or base.per_type):
            part = key[len(prefix) :]
            if base.per_type and part not in CRIME_TYPES and not base.per_group:
                continue
            return replace(
                base,
                key=key,
                label=f"{base.label}: {part}" if part in CRIME_TYPES else f"{base.label}, {part}",
                order=base.order,
                per_group=False,
                per_type=False,
            )
    raise KeyError(key)


def is_outcome(key: str) -> bool:
    """True when ``key`` names an outcome (per-group and per-type keys included)."""
    try:
        outcome(key)
    except KeyError:
        return False
    return True


def expanded_keys(groups: Iterable[str], daily_only: bool = False) -> list[str]:
    """Every outcome key for these groups, in display order (bases before their parts)."""
    groups = list(groups)
    keys = []
    for o in OUTCOMES.values():
        if daily_only and not o.daily:
            continue
        keys.append(o.key)
        if o.per_type:
            keys += [f"{o.key}_{t}" for t in CRIME_TYPES]
        if o.per_group:
            keys += [f"{o.key}_{g}" for g in groups]
    return keys


def sort_key(key: str) -> tuple[int, int, str]:
    """Sort outcomes in display order; unknown keys last."""
    try:
        o = outcome(key)
    except KeyError:
        return 10**6, 0, key
    return o.order, 0 if o.key in OUTCOMES else 1, key


# ------------------------------------------------------------------ summaries
def _median_response(events: pd.DataFrame, n_places: int) -> float:
    responses = events["response_min"].dropna() if len(events) else pd.Series(dtype=float)
    return float(responses.median()) if len(responses) else 0.0


def _concentration(events: pd.DataFrame, n_places: int) -> float:
    return concentration_top(events["place"].to_numpy() if len(events) else [], n_places)


EVENT_SUMMARIES: dict[str, Callable[[pd.DataFrame, int], float]] = {
    "response_time_median_min": _median_response,
    "crime_concentration_top5": _concentration,
}


def summarize(timeseries: pd.DataFrame, events: pd.DataFrame, n_places: int) -> dict[str, float]:
    """Every outcome over the evaluation window, from the daily table and the events.

    Per-group and per-type columns present in the daily table are summarised
    by their base outcome's rule.
    """
    out: dict[str, float] = {}
    for key in sorted(timeseries.columns, key=sort_key):
        if not is_outcome(key):
            continue
        out[key] = _summary(outcome(key), timeseries)
    for key, fn in EVENT_SUMMARIES.items():
        out[key] = fn(events, n_places)
    return {k: out[k] for k in sorted(out, key=sort_key)}


def _summary(o: Outcome, ts: pd.DataFrame) -> float:
    if len(ts) == 0:
        return 0.0
    if o.summary is Summary.SUM:
        return float(ts[o.key].sum())
    if o.summary is Summary.LAST:
        return float(ts[o.key].iloc[-1])
    if o.summary is Summary.RATIO:
        num, den = _ratio_columns(o)
        total = float(ts[den].sum()) if den in ts else 0.0
        return float(ts[num].sum()) / total if total else 0.0
    return float(ts[o.key].mean())


def _ratio_columns(o: Outcome) -> tuple[str, str]:
    base = next(b for b in OUTCOMES.values() if o.key == b.key or o.key.startswith(b.key + "_"))
    suffix = o.key[len(base.key) :]
    assert base.numerator and base.denominator
    return base.numerator + suffix, base.denominator + suffix


def concentration_top(places: np.ndarray | list, n_places: int, share: float = 0.05) -> float:
    """Share of crime at the ``share`` of places with the most crime (Weisburd 2015)."""
    places = np.asarray(places, dtype=np.int64)
    if len(places) == 0:
        return 0.0
    counts = np.sort(np.bincount(places, minlength=n_places))[::-1]
    top = max(1, round(share * n_places))
    return float(counts[:top].sum() / counts.sum())
