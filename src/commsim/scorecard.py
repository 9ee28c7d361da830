"""The decision scorecard: each strategy's cost a year, effects, value for money and certainty.

Built from the strategy x outcome summary of :func:`commsim.results.summarize` (paired
differences vs baseline with 95% intervals). For every strategy it gives:

- its cost a year and its extra cost a year over baseline (a run's cost covers the
  evaluation window; it is scaled to 365 days);
- its effect on true crime (percent), reporting (percentage points), trust in police
  (0-1 and standard deviations of trust between residents,
  :data:`commsim.dynamics.TRUST_SD`), and trust and victimisation per group, each with
  its 95% interval paired on seeds;
- crimes averted per $1M a year with its interval, or ``unclear`` when the crime
  effect's interval includes zero;
- a plain certainty word for every effect (:func:`certainty`), from its interval and the
  outcome's smallest meaningful change in the outcome registry.

Strategies are ranked by a criterion the user chooses (:data:`RANK_CHOICES`); the default
is the cut in true crime.

Examples:
    >>> certainty("trust_mean", 0.05, 0.03, 0.07)
    'clear benefit'
    >>> certainty("crimes", -20.0, -45.0, 5.0, baseline=1000.0)
    'unclear'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from commsim.dynamics import TRUST_SD
from commsim.outcomes import Direction
from commsim.outcomes import outcome as registry
from commsim.presets import PresetText, humanise

__all__ = [
    "DAYS_PER_YEAR",
    "DEFAULT_RANK",
    "MIN_REPLICATES",
    "RANK_CHOICES",
    "WORDS",
    "Effect",
    "Scorecard",
    "StrategyCard",
    "build_scorecard",
    "certainty",
    "check_rank_by",
    "smallest_change",
]

DAYS_PER_YEAR = 365.0
#: Fewer paired replicates than this and the scorecard warns that its intervals are rough.
MIN_REPLICATES = 10
#: Fewer than this and the intervals are not worth reading (the warning says so).
TOO_FEW_REPLICATES = 5
DEFAULT_RANK = "crimes"
#: ``--rank-by`` choices besides any outcome key with a better direction.
RANK_CHOICES = {
    "crimes": "the cut in true crime (largest first)",
    "value": "crimes averted per $1M a year (clear crime cuts first; no extra cost counts "
    "as best value)",
    "cost": "extra cost a year (cheapest first)",
}

#: Certainty words, best to worst, with what each means.
WORDS = {
    "clear benefit": "the whole 95% interval is an improvement at least as large as the "
    "smallest meaningful change",
    "likely benefit": "the interval excludes zero and the estimate is a meaningful "
    "improvement, but the interval reaches below the smallest meaningful change",
    "small benefit": "the interval excludes zero and reaches meaningful sizes, but the "
    "estimate is smaller than the smallest meaningful change",
    "no meaningful change": "the whole interval lies within the smallest meaningful "
    "change either way (any effect is too small to matter)",
    "unclear": "the interval includes zero and meaningful changes: the runs cannot tell",
    "small harm": "the interval excludes zero and reaches meaningful sizes, but the "
    "estimate is a worsening smaller than the smallest meaningful change",
    "likely harm": "the interval excludes zero and the estimate is a meaningful worsening",
    "clear harm": "the whole interval is a worsening at least as large as the smallest "
    "meaningful change",
}
BENEFITS = ("clear benefit", "likely benefit", "small benefit")
HARMS = ("small harm", "likely harm", "clear harm")


def smallest_change(key: str, baseline: float = math.nan) -> float | None:
    """The smallest meaningful change of an outcome, in its unit, from the registry.

    Outcomes whose size depends on the city (counts, rates per 1,000) give it as a share
    of the baseline level (``smallest_share``); others as an amount (``smallest_change``).

    Returns:
        The amount, or None when the registry gives none (or the baseline is unknown).
    """
    try:
        o = registry(key)
    except KeyError:
        return None
    if o.smallest_change is not None:
        return float(o.smallest_change)
    if o.smallest_share is not None and np.isfinite(baseline):
        return float(o.smallest_share * abs(baseline))
    return None


def certainty(key: str, diff: float, low: float, high: float, baseline: float = math.nan) -> str:
    """A plain word for how sure the runs are about an effect (see :data:`WORDS`).

    Args:
        key: The outcome (its direction and smallest meaningful change come from the
            registry).
        diff: The mean paired difference vs baseline.
        low: Lower bound of its 95% interval.
        high: Upper bound of its 95% interval.
        baseline: The baseline's mean (for changes given as a share of it).

    Returns:
        One of :data:`WORDS`; for an outcome with no better direction, ``higher``,
        ``lower`` or ``unclear``; ``too few runs`` when there is no interval.
    """
    if not (np.isfinite(diff) and np.isfinite(low) and np.isfinite(high)):
        return "too few runs"
    try:
        way = registry(key).direction
    except KeyError:
        way = Direction.NEITHER
    if way is Direction.NEITHER:
        return "higher" if low > 0 else "lower" if high < 0 else "unclear"
    sign = 1.0 if way is Direction.HIGHER_IS_BETTER else -1.0
    lo, hi = sorted((sign * low, sign * high))
    est = sign * diff
    m = smallest_change(key, baseline) or 0.0
    if m > 0 and lo > -m and hi < m:  # an equivalence test: too small to matter either way
        return "no meaningful change"
    if lo > 0:
        return "clear benefit" if lo >= m else "likely benefit" if est >= m else "small benefit"
    if hi < 0:
        return "clear harm" if hi <= -m else "likely harm" if est <= -m else "small harm"
    return "unclear"


@dataclass(frozen=True)
class Effect:
    """One effect of a strategy vs baseline.

    Attributes:
        outcome: The outcome key.
        diff: Mean paired difference (outcome's unit).
        low: Lower bound of the 95% interval.
        high: Upper bound.
        baseline: Baseline mean.
        n: Paired replicates.
        word: From :func:`certainty`.
    """

    outcome: str
    diff: float
    low: float
    high: float
    baseline: float
    n: int
    word: str

    @property
    def pct(self) -> tuple[float, float, float]:
        """The change and its interval in percent of the baseline level."""
        if not (np.isfinite(self.baseline) and self.baseline):
            return math.nan, math.nan, math.nan
        scale = 100.0 / abs(self.baseline)
        return self.diff * scale, self.low * scale, self.high * scale

    def scaled(self, factor: float) -> tuple[float, float, float]:
        """The change and its interval times ``factor`` (e.g. into SD units)."""
        return self.diff * factor, self.low * factor, self.high * factor


@dataclass
class StrategyCard:
    """One strategy's row of the scorecard."""

    strategy: str
    title: str
    description: str
    cost_year: float
    extra_cost_year: float
    effects: dict[str, Effect] = field(default_factory=dict)
    per_1m: tuple[float, float, float] = (math.nan, math.nan, math.nan)
    value_text: str = ""
    rank: int = 0

    def effect(self, key: str) -> Effect | None:
        """The effect on ``key``, if the runs hold it."""
        return self.effects.get(key)


@dataclass
class Scorecard:
    """The whole scorecard.

    Attributes:
        cards: One per strategy other than baseline, in rank order.
        baseline: The baseline's card (no effects).
        rank_by: The ranking criterion's key.
        criterion: The ranking criterion in words.
        days: Days of the evaluation window.
        replicates: Fewest paired replicates behind any effect.
        groups: Groups with per-group outcomes.
        warnings: Warnings to show above the table.
    """

    cards: list[StrategyCard]
    baseline: StrategyCard
    rank_by: str
    criterion: str
    days: float
    replicates: int
    groups: list[str]
    warnings: list[str] = field(default_factory=list)

    @property
    def per_year(self) -> float:
        """Factor from the evaluation window to a year."""
        return DAYS_PER_YEAR / self.days


def rank_choices(summary: pd.DataFrame) -> list[str]:
    """Every ``--rank-by`` value these results allow."""
    keys = []
    for key in dict.fromkeys(summary["outcome"]):
        try:
            if registry(key).direction is not Direction.NEITHER:
                keys.append(key)
        except KeyError:
            continue
    return [*RANK_CHOICES, *[k for k in keys if k not in RANK_CHOICES]]


def check_rank_by(rank_by: str) -> None:
    """Raise ValueError (one line) unless ``rank_by`` can rank strategies."""
    if rank_by in RANK_CHOICES:
        return
    try:
        if registry(rank_by).direction is not Direction.NEITHER:
            return
    except KeyError:
        pass
    raise ValueError(
        f"--rank-by={rank_by}: choose {', '.join(RANK_CHOICES)} or an outcome with a better "
        "direction (e.g. trust_mean, trust_mean_minority, reporting_rate, victimization_rate)"
    )


def _criterion(rank_by: str) -> str:
    if rank_by in RANK_CHOICES:
        return RANK_CHOICES[rank_by]
    o = registry(rank_by)
    way = "largest rise" if o.direction is Direction.HIGHER_IS_BETTER else "largest cut"
    return f"the change in {o.label.lower()} ({way} first)"


def build_scorecard(
    summary: pd.DataFrame,
    days: float,
    baseline: str = "baseline",
    descriptions: Mapping[str, PresetText] | None = None,
    rank_by: str = DEFAULT_RANK,
    order: Sequence[str] | None = None,
) -> Scorecard:
    """Build the scorecard from a strategy x outcome summary.

    Args:
        summary: From :func:`commsim.results.summarize` with ``by="strategy"`` and a
            baseline.
        days: Days of the evaluation window (costs are scaled to a year from it).
        baseline: The reference strategy.
        descriptions: Strategy -> its title and description (default: humanised names).
        rank_by: A key of :data:`RANK_CHOICES` or an outcome with a better direction.
        order: Strategies to show (default: every one in the summary).

    Returns:
        The :class:`Scorecard`.

    Raises:
        ValueError: An unknown ``rank_by`` (one line naming the choices), no baseline, or
            a non-positive ``days``.
    """
    if not (np.isfinite(days) and days > 0):
        raise ValueError(f"days={days}: the evaluation window must be positive")
    check_rank_by(rank_by)
    choices = rank_choices(summary)
    if rank_by not in choices:
        raise ValueError(
            f"--rank-by={rank_by}: not in these runs; choose one of " + ", ".join(choices)
        )
    if not (summary["strategy"] == baseline).any():
        raise ValueError(f"no '{baseline}' runs: the scorecard compares with a baseline")
    descriptions = dict(descriptions or {})
    names = list(order) if order is not None else list(dict.fromkeys(summary["strategy"]))
    per_year = DAYS_PER_YEAR / days
    groups = _groups(summary)
    keys = ["crimes", "reporting_rate", "trust_mean", "victimization_rate", rank_by]
    keys += [f"{base}_{g}" for base in ("trust_mean", "victimization_rate") for g in groups]
    keys = list(dict.fromkeys(k for k in keys if k not in RANK_CHOICES or k == "crimes"))
    cards: list[StrategyCard] = []
    base_card: StrategyCard | None = None
    for name in names:
        rows = summary[summary["strategy"] == name].set_index("outcome")
        text = descriptions.get(name) or PresetText(name, humanise(name), "")
        cost = float(rows.loc["cost_usd", "mean"]) if "cost_usd" in rows.index else 0.0
        extra = float(rows.loc["cost_usd", "diff"]) if "cost_usd" in rows.index else math.nan
        card = StrategyCard(name, text.title, text.description, cost * per_year, extra * per_year)
        if name == baseline:
            card.extra_cost_year = 0.0
            base_card = card
            continue
        for key in keys:
            if key in rows.index and np.isfinite(rows.loc[key, "diff"]):
                r = rows.loc[key]
                card.effects[key] = Effect(
                    key,
                    float(r["diff"]),
                    float(r["diff_ci_low"]),
                    float(r["diff_ci_high"]),
                    float(r["baseline_mean"]),
                    int(r["n_pairs"]),
                    certainty(
                        key, r["diff"], r["diff_ci_low"], r["diff_ci_high"], r["baseline_mean"]
                    ),
                )
        _value(card, rows)
        cards.append(card)
    assert base_card is not None
    ranked = _rank(cards, rank_by)
    for i, card in enumerate(ranked, start=1):
        card.rank = i
    n = min((e.n for c in ranked for e in c.effects.values()), default=0)
    card = Scorecard(ranked, base_card, rank_by, _criterion(rank_by), days, n, groups)
    card.warnings = _warnings(card)
    return card


def _groups(summary: pd.DataFrame) -> list[str]:
    prefix = "trust_mean_"
    found = [o[len(prefix) :] for o in dict.fromkeys(summary["outcome"]) if o.startswith(prefix)]
    return found


def _value(card: StrategyCard, rows: pd.DataFrame) -> None:
    """Crimes averted per $1M a year, or why there is no such number."""
    crime = card.effects.get("crimes")
    if crime is None:
        card.value_text = "n/a"
        return
    r = rows.loc["crimes"]
    card.per_1m = (
        float(r["crimes_averted_per_1m_usd"]),
        float(r["crimes_averted_per_1m_usd_ci_low"]),
        float(r["crimes_averted_per_1m_usd_ci_high"]),
    )
    extra = card.extra_cost_year
    if not np.isfinite(card.per_1m[0]):
        card.value_text = "costs less" if np.isfinite(extra) and extra < 0 else "no extra cost"
    elif crime.word in BENEFITS or crime.word in HARMS:
        card.value_text = ""  # the number is shown
    else:
        card.value_text = "unclear"


def _rank(cards: list[StrategyCard], rank_by: str) -> list[StrategyCard]:
    def improvement(card: StrategyCard, key: str) -> float:
        e = card.effects.get(key)
        if e is None or not np.isfinite(e.diff):
            return -math.inf
        return e.diff if registry(key).direction is Direction.HIGHER_IS_BETTER else -e.diff

    if rank_by == "cost":
        return sorted(cards, key=lambda c: np.nan_to_num(c.extra_cost_year, nan=math.inf))
    if rank_by == "value":

        def value_key(c: StrategyCard) -> tuple[int, float]:
            crime = c.effects.get("crimes")
            clear_cut = crime is not None and crime.word in BENEFITS
            if clear_cut and c.value_text in ("no extra cost", "costs less"):
                return 0, -improvement(c, "crimes")
            if clear_cut and np.isfinite(c.per_1m[0]):
                return 1, -c.per_1m[0]
            return 2, -improvement(c, "crimes")

        return sorted(cards, key=value_key)
    return sorted(cards, key=lambda c: -improvement(c, rank_by))


def _warnings(card: Scorecard) -> list[str]:
    out = []
    n = card.replicates
    if n < TOO_FEW_REPLICATES:
        out.append(
            f"Only {n} paired replicate(s) per strategy: too few for the 95% intervals shown "
            f"to be trusted (with so few, an interval's width is itself very uncertain). "
            f"Run at least {MIN_REPLICATES} (--replicates {MIN_REPLICATES})."
        )
    elif n < MIN_REPLICATES:
        out.append(
            f"{n} paired replicates per strategy: the intervals are approximate; "
            f"{MIN_REPLICATES} or more give steadier ones (--replicates)."
        )
    return out


def trust_sd_units(effect: Effect) -> tuple[float, float, float]:
    """A trust effect in standard deviations of trust between residents."""
    return effect.scaled(1.0 / TRUST_SD)
