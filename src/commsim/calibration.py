"""Measures behind the calibration targets (DESIGN §5), from a run's outputs.

These functions read tidy outputs only, so tests, the validation experiment
and notebooks measure the model the same way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse


def near_repeat_ratio(
    events: pd.DataFrame,
    adjacency: sparse.csr_matrix,
    days: int,
    window: int = 14,
    kind: str = "burglary",
) -> float:
    """Risk after a crime at its place and graph neighbours, relative to the city's base rate.

    For every ``kind`` crime at place p on day d, count later ``kind`` crimes at
    p or a neighbour of p on days d+1..d+window; divide by what the city-wide
    rate per place-day predicts for the same places and days (Johnson et al. 2007).

    Returns:
        The ratio (1 = no near-repeat effect); 0 when there are no such crimes.
    """
    ev = events[events["type"] == kind]
    n_places = adjacency.shape[0]
    if len(ev) < 2 or days <= 0:
        return 0.0
    place = ev["place"].to_numpy()
    day = ev["day"].to_numpy()
    closed = (adjacency + sparse.identity(n_places, format="csr")).astype(bool).tocsr()
    near = closed[place][:, place].toarray()  # near[i, j]: j's place is in i's closed neighbourhood
    lag = day[None, :] - day[:, None]
    follows = (lag >= 1) & (lag <= window)
    observed = float((near & follows).sum())
    base_rate = len(ev) / (n_places * days)  # crimes per place-day
    sizes = np.diff(closed.indptr)[place]
    days_left = np.clip(days - 1 - day, 0, window)  # the window is cut at the run's end
    expected = float((sizes * days_left).sum() * base_rate)
    return observed / expected if expected > 0 else 0.0


def crimes_in(events: pd.DataFrame, neighborhoods: list[int]) -> int:
    """True crimes in the given neighbourhoods."""
    return int(events["neighborhood"].isin(neighborhoods).sum())
