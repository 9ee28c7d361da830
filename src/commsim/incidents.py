"""Process 5: what happens after a crime — victim, witnesses, reporting, dispatch, arrest.

Called once per crime (a few per simulated day), so plain Python is fine
here; the per-person maths is vectorised over the handful of people present.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from commsim import dynamics, places, trust
from commsim.levers.base import Lever
from commsim.population import JAILED
from commsim.world import World

MAX_WITNESSES = 5
# Arrest chance by crime type relative to a street robbery: burglars are gone
# before the victim comes home. Shaped on FBI UCR 2019 clearance rates
# (robbery 30.5%, larceny 18.4%, burglary 14.1%); assumption.
ARREST_TYPE_FACTOR = {"burglary": 0.45, "robbery": 1.0, "vandalism": 0.6}
EVENT_COLUMNS = [
    "day",
    "hour",
    "place",
    "neighborhood",
    "type",
    "victim_group",
    "victim",
    "reported",
    "recorded",
    "on_view",
    "response_min",
    "arrested",
    "offender_youth",
]


def handle_crime(
    world: World, levers: list[Lever], offender: int, place: int, kind: str
) -> dict[str, Any]:
    """Resolve one crime and return its event row (DESIGN §2, process 5)."""
    res, rp, rng = world.residents, world.behaviour.reporting, world.stream("reporting")
    acting = [lv for lv in levers if lv.acting]
    present = world.present(place)
    victim = _pick_victim(world, kind, place, present, rng)
    others = present[present != victim] if victim >= 0 else present
    notice = np.full(len(others), rp.notice_prob)
    for lever in acting:
        factor = lever.notice_factor(world, others)
        if factor is not None:
            notice = notice * factor
    witnesses = others[rng.random(len(others)) < notice][:MAX_WITNESSES]
    reporters = _decide_reports(
        world, acting, victim, witnesses, getattr(rp, f"severity_{kind}"), rng
    )
    guardian_reported = bool(rng.random() < world.places.reporters_extra[place])
    on_view = bool(world.places.officers_here[place] > 0)
    reported = len(reporters) > 0 or guardian_reported
    response: float | None = None
    arrested = False
    if on_view:
        arrested = bool(rng.random() < rp.on_view_arrest)
    elif reported:
        handling = rp.call_handling_min
        for lever in acting:
            faster = lever.call_handling_min(world, reporters)
            if faster is not None:
                handling = min(handling, faster)
        officer, distance, free = dispatch(world, place)
        response = dynamics.response_minutes(distance, rp, handling_min=handling, officer_free=free)
        n_witness = int((reporters != victim).sum()) + int(guardian_reported)
        intel = bool(world.places.intel_until[place] > world.tick)
        p_arrest = (
            dynamics.arrest_probability(response, n_witness, intel, rp) * ARREST_TYPE_FACTOR[kind]
        )
        arrested = bool(rng.random() < p_arrest)
        if len(reporters):
            trust.contact(world, officer, reporters)
            trust.report_outcome(world, reporters, arrested or response <= rp.fast_response_min)
    if arrested:
        arrest(world, offender, place)
    if victim >= 0:
        trust.victimised(world, victim)
    places.record_crime(
        world, place, kind, victim, reported, reported or on_view, arrested, response
    )
    return {
        "day": world.day,
        "hour": world.hour,
        "place": int(place),
        "neighborhood": int(world.city.neighborhood[place]),
        "type": kind,
        "victim_group": world.groups[res.group[victim]] if victim >= 0 else "none",
        "victim": int(victim),  # resident number, -1 when no resident was the victim
        "reported": reported,
        "recorded": reported or on_view,
        "on_view": on_view,
        "response_min": response,
        "arrested": arrested,
        "offender_youth": bool(world.offenders.youth[offender]),
    }


def dispatch(world: World, place: int) -> tuple[int, float, bool]:
    """Send the nearest free on-duty officer (else the nearest busy one).

    Returns:
        The officer, the street distance in metres, and whether it was free.
    """
    off = world.officers
    duty = np.flatnonzero(world.duty_now)
    free = duty[off.busy_until[duty] <= world.tick]
    pool = free if len(free) else duty
    nearest, dist = world.city.nearest(place, off.place[pool])
    k = int(pool[nearest])
    off.busy_until[k] = (
        max(off.busy_until[k], world.tick) + world.behaviour.reporting.on_scene_hours
    )
    off.place[k] = place
    return k, dist, bool(len(free))


def arrest(world: World, offender: int, place: int) -> None:
    """Jail an offender; offenders of that neighbourhood hear of it and feel more at risk."""
    off, c = world.offenders, world.behaviour.careers
    off.state[offender] = JAILED
    days = max(1, int(world.stream("custody").exponential(c.jail_days_mean)))
    off.release_tick[offender] = world.tick + 24 * days
    off.perceived_risk[offender] = min(1.0, off.perceived_risk[offender] + c.arrest_risk_gain)
    seen = world.city.neighborhood[off.home] == world.city.neighborhood[place]
    off.perceived_risk[seen] = np.minimum(1.0, off.perceived_risk[seen] + c.seen_arrest_risk_gain)
    world.today.arrests += 1


def _pick_victim(
    world: World, kind: str, place: int, present: np.ndarray, rng: np.random.Generator
) -> int:
    """Burglary and vandalism hit a household living there; robbery someone present."""
    pool = present if kind == "robbery" else world.residents.at_home_place(place)
    return int(pool[rng.integers(len(pool))]) if len(pool) else -1


def _decide_reports(
    world: World,
    acting: list[Lever],
    victim: int,
    witnesses: np.ndarray,
    severity: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Victim and witnesses each decide whether to call the police."""
    res, rp = world.residents, world.behaviour.reporting
    people = np.concatenate([[victim], witnesses]).astype(np.int64) if victim >= 0 else witnesses
    if len(people) == 0:
        return people
    is_witness = np.ones(len(people), dtype=bool)
    if victim >= 0:
        is_witness[0] = False
    extra = np.zeros(len(people))
    for lever in acting:
        bonus = lever.report_logit(world, people)
        if bonus is not None:
            extra = extra + bonus
    p = dynamics.report_probability(
        res.trust[people],
        severity,
        rp,
        witness=is_witness,
        extra_logit=extra,
        fear=res.fear[people],
    )
    return people[rng.random(len(people)) < p]
