"""The run a workshop watches: the model, its counterfactual twin, and what changed.

When the trainer presses **Misconduct incident** (or **Community event**), the
model is copied just before the shock; the copy (the *twin*) keeps running on
the same random numbers without the shock, so the charts can draw, dashed, what
would have happened without it. When the trainer changes the strategy, the run
starts again on day 1 with the new levers, and the twin is the previous strategy
on the same seed. Only the latest change has a twin.

Nothing here imports Solara; the page (:mod:`commsim.dashboard.app`) reads
:meth:`WorkshopRun.status`, :meth:`WorkshopRun.caption` and the daily frames.

Examples:
    >>> run = WorkshopRun(preset="baseline", city="small", seed=1)
    >>> run.step(30)
    >>> run.shock("misconduct", group="minority")
    >>> run.step(24)
    >>> run.caption()
    'Misconduct incident involving minority residents (day 2, 06:00): minority trust fell ...'
"""

from __future__ import annotations

import copy
import re
import threading
from dataclasses import dataclass, field
from typing import Any

import mesa
import numpy as np
import pandas as pd

from commsim import CommunityModel, ConfigError, SimConfig, with_overrides
from commsim.citymap import clock_text
from commsim.dashboard.levers import (
    DEFAULT_CITY,
    LEVERS,
    lever_by_name,
    lever_changes,
    load_preset,
    preset_label,
    preset_levers,
)
from commsim.livecharts import REPORTING_WINDOW_DAYS, SHOCK_LABELS, chart_table

SHOCKS = ("misconduct", "community_event")


@dataclass
class Change:
    """The latest thing the trainer did that has a counterfactual.

    Attributes:
        kind: "misconduct", "community_event" or "strategy".
        day: clock day (1 = first day of the strategy) when it happened.
        hour: hour of that day.
        x: position on the charts' day axis (day d spans d - 0.5 .. d + 0.5).
        group: the group a misconduct incident involved (None: everyone).
        words: what happened, e.g. "Misconduct incident involving minority residents".
        place_trust: residents' mean trust per place just before (the map's reference).
    """

    kind: str
    day: int
    hour: int
    x: float
    group: str | None
    words: str
    place_trust: np.ndarray = field(repr=False)


def _release(model: mesa.Model) -> None:
    """Let a model that is no longer shown be garbage-collected.

    Mesa numbers agents from a class-level table keyed by model, which keeps every
    model ever built alive; a workshop restarts runs many times in one process.
    """
    mesa.Agent._ids.pop(model, None)


def _copy_model(model: CommunityModel) -> CommunityModel:
    """An independent copy of a running model (same state, same random streams)."""
    return copy.deepcopy(model, memo={id(model.city): model.city})  # the city is shared


def _warm(model: CommunityModel) -> CommunityModel:
    while model.in_warmup:
        model.step()
    return model


def _config(preset: str, city: str, seed: int, levers: dict[str, Any]) -> SimConfig:
    changes = {lever_by_name(k).key: lever_by_name(k).to_config(v) for k, v in levers.items()}
    return with_overrides(load_preset(preset, city), seed=seed, **changes)


def daily_frame(model: CommunityModel) -> pd.DataFrame:
    """The model's daily table as the charts read it (:func:`commsim.livecharts.chart_table`)."""
    daily = model.daily_table()
    events = model.events_table() if len(daily) else pd.DataFrame()
    return chart_table(daily, events, model.groups)


def trust_now(model: CommunityModel) -> dict[str, float]:
    """Mean trust in police at this hour: ``"all"`` and one entry per group.

    The daily table (and ``model.today``) has midnight's values, but a shock must
    show at once, so this reads the residents' trust and group arrays; it is the
    one place where the dashboard reads them. Without them, midnight's values.
    """
    res = getattr(model, "residents", None)
    if res is None or not hasattr(res, "trust"):
        today = model.today
        return {"all": today.get("trust_mean", np.nan)} | {
            g: today.get(f"trust_mean_{g}", np.nan) for g in model.groups
        }
    trust, group = np.asarray(res.trust, dtype=float), np.asarray(res.group)
    out = {"all": float(trust.mean())}
    for i, g in enumerate(model.groups):
        mine = group == i
        out[g] = float(trust[mine].mean()) if mine.any() else float("nan")
    return out


def _elapsed(hours: int) -> str:
    """How long ago, for the first two days after a shock."""
    if hours < 1:
        return "at once"
    if hours < 24:
        return f"in {hours} hour{'s' if hours > 1 else ''}"
    return "in a day"


class WorkshopRun:
    """A model built from a preset plus lever values, ready to watch, with its twin.

    The warm-up (no policy, nothing counted) runs in the constructor, so the page
    opens on the first day of the strategy. Stepping and shocks take a lock,
    because the page's play loop and its buttons run in different threads.

    Args:
        preset: strategy preset (a ``conf/policy`` option).
        city: a ``conf/city`` option.
        seed: random seed.
        levers: lever values as on the sliders (missing: the preset's).
        previous: the run this one replaces; if its strategy differs and the seed
            is the same, it becomes the twin (run again from day 1).
        warmup: run the warm-up now (False: leave it to the caller).

    Examples:
        >>> WorkshopRun(preset="baseline", city="small", levers={"watch_coverage": 0.3}).step()
    """

    def __init__(
        self,
        preset: str = "baseline",
        city: str = DEFAULT_CITY,
        seed: int = 1,
        levers: dict[str, Any] | None = None,
        *,
        previous: WorkshopRun | None = None,
        warmup: bool = True,
    ) -> None:
        self.lock = threading.RLock()
        self.preset, self.city_name, self.seed = preset, city, int(seed)
        chosen = {k: v for k, v in (levers or {}).items() if v is not None}
        self.lever_values = {**preset_levers(preset, city), **chosen}
        self.notice = ""
        config = self._affordable(preset, city, chosen)
        self.config = config
        self.model = CommunityModel(config)
        self.twin: CommunityModel | None = None
        self.change: Change | None = None
        self.shocks: list[tuple[float, str]] = []  # every shock of this run: (chart x, kind)
        self.retired = False
        self._frames: dict[int, tuple[int, pd.DataFrame]] = {}
        if warmup:
            _warm(self.model)
        self.start_place_trust = np.asarray(self.model.place_trust(), dtype=float).copy()
        if previous is not None and self._differs_from(previous):
            self.twin = CommunityModel(previous.config)
            if warmup:
                _warm(self.twin)
            changed = lever_changes(previous.lever_values, self.lever_values)
            if preset != previous.preset:
                words = f"Strategy changed to {preset_label(preset)}"
            else:
                words = "Strategy changed"
            if changed:
                words += (
                    f": {', '.join(changed)}"
                    if preset == previous.preset
                    else (f" ({', '.join(changed)})")
                )
            self.change = Change("strategy", 1, 0, 0.5, None, words, self.start_place_trust.copy())

    def _affordable(self, preset: str, city: str, chosen: dict[str, Any]) -> SimConfig:
        """The run's config, with today's police force if the budget cannot pay the programmes."""
        try:
            return _config(preset, city, self.seed, chosen)
        except ConfigError as exc:
            if exc.key != "policy.funding":
                raise
            allowed = exc.allowed
        cost = re.search(r"\$[\d,]+/yr", allowed)
        self.notice = (
            f"The budget does not cover these programmes ({cost.group(0) if cost else ''}"
            "): running with today's police force. Raise the budget or set it to 0."
        )
        self.lever_values["funding"] = 0.0
        return _config(preset, city, self.seed, {**chosen, "funding": 0.0})

    def _differs_from(self, other: WorkshopRun) -> bool:
        same_levers = all(
            other.lever_values.get(lever.name) == self.lever_values.get(lever.name)
            for lever in LEVERS
        )
        return other.seed == self.seed and not (same_levers and other.preset == self.preset)

    # -- time -------------------------------------------------------------------------
    @property
    def days_evaluated(self) -> int:
        """Whole days of the strategy run so far (rows of the daily table)."""
        return int(self.model.day) if not self.model.in_warmup else 0

    @property
    def clock_day(self) -> int:
        """Day of the strategy shown on the clock (1 on the first day)."""
        return self.days_evaluated + 1

    @property
    def hour(self) -> int:
        """Hour of the day, 0-23."""
        return int(self.model.hour)

    @property
    def chart_x(self) -> float:
        """This moment on the charts' day axis."""
        return self.clock_day - 0.5 + self.hour / 24.0

    # -- actions -------------------------------------------------------------------------
    def step(self, hours: int = 1) -> None:
        """Advance the run (and its twin) by ``hours`` simulated hours."""
        with self.lock:
            for _ in range(int(hours)):
                if self.retired:
                    return
                self.model.step()
                if self.twin is not None:
                    self.twin.step()

    def shock(self, kind: str, group: str | None = None) -> None:
        """Apply a misconduct incident or a community event now; the twin goes without it.

        Args:
            kind: "misconduct" or "community_event".
            group: the group a misconduct incident involved (None: everyone alike).
        """
        if kind not in SHOCKS:
            raise ValueError(f"kind={kind!r}: one of {', '.join(SHOCKS)}")
        if group is not None and group not in self.model.groups:
            raise ValueError(f"group={group!r}: one of {', '.join(self.model.groups)}")
        with self.lock:
            before = np.asarray(self.model.place_trust(), dtype=float).copy()
            if self.twin is not None:
                _release(self.twin)
            self.twin = _copy_model(self.model)
            self.model.apply_shock(kind, group=group)
            words = SHOCK_LABELS[kind]
            if kind == "misconduct":
                words += f" involving {group} residents" if group else " involving everyone"
            self.change = Change(
                kind, self.clock_day, self.hour, self.chart_x, group, words, before
            )
            self.shocks.append((self.chart_x, kind))

    def retire(self) -> None:
        """Stop for good: the page has replaced this run with another one."""
        self.retired = True
        with self.lock:
            for model in (self.model, self.twin):
                if model is not None:
                    _release(model)

    # -- read-outs ----------------------------------------------------------------------
    def daily(self, twin: bool = False) -> pd.DataFrame:
        """The daily table (see :func:`daily_frame`) of the run or of its twin."""
        model = self.twin if twin else self.model
        if model is None:
            return pd.DataFrame()
        with self.lock:
            rows = int(model.day) if not model.in_warmup else 0
            cached = self._frames.get(id(model))
            if cached is None or cached[0] != rows:
                cached = (rows, daily_frame(model))
                self._frames = {
                    k: v for k, v in self._frames.items() if k in (id(self.model), id(self.twin))
                }
                self._frames[id(model)] = cached
            return cached[1]

    def trust_now(self, twin: bool = False, group: str | None = None) -> float:
        """Mean trust in police at this hour, of everyone or of one group."""
        model = self.twin if twin else self.model
        if model is None:
            return float("nan")
        return float(trust_now(model)["all" if group is None else group])

    def place_trust_reference(self) -> np.ndarray:
        """Trust per place the map's "trust change" colours compare with.

        Just before the latest change (incident, event or strategy change), or
        the start of the run.
        """
        return self.change.place_trust if self.change is not None else self.start_place_trust

    def reference_words(self) -> str:
        """What :meth:`place_trust_reference` is, in words for the map's colour bar."""
        if self.change is None or self.change.kind == "strategy":
            return "since day 1"
        return f"since the {SHOCK_LABELS[self.change.kind].lower()} (day {self.change.day})"

    def caption(self) -> str:
        """What just happened, with numbers from the run and its twin."""
        c = self.change
        if c is None or self.twin is None:
            return (
                "Press Misconduct incident or Community event, or change the strategy: "
                "a dashed line then shows the same run without it."
            )
        with self.lock:
            if c.kind == "strategy":
                return self._strategy_caption(c)
            return self._shock_caption(c)

    def _shock_caption(self, c: Change) -> str:
        assert self.twin is not None
        hours = (self.clock_day - c.day) * 24 + self.hour - c.hour
        who = c.group if c.kind == "misconduct" and c.group else None
        now = self.trust_now(group=who)
        without = self.trust_now(twin=True, group=who)
        diff = now - without
        subject = f"{who} trust" if who else "trust"
        head = f"{c.words} (day {c.day}, {c.hour:02d}:00): "
        if hours < 48:
            verb = "fell" if diff < 0 else "rose"
            text = f"{head}{subject} {verb} {abs(diff):.2f} {_elapsed(hours)}"
            text += f" ({without:.2f} → {now:.2f})"
        else:
            side = "lower" if diff < 0 else "higher"
            text = (
                f"{head}{hours // 24} days on, {subject} is {abs(diff):.2f} {side} than "
                f"without it ({now:.2f} against {without:.2f})"
            )
        days_since = self.days_evaluated - (c.day - 1)
        if days_since >= 7:
            key = f"reporting_rate_{who}" if who else "reporting_rate"
            rate = self._last(self.daily(), key)
            rate_without = self._last(self.daily(twin=True), key)
            if np.isfinite(rate) and np.isfinite(rate_without):
                people = f"{who} residents" if who else "residents"
                text += (
                    f"; {people} reported {100 * rate:.0f}% of crimes in the last "
                    f"{REPORTING_WINDOW_DAYS} days, {100 * rate_without:.0f}% without it"
                )
        return text + ". Dashed: the same run without it."

    def _strategy_caption(self, c: Change) -> str:
        days = self.days_evaluated
        if days < 1:
            return f"{c.words}. Dashed: the previous strategy on the same seed."
        crimes = self.daily()["crimes"].sum()
        crimes_without = self.daily(twin=True)["crimes"].sum()
        now, without = self.trust_now(), self.trust_now(twin=True)
        return (
            f"{c.words}. After {days} day{'s' if days > 1 else ''}: {crimes:.0f} crimes "
            f"against {crimes_without:.0f}, trust {now:.2f} against {without:.2f} "
            "on the previous strategy (dashed)."
        )

    @staticmethod
    def _last(df: pd.DataFrame, key: str) -> float:
        if key not in df.columns or not len(df):
            return float("nan")
        return float(df[key].iloc[-1])

    def status(self) -> dict[str, Any]:
        """What the page shows in words: clock, trust, crime so far, strategy, levers."""
        df = self.daily()

        def last_value(key: str) -> float | None:
            value = self._last(df, key)
            return None if not np.isfinite(value) else round(value, 4)

        return {
            "day": self.clock_day,
            "hour": self.hour,
            "clock": clock_text(self.clock_day, self.hour),
            "steps": self.days_evaluated * 24 + self.hour,  # hours of the strategy so far
            "trust_mean": round(self.trust_now(), 5),
            "trust_mean_daily": last_value("trust_mean"),
            "trust_by_group": {g: round(self.trust_now(group=g), 5) for g in self.model.groups},
            "days_evaluated": len(df),
            "crimes_total": int(df["crimes"].sum()) if "crimes" in df.columns else 0,
            "reported_total": (
                int(df["crimes_reported"].sum()) if "crimes_reported" in df.columns else 0
            ),
            "reporting_rate": last_value("reporting_rate"),
            "preset": self.preset,
            "city": self.city_name,
            "seed": self.seed,
            "levers": dict(self.lever_values),
            "shocks": [kind for _, kind in self.shocks],
            "twin": None if self.change is None else self.change.kind,
            "twin_days": len(self.daily(twin=True)) if self.twin is not None else 0,
            "caption": self.caption(),
        }
