"""How people, offenders and police behave: the parameter sections no lever owns.

Each section is a frozen dataclass whose fields carry their unit, range and
source (:func:`commsim.paramspec.param`). Levers declare their own sections
in their modules (:mod:`commsim.levers`); :mod:`commsim.params` assembles the
whole run config. ``docs/model.md`` lists every default with its source.
"""

from __future__ import annotations

from dataclasses import dataclass

from commsim.paramspec import NO_VALUE, ConfigError, Section, param, readable, validate

CRIME_TYPES = ("burglary", "robbery", "vandalism")
#: Residents are people aged 12 and over (the NCVS population), in these age bands.
AGE_BANDS = ("12-17", "18-24", "25-34", "35-49", "50-64", "65+")
INCOME_BANDS = ("low", "middle", "high")  # under $30k, $30-75k, over $75k a year
# How far the groups' shares may sum from 1: rounding of written decimals, not a choice
# between mixes (0.55 + 0.35 + 0.10 is 1.0000000000000002 in floating point).
SHARE_SUM_TOLERANCE = 1e-6


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
        source="assumption: the city's census mix; the groups' shares sum to 1",
    )
    baseline_trust: float = param(
        0.55,
        lo=0,
        hi=1,
        unit="0-1, mean predisposition",
        source="Gallup 2020 ordering (56% White vs 19% Black confidence); levels an assumption",
    )
    disadvantage_loading: float = param(
        0.0,
        lo=-3,
        hi=3,
        unit="relative",
        source="assumption (sign from Logan & Stults 2021)",
        doc="How strongly the group is over-represented in disadvantaged neighbourhoods.",
    )


def _default_groups() -> dict[str, GroupParams]:
    # Gallup (2020, "Confidence in Institutions"): 56% of White and 19% of Black
    # adults had confidence in police; Pew (2019) finds Hispanic adults in between.
    # The 0-1 scale maps to a 0-10 trust item (ESS style) divided by 10.
    return {
        "majority": GroupParams(share=0.55, baseline_trust=0.62, disadvantage_loading=-1.0),
        "minority": GroupParams(share=0.35, baseline_trust=0.42, disadvantage_loading=1.0),
        "newcomer": GroupParams(share=0.10, baseline_trust=0.50, disadvantage_loading=0.5),
    }


@dataclass(frozen=True)
class PopulationParams(Section):
    """Residents: who lives where, their routines and their ties (``population.*``)."""

    section = "population"

    groups: dict[str, GroupParams] = param(
        _default_groups(), source="Gallup 2020, Pew 2019 (per group)"
    )
    segregation: float = param(
        0.55,
        lo=0,
        hi=0.95,
        unit="dissimilarity index (first two groups)",
        source="Logan & Stults 2021: Black-White D ~0.5-0.6 in large US metros (2020 census)",
        plausible=(0.3, 0.75),
    )
    age_shares: list[float] = param(
        [0.089, 0.109, 0.163, 0.222, 0.226, 0.191],
        unit="share of residents 12+ by age band",
        source="ACS 2019, US population 12+",
    )
    income_low_base: float = param(
        0.15,
        lo=0,
        hi=1,
        unit="share under $30k at disadvantage 0",
        source="assumption shaped on ACS 2021 (~25% of households under $30k)",
    )
    income_low_per_disadvantage: float = param(
        0.50,
        lo=0,
        hi=1,
        unit="extra share per unit disadvantage",
        source="assumption shaped on ACS 2021 tract incomes",
    )
    income_high_base: float = param(
        0.50,
        lo=0,
        hi=1,
        unit="share over $75k at disadvantage 0",
        source="assumption shaped on ACS 2021 (~45% of households over $75k)",
    )
    income_high_per_disadvantage: float = param(
        0.45,
        lo=0,
        hi=1,
        unit="share less per unit disadvantage",
        source="assumption shaped on ACS 2021 tract incomes",
    )
    tenure_years_by_income: list[float] = param(
        [4.0, 7.0, 11.0],
        unit="mean years at address (low, middle, high income)",
        source="assumption shaped on ACS 2021 (renters move more often; median tenure ~8 years)",
    )
    smartphone_by_age: list[float] = param(
        [0.95, 0.96, 0.96, 0.95, 0.83, 0.61],
        unit="share owning a smartphone by age band",
        source="Pew 2021: 96% at 18-29, 95% at 30-49, 83% at 50-64, 61% at 65+; Pew 2022 teens 95%",
    )
    smartphone_by_income: list[float] = param(
        [0.76, 0.84, 0.96],
        unit="share owning a smartphone by income band",
        source="Pew 2021: 76% under $30k, 83-85% at $30-75k, 96% over $75k",
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
    officers_per_1000: float = param(
        2.4,
        lo=0.1,
        hi=20,
        unit="officers per 1,000 residents",
        source="FBI UCR 2019 cities: 2.4 per 1,000 inhabitants",
    )

    def check(self) -> None:
        """Groups valid and shares positive; list lengths match their bands."""
        if not self.groups:
            raise ConfigError("population.groups", {}, "at least one group is required")
        for name, g in self.groups.items():
            if not isinstance(g, GroupParams):
                raise ConfigError(f"population.groups.{name}", g, "must be a group mapping")
            validate(g, f"population.groups.{name}")
        total = sum(g.share for g in self.groups.values())
        # Shares were once rescaled silently, so a typo moved every group; now it is refused.
        if abs(total - 1) > SHARE_SUM_TOLERANCE:
            shares = ", ".join(
                f"population.groups.{name}.share={g.share:g}" for name, g in self.groups.items()
            )
            raise ConfigError(
                "population.groups",
                NO_VALUE,
                f"the group shares must sum to 1; {shares} sum to {total:.6g}",
            )
        if self.worker_share + self.student_share > 1:
            raise ConfigError(
                "population.student_share",
                self.student_share,
                f"must be at most 1 - population.worker_share = {1 - self.worker_share:g}",
            )
        _check_list("population.age_shares", self.age_shares, len(AGE_BANDS), 0, 1, total=True)
        _check_list("population.smartphone_by_age", self.smartphone_by_age, len(AGE_BANDS), 0, 1)
        _check_list("population.smartphone_by_income", self.smartphone_by_income, 3, 0, 1)
        _check_list("population.tenure_years_by_income", self.tenure_years_by_income, 3, 0.1, 80)
        if self.income_low_base + self.income_high_base > 1:
            raise ConfigError(
                "population.income_high_base",
                self.income_high_base,
                "low and high shares must sum to at most 1",
            )


def _check_list(
    key: str, values: list[float], n: int, lo: float, hi: float, total: bool = False
) -> None:
    if len(values) != n:
        raise ConfigError(key, values, f"must have {n} values")
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
            raise ConfigError(
                f"{key}.{i}", v, f"must be a number between {readable(lo)} and {readable(hi)}"
            )
    if total and sum(values) <= 0:
        raise ConfigError(key, values, "must sum to more than 0")


@dataclass(frozen=True)
class OffendingParams(Section):
    """Routine-activity and rational-choice offending (``offending.*``)."""

    section = "offending"

    # Attempt rates per offender-hour out at a place of mean attractiveness with
    # a full opportunity and no deterrence; set so each type's victimisation
    # meets its NCVS rate on the default city (tests/test_calibration.py).
    rate_burglary: float = param(
        0.0013,
        lo=0,
        hi=1,
        unit="per offender-hour out",
        source="calibrated to NCVS 2022: burglary ~10-17 per 1,000 households",
    )
    rate_robbery: float = param(
        0.0003,
        lo=0,
        hi=1,
        unit="per offender-hour out",
        source="calibrated to NCVS 2022: robbery ~2.5 per 1,000 persons 12+",
    )
    rate_vandalism: float = param(
        0.011,
        lo=0,
        hi=1,
        unit="per young offender-hour out",
        source="calibrated to BJS Crime and the Nation's Households 2000-2002: 5-6% of households vandalised a year (~40-90 incidents per 1,000)",
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
    youth_max_age_band: int = param(
        1,
        lo=0,
        hi=5,
        unit="age band index",
        source="assumption: vandalism by people under 25 (UCR 2019 arrests)",
    )
    guardian_weight: float = param(
        0.25,
        lo=0,
        unit="hazard per willing guardian present",
        source="assumption (Cohen & Felson 1979; Reynald 2009)",
        plausible=(0.1, 0.5),
    )
    officer_seen_weight: float = param(
        2.0,
        lo=0,
        unit="hazard per officer in sight",
        source="assumption (Sherman & Weisburd 1995)",
        plausible=(1.0, 4.0),
    )
    adjacent_sight: float = param(
        0.3, lo=0, hi=1, unit="x weight of an officer one block away", source="assumption"
    )
    risk_weight: float = param(
        3.0,
        lo=0,
        unit="hazard per unit perceived risk",
        source="assumption (Nagin 2013: certainty deters)",
        plausible=(1.0, 6.0),
    )
    avoidance: float = param(
        4.0,
        lo=0,
        unit="log-odds of a move per unit believed risk",
        source="assumption (rational choice; Bernasco & Block 2009)",
        plausible=(0.0, 8.0),
    )
    cynicism_weight: float = param(
        0.8,
        lo=0,
        unit="x motivation per unit legal cynicism",
        source="assumption (Kirk & Papachristos 2011)",
        plausible=(0.0, 2.0),
    )
    motivation_sd: float = param(
        0.4,
        lo=0,
        hi=2,
        unit="log-normal sd",
        source="assumption (offending is concentrated in few people; Wolfgang 1972)",
    )


@dataclass(frozen=True)
class RiskParams(Section):
    """What offenders believe about the risk of arrest, and how they learn it (``risk.*``)."""

    section = "risk"

    learning_rate: float = param(
        0.15,
        lo=0,
        hi=1,
        unit="weight of one sighting",
        source="assumption (Anwar & Loughran 2011: beliefs update on experience)",
        plausible=(0.05, 0.4),
    )
    generalization: float = param(
        0.4,
        lo=0,
        hi=1,
        unit="share of a place's update spread to its neighbours",
        source="assumption (diffusion of benefits; Clarke & Weisburd 1994)",
        plausible=(0.0, 0.8),
    )
    decay_days: float = param(
        21.0,
        lo=1,
        hi=365,
        unit="days (e-folding) back to the prior",
        source="assumption (residual deterrence fades; Koper 1995, Sherman 1990)",
        plausible=(7.0, 90.0),
    )
    prior: float = param(0.05, lo=0, hi=1, unit="believed chance of arrest", source="assumption")
    own_arrest_gain: float = param(
        0.06,
        lo=0,
        hi=1,
        unit="perceived risk after one's own arrest",
        source="Anwar & Loughran 2011 (arrest raises perceived risk ~6 points)",
    )
    success_loss: float = param(
        0.01,
        lo=0,
        hi=1,
        unit="perceived risk after an offence without arrest",
        source="Anwar & Loughran 2011 (small drop after unsanctioned offending)",
    )
    heard_arrest_gain: float = param(
        0.2,
        lo=0,
        hi=1,
        unit="believed risk at the place of an arrest",
        source="assumption (vicarious experience; Stafford & Warr 1993)",
    )


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
    """Witnessing, reporting and dispatch (``reporting.*``)."""

    section = "reporting"

    # Per-type intercepts: a victim of average trust reports at that type's NCVS rate.
    logit_burglary: float = param(
        -0.45,
        lo=-10,
        hi=10,
        unit="logit",
        source="calibrated to NCVS 2022: ~45-50% of burglaries reported",
    )
    logit_robbery: float = param(
        -0.2,
        lo=-10,
        hi=10,
        unit="logit",
        source="calibrated to NCVS 2022: 64% of robberies reported",
    )
    logit_vandalism: float = param(
        -0.88,
        lo=-10,
        hi=10,
        unit="logit",
        source="calibrated: ~30% of vandalism reported (NCVS not published since 2002; BCS 2009/10: 35%)",
    )
    trust_logit_per_sd: float = param(
        0.2,
        lo=0,
        hi=3,
        unit="logit per SD of trust",
        source="Tarling & Morris 2010; Goudriaan 2006 (seriousness dominates)",
        plausible=(0.0, 0.5),
    )
    witness_discount: float = param(
        -1.5,
        lo=-10,
        hi=10,
        unit="logit",
        source="assumption (Darley & Latane 1968: bystanders report less)",
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
    fast_response_min: float = param(
        15.0,
        lo=0,
        unit="minutes",
        source="assumption",
        doc="A response at most this fast satisfies the caller.",
    )


@dataclass(frozen=True)
class ClearanceParams(Section):
    """Arrest on the scene, on view, or later by investigation (``clearance.*``)."""

    section = "clearance"

    # Chance the offender is still there when an immediate response arrives: the
    # mechanism behind types' different on-scene clearance (burglars are gone).
    on_scene_burglary: float = param(
        0.15,
        lo=0,
        hi=1,
        unit="chance at zero response time",
        source="assumption (Spelman & Brown 1981)",
    )
    on_scene_robbery: float = param(
        0.35,
        lo=0,
        hi=1,
        unit="chance at zero response time",
        source="calibrated to UCR 2019 robbery clearance (Spelman & Brown 1981)",
    )
    on_scene_vandalism: float = param(
        0.3, lo=0, hi=1, unit="chance at zero response time", source="assumption"
    )
    visibility_burglary: float = param(
        0.2,
        lo=0,
        hi=1,
        unit="chance an officer present would see it",
        source="assumption (burglary happens inside homes)",
    )
    visibility_robbery: float = param(
        1.0,
        lo=0,
        hi=1,
        unit="chance an officer present would see it",
        source="assumption (street robbery is in plain sight)",
    )
    visibility_vandalism: float = param(
        0.7, lo=0, hi=1, unit="chance an officer present would see it", source="assumption"
    )
    response_tau_min: float = param(
        15.0,
        lo=0.1,
        unit="minutes (e-folding)",
        source="Spelman & Brown 1981: on-scene arrests need fast response",
    )
    on_view_arrest: float = param(0.6, lo=0, hi=1, unit="chance", source="assumption")
    see_here: float = param(
        0.5, lo=0, hi=1, unit="chance an officer at the place sees it", source="assumption"
    )
    see_adjacent: float = param(
        0.1, lo=0, hi=1, unit="chance an officer one block away sees it", source="assumption"
    )
    # Investigation: solvability by type (evidence left, suspects named), raised
    # by cooperating victims and witnesses (Eck 1983; Greenwood et al. 1977).
    solvability_burglary: float = param(
        0.07,
        lo=0,
        hi=1,
        unit="chance with full cooperation",
        source="calibrated to UCR 2019: burglary clearance ~14%",
    )
    solvability_robbery: float = param(
        0.15,
        lo=0,
        hi=1,
        unit="chance with full cooperation",
        source="calibrated to UCR 2019: robbery clearance ~31%",
    )
    solvability_vandalism: float = param(
        0.08, lo=0, hi=1, unit="chance with full cooperation", source="assumption"
    )
    cooperation_logit_per_sd: float = param(
        0.4,
        lo=0,
        hi=3,
        unit="logit per SD of trust",
        source="assumption (Tyler & Fagan 2008: legitimacy -> cooperation)",
        plausible=(0.1, 0.8),
    )
    cooperation_base: float = param(
        0.7, lo=0, hi=1, unit="chance a victim of average trust cooperates", source="assumption"
    )
    uncooperative_factor: float = param(
        0.3,
        lo=0,
        hi=1,
        unit="x solvability without cooperation",
        source="assumption (Eck 1983: most cases solved with victim/witness information)",
    )
    investigation_days: float = param(
        21.0, lo=0.1, hi=365, unit="mean days to clear", source="assumption"
    )
    intel_bonus: float = param(
        0.1,
        lo=0,
        hi=1,
        unit="added chance",
        source="assumption",
        doc="At places residents raised at community meetings.",
    )


@dataclass(frozen=True)
class JusticeParams(Section):
    """What follows an arrest: charge, conviction, custody (``justice.*``)."""

    section = "justice"

    convicted_burglary: float = param(
        0.6,
        lo=0,
        hi=1,
        unit="share of arrests convicted",
        source="BJS Felony Defendants in Large Urban Counties 2009 (Reaves 2013), approx.",
    )
    convicted_robbery: float = param(
        0.55,
        lo=0,
        hi=1,
        unit="share of arrests convicted",
        source="BJS FDLUC 2009 (Reaves 2013), approx.",
    )
    convicted_vandalism: float = param(
        0.4, lo=0, hi=1, unit="share of arrests convicted", source="assumption (misdemeanour)"
    )
    custody_burglary: float = param(
        0.7, lo=0, hi=1, unit="share of convictions with custody", source="BJS FDLUC 2009, approx."
    )
    custody_robbery: float = param(
        0.8, lo=0, hi=1, unit="share of convictions with custody", source="BJS FDLUC 2009, approx."
    )
    custody_vandalism: float = param(
        0.2, lo=0, hi=1, unit="share of convictions with custody", source="assumption"
    )
    custody_days_burglary: float = param(
        365.0,
        lo=1,
        hi=7300,
        unit="mean days in custody",
        source="BJS FDLUC 2009 (median terms), approx.",
    )
    custody_days_robbery: float = param(
        730.0,
        lo=1,
        hi=7300,
        unit="mean days in custody",
        source="BJS FDLUC 2009 (median terms), approx.",
    )
    custody_days_vandalism: float = param(
        30.0, lo=1, hi=7300, unit="mean days in custody", source="assumption"
    )
    pretrial_days: float = param(
        3.0,
        lo=0,
        hi=365,
        unit="days held after any arrest",
        source="assumption (most are released within days)",
    )


@dataclass(frozen=True)
class TrustParams(Section):
    """Trust in police as an individual attitude, and fear of crime (``trust.*``)."""

    section = "trust"

    predisposition_sd: float = param(
        0.2,
        lo=0,
        hi=0.5,
        unit="0-1, within-group sd",
        source="calibrated: within-group SD of trust ~0.2 (ESS trust in police, 0-10 scale, sd ~2.3)",
    )
    persistence_half_life_days: float = param(
        36.0,
        lo=1,
        hi=3650,
        unit="days for half an experience's effect to fade",
        source="calibrated (with trust.contagion_per_day) to Peyton et al. 2019: about half of a contact's effect left at 21 days of what was there at 3",
        plausible=(10.0, 180.0),
    )
    good_contact_gain: float = param(
        0.034,
        lo=0,
        hi=1,
        unit="0-1 per good non-enforcement contact",
        source="calibrated to Peyton et al. 2019: +0.15 SD at 3 days",
        plausible=(0.02, 0.05),
    )
    enforcement_good_share: float = param(
        0.2,
        lo=0,
        hi=1,
        unit="x a good non-enforcement contact",
        source="Skogan 2006: good enforcement contacts do little",
        plausible=(0.0, 0.5),
    )
    asymmetry: float = param(
        6.0,
        lo=0,
        hi=100,
        unit="x a good contact",
        source="Skogan 2006: 4-14x",
        plausible=(4.0, 14.0),
    )
    stop_quality_cut: float = param(
        0.06,
        lo=0,
        hi=1,
        unit="less chance a stop goes well",
        source="BJS 2011 (Langton & Durose 2013): 86% of traffic and 66% of street stops proper and respectful",
    )
    slow_response_quality_cut: float = param(
        0.3,
        lo=0,
        hi=1,
        unit="less chance a slow, fruitless response satisfies",
        source="assumption (Skogan 2005: satisfaction with response)",
    )
    victimization_trust: float = param(
        0.02, lo=0, hi=1, unit="0-1", source="assumption (Skogan 2006)"
    )
    victimization_fear: float = param(0.15, lo=0, hi=1, unit="0-1", source="assumption")
    fear_decay_per_day: float = param(0.01, lo=0, hi=1, unit="per day", source="assumption")
    neighborhood_crime_fear: float = param(
        0.0017, lo=0, hi=1, unit="0-1 per crime per 1,000 residents that day", source="assumption"
    )
    contagion_per_day: float = param(
        0.02,
        lo=0,
        hi=1,
        unit="per day, towards ties' mean experience",
        source="assumption (vicarious contact; Rosenbaum et al. 2005)",
        plausible=(0.0, 0.1),
    )


@dataclass(frozen=True)
class PoliceParams(Section):
    """Officers: skill, patrol dose, contacts, use of information (``police.*``)."""

    section = "police"

    preventive_patrol_share: float = param(
        0.4,
        lo=0,
        hi=1,
        unit="share of uncommitted time",
        source="assumption (Famega 2005: ~25-75% of time uncommitted)",
        lever=True,
        label="Preventive patrol share",
        step=0.1,
        doc="The rest is spent at the beat's base on other duties; response capacity is unchanged.",
    )
    blocks_per_patrol_hour: int = param(
        6,
        lo=1,
        hi=60,
        unit="places passed per patrol hour",
        source="assumption (a patrol car moving slowly through a neighbourhood)",
    )
    skill_mean: float = param(
        0.9,
        lo=0,
        hi=1,
        unit="chance a contact is procedurally just",
        source="BJS PPCS 2018/2020: ~90% said police behaved properly",
    )
    skill_sd: float = param(0.06, lo=0, hi=1, unit="sd between officers", source="assumption")
    stops_per_patrol_hour: float = param(
        0.046,
        lo=0,
        hi=20,
        unit="police-initiated contacts per patrol hour",
        source="calibrated to BJS PPCS 2018/2020: 10-12% of residents 16+ had a police-initiated contact",
    )
    conversations_per_patrol_hour: float = param(
        0.005,
        lo=0,
        hi=20,
        unit="non-enforcement conversations per patrol hour",
        source="assumption",
    )
    service_contacts_per_1000_year: float = param(
        140.0,
        lo=0,
        hi=2000,
        unit="contacts per 1,000 residents per year",
        source="calibrated to BJS PPCS 2018/2020: 21-24% of residents 16+ with any contact (11% resident-initiated)",
        doc="Accidents, crimes the model does not simulate, requests for help.",
    )
    stop_age_weights: list[float] = param(
        [1.2, 2.0, 1.5, 1.0, 0.6, 0.3],
        unit="relative chance of being stopped by age band",
        source="BJS PPCS 2018 (stops fall with age), approx.",
    )
    intel_days: int = param(
        30,
        lo=0,
        hi=365,
        unit="days",
        source="assumption",
        doc="How long police act on places residents raised.",
    )

    def check(self) -> None:
        """Six age weights."""
        _check_list(
            "police.stop_age_weights", self.stop_age_weights, len(AGE_BANDS), 0, 100, total=True
        )


@dataclass(frozen=True)
class CareerParams(Section):
    """Residents who start, continue and stop offending (``offenders.*``).

    Starting rates by age are derived so that, with these stopping rates, the
    share offending at each age follows ``relative_by_age`` around the overall
    ``per_1000`` (the age-crime curve); disadvantage, low collective
    efficacy and legal cynicism raise a person's rate around that mean.
    """

    section = "offenders"

    per_1000: float = param(
        12.0,
        lo=0,
        hi=200,
        unit="active offenders per 1,000 residents 12+",
        source="assumption (annual arrest prevalence for street crime is of this order)",
        plausible=(6.0, 24.0),
    )
    relative_by_age: list[float] = param(
        [0.8, 2.0, 1.95, 1.2, 0.48, 0.07],
        unit="offending rate by age band relative to all ages",
        source="UCR 2018 arrests by age (Table 64) over ACS age shares",
    )
    desist_per_year: list[float] = param(
        [0.3, 0.2, 0.15, 0.1, 0.15, 0.3],
        unit="chance of stopping per year by age band",
        source="Blumstein et al. 1986; Piquero, Farrington & Blumstein 2003 (careers of ~5 years)",
    )
    disadvantage_effect: float = param(
        1.5,
        lo=0,
        unit="log hazard per unit disadvantage",
        source="assumption (Sampson et al. 1997; Wikström & Loeber 2000)",
        plausible=(0.5, 2.5),
    )
    efficacy_effect: float = param(
        1.5,
        lo=0,
        unit="log hazard per unit collective efficacy",
        source="assumption (Sampson et al. 1997: coefficient -0.53 on violence)",
        plausible=(0.5, 3.0),
    )
    cynicism_effect: float = param(
        1.0,
        lo=0,
        unit="log hazard per unit legal cynicism",
        source="assumption (Kirk & Papachristos 2011)",
        plausible=(0.0, 2.0),
    )
    desist_after_custody: float = param(
        0.2,
        lo=0,
        hi=1,
        unit="chance",
        source="assumption (Nagin, Cullen & Jonson 2009: custody has little specific deterrence)",
    )

    def check(self) -> None:
        """Six values per age band."""
        _check_list(
            "offenders.relative_by_age", self.relative_by_age, len(AGE_BANDS), 0, 100, total=True
        )
        _check_list("offenders.desist_per_year", self.desist_per_year, len(AGE_BANDS), 0, 1)


@dataclass(frozen=True)
class EfficacyParams(Section):
    """Collective efficacy from ties, tenure and fear (``efficacy.*``; Sampson et al. 1997)."""

    section = "efficacy"

    tenure_scale_years: float = param(
        5.0,
        lo=0.1,
        hi=50,
        unit="years",
        source="assumption (Sampson et al. 1997: residential stability)",
    )
    fear_withdrawal: float = param(
        0.6,
        lo=0,
        hi=1,
        unit="less willingness per unit fear",
        source="assumption (Skogan 1990: fear leads to withdrawal)",
    )
