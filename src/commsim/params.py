"""The whole run config, assembled from the modules that own its parts.

- the city (:class:`~commsim.city.CityConfig`, ``city.*``),
- how people, offenders and police behave (:mod:`commsim.behaviour`),
- every lever module's ``policy.*`` keys, its ``costs.*`` and its own
  evidence section (:mod:`commsim.levers`).

:class:`SimConfig` is a frozen dataclass checked on creation, and it is also
the Hydra structured-config schema (registered in :mod:`commsim.config`).
This module never imports Hydra, so the model runs from plain Python.

Examples:
    >>> cfg = with_overrides(SimConfig(), **{"policy.watch_coverage": 0.3, "days": 30})
"""

from __future__ import annotations

from dataclasses import dataclass, field, make_dataclass
from typing import Any

from commsim.behaviour import (
    CRIME_TYPES,
    CareerParams,
    ClearanceParams,
    EfficacyParams,
    GroupParams,
    JusticeParams,
    OffendingParams,
    PlaceParams,
    PoliceParams,
    PopulationParams,
    ReportingParams,
    RiskParams,
    TrustParams,
)
from commsim.city import CITY_KINDS, CityConfig, city_for
from commsim.levers import LEVERS, STRATEGIES, Scale
from commsim.levers.shocks import SHOCK_KINDS, ShockConfig
from commsim.paramspec import NO_VALUE, ConfigError, Section, param, with_overrides

PATROL_STRATEGIES = ("random", *sorted(n for n in STRATEGIES if n != "random"))

#: Keys of commsim 0.1 that moved or went, and what replaces them.
RENAMED_KEYS: dict[str, str] = {
    "policy.watch_fade_per_year": "watch.fade_per_year",
    "offending.watch_vigilance": "watch.member_hazard",
    "offending.signage_weight": "nothing: watch signs no longer deter by formula; members guard, notice and report",
    "offending.volunteer_weight": "volunteers.guardian_hazard",
    "offending.police_density_weight": "nothing: police deter only through what offenders see and learn (risk.*, offending.officer_seen_weight)",
    "offending.officer_here": "offending.officer_seen_weight",
    "offending.officer_nearby": "offending.adjacent_sight",
    "offending.perceived_risk_weight": "offending.risk_weight",
    "offending.youth_vandalism_only": "offending.youth_max_age_band",
    "reporting.base_logit": "reporting.logit_<type>",
    "reporting.trust_weight": "reporting.trust_logit_per_sd",
    "reporting.severity_burglary": "reporting.logit_burglary",
    "reporting.severity_robbery": "reporting.logit_robbery",
    "reporting.severity_vandalism": "reporting.logit_vandalism",
    "reporting.watch_bonus": "watch.reporting_bonus",
    "reporting.app_bonus": "app.reporting_bonus",
    "reporting.app_call_handling_min": "app.call_handling_min",
    "reporting.campaign_bonus": "campaign.reporting_bonus",
    "reporting.volunteer_report_prob": "volunteers.report_prob",
    "reporting.arrest_base": "clearance.on_scene_<type>",
    "reporting.arrest_response_tau_min": "clearance.response_tau_min",
    "reporting.arrest_witness_bonus": "clearance.cooperation_logit_per_sd",
    "reporting.arrest_intel_bonus": "clearance.intel_bonus",
    "reporting.on_view_arrest": "clearance.on_view_arrest",
    "trust.good_contact": "trust.good_contact_gain",
    "trust.anchor_per_day": "trust.persistence_half_life_days (trust returns to each resident's own predisposition)",
    "trust.outcome_good": "trust.slow_response_quality_cut",
    "trust.outcome_bad": "trust.slow_response_quality_cut",
    "trust.contacts_per_officer_hour": "police.stops_per_patrol_hour and police.conversations_per_patrol_hour",
    "trust.community_contact_multiplier": "community.contact_multiplier",
    "trust.community_contact_bonus": "community.contact_bonus",
    "trust.meeting_attendance": "meetings.attendance",
    "trust.meeting_contact_gain": "meetings.contact_bonus",
    "trust.misconduct_drop": "shocks.misconduct_drop",
    "trust.misconduct_spill": "shocks.misconduct_spill",
    "trust.community_event_gain": "shocks.community_event_gain",
    "police.training_gain": "training.skill_gain",
    "police.competency_gain": "training.competency_gain",
    "police.hotspot_window_days": "hotspot.window_days",
    "police.hotspot_share_places": "hotspot.share_places",
    "police.hotspot_time_share": "hotspot.time_share",
    "police.hotspot_stops_per_hour": "hotspot.stops_per_hour",
    "police.stop_presence": "hotspot.stop_presence",
    "population.offenders_per_1000": "offenders.per_1000",
    "population.youth_offender_share": "offenders.relative_by_age",
    "offenders.turnover_per_year": "offenders.desist_per_year",
    "offenders.base_participation": "nothing: collective efficacy now emerges from ties, tenure and fear (efficacy.*)",
    "offenders.jail_days_mean": "justice.custody_days_<type>",
    "offenders.desist_after_jail": "offenders.desist_after_custody",
    "offenders.arrest_risk_gain": "risk.own_arrest_gain",
    "offenders.seen_arrest_risk_gain": "risk.heard_arrest_gain",
    "offenders.risk_decay_per_day": "risk.decay_days",
    "offenders.outreach_motivation_cut": "outreach.hazard_cut",
    "offenders.outreach_delay_days": "outreach.delay_days",
    "population.groups.majority.smartphone_access": "population.smartphone_by_age and population.smartphone_by_income",
    "population.groups.minority.smartphone_access": "population.smartphone_by_age and population.smartphone_by_income",
    "population.groups.newcomer.smartphone_access": "population.smartphone_by_age and population.smartphone_by_income",
}


@dataclass(frozen=True)
class PolicyCommon(Section):
    """What every strategy has: a name, a window, a patrol strategy (``policy.*``)."""

    section = "policy"

    name: str = param("baseline", source="label", doc="Strategy label shown in reports.")
    start_day: int = param(0, lo=0, unit="day of the evaluation window", source="lever")
    end_day: int | None = param(
        None, lo=0, unit="day of the evaluation window", source="lever", doc="None: the run's end."
    )
    patrol_strategy: str = param(
        "random", choices=PATROL_STRATEGIES, source="lever", lever=True, label="Patrol strategy"
    )

    def check(self) -> None:
        """The window ends after it starts; the name is a label, not a path."""
        if self.end_day is not None and self.end_day < self.start_day:
            raise ConfigError(
                "policy.end_day",
                self.end_day,
                f"must be at least policy.start_day={self.start_day}",
            )
        bad = set(self.name) & set("/\\\0") or self.name in (".", "..") or len(self.name) > 100
        if bad or not self.name:
            raise ConfigError(
                "policy.name", self.name, "must be a short label (1-100 characters, no '/', '\\\\')"
            )


def _lever_parts(attr: str) -> list[type]:
    return [
        getattr(c, attr)
        for c in (*LEVERS.values(), *STRATEGIES.values())
        if getattr(c, attr) is not None
    ]


def _assemble(name: str, parts: list[type], doc: str) -> type:
    cls = make_dataclass(name, [], bases=tuple(parts), frozen=True, namespace={"__doc__": doc})
    cls.__module__ = __name__
    return cls


PolicyConfig: Any = _assemble(
    "PolicyConfig",
    [*_lever_parts("Policy")[::-1], PolicyCommon],
    "The policy levers (DESIGN §3), one block of keys per lever module. Every field is sweepable.",
)
CostParams: Any = _assemble(
    "CostParams",
    _lever_parts("Costs")[::-1],
    "Unit costs in US dollars (reported with every comparison).",
)


def evidence_sections() -> dict[str, type]:
    """Each lever module's own evidence section, by key (``watch``, ``hotspot``...)."""
    return {
        c.key: c.Evidence
        for c in (*LEVERS.values(), *STRATEGIES.values())
        if c.Evidence is not None
    }


@dataclass(frozen=True)
class _RunBase(Section):
    """Seed, horizon, city and behaviour; levers' sections are added below."""

    seed: int = param(
        0,
        lo=0,
        hi=2**63 - 1,
        source="choice",
        doc="Run seed; replicate k of every strategy uses seed k.",
    )
    days: int = param(365, lo=1, hi=36_500, unit="days", source="choice", doc="Evaluated days.")
    warmup_days: int = param(
        60,
        lo=0,
        hi=3_650,
        unit="days",
        source="choice",
        doc="Simulated first: no policy, nothing counted.",
    )
    city: CityConfig = field(default_factory=CityConfig)
    population: PopulationParams = field(default_factory=PopulationParams)
    offending: OffendingParams = field(default_factory=OffendingParams)
    risk: RiskParams = field(default_factory=RiskParams)
    places: PlaceParams = field(default_factory=PlaceParams)
    reporting: ReportingParams = field(default_factory=ReportingParams)
    clearance: ClearanceParams = field(default_factory=ClearanceParams)
    justice: JusticeParams = field(default_factory=JusticeParams)
    trust: TrustParams = field(default_factory=TrustParams)
    police: PoliceParams = field(default_factory=PoliceParams)
    offenders: CareerParams = field(default_factory=CareerParams)
    efficacy: EfficacyParams = field(default_factory=EfficacyParams)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    costs: CostParams = field(default_factory=CostParams)

    def check(self) -> None:
        """Rules that span sections: each lever's checks against the city and groups."""
        scale = scale_of(self)
        for lever in (*LEVERS.values(), *STRATEGIES.values()):
            lever.check_config(self, scale)


SimConfig: Any = make_dataclass(
    "SimConfig",
    [
        (key, section, field(default_factory=section))
        for key, section in evidence_sections().items()
    ],
    bases=(_RunBase,),
    frozen=True,
    namespace={
        "__doc__": "A whole run: seed, horizon, city, behaviour, levers' evidence, policy and costs."
    },
)
SimConfig.__module__ = __name__


def officers_for(residents: int, population: PopulationParams) -> int:
    """The base police force for a number of residents (at least 3: one per shift)."""
    return max(3, round(residents * population.officers_per_1000 / 1000))


def scale_of(config: Any) -> Scale:
    """Sizes of a config's city that unit costs multiply."""
    city = city_for(config.city)
    residents = city.residents
    return Scale(
        residents=residents,
        households=float(city.households.sum()),
        neighborhoods=city.n_neighborhoods,
        officers=officers_for(residents, config.population),
        neighborhood_index=city.neighborhood_index,
    )


__all__ = [
    "CITY_KINDS",
    "CRIME_TYPES",
    "NO_VALUE",
    "PATROL_STRATEGIES",
    "RENAMED_KEYS",
    "SHOCK_KINDS",
    "CareerParams",
    "CityConfig",
    "ConfigError",
    "CostParams",
    "GroupParams",
    "OffendingParams",
    "PlaceParams",
    "PoliceParams",
    "PolicyConfig",
    "PopulationParams",
    "ReportingParams",
    "ShockConfig",
    "SimConfig",
    "TrustParams",
    "officers_for",
    "scale_of",
    "with_overrides",
]
