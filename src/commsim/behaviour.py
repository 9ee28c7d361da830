"""How people, offenders and police behave: the parameter sections no lever owns.

Each section is a frozen dataclass whose fields carry their unit, range and
source (:func:`commsim.paramspec.param`). Levers declare their own sections
in their modules (:mod:`commsim.levers`); :mod:`commsim.params` assembles the
whole run config.
"""

from __future__ import annotations

from dataclasses import dataclass

from commsim.paramspec import ConfigError, Section, param, validate

CRIME_TYPES = ("burglary", "robbery", "vandalism")


@dataclass(frozen=True)
class GroupParams(Section):
    """One demographic group of residents (``population.groups.<name>.*``).

    Checked by :class:`PopulationParams`, which knows the group's name.
    """

    def __post_init__(self) -> None:
        """Checked by the population section, which knows the group's key."""

    share: float = param(
        0.5,
        lo=0,
        hi=1,
        unit="share of residents",
        source="assumption: the city's census mix; shares are normalised",
    )
    baseline_trust: float = param(
        0.55, lo=0, hi=1, unit="0-1", source="Gallup 2020 ordering; level an assumption"
    )
    smartphone_access: float = param(
        0.85, lo=0, hi=1, unit="share owning a smartphone", source="Pew 2021: 85% of US adults"
    )


def _default_groups() -> dict[str, GroupParams]:
    # Gallup (2020, "Confidence in Institutions"): 56% of White and 19% of Black
    # adults had confidence in police; Pew (2019) finds Hispanic adults in between.
    # The 0-1 trust scale is not a survey share; the ordering and gap follow these
    # surveys, the levels are an assumption.
    return {
        "majority": GroupParams(share=0.55, baseline_trust=0.62, smartphone_access=0.88),
        "minority": GroupParams(share=0.35, baseline_trust=0.42, smartphone_access=0.85),
        "newcomer": GroupParams(share=0.10, baseline_trust=0.50, smartphone_access=0.70),
    }


@dataclass(frozen=True)
class PopulationParams(Section):
    """Residents, their routines and their social ties (``population.*``)."""

    section = "population"

    groups: dict[str, GroupParams] = param(
        _default_groups(), source="Gallup 2020, Pew 2019/2021 (per group)"
    )
    worker_share: float = param(
        0.50,
        lo=0,
        hi=1,
        unit="share away 8-17 h",
        source="BLS 2023 employment-population ratio ~0.60; assumption",
    )
    student_share: float = param(0.20, lo=0, hi=1, unit="share away 8-15 h", source="assumption")
    evening_out_prob: float = param(
        0.30, lo=0, hi=1, unit="daily chance, 18-22 h", source="assumption (ATUS leisure)"
    )
    ties_per_resident: float = param(
        8.0,
        lo=0,
        hi=100,
        unit="ties",
        source="assumption (McPherson 2006: 2-4 confidants + weak local ties)",
    )
    cross_neighborhood_ties: float = param(
        0.15, lo=0, hi=1, unit="share of ties", source="assumption"
    )
    homophily: float = param(
        0.7,
        lo=0,
        hi=1,
        unit="share of local ties in own group",
        source="McPherson et al. 2001 (strong homophily)",
    )
    initial_fear: float = param(0.25, lo=0, hi=1, unit="0-1", source="assumption")
    offenders_per_1000: float = param(
        20.0,
        lo=0,
        hi=200,
        unit="active offenders per 1,000 residents",
        source="assumption (see docs/model.md)",
    )
    youth_offender_share: float = param(
        0.35, lo=0, hi=1, unit="share under 21", source="FBI UCR 2019 arrests, approx."
    )
    officers_per_1000: float = param(
        2.4,
        lo=0.1,
        hi=20,
        unit="officers per 1,000 residents",
        source="FBI UCR 2019 cities: 2.4 per 1,000 inhabitants",
    )

    def check(self) -> None:
        """At least one group, shares summing above zero, workers plus students at most 1."""
        if not self.groups:
            raise ConfigError("population.groups", {}, "at least one group is required")
        for name, g in self.groups.items():
            if not isinstance(g, GroupParams):
                raise ConfigError(f"population.groups.{name}", g, "must be a group mapping")
            validate(g, f"population.groups.{name}")
        if sum(g.share for g in self.groups.values()) <= 0:
            raise ConfigError("population.groups", "shares", "group shares must sum to more than 0")
        if self.worker_share + self.student_share > 1:
            raise ConfigError(
                "population.student_share",
                self.student_share,
                f"must be at most 1 - population.worker_share = {1 - self.worker_share:g}",
            )


@dataclass(frozen=True)
class OffendingParams(Section):
    """Routine-activity and rational-choice offending (``offending.*``)."""

    section = "offending"

    # Base attempt rates per offender-hour out, before opportunity and deterrence,
    # set so the default city has ~150 victimisations per 1,000 residents a year.
    rate_burglary: float = param(
        0.024, lo=0, hi=1, unit="per offender-hour out", source="calibrated (crime volume)"
    )
    rate_robbery: float = param(
        0.0145, lo=0, hi=1, unit="per offender-hour out", source="calibrated (crime volume)"
    )
    rate_vandalism: float = param(
        0.022, lo=0, hi=1, unit="per offender-hour out (youth)", source="calibrated (crime volume)"
    )
    out_prob_day: float = param(
        0.15, lo=0, hi=1, unit="chance per daytime hour", source="assumption"
    )
    out_prob_night: float = param(
        0.35,
        lo=0,
        hi=1,
        unit="chance per hour, 18-02 h",
        source="assumption (crime peaks in the evening, UCR)",
    )
    awareness_radius_m: float = param(
        1500.0, lo=0, unit="metres", source="Bernasco 2010: most trips < 2 km"
    )
    exploration: float = param(0.10, lo=0, hi=1, unit="chance per hour", source="assumption")
    guardian_weight: float = param(
        0.20,
        lo=0,
        unit="hazard per resident present",
        source="assumption (Cohen & Felson 1979)",
        plausible=(0.05, 0.5),
    )
    officer_here: float = param(
        2.5, lo=0, unit="hazard per officer at the place", source="assumption", plausible=(1.0, 4.0)
    )
    officer_nearby: float = param(
        0.6, lo=0, unit="hazard per officer next door", source="assumption", plausible=(0.2, 1.2)
    )
    police_density_weight: float = param(
        0.45,
        lo=0,
        unit="hazard per on-duty officer per 100 places",
        source="calibrated to Chalfin & McCrary 2018",
        plausible=(0.0, 1.0),
    )
    perceived_risk_weight: float = param(
        1.5, lo=0, unit="hazard per unit perceived risk", source="assumption", plausible=(0.5, 3.0)
    )
    youth_vandalism_only: bool = param(True, source="assumption: vandalism is done by youth")


@dataclass(frozen=True)
class PlaceParams(Section):
    """Near-repeat attractiveness of places (``places.*``; Short et al. 2008; Johnson et al. 2007)."""

    section = "places"

    boost_self: float = param(
        0.8, lo=0, hi=50, unit="x base attractiveness", source="calibrated to Johnson et al. 2007"
    )
    boost_neighbors: float = param(
        0.3, lo=0, hi=50, unit="x base attractiveness", source="calibrated to Johnson et al. 2007"
    )
    boost_decay_days: float = param(
        10.0,
        lo=0.1,
        hi=365,
        unit="days (e-folding)",
        source="Johnson et al. 2007: elevated for ~2 weeks",
    )
    boost_max: float = param(
        2.0,
        lo=0.01,
        hi=100,
        unit="x base attractiveness",
        source="assumption (repeat risk saturates; Short et al. 2008)",
    )
    attractiveness_sd: float = param(
        0.7, lo=0, hi=3, unit="log-normal sd", source="assumption (Weisburd 2015 concentration)"
    )


@dataclass(frozen=True)
class ReportingParams(Section):
    """Witnessing, reporting, dispatch and arrest (``reporting.*``)."""

    section = "reporting"

    base_logit: float = param(
        -2.4, lo=-10, hi=10, unit="logit", source="calibrated: ~40% of crimes reported (NCVS 2022)"
    )
    trust_weight: float = param(
        2.2,
        lo=0,
        hi=10,
        unit="logit per unit trust",
        source="assumption (Tyler 2006: legitimacy -> cooperation)",
        plausible=(0.5, 3.0),
    )
    severity_burglary: float = param(
        0.9,
        lo=-10,
        hi=10,
        unit="logit",
        source="NCVS 2022: burglary ~48% reported vs ~30% of thefts",
    )
    severity_robbery: float = param(
        0.8, lo=-10, hi=10, unit="logit", source="NCVS 2022: ~46-60% of robberies reported"
    )
    severity_vandalism: float = param(
        -0.9, lo=-10, hi=10, unit="logit", source="NCVS 2022: vandalism ~25% reported, the least"
    )
    witness_discount: float = param(
        -1.0, lo=-10, hi=10, unit="logit", source="assumption (Darley & Latane 1968)"
    )
    notice_prob: float = param(0.25, lo=0, hi=1, unit="chance", source="assumption")
    fear_weight: float = param(0.3, lo=0, hi=10, unit="logit per unit fear", source="assumption")
    call_handling_min: float = param(
        7.0, lo=0, unit="minutes", source="assumption (US PSAP + queue)"
    )
    travel_speed_m_per_min: float = param(
        400.0, lo=1, unit="metres per minute", source="assumption: 24 km/h urban driving"
    )
    queue_delay_min: float = param(40.0, lo=0, unit="minutes", source="assumption")
    on_scene_hours: int = param(1, lo=1, hi=24, unit="hours", source="assumption")
    arrest_base: float = param(
        0.35, lo=0, hi=1, unit="chance", source="calibrated (UCR clearance ~15-30%)"
    )
    arrest_response_tau_min: float = param(
        20.0, lo=0.1, unit="minutes", source="Spelman & Brown 1981"
    )
    arrest_witness_bonus: float = param(
        0.08, lo=0, hi=1, unit="chance per reporting witness", source="assumption"
    )
    arrest_intel_bonus: float = param(
        0.15,
        lo=0,
        hi=1,
        unit="chance",
        source="assumption",
        doc="At places residents raised at community meetings.",
    )
    on_view_arrest: float = param(0.5, lo=0, hi=1, unit="chance", source="assumption")
    fast_response_min: float = param(
        15.0,
        lo=0,
        unit="minutes",
        source="assumption",
        doc="A response at most this fast counts as a good outcome.",
    )


@dataclass(frozen=True)
class TrustParams(Section):
    """How trust in police and fear of crime move (``trust.*``)."""

    section = "trust"

    good_contact: float = param(0.02, lo=0, hi=1, unit="0-1 per contact", source="assumption")
    asymmetry: float = param(
        4.0,
        lo=0,
        hi=100,
        unit="x a good contact",
        source="Skogan 2006: 4-14x",
        plausible=(4.0, 14.0),
    )
    outcome_good: float = param(0.03, lo=0, hi=1, unit="0-1", source="assumption")
    outcome_bad: float = param(0.05, lo=0, hi=1, unit="0-1", source="assumption")
    victimization_trust: float = param(
        0.02, lo=0, hi=1, unit="0-1", source="assumption (Skogan 2006)"
    )
    victimization_fear: float = param(0.15, lo=0, hi=1, unit="0-1", source="assumption")
    fear_decay_per_day: float = param(0.01, lo=0, hi=1, unit="per day", source="assumption")
    neighborhood_crime_fear: float = param(
        0.002, lo=0, hi=1, unit="0-1 per crime that day", source="assumption"
    )
    contagion_per_day: float = param(
        0.02, lo=0, hi=1, unit="per day", source="assumption", plausible=(0.0, 0.1)
    )
    anchor_per_day: float = param(
        0.01, lo=0, hi=1, unit="per day", source="assumption", plausible=(0.0, 0.05)
    )
    contacts_per_officer_hour: float = param(
        0.12,
        lo=0,
        hi=20,
        unit="contacts per patrol hour",
        source="calibrated to BJS PPCS 2018 (~24%/yr with contact)",
    )


@dataclass(frozen=True)
class PoliceParams(Section):
    """Officers: skill, shifts, use of information (``police.*``)."""

    section = "police"

    skill_mean: float = param(
        0.70,
        lo=0,
        hi=1,
        unit="chance a contact is procedurally just",
        source="assumption (Skogan 2006: most contacts rated fair)",
    )
    skill_sd: float = param(0.08, lo=0, hi=1, unit="sd between officers", source="assumption")
    intel_days: int = param(
        30,
        lo=0,
        hi=365,
        unit="days",
        source="assumption",
        doc="How long police act on places residents raised.",
    )


@dataclass(frozen=True)
class CareerParams(Section):
    """Offender recruitment, desistance and custody (``offenders.*``)."""

    section = "offenders"

    turnover_per_year: float = param(
        0.5,
        lo=0,
        unit="share of the pool replaced per year",
        source="assumption (short criminal careers, Blumstein 1986)",
    )
    disadvantage_effect: float = param(
        1.5, lo=0, unit="pool x (1 + effect x disadvantage)", source="Sampson et al. 1997"
    )
    efficacy_effect: float = param(
        1.2, lo=0, unit="pool x exp(-effect x efficacy)", source="Sampson et al. 1997"
    )
    base_participation: float = param(
        0.3,
        lo=0,
        hi=1,
        unit="share",
        source="assumption",
        doc="Civic participation without a watch.",
    )
    jail_days_mean: float = param(
        90.0, lo=1, hi=3650, unit="days", source="assumption (BJS jail stays are short)"
    )
    desist_after_jail: float = param(0.15, lo=0, hi=1, unit="chance", source="assumption")
    arrest_risk_gain: float = param(
        0.3, lo=0, unit="perceived risk", source="assumption (Pogarsky 2002)"
    )
    seen_arrest_risk_gain: float = param(0.03, lo=0, unit="perceived risk", source="assumption")
    risk_decay_per_day: float = param(0.005, lo=0, hi=1, unit="per day", source="assumption")
