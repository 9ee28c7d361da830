"""Process 5: what follows a crime — victim, witnesses, reporting, detection, response, clearance.

Victims and witnesses decide whether to call (seriousness, trust, what levers
changed for them). Officers nearby may see the crime themselves (on view),
more often for crimes in plain sight. A call sends the nearest free officer
over the streets; an offender still there is arrested on the scene. A
recorded crime not cleared at once may be cleared later by investigation,
which needs evidence and cooperating victims and witnesses (trust). Unreported
crime nobody saw never reaches the police.

Called once per crime (a few per simulated hour even in a large city), so plain
Python is fine here; the per-person maths is vectorised over those present.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from commsim import dynamics, justice, places, trust
from commsim.levers.base import Lever
from commsim.trust import Contact
from commsim.world import Case, World

MAX_WITNESSES = 5
CLEARANCES = ("none", "on_scene", "on_view", "investigation")
CRIME_DRAWS = 7  # victim, guardian report, seen, on-view arrest, on-scene arrest, case, delay
EVENT_DTYPES = {
    "day": "int64",
    "hour": "int64",
    "place": "int64",
    "neighborhood": "int64",
    "type": "string",
    "victim_group": "string",
    "victim": "int64",
    "victim_income": "int64",
    "offender": "int64",
    "offender_age": "int64",
    "reported": "bool",
    "recorded": "bool",
    "on_view": "bool",
    "response_min": "Float64",  # null (not NaN) where nobody called
    "arrested": "bool",
    "clearance": "string",
    "clearance_day": "Int64",  # null while not cleared
    "open_at_end": "bool",
}


def handle_crime(
    world: World, levers: list[Lever], offender: int, place: int, kind: str
) -> dict[str, Any]:
    """Resolve one crime and return its event row (DESIGN §2, process 5)."""
    res, rp, c = world.residents, world.behaviour.reporting, world.behaviour.clearance
    # Keyed draws (common random numbers): the crime's by (hour, offender), each
    # person's by (hour, person), so a lever that changes one decision does not
    # reshuffle the luck of every later one, and lower trust can only turn a
    # report into no report, never the reverse.
    u = world.streams.keyed("crime", world.tick, np.array([offender]), CRIME_DRAWS)[0]
    acting = [lv for lv in levers if lv.acting]
    present = world.present(place)
    present = present[present != offender]
    victim = _pick_victim(world, kind, place, present, offender, u[0])
    others = present[present != victim] if victim >= 0 else present
    notice = np.full(len(others), rp.notice_prob)
    for lever in acting:
        factor = lever.notice_factor(world, others)
        if factor is not None:
            notice = notice * factor
    noticed = world.streams.keyed("notice", world.tick, others)[:, 0] < notice
    witnesses = others[noticed][:MAX_WITNESSES]
    reporters = _decide_reports(world, acting, victim, witnesses, kind)
    guardian_reported = bool(u[1] < world.places.reporters_extra[place])
    reported = len(reporters) > 0 or guardian_reported
    vis = getattr(c, f"visibility_{kind}")
    unseen = (1 - c.see_here * vis) ** world.places.officers_here[place] * (
        1 - c.see_adjacent * vis
    ) ** world.places.officers_near[place]
    on_view = bool(u[2] >= unseen)
    recorded = reported or on_view
    response: float | None = None
    clearance = "none"
    if on_view:
        if u[3] < c.on_view_arrest:
            clearance = "on_view"
    elif reported:
        handling = rp.call_handling_min
        for lever in acting:
            faster = lever.call_handling_min(world, reporters)
            if faster is not None:
                handling = min(handling, faster)
        officer, distance, free = dispatch(world, place)
        response = dynamics.response_minutes(distance, rp, handling_min=handling, officer_free=free)
        at_zero = getattr(c, f"on_scene_{kind}")
        if u[4] < dynamics.on_scene_arrest_probability(response, at_zero, c.response_tau_min):
            clearance = "on_scene"
        if len(reporters):
            satisfied = clearance == "on_scene" or response <= rp.fast_response_min
            cut = 0.0 if satisfied else world.behaviour.trust.slow_response_quality_cut
            trust.contact(world, officer, reporters, Contact.CALL, quality_cut=cut)
    row = {
        "day": world.day,
        "hour": world.hour,
        "place": int(place),
        "neighborhood": int(world.city.neighborhood[place]),
        "type": kind,
        "victim_group": world.groups[res.group[victim]] if victim >= 0 else "none",
        "victim": int(victim),  # resident number, -1 when no resident was the victim
        "victim_income": int(res.income[victim]) if victim >= 0 else -1,
        "offender": int(offender),
        "offender_age": int(res.age_years[offender]),
        "reported": reported,
        "recorded": recorded,
        "on_view": on_view,
        "response_min": response,
        "arrested": clearance != "none",
        "clearance": clearance,
        "clearance_day": world.day if clearance != "none" else None,
        "open_at_end": False,
    }
    if clearance != "none":
        justice.arrest(world, offender, place, kind)
    elif recorded:
        _investigate(world, offender, place, kind, victim, witnesses, row, u[5:7])
        justice.got_away(world, offender)
    else:
        justice.got_away(world, offender)
    if victim >= 0:
        trust.victimised(world, victim)
    places.record_crime(world, place, kind, victim, reported, recorded, response)
    if clearance != "none" and not world.in_warmup:
        world.today.cleared[kind] += 1
    return row


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


def _investigate(
    world: World,
    offender: int,
    place: int,
    kind: str,
    victim: int,
    witnesses: np.ndarray,
    row: dict[str, Any],
    u: np.ndarray,
) -> None:
    """Decide now whether and when investigation will clear the crime (Eck 1983)."""
    res, c = world.residents, world.behaviour.clearance
    people = np.concatenate([[victim], witnesses]).astype(np.int64) if victim >= 0 else witnesses
    coop = dynamics.cooperation_probability(
        res.trust[people], c.cooperation_base, c.cooperation_logit_per_sd, world.trust_reference
    )
    keyed = world.streams.keyed("cooperate", world.tick, people)[:, 0] if len(people) else people
    cooperating = bool((keyed < coop).any()) if len(people) else False
    chance = getattr(c, f"solvability_{kind}") * (1.0 if cooperating else c.uncooperative_factor)
    if world.places.intel_until[place] > world.tick:
        chance += c.intel_bonus
    clears = bool(u[0] < min(chance, 1.0))
    delay_days = -np.log1p(-u[1]) * c.investigation_days  # exponential
    due = world.tick + max(1, int(24 * delay_days))
    world.cases.append(Case(due, offender, place, kind, None if world.in_warmup else row, clears))


def investigations(world: World) -> None:
    """Cases whose time has come: clear them (arresting the offender) or close them."""
    due = [case for case in world.cases if case.due_tick <= world.tick]
    if not due:
        return
    world.cases = [case for case in world.cases if case.due_tick > world.tick]
    for case in due:
        if not case.clears:
            continue
        justice.arrest(world, case.offender, case.place, case.kind, heard=False)
        if case.event is not None:
            case.event["arrested"] = True
            case.event["clearance"] = "investigation"
            case.event["clearance_day"] = world.day
        if not world.in_warmup:
            world.today.cleared[case.kind] += 1


def censor_open_cases(world: World) -> None:
    """At the end of the window, cases still open are censored: flagged on their events."""
    for case in world.cases:
        if case.event is not None:
            case.event["open_at_end"] = True


def _pick_victim(
    world: World, kind: str, place: int, present: np.ndarray, offender: int, u: float
) -> int:
    """Burglary and vandalism hit a household living there; robbery someone present."""
    pool = present if kind == "robbery" else world.residents.at_home_place(place)
    pool = pool[pool != offender]
    return int(pool[int(u * len(pool))]) if len(pool) else -1


def _decide_reports(
    world: World,
    acting: list[Lever],
    victim: int,
    witnesses: np.ndarray,
    kind: str,
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
        getattr(rp, f"logit_{kind}"),
        rp,
        witness=is_witness,
        extra_logit=extra,
        fear=res.fear[people],
        trust_mean=world.trust_reference,
    )
    return people[world.streams.keyed("report", world.tick, people)[:, 0] < p]
