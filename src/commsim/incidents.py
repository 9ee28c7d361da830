"""What happens after a crime: victim, witnesses, reporting, dispatch, arrest.

Called once per crime (a few per simulated day), so plain Python is fine
here; the per-person maths is vectorised over the handful of people present.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from commsim import dynamics

if TYPE_CHECKING:
    from commsim.model import CommunityModel

MAX_WITNESSES = 5
# Arrest chance by crime type relative to a street robbery: burglars are gone
# before the victim comes home. Shaped on FBI UCR 2019 clearance rates
# (robbery 30.5%, larceny 18.4%, burglary 14.1%); assumption.
ARREST_TYPE_FACTOR = {"burglary": 0.45, "robbery": 1.0, "vandalism": 0.6}


def handle_crime(model: CommunityModel, offender: int, place: int, kind: str) -> dict[str, Any]:
    """Resolve one crime and return its event row (DESIGN §2, process 5)."""
    res, rp = model.residents, model.config.reporting
    rng = model.streams["reporting"]
    present = res.present(place, model.loc_now)
    victim = _pick_victim(model, kind, place, present, rng)
    # Bystanders who notice: watch members are more vigilant.
    others = present[present != victim] if victim >= 0 else present
    notice = rp.notice_prob * np.where(res.watch[others], 2.0, 1.0)
    witnesses = others[rng.random(len(others)) < notice][:MAX_WITNESSES]
    severity = getattr(rp, f"severity_{kind}")
    reporters = _decide_reports(model, victim, witnesses, severity, rng)
    volunteer_reported = bool(
        model.volunteers_here[place] > 0 and rng.random() < rp.volunteer_report_prob
    )
    on_view = bool(model.officers_here[place] > 0)
    reported = len(reporters) > 0 or volunteer_reported
    response: float | None = None
    arrested = False
    if on_view:
        arrested = rng.random() < rp.on_view_arrest
    elif reported:
        via_app = bool(res.app[reporters].any()) if len(reporters) else False
        officer, distance, free = model.dispatch(place)
        response = dynamics.response_minutes(distance, rp, via_app=via_app, officer_free=free)
        n_witness = int((reporters != victim).sum()) + int(volunteer_reported)
        intel = bool(model.intel_until[place] > model.tick)
        p_arrest = (
            dynamics.arrest_probability(response, n_witness, intel, rp) * ARREST_TYPE_FACTOR[kind]
        )
        arrested = rng.random() < p_arrest
        if len(reporters):
            model.contact(officer, reporters)
            good = np.full(len(reporters), arrested or response <= rp.fast_response_min)
            t = model.trust_params
            res.trust[reporters] = dynamics.outcome_trust(
                res.trust[reporters], good, t.outcome_good, t.outcome_bad
            )
    if arrested:
        model.arrest(offender, place)
    if victim >= 0:
        t = model.trust_params
        res.fear[victim] = min(1.0, res.fear[victim] + t.victimization_fear)
        res.trust[victim] = max(0.0, res.trust[victim] - t.victimization_trust)
        res.victimizations[victim] += 1
    model.record_crime(place, kind, victim, reported, reported or on_view, arrested, response)
    return {
        "day": model.day,
        "hour": model.hour,
        "place": int(place),
        "neighborhood": int(model.city.neighborhood[place]),
        "type": kind,
        "victim_group": model.groups[res.group[victim]] if victim >= 0 else "none",
        "victim": int(victim),  # resident number, -1 when no resident was the victim
        "reported": reported,
        "recorded": reported or on_view,
        "response_min": response,
        "arrested": arrested,
        "offender_youth": bool(model.offenders.youth[offender]),
    }


def _pick_victim(
    model: CommunityModel, kind: str, place: int, present: np.ndarray, rng: np.random.Generator
) -> int:
    """Burglary and vandalism hit a household living there; robbery someone present."""
    pool = present if kind == "robbery" else model.residents.at_home_place(place)
    return int(pool[rng.integers(len(pool))]) if len(pool) else -1


def _decide_reports(
    model: CommunityModel,
    victim: int,
    witnesses: np.ndarray,
    severity: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Victim and witnesses each decide whether to call the police."""
    res, rp = model.residents, model.config.reporting
    people = np.concatenate([[victim], witnesses]).astype(np.int64) if victim >= 0 else witnesses
    if len(people) == 0:
        return people
    is_witness = np.ones(len(people), dtype=bool)
    if victim >= 0:
        is_witness[0] = False
    p = dynamics.report_probability(
        res.trust[people],
        severity,
        rp,
        witness=is_witness,
        watch=res.watch[people],
        app=res.app[people],
        campaign=res.campaign[people],
        fear=res.fear[people],
    )
    return people[rng.random(len(people)) < p]
