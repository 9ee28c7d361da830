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
    """Per-offender, per-type chance of offending this hour (columns in CRIME_TYPES order).

    Args:
        hour: Hour of the day (each type has its own daily profile).
        motivation: Each offender's motivation multiplier.
        attractiveness: The attractiveness of each offender's place.
        deter: Multiplier in (0, 1] per offender and type from what it perceives.
        opportunities: Per type, 0-1 availability of a target at each offender's place.
        p: Offending parameters (attempt rates).
    """
    rates = {"burglary": p.rate_burglary, "robbery": p.rate_robbery, "vandalism": p.rate_vandalism}
    base = motivation * attractiveness
    cols = [
        rates[k] * HOUR_PROFILE[k][hour] * opportunities[k] * base * deter[:, i]
        for i, k in enumerate(rates)
    ]
    probs = np.stack(cols, axis=1)
    # Keep the total below 1 (an offender commits at most one crime an hour).
    total = probs.sum(axis=1, keepdims=True)
    return np.where(total > 0.95, probs * 0.95 / np.maximum(total, 1e-12), probs)


#: Trust differences are expressed per this many units of the 0-1 scale (one SD).
TRUST_SD = 0.2


def report_probability(
    trust: np.ndarray,
    intercept: float,
    p: ReportingParams,
    *,
    witness: np.ndarray | bool = False,
    extra_logit: np.ndarray | float = 0.0,
    fear: np.ndarray | float = 0.0,
    trust_mean: float = 0.5,
) -> np.ndarray:
    """Chance a victim or witness reports a crime to the police.

    The crime type's intercept carries its seriousness, which dominates
    (Tarling & Morris 2010); trust adds ``trust_logit_per_sd`` per SD of trust
    above ``trust_mean``; bystanders report less; ``extra_logit`` carries what
    levers changed for each person (watch training, a campaign, an app).
    """
    logit = (
        intercept
        + p.trust_logit_per_sd * (np.asarray(trust) - trust_mean) / TRUST_SD
        + p.witness_discount * np.asarray(witness, dtype=float)
        + np.asarray(extra_logit, dtype=float)
        + p.fear_weight * np.asarray(fear)
    )
    return sigmoid(logit)


def cooperation_probability(
    trust: np.ndarray, base: float, per_sd: float, trust_mean: float = 0.5
) -> np.ndarray:
    """Chance a victim or witness cooperates with an investigation, rising with trust."""
    logit = np.log(base / (1 - base)) + per_sd * (np.asarray(trust) - trust_mean) / TRUST_SD
    return sigmoid(logit)


def response_minutes(
    distance_m: float, p: ReportingParams, *, handling_min: float, officer_free: bool
) -> float:
    """Minutes from the report to an officer on scene: call handling, queue, travel."""
    queue = 0.0 if officer_free else p.queue_delay_min
    return handling_min + queue + distance_m / p.travel_speed_m_per_min


def on_scene_arrest_probability(response_min: float, at_zero: float, tau_min: float) -> float:
    """Chance the offender is caught on the scene; falls with response (Spelman & Brown 1981)."""
    return float(at_zero * np.exp(-response_min / tau_min))


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
