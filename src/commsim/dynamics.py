"""The model's equations as pure, vectorised functions.

Nothing here knows about Mesa or the model object: each function takes arrays
and parameters and returns arrays, so each mechanism is testable on its own
and documented in one place (docs/model.md, "Submodels").
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from commsim.behaviour import OffendingParams, ReportingParams

# Relative offending by hour of day, per crime type (index = hour). Assumption
# shaped on UCR/NIBRS time-of-day profiles: residential burglary peaks in
# working hours when homes are empty; robbery and vandalism in the evening
# and night.
_H = np.arange(24)
HOUR_PROFILE = {
    "burglary": np.where((_H >= 9) & (_H < 17), 1.0, np.where((_H >= 17) & (_H < 23), 0.5, 0.2)),
    "robbery": np.where((_H >= 18) | (_H < 2), 1.0, np.where((_H >= 10) & (_H < 18), 0.4, 0.15)),
    "vandalism": np.where((_H >= 19) | (_H < 1), 1.0, np.where((_H >= 15) & (_H < 19), 0.5, 0.1)),
}


def sigmoid(x: np.ndarray | float) -> np.ndarray:
    """Logistic function."""
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def deterrence(
    residents_present: np.ndarray,
    officers_here: np.ndarray,
    officers_nearby: np.ndarray,
    extra_hazard: np.ndarray,
    perceived_risk: np.ndarray,
    p: OffendingParams,
    police_density: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Multiplier in (0, 1] on an offence's chance from guardianship and risk.

    Capable guardians (Cohen & Felson 1979): residents present, officers at or
    next to the place, and guardians that levers put there (``extra_hazard``:
    vigilant watch members, volunteer patrollers); the offender's own
    perceived risk; and the general deterrence of police on patrol in the
    neighbourhood (officers per 100 places). Each adds to a hazard that
    discounts the attempt exponentially.
    """
    hazard = (
        p.guardian_weight * residents_present
        + p.officer_here * officers_here
        + p.officer_nearby * officers_nearby
        + extra_hazard
        + p.perceived_risk_weight * perceived_risk
        + p.police_density_weight * police_density
    )
    return np.exp(-hazard)


def burglary_opportunity(households: np.ndarray, home_occupancy: np.ndarray) -> np.ndarray:
    """Chance-weight of a burglary target: homes there, discounted by homes occupied.

    Args:
        households: Households at each candidate place.
        home_occupancy: Share (0-1) of those places' residents at home now.
    """
    scale = np.minimum(households / 4.0, 2.0)  # more homes, more targets, saturating
    return scale * (1.0 - home_occupancy)


def robbery_opportunity(present: np.ndarray) -> np.ndarray:
    """A street robbery needs someone to rob; more people, more targets (saturating)."""
    return 1.0 - np.exp(-present / 2.0)


def offence_probabilities(
    hour: int,
    motivation: np.ndarray,
    attractiveness: np.ndarray,
    deter: np.ndarray,
    opportunities: dict[str, np.ndarray],
    p: OffendingParams,
) -> np.ndarray:
    """Per-offender, per-type chance of offending this hour (columns in CRIME_TYPES order)."""
    rates = {"burglary": p.rate_burglary, "robbery": p.rate_robbery, "vandalism": p.rate_vandalism}
    base = motivation * attractiveness * deter
    cols = [rates[k] * HOUR_PROFILE[k][hour] * opportunities[k] * base for k in rates]
    probs = np.stack(cols, axis=1)
    # Keep the total below 1 (an offender commits at most one crime an hour).
    total = probs.sum(axis=1, keepdims=True)
    return np.where(total > 0.95, probs * 0.95 / np.maximum(total, 1e-12), probs)


def report_probability(
    trust: np.ndarray,
    severity: float,
    p: ReportingParams,
    *,
    witness: np.ndarray | bool = False,
    extra_logit: np.ndarray | float = 0.0,
    fear: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Chance a victim or witness reports a crime to the police.

    Rises with trust (Tyler 2006), the crime's severity and fear; falls for
    bystanders; ``extra_logit`` carries what levers changed for each person
    (watch training, an education campaign, a reporting app).
    """
    logit = (
        p.base_logit
        + p.trust_weight * np.asarray(trust)
        + severity
        + p.witness_discount * np.asarray(witness, dtype=float)
        + np.asarray(extra_logit, dtype=float)
        + p.fear_weight * np.asarray(fear)
    )
    return sigmoid(logit)


def response_minutes(
    distance_m: float, p: ReportingParams, *, handling_min: float, officer_free: bool
) -> float:
    """Minutes from the report to an officer on scene: call handling, queue, travel."""
    queue = 0.0 if officer_free else p.queue_delay_min
    return handling_min + queue + distance_m / p.travel_speed_m_per_min


def arrest_probability(
    response_min: float, reporting_witnesses: int, intel: bool, p: ReportingParams
) -> float:
    """Chance a reported crime ends in an arrest.

    Falls with response time (Spelman & Brown 1981: on-scene arrests need fast
    response), rises with witnesses who reported and with community
    intelligence about the place.
    """
    prob = p.arrest_base * np.exp(-response_min / p.arrest_response_tau_min)
    prob += p.arrest_witness_bonus * reporting_witnesses + (p.arrest_intel_bonus if intel else 0.0)
    return float(min(prob, 0.95))


def contact_trust(trust: np.ndarray, good: np.ndarray, gain: float, asymmetry: float) -> np.ndarray:
    """Trust after police contacts: up ``gain`` if good, down ``gain * asymmetry`` if bad.

    Skogan (2006): a bad encounter weighs 4-14 times a good one.
    """
    return np.clip(trust + np.where(good, gain, -gain * asymmetry), 0.0, 1.0)


def outcome_trust(trust: np.ndarray, good: np.ndarray, gain: float, loss: float) -> np.ndarray:
    """Trust after a report's outcome: a fast answer or an arrest raises it, else it falls."""
    return np.clip(trust + np.where(good, gain, -loss), 0.0, 1.0)


def contagion(
    trust: np.ndarray,
    ties: sparse.csr_matrix,
    has_ties: np.ndarray,
    baseline: np.ndarray,
    rate: float,
    anchor: float,
) -> np.ndarray:
    """One day of social influence: move towards ties' mean trust, anchored to group baseline."""
    ties_mean = ties @ trust
    pull = np.where(has_ties, ties_mean - trust, 0.0)
    return np.clip(trust + rate * pull + anchor * (baseline - trust), 0.0, 1.0)


def spread_boost(
    boost: np.ndarray,
    place: int,
    adjacency: sparse.csr_matrix,
    self_gain: float,
    neighbor_gain: float,
) -> None:
    """Near repeat (Johnson et al. 2007): raise a place's and its neighbours' boost, in place."""
    row = slice(adjacency.indptr[place], adjacency.indptr[place + 1])
    boost[adjacency.indices[row]] += neighbor_gain
    boost[place] += self_gain


def base_attractiveness(
    land_use_attraction: np.ndarray, disadvantage: np.ndarray, z: np.ndarray, sd: float
) -> np.ndarray:
    """Places' base attractiveness to offenders, mean 1.

    Log-normal spread ``sd`` over standard-normal draws ``z``, times the land
    use's attraction and a rise with disadvantage (Weisburd 2015: crime
    concentrates at a few places).
    """
    attract = np.exp(sd * z) * land_use_attraction * (1.0 + 0.5 * disadvantage)
    return attract / attract.mean()


def attractiveness(base: np.ndarray, boost: np.ndarray, boost_max: float) -> np.ndarray:
    """Place attractiveness: base times a near-repeat boost that saturates at ``1 + boost_max``.

    Saturation keeps a run of crimes at one place from feeding on itself
    without bound (in Short et al. 2008 decay and diffusion do this).
    """
    return base * (1.0 + boost_max * boost / (boost_max + boost))


def collective_efficacy(
    mean_trust: np.ndarray, watch_coverage: np.ndarray, base_participation: float
) -> np.ndarray:
    """Neighbourhood collective efficacy (Sampson et al. 1997): trust x participation."""
    return mean_trust * (base_participation + (1.0 - base_participation) * watch_coverage)


def offender_pool_target(
    base_pool: np.ndarray, efficacy: np.ndarray, efficacy_ref: np.ndarray, efficacy_effect: float
) -> np.ndarray:
    """Offender pool a neighbourhood settles at: lower as collective efficacy rises."""
    return base_pool * np.exp(-efficacy_effect * (efficacy - efficacy_ref))
