"""The levers a trainer moves on the dashboard, the strategy presets and the cities.

Nothing here imports Solara: the page (:mod:`commsim.dashboard.app`) lays these
out, and the tests read them directly.

The sliders are built from the parameter metadata (:mod:`commsim.paramspec`):
every policy field marked as a lever, with its label, range, step and unit.

Examples:
    >>> [lever.name for lever in LEVERS][:2]
    ['watch_coverage', 'meetings_per_month']
    >>> lever_by_name("funding").shown(2.5e6)
    '$2.5M a year'
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass
from typing import Any

import commsim
from commsim import SimConfig
from commsim.config import options as config_options
from commsim.paramspec import ParamInfo, describe

# The default city has enough crime (a few a day) for reporting to be a signal a
# room can read; the small city is kept for quick demos (``--city small``).
DEFAULT_CITY = "workshop"
#: What the misconduct button assumes. "upper": the upper end of the evidence — an
#: incident lowers the touched group's trust by 1.5 SD for good, and trust weighs on
#: reporting as strongly as the plausible range allows (Desmond, Papachristos & Kirk
#: 2016 found calls down ~17% for a year) — so a room can see the loop. "central": the
#: model's defaults (Zoorob 2020 found no lasting effect): the same incident then moves
#: trust but reporting only a little. The page says which one it shows.
EVIDENCE: dict[str, tuple[str, ...]] = {
    "upper": (
        "shocks.misconduct_drop=0.3",
        "shocks.lasting_share=1",
        "reporting.trust_logit_per_sd=0.5",
    ),
    "central": (),
}
EVIDENCE_WORDS = {
    "upper": "Incidents as the upper end of the evidence (Desmond et al. 2016)",
    "central": "Incidents as the model's central evidence (Zoorob 2020)",
}
DEFAULT_EVIDENCE = "upper"
ENV_EVIDENCE = "COMMSIM_DASHBOARD_EVIDENCE"


def evidence() -> str:
    """The evidence scenario this dashboard process shows (set by ``--evidence``)."""
    value = os.environ.get(ENV_EVIDENCE, DEFAULT_EVIDENCE)
    return value if value in EVIDENCE else DEFAULT_EVIDENCE


PATROL_WORDS = {
    "random": "random beats",
    "hotspot": "hot spots",
    "community": "community beats",
    "mixed": "mixed",
    "predictive": "predictive",
}


@dataclass(frozen=True)
class Lever:
    """A policy field the dashboard shows as a slider or a list.

    Attributes:
        name: the field's name (``watch_coverage``).
        key: its dotted config key (``policy.watch_coverage``).
        label: the words beside the control.
        kind: "float", "int" or "select".
        lo: lowest slider value (as shown).
        hi: highest slider value (as shown).
        step: slider step (as shown).
        unit: how a value is written: "percent", "$M" (millions of dollars a year)
            or "" (the number; the label names the unit).
        choices: the options of a "select" lever.
        scale: config value = shown value x scale.
    """

    name: str
    label: str
    kind: str
    key: str = ""
    lo: float = 0.0
    hi: float = 1.0
    step: float = 0.05
    unit: str = ""
    choices: tuple[str, ...] = ()
    scale: float = 1.0

    def to_display(self, value: Any) -> Any:
        """Config value -> slider value."""
        if self.kind == "select":
            return str(value)
        shown = 0.0 if value is None else float(value) / self.scale
        shown = min(max(shown, self.lo), self.hi)
        return round(shown) if self.kind == "int" else round(shown, 6)

    def to_config(self, shown: Any) -> Any:
        """Slider value -> config value."""
        if self.kind == "select":
            return str(shown)
        value = float(shown) * self.scale
        if self.name == "funding" and value <= 0:
            return None  # 0 on the slider: no fixed budget, today's police force
        return round(value) if self.kind == "int" else value

    def shown(self, config_value: Any) -> str:
        """A config value in words, as written next to the slider (``30%``, ``$2.5M a year``)."""
        if self.kind == "select":
            return PATROL_WORDS.get(str(config_value), str(config_value))
        value = self.to_display(config_value)
        if self.unit == "percent":
            return f"{100 * value:.0f}%"
        if self.unit == "$M":
            return f"${value:g}M a year" if value > 0 else "today's force"
        if self.unit:
            return f"{value:g} {self.unit}"
        return f"{value:g}"


# The levers a workshop starts with come first; the others follow in the metadata's order.
FIRST = ("watch_coverage", "meetings_per_month", "app_adoption", "training_share",
         "patrol_strategy", "funding")  # fmt: skip
# Where a lever's allowed range is far wider than a slider can show (the metadata's
# lo/hi are validation bounds), the slider stops here; every preset stays inside.
SLIDER_HI = {
    "funding": 10e6,  # USD per year
    "campaign_weeks": 52,
    "youth_outreach_places": 200,
    "volunteer_patrollers": 200,
    "meetings_per_month": 8,
}


def lever_specs() -> tuple[Lever, ...]:
    """The dashboard's levers, from the parameter metadata (fields whose ``lever`` flag is set).

    Label, range, step, unit and choices come from :func:`commsim.paramspec.describe`;
    the dashboard only decides how a value is written (shares as percent, dollars in
    millions) and where a slider stops (:data:`SLIDER_HI`).
    """
    infos = [i for i in describe(SimConfig) if i.lever]
    names = [i.key.split(".", 1)[1] for i in infos]
    order = sorted(range(len(infos)), key=lambda k: (FIRST.index(names[k]) if names[k] in FIRST
                                                     else len(FIRST), k))  # fmt: skip
    return tuple(_lever(infos[k], names[k]) for k in order)


def _lever(info: ParamInfo, name: str) -> Lever:
    if info.choices:
        return Lever(name, info.label, "select", key=info.key, choices=tuple(info.choices))
    lo = float(info.lo or 0.0)
    hi = float(min(info.hi if info.hi is not None else 1.0, SLIDER_HI.get(name, math.inf)))
    step = float(info.step or (1 if info.type is int else 0.05))
    if info.unit.startswith("USD"):  # written and moved in millions
        return Lever(
            name, info.label, "float", info.key, lo / 1e6, hi / 1e6, step / 1e6, "$M", scale=1e6
        )
    unit = "percent" if info.unit.startswith("share") else ""
    kind = "int" if info.type is int else "float"
    return Lever(name, info.label, kind, info.key, lo, hi, step, unit)


LEVERS: tuple[Lever, ...] = lever_specs()
LEVER_NAMES = tuple(lever.name for lever in LEVERS)


def lever_by_name(name: str) -> Lever:
    """The lever called ``name``."""
    for lever in LEVERS:
        if lever.name == name:
            return lever
    raise KeyError(name)


def list_presets() -> list[str]:
    """Names of the strategy presets (``conf/policy/*.yaml``), baseline first."""
    names = set(config_options("policy")) | {"baseline"}
    return ["baseline", *sorted(names - {"baseline"})]


def list_cities() -> list[str]:
    """Cities the dashboard can show (``conf/city`` options that need no input file)."""
    names = set(config_options("city")) - {"graphml", "imported"}
    return sorted(names, key=lambda n: (n != DEFAULT_CITY, n))


def preset_label(name: str) -> str:
    """A preset name as people read it: ``community_policing`` -> ``Community policing``."""
    return name.replace("_", " ").capitalize()


def is_city_folder(city: str) -> bool:
    """Whether ``city`` names a city folder (``commsim city import``) rather than a preset."""
    return os.sep in city or "/" in city


def city_overrides(city: str) -> list[str]:
    """Config overrides of a city: a ``conf/city`` option, or an imported city's folder."""
    if is_city_folder(city):
        return ["city=imported", f"city.dir={city}"]
    return [f"city={city}"]


@functools.lru_cache(maxsize=32)
def load_preset(preset: str, city: str, scenario: str | None = None) -> SimConfig:
    """The full config of a preset on a city, under the dashboard's evidence scenario.

    The city is a ``conf/city`` option or the folder of an imported city.
    """
    return commsim.load_config(
        [*city_overrides(city), f"policy={preset}", *EVIDENCE[scenario or evidence()]]
    )


def preset_levers(preset: str, city: str = DEFAULT_CITY) -> dict[str, Any]:
    """The levers' values (as shown on the sliders) of a preset."""
    config = load_preset(preset, city)
    return {lever.name: lever.to_display(lookup_value(config, lever.key)) for lever in LEVERS}


def lookup_value(config: Any, key: str) -> Any:
    """The value of a dotted key in a config."""
    value = config
    for part in key.split("."):
        value = getattr(value, part)
    return value


def lever_summary(levers: dict[str, Any], policy: Any = None) -> str:
    """The strategy of a run in one line, e.g. ``watch 30% · 2 meetings a month · ...``.

    Args:
        levers: the lever values (as on the sliders).
        policy: the run's PolicyConfig, for programmes the sliders do not show.
    """
    budget = float(levers.get("funding") or 0)
    meetings = float(levers.get("meetings_per_month") or 0)
    parts = [
        f"watch {100 * float(levers.get('watch_coverage') or 0):.0f}%",
        f"{meetings:g} meeting{'' if meetings == 1 else 's'} a month",
        f"app {100 * float(levers.get('app_adoption') or 0):.0f}%",
        f"trained {100 * float(levers.get('training_share') or 0):.0f}%",
        f"patrol: {PATROL_WORDS.get(str(levers.get('patrol_strategy')), 'random beats')}",
        f"budget ${budget:g}M a year" if budget else "today's police force",
    ]
    if policy is not None:
        if getattr(policy, "volunteer_patrollers", 0):
            parts.append(f"{policy.volunteer_patrollers} volunteer patrollers")
        if getattr(policy, "youth_outreach_places", 0):
            parts.append(f"{policy.youth_outreach_places} youth programme places")
        if getattr(policy, "campaign_weeks", 0):
            parts.append(f"{policy.campaign_weeks}-week campaign")
        if getattr(policy, "watch_highest_burglary", 0):
            parts.append(f"watch in the {policy.watch_highest_burglary} worst-hit neighbourhoods")
    return " · ".join(parts)


def lever_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What differs between two sets of lever values, in words (``watch 0% → 30%``)."""
    out = []
    for lever in LEVERS:
        old, new = before.get(lever.name), after.get(lever.name)
        if old is None or new is None or old == new:
            continue
        if lever.kind != "select" and abs(float(old) - float(new)) < 1e-9:
            continue
        to_cfg = lever.to_config
        out.append(f"{lever.label.lower()} {lever.shown(to_cfg(old))} → {lever.shown(to_cfg(new))}")
    return out
