"""Typed, validated parameters of a commsim run.

Every default carries its unit and its source, or the word ``assumption``
where no published figure pins it down. The same frozen dataclasses are the
Hydra structured-config schemas (registered in :mod:`commsim.config`); this
module never imports Hydra, so the model can be driven from plain Python.

Range checks run in ``__post_init__`` and raise :class:`ConfigError`, whose
message names the key, the value and what is allowed, in one line.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import Any

PATROL_STRATEGIES = ("random", "hotspot", "community", "mixed")
CITY_KINDS = ("neighborhoods", "grid", "organic", "graphml")
SHOCK_KINDS = ("misconduct", "community_event")
CRIME_TYPES = ("burglary", "robbery", "vandalism")


NO_VALUE = object()  # for errors about a key itself (e.g. an unknown key)


class ConfigError(ValueError):
    """A config value is wrong; the message is one line naming key, value and what is allowed."""

    def __init__(self, key: str, value: Any, allowed: str) -> None:
        self.key, self.value, self.allowed = key, value, allowed
        shown = f"{key}" if value is NO_VALUE else f"{key}={value!r}"
        super().__init__(f"{shown}: {allowed}")


def _check_range(
    prefix: str, name: str, value: float, lo: float | None = None, hi: float | None = None
) -> None:
    """Raise ConfigError unless ``lo <= value <= hi`` (either bound may be open)."""
    key = f"{prefix}.{name}" if prefix else name
    if value != value or value in (float("inf"), float("-inf")):  # NaN / inf
        raise ConfigError(key, value, "must be a finite number")
    if lo is not None and value < lo:
        raise ConfigError(key, value, _allowed(lo, hi))
    if hi is not None and value > hi:
        raise ConfigError(key, value, _allowed(lo, hi))


def _allowed(lo: float | None, hi: float | None) -> str:
    if lo is not None and hi is not None:
        return f"must be between {lo:g} and {hi:g}"
    if lo is not None:
        return f"must be at least {lo:g}"
    return f"must be at most {hi:g}"


def _check_choice(key: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(key, value, "must be one of " + ", ".join(choices))


@dataclass(frozen=True)
class CityConfig:
    """The street network and its neighbourhoods."""

    name: str = "default"  # label of the city preset
    kind: str = "neighborhoods"  # neighborhoods | grid | organic | graphml
    residents: int = 5000  # people; assumption: a district of ~2,000 households
    places: int = 600  # street-network nodes (blocks/corners); assumption
    neighborhoods: int = 6  # assumption: ~1,000 residents each, a US block-group scale
    block_m: float = 120.0  # metres between adjacent places; assumption (short US block)
    disadvantage_min: float = 0.1  # 0-1 index of the least disadvantaged neighbourhood; assumption
    disadvantage_max: float = 0.8  # 0-1 index of the most disadvantaged; assumption
    graphml: str | None = None  # path to a user GraphML network (kind=graphml)
    max_places: int = 5000  # larger user networks are refused (memory of the distance table)
    seed_offset: int = 0  # vary the generated layout independently of the run seed

    def __post_init__(self) -> None:
        p = "city"
        _check_choice("city.kind", self.kind, CITY_KINDS)
        _check_range(p, "residents", self.residents, 10, 2_000_000)
        _check_range(p, "places", self.places, 9, self.max_places)
        _check_range(p, "neighborhoods", self.neighborhoods, 1, 100)
        if self.neighborhoods > self.places:
            raise ConfigError(
                "city.neighborhoods", self.neighborhoods, "must be at most city.places"
            )
        _check_range(p, "block_m", self.block_m, 10, 2000)
        _check_range(p, "disadvantage_min", self.disadvantage_min, 0, 1)
        _check_range(p, "disadvantage_max", self.disadvantage_max, self.disadvantage_min, 1)
        _check_range(p, "max_places", self.max_places, 9, 20_000)
        if self.kind == "graphml" and not self.graphml:
            raise ConfigError(
                "city.graphml", self.graphml, "must be the path of a GraphML file when kind=graphml"
            )


@dataclass(frozen=True)
class GroupParams:
    """One demographic group of residents."""

    share: float = 0.5  # share of residents (shares are normalised to sum to 1)
    baseline_trust: float = 0.55  # 0-1; anchor of the group's trust in police
    smartphone_access: float = 0.85  # share owning a smartphone (Pew 2021: 85% of US adults)

    def check(self, prefix: str) -> None:
        """Validate ranges; ``prefix`` is the dotted key of this group."""
        _check_range(prefix, "share", self.share, 0, 1)
        _check_range(prefix, "baseline_trust", self.baseline_trust, 0, 1)
        _check_range(prefix, "smartphone_access", self.smartphone_access, 0, 1)


def _default_groups() -> dict[str, GroupParams]:
    # Gallup (2020, "Confidence in Institutions"): 56% of White and 19% of Black
    # adults had confidence in police; Pew (2019) finds Hispanic adults in between.
    # The 0-1 trust scale is not a survey share; the ordering and gap follow these
    # surveys, the levels are an assumption. Smartphone access: Pew (2021) 85%
    # overall, lower among older and recent-immigrant residents (assumption).
    return {
        "majority": GroupParams(share=0.55, baseline_trust=0.62, smartphone_access=0.88),
        "minority": GroupParams(share=0.35, baseline_trust=0.42, smartphone_access=0.85),
        "newcomer": GroupParams(share=0.10, baseline_trust=0.50, smartphone_access=0.70),
    }


@dataclass(frozen=True)
class PopulationParams:
    """Residents, their routines and their social ties."""

    groups: dict[str, GroupParams] = field(
        default_factory=_default_groups
    )  # Gallup 2020, Pew 2019/2021 (see below)
    worker_share: float = (
        0.50  # away 8-17 h; BLS 2023 employment-population ratio ~0.60, assumption
    )
    student_share: float = 0.20  # away 8-15 h; assumption
    evening_out_prob: float = 0.30  # daily chance of going out 18-22 h; assumption (ATUS leisure)
    ties_per_resident: float = (
        8.0  # social ties; assumption (McPherson 2006: 2-4 confidants + weak local ties)
    )
    cross_neighborhood_ties: float = 0.15  # share of ties outside the neighbourhood; assumption
    homophily: float = (
        0.7  # share of local ties within one's own group; McPherson et al. 2001 (strong homophily)
    )
    initial_fear: float = 0.25  # 0-1; assumption
    offenders_per_1000: float = (
        20.0  # active offenders per 1,000 residents; assumption (see docs/model.md)
    )
    youth_offender_share: float = 0.35  # under-21 share of offenders; FBI UCR 2019 arrests, approx.
    officers_per_1000: float = 2.4  # sworn officers; FBI UCR 2019 cities: 2.4 per 1,000 inhabitants

    def __post_init__(self) -> None:
        p = "population"
        if not self.groups:
            raise ConfigError("population.groups", {}, "at least one group is required")
        for name, g in self.groups.items():
            if not isinstance(g, GroupParams):
                raise ConfigError(f"population.groups.{name}", g, "must be a group mapping")
            g.check(f"population.groups.{name}")
        if sum(g.share for g in self.groups.values()) <= 0:
            raise ConfigError("population.groups", "shares", "group shares must sum to more than 0")
        _check_range(p, "worker_share", self.worker_share, 0, 1)
        _check_range(p, "student_share", self.student_share, 0, 1 - self.worker_share)
        _check_range(p, "evening_out_prob", self.evening_out_prob, 0, 1)
        _check_range(p, "ties_per_resident", self.ties_per_resident, 0, 100)
        _check_range(p, "cross_neighborhood_ties", self.cross_neighborhood_ties, 0, 1)
        _check_range(p, "homophily", self.homophily, 0, 1)
        _check_range(p, "initial_fear", self.initial_fear, 0, 1)
        _check_range(p, "offenders_per_1000", self.offenders_per_1000, 0, 200)
        _check_range(p, "youth_offender_share", self.youth_offender_share, 0, 1)
        _check_range(p, "officers_per_1000", self.officers_per_1000, 0.1, 20)


@dataclass(frozen=True)
class OffendingParams:
    """Routine-activity and rational-choice offending."""

    # Base attempt rates per offender-hour out, before opportunity and deterrence.
    # Calibrated (assumption) so the default city has ~150 victimisations per
    # 1,000 residents a year, an urban high-crime level (NCVS 2022: property crime
    # 102 per 1,000 households, violent 23.5 per 1,000 persons, higher in cities).
    rate_burglary: float = (
        0.024  # per offender-hour out, before opportunity and deterrence; calibrated (volume)
    )
    rate_robbery: float = 0.0145  # as above; calibrated (volume)
    rate_vandalism: float = 0.022  # as above (youth only); calibrated (volume)
    out_prob_day: float = 0.15  # chance an offender is out in a daytime hour; assumption
    out_prob_night: float = 0.35  # 18-02 h; assumption (crime peaks in the evening, UCR)
    awareness_radius_m: float = 1500.0  # places known around home; Bernasco 2010: most trips < 2 km
    exploration: float = 0.10  # chance per hour of jumping to any known place; assumption
    guardian_weight: float = (
        0.20  # deterrence per resident present; assumption (Cohen & Felson 1979)
    )
    watch_vigilance: float = 1.0  # extra guardian weight of a watch member; assumption
    officer_here: float = 2.5  # deterrence of an officer at the place; assumption
    officer_nearby: float = 0.6  # an officer at an adjacent place; assumption
    police_density_weight: float = 0.45  # per on-duty officer per 100 places of the neighbourhood; calibrated to Chalfin & McCrary 2018
    volunteer_weight: float = 1.0  # a volunteer patroller at the place; assumption
    signage_weight: float = 0.35  # deterrence per unit of watch coverage (signs, visible watch); calibrated to Bennett et al. 2008
    perceived_risk_weight: float = 1.5  # per unit of the offender's perceived risk; assumption
    youth_vandalism_only: bool = (
        True  # vandalism/anti-social behaviour is done by youth; assumption
    )

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, bool):
                continue
            hi = 1.0 if f.name.startswith(("rate_", "out_prob", "exploration")) else None
            _check_range("offending", f.name, v, 0, hi)


@dataclass(frozen=True)
class PlaceParams:
    """Near-repeat attractiveness of places (Short et al. 2008; Johnson et al. 2007)."""

    boost_self: float = 0.8  # attractiveness boost at a victimised place (x base); calibrated to Johnson et al. 2007
    boost_neighbors: float = 0.3  # boost at adjacent places; calibrated to Johnson et al. 2007
    boost_decay_days: float = 10.0  # e-folding time; Johnson et al. 2007: elevated for ~2 weeks
    boost_max: float = (
        2.0  # most a boost can add (x base): repeat risk saturates; assumption (Short et al. 2008)
    )
    attractiveness_sd: float = (
        0.7  # log-normal spread of base attractiveness; assumption (Weisburd 2015 concentration)
    )

    def __post_init__(self) -> None:
        _check_range("places", "boost_self", self.boost_self, 0, 50)
        _check_range("places", "boost_neighbors", self.boost_neighbors, 0, 50)
        _check_range("places", "boost_decay_days", self.boost_decay_days, 0.1, 365)
        _check_range("places", "boost_max", self.boost_max, 0.01, 100)
        _check_range("places", "attractiveness_sd", self.attractiveness_sd, 0, 3)


@dataclass(frozen=True)
class ReportingParams:
    """Witnessing, reporting, dispatch and arrest."""

    base_logit: float = -2.4  # calibrated: ~40% of crimes reported (NCVS 2022)
    trust_weight: float = (
        2.2  # logit per unit trust; assumption (Tyler 2006: legitimacy -> cooperation)
    )
    severity_burglary: float = 0.9  # logit; NCVS 2022: burglary ~48% reported vs ~30% of thefts
    severity_robbery: float = 0.8  # logit; NCVS 2022: ~46-60% of robberies reported
    severity_vandalism: float = -0.9  # logit; NCVS 2022: vandalism ~25% reported, the least
    witness_discount: float = (
        -1.0
    )  # bystanders report less than victims; assumption (Darley & Latane 1968)
    notice_prob: float = 0.25  # a present resident notices the crime; assumption
    watch_bonus: float = 0.6  # logit bonus for watch members (training); assumption
    app_bonus: float = 0.5  # logit bonus for reporting through an app (lower cost); assumption
    campaign_bonus: float = 0.4  # logit bonus while/after an education campaign; assumption
    fear_weight: float = 0.3  # fearful residents report a little more; assumption
    volunteer_report_prob: float = 0.9  # volunteers report what they see; assumption
    call_handling_min: float = 7.0  # minutes from call to dispatch; assumption (US PSAP + queue)
    app_call_handling_min: float = 3.0  # minutes when reported through the app; assumption
    travel_speed_m_per_min: float = 400.0  # 24 km/h urban driving; assumption
    queue_delay_min: float = 40.0  # extra wait when no officer is free; assumption
    on_scene_hours: int = 1  # hours an officer is busy per call; assumption
    arrest_base: float = (
        0.35  # arrest chance for an immediate response; calibrated (UCR clearance ~ 15-30%)
    )
    arrest_response_tau_min: float = (
        20.0  # arrest chance decays with response time; Spelman & Brown 1981
    )
    arrest_witness_bonus: float = 0.08  # per witness who reported; assumption
    arrest_intel_bonus: float = 0.15  # at places raised at community meetings; assumption
    on_view_arrest: float = 0.5  # crime seen by an officer on patrol; assumption
    fast_response_min: float = (
        15.0  # a response at most this fast counts as a good outcome; assumption
    )

    def __post_init__(self) -> None:
        signed = ("base_logit", "severity_burglary", "severity_robbery", "severity_vandalism")
        probabilities = ("notice_prob", "volunteer_report_prob", "arrest_base", "on_view_arrest")
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name in signed or f.name == "witness_discount":
                _check_range("reporting", f.name, v, -10, 10)
            elif f.name in probabilities:
                _check_range("reporting", f.name, v, 0, 1)
            else:
                _check_range("reporting", f.name, v, 0, None)
        _check_range("reporting", "travel_speed_m_per_min", self.travel_speed_m_per_min, 1, None)
        _check_range(
            "reporting", "arrest_response_tau_min", self.arrest_response_tau_min, 0.1, None
        )
        _check_range("reporting", "on_scene_hours", self.on_scene_hours, 1, 24)


@dataclass(frozen=True)
class TrustParams:
    """How trust in police and fear of crime move."""

    good_contact: float = 0.02  # trust gain of a good contact; assumption
    asymmetry: float = 4.0  # a bad contact moves trust this many times as far; Skogan 2006: 4-14x
    outcome_good: float = 0.03  # fast answer or arrest after a report; assumption
    outcome_bad: float = 0.05  # slow answer, no arrest; assumption
    victimization_trust: float = 0.02  # trust lost when victimised; assumption (Skogan 2006)
    victimization_fear: float = 0.15  # fear gained when victimised; assumption
    fear_decay_per_day: float = 0.01  # fear returns towards its initial level; assumption
    neighborhood_crime_fear: float = (
        0.002  # fear per crime in one's neighbourhood that day; assumption
    )
    contagion_per_day: float = 0.02  # pull towards ties' mean trust; assumption
    anchor_per_day: float = (
        0.01  # pull towards the group baseline (lived experience, history); assumption
    )
    contacts_per_officer_hour: float = (
        0.12  # random/hotspot patrol; calibrated to BJS PPCS 2018 (~24%/yr with contact)
    )
    community_contact_multiplier: float = (
        4.0  # community beats talk to residents more; assumption (Gill et al. 2014)
    )
    community_contact_bonus: float = (
        0.15  # beat contacts are non-enforcement and go well more often; Peyton et al. 2019
    )
    meeting_attendance: float = (
        0.03  # share of a neighbourhood at a meeting (~30 of 1,000); Skogan & Hartnett 1997
    )
    meeting_contact_gain: float = 1.5  # a meeting counts as this many good contacts; assumption
    misconduct_drop: float = (
        0.15  # trust drop in the group a misconduct incident touched; assumption
    )
    misconduct_spill: float = 0.05  # trust drop in other groups; assumption
    community_event_gain: float = 0.04  # trust gain for all from a community event; assumption

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            hi = (
                None
                if f.name in ("asymmetry", "community_contact_multiplier", "meeting_contact_gain")
                else 1
            )
            if f.name == "contacts_per_officer_hour":
                hi = 20
            _check_range("trust", f.name, v, 0, hi)
        _check_range("trust", "asymmetry", self.asymmetry, 0, 100)


@dataclass(frozen=True)
class PoliceParams:
    """Officers: skill, shifts, hot-spot targeting."""

    skill_mean: float = 0.70  # chance a contact is procedurally just; assumption (Skogan 2006: most contacts rated fair)
    skill_sd: float = 0.08  # spread between officers; assumption
    training_gain: float = (
        0.15  # skill added by procedural-justice training; assumption (Mazerolle et al. 2013)
    )
    competency_gain: float = 0.08  # extra skill with the group a training targets; assumption
    hotspot_window_days: int = (
        28  # recorded crime window for hot spots; Braga et al. 2019 (typical)
    )
    hotspot_share_places: float = 0.05  # share of places that are hot spots; Weisburd 2015
    hotspot_time_share: float = 0.6  # share of patrol hours spent at hot spots; assumption
    hotspot_stops_per_hour: int = (
        3  # short visits per hour at hot spots; Koper 1995 (10-15 minute stops)
    )
    stop_presence: float = 0.6  # deterrence of a short stop relative to an hour's presence; Koper 1995 (residual deterrence)
    intel_days: int = 30  # days police keep a meeting's problem places; assumption

    def __post_init__(self) -> None:
        for name in ("skill_mean", "skill_sd", "training_gain", "competency_gain"):
            _check_range("police", name, getattr(self, name), 0, 1)
        _check_range("police", "hotspot_window_days", self.hotspot_window_days, 1, 365)
        _check_range("police", "hotspot_share_places", self.hotspot_share_places, 0.001, 1)
        _check_range("police", "hotspot_time_share", self.hotspot_time_share, 0, 1)
        _check_range("police", "intel_days", self.intel_days, 0, 365)
        _check_range("police", "hotspot_stops_per_hour", self.hotspot_stops_per_hour, 1, 12)
        _check_range("police", "stop_presence", self.stop_presence, 0, 1)


@dataclass(frozen=True)
class OffenderDynamicsParams:
    """Recruitment, desistance, jail (daily)."""

    turnover_per_year: float = 0.5  # share of the pool replaced each year; assumption (short criminal careers, Blumstein 1986)
    disadvantage_effect: float = 1.5  # pool x (1 + effect x disadvantage); Sampson et al. 1997
    efficacy_effect: float = 1.2  # pool x exp(-effect x collective efficacy); Sampson et al. 1997
    base_participation: float = 0.3  # civic participation without a watch; assumption
    jail_days_mean: float = (
        90.0  # mean days jailed after arrest; assumption (BJS jail stays are short)
    )
    desist_after_jail: float = 0.15  # chance of desisting on release; assumption
    arrest_risk_gain: float = (
        0.3  # perceived-risk gain after one's own arrest; assumption (Pogarsky 2002)
    )
    seen_arrest_risk_gain: float = 0.03  # gain for offenders of the neighbourhood; assumption
    risk_decay_per_day: float = 0.005  # perceived risk fades; assumption
    outreach_motivation_cut: float = (
        0.3  # youth motivation cut in a programme; assumption (Tolan et al. 2013)
    )
    outreach_delay_days: int = 60  # outreach works after this delay; assumption

    def __post_init__(self) -> None:
        for f in fields(self):
            hi = (
                1
                if f.name in ("base_participation", "desist_after_jail", "outreach_motivation_cut")
                else None
            )
            _check_range("offenders", f.name, getattr(self, f.name), 0, hi)
        _check_range("offenders", "jail_days_mean", self.jail_days_mean, 1, 3650)


@dataclass(frozen=True)
class ShockConfig:
    """A scheduled trust shock."""

    day: int = 0  # day of the evaluation window
    kind: str = "misconduct"  # misconduct | community_event
    group: str | None = None  # the group touched (None: all groups alike)

    def check(self, key: str, groups: tuple[str, ...]) -> None:
        """Validate against the known groups."""
        _check_range(key, "day", self.day, 0, None)
        _check_choice(f"{key}.kind", self.kind, SHOCK_KINDS)
        if self.group is not None:
            _check_choice(f"{key}.group", self.group, groups)


@dataclass(frozen=True)
class PolicyConfig:
    """The policy levers (DESIGN §3). Every field is sweepable."""

    name: str = "baseline"  # strategy label shown in reports
    start_day: int = 0  # first evaluated day the levers act
    end_day: int | None = None  # day they stop (None: run end)
    patrol_strategy: str = "random"  # random | hotspot | community | mixed
    watch_coverage: float = 0.0  # share of households enrolled (0-1)
    watch_neighborhoods: list[int] | None = None  # neighbourhood ids covered (None: all)
    watch_highest_burglary: int = (
        0  # if > 0, cover this many neighbourhoods with most warm-up burglary
    )
    watch_fade_per_year: float = 0.25  # members leaving per year without meetings; assumption
    volunteer_patrollers: int = 0  # residents on volunteer patrol
    patrol_hours_per_week: float = 4.0  # evening hours per patroller
    meetings_per_month: float = 0.0  # per neighbourhood
    campaign_weeks: int = 0  # education campaign length
    campaign_reach: float = 0.0  # share of residents reached
    youth_outreach_places: int = 0  # programme places
    app_adoption: float = 0.0  # adoption target among smartphone owners (0-1)
    training_share: float = 0.0  # share of officers trained in procedural justice
    training_target_group: str | None = None  # group the cultural-competency part targets
    funding: float | None = None  # USD/yr budget; programmes are paid first, the rest buys officers
    shocks: list[ShockConfig] = field(
        default_factory=list
    )  # scheduled trust shocks (day, kind, group)

    def __post_init__(self) -> None:
        p = "policy"
        _check_choice("policy.patrol_strategy", self.patrol_strategy, PATROL_STRATEGIES)
        _check_range(p, "start_day", self.start_day, 0, None)
        if self.end_day is not None:
            _check_range(p, "end_day", self.end_day, self.start_day, None)
        _check_range(p, "watch_coverage", self.watch_coverage, 0, 1)
        _check_range(p, "watch_highest_burglary", self.watch_highest_burglary, 0, 100)
        _check_range(p, "watch_fade_per_year", self.watch_fade_per_year, 0, 1)
        _check_range(p, "volunteer_patrollers", self.volunteer_patrollers, 0, 100_000)
        _check_range(p, "patrol_hours_per_week", self.patrol_hours_per_week, 0, 28)
        _check_range(p, "meetings_per_month", self.meetings_per_month, 0, 30)
        _check_range(p, "campaign_weeks", self.campaign_weeks, 0, 520)
        _check_range(p, "campaign_reach", self.campaign_reach, 0, 1)
        _check_range(p, "youth_outreach_places", self.youth_outreach_places, 0, 1_000_000)
        _check_range(p, "app_adoption", self.app_adoption, 0, 1)
        _check_range(p, "training_share", self.training_share, 0, 1)
        if self.funding is not None:
            _check_range(p, "funding", self.funding, 0, 1e10)
        for i, n in enumerate(self.watch_neighborhoods or []):
            _check_range(p, f"watch_neighborhoods.{i}", n, 0, None)


@dataclass(frozen=True)
class CostParams:
    """Unit costs in US dollars (reported with every comparison)."""

    officer_per_year: float = 130_000.0  # BLS 2023 median police pay $74,910 x ~1.75 benefits/overhead; assumption on loading
    watch_per_household_year: float = 15.0  # signs, newsletters, coordinator time; assumption
    patroller_per_year: float = 600.0  # equipment, training, insurance; assumption
    meeting: float = 1_500.0  # two officers' overtime, venue, outreach; assumption
    campaign_per_resident: float = 2.0  # mailers and advertising per resident reached; assumption
    outreach_per_place_year: float = (
        3_000.0  # youth programme place; assumption (mentoring programmes $1-5k)
    )
    app_fixed_per_year: float = 50_000.0  # licence and hosting; assumption
    app_per_user_year: float = 1.0  # assumption
    training_per_officer: float = (
        1_500.0  # one-off, per officer trained; assumption (Chicago PJ training scale)
    )

    def __post_init__(self) -> None:
        for f in fields(self):
            _check_range("costs", f.name, getattr(self, f.name), 0, None)


@dataclass(frozen=True)
class SimConfig:
    """A whole run: seed, horizon, city, behaviour parameters and policy."""

    seed: int = 0
    days: int = 365  # evaluated days
    warmup_days: int = 60  # days simulated before evaluation, no policy, nothing counted
    city: CityConfig = field(default_factory=CityConfig)
    population: PopulationParams = field(default_factory=PopulationParams)
    offending: OffendingParams = field(default_factory=OffendingParams)
    places: PlaceParams = field(default_factory=PlaceParams)
    reporting: ReportingParams = field(default_factory=ReportingParams)
    trust: TrustParams = field(default_factory=TrustParams)
    police: PoliceParams = field(default_factory=PoliceParams)
    offenders: OffenderDynamicsParams = field(default_factory=OffenderDynamicsParams)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    costs: CostParams = field(default_factory=CostParams)

    def __post_init__(self) -> None:
        _check_range("", "seed", self.seed, 0, 2**63 - 1)
        _check_range("", "days", self.days, 1, 36_500)
        _check_range("", "warmup_days", self.warmup_days, 0, 3_650)
        groups = tuple(self.population.groups)
        for i, shock in enumerate(self.policy.shocks):
            shock.check(f"policy.shocks.{i}", groups)
        if self.policy.training_target_group is not None:
            _check_choice("policy.training_target_group", self.policy.training_target_group, groups)
        if self.policy.watch_neighborhoods:
            for i, n in enumerate(self.policy.watch_neighborhoods):
                if n >= self.city.neighborhoods and self.city.kind != "graphml":
                    raise ConfigError(
                        f"policy.watch_neighborhoods.{i}",
                        n,
                        f"must be a neighbourhood id below city.neighborhoods={self.city.neighborhoods}",
                    )


def with_overrides(config: SimConfig, **changes: Any) -> SimConfig:
    """Return a copy of ``config`` with dotted-path changes applied.

    Examples:
        >>> cfg = with_overrides(SimConfig(), **{"policy.watch_coverage": 0.3, "days": 30})
    """
    for dotted, value in changes.items():
        config = _replace_path(config, dotted.split("."), value)
    return config


def _replace_path(obj: Any, path: list[str], value: Any) -> Any:
    head, rest = path[0], path[1:]
    if isinstance(obj, dict):
        new = dict(obj)
        new[head] = _replace_path(obj[head], rest, value) if rest else value
        return new
    if not is_dataclass(obj) or head not in {f.name for f in fields(obj)}:
        raise ConfigError(".".join(path), value, f"unknown key under {type(obj).__name__}")
    current = getattr(obj, head)
    return replace(obj, **{head: _replace_path(current, rest, value) if rest else value})
