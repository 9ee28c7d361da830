"""The workshop's story holds: after a misconduct incident, the minority reports less.

What the room sees is the dashboard's own reporting line: the share of crimes
against minority residents reported over the 28 days after the incident, in the
run against its twin without the incident (same seed, same random numbers up to
the incident), on the dashboard's default city under its default evidence
scenario (the upper end of the evidence; the page says so). With the model's
central evidence the same incident moves trust but reporting only a little
(7 of 10 seeds lower on this city), which docs/workshop.md says.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from commsim.dashboard.levers import DEFAULT_CITY, DEFAULT_EVIDENCE
from commsim.dashboard.workshop import WorkshopRun
from commsim.livecharts import REPORTING_WINDOW_DAYS

SEEDS = range(1, 11)
INCIDENT_DAY = 7  # a week into the strategy, at noon


def _after_incident(seed: int) -> tuple[float, float]:
    run = WorkshopRun(preset="baseline", city=DEFAULT_CITY, seed=seed)
    run.step(24 * INCIDENT_DAY + 12)
    run.shock("misconduct", group="minority")
    run.step(24 * REPORTING_WINDOW_DAYS)
    key = "reporting_rate_minority"
    return float(run.daily()[key].iloc[-1]), float(run.daily(twin=True)[key].iloc[-1])


@pytest.mark.slow
def test_minority_reporting_falls_after_an_incident_in_nine_of_ten_seeds():
    assert DEFAULT_EVIDENCE == "upper" and DEFAULT_CITY == "workshop"
    context = multiprocessing.get_context("spawn")  # the seeds are independent: use both cores
    with ProcessPoolExecutor(2, mp_context=context) as pool:
        pairs = np.array(list(pool.map(_after_incident, SEEDS)))
    assert np.isfinite(pairs).all(), "too few crimes against minority residents for a rate"
    lower = int((pairs[:, 0] < pairs[:, 1]).sum())
    assert lower >= 9, f"lower in {lower} of {len(SEEDS)} seeds: {pairs.round(3).tolist()}"
