"""Does the model reproduce published findings? Measures every finding of targets.yaml.

Usage:
    .venv/bin/python experiments/validation/run_validation.py [--seeds 20] [--jobs 2]

The findings and their pass ranges were committed (targets.yaml) before the model
was run on them. Every scenario runs on two city layouts (``city.seed_offset``) with
the same seeds for two evaluated years, so differences between scenarios are paired
on (layout, seed) — common random numbers — and intervals include differences
between cities. A finding is *reproduced* when the 95% interval of its measure lies
inside the range, *consistent* when the mean does but the interval is wider, and
*not reproduced* otherwise. Nothing here changes a model default.

Runs go through commsim's experiment engine and run store
(``outputs/validation/runs``), so an interrupted validation resumes. Results go to
``experiments/validation/results.csv`` (one value per finding and pair) and
``docs/validation.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy import sparse, stats

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
DOC = ROOT / "docs" / "validation.md"
RESULTS = HERE / "results.csv"
META = HERE / "meta.json"  # the design and timing of the run behind results.csv
COVERED = [0, 1, 2]  # the watch covers half the default city's neighbourhoods
SHOCK_DAY = 180

SCENARIOS: dict[str, list[str]] = {
    "baseline": [],
    "hotspot": ["policy.patrol_strategy=hotspot"],
    "watch": [
        "policy.watch_coverage=0.3",
        f"policy.watch_neighborhoods=[{','.join(map(str, COVERED))}]",
    ],
    "watch_everywhere": ["policy.watch_coverage=1.0"],
    "officers_plus_50": ["population.officers_per_1000=3.6"],
    "patrol_double": ["police.preventive_patrol_share=0.8"],
    "community_policing": ["policy=community_policing"],
    "training": ["policy.training_share=1"],
    "misconduct_fading": [f"policy.shocks=[{{day:{SHOCK_DAY},kind:misconduct,group:minority}}]"],
    "misconduct_lasting": [
        f"policy.shocks=[{{day:{SHOCK_DAY},kind:misconduct,group:minority}}]",
        "shocks.lasting_share=1",
    ],
}


# --------------------------------------------------------------------------------------
# Pure measurement functions (tests/test_validation.py)
# --------------------------------------------------------------------------------------


def mean_ci(values: Sequence[float], level: float = 0.95) -> tuple[float, float, float]:
    """Mean and two-sided t-interval of the mean (NaN bounds with fewer than two values)."""
    x = np.asarray([v for v in values if np.isfinite(v)], dtype=float)
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if len(x) < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    return mean, mean - half, mean + half


def relative_change(base: float, treated: float) -> float:
    """``treated / base - 1`` (NaN when the base is zero)."""
    return treated / base - 1.0 if base else math.nan


def elasticity(base: float, treated: float, x0: float, x1: float) -> float:
    """Arc elasticity of an outcome to an input: d ln(outcome) / d ln(input)."""
    if base <= 0 or treated <= 0:
        return math.nan
    return math.log(treated / base) / math.log(x1 / x0)


def top_places(counts: Sequence[float], share: float = 0.05) -> np.ndarray:
    """Indices of the ``share`` of places with the highest counts (ties broken by index)."""
    c = np.asarray(counts, dtype=float)
    k = max(1, round(share * len(c)))
    return np.sort(np.argsort(-c, kind="stable")[:k])


def catchment(adjacency: sparse.csr_matrix, places: Sequence[int]) -> np.ndarray:
    """Places adjacent to any of ``places`` but not among them."""
    places = np.asarray(places, dtype=np.int64)
    near = np.unique(adjacency[places].indices)
    return np.setdiff1d(near, places)


def verdict(low: float, high: float, lo: float, hi: float) -> str:
    """``reproduced`` (interval in the range), ``consistent`` (mean in it), ``not reproduced``."""
    mean = (low + high) / 2
    if np.isfinite(low) and np.isfinite(high) and lo <= low and high <= hi:
        return "reproduced"
    if lo <= mean <= hi:
        return "consistent"
    return "not reproduced"


def age_band(years: np.ndarray) -> np.ndarray:
    """Age band index (12-17, 18-24, 25-34, 35-49, 50-64, 65+) of ages in years."""
    return np.searchsorted(np.array([18, 25, 35, 50, 65]), np.asarray(years), side="right")


# --------------------------------------------------------------------------------------
# Running the scenarios
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    """One city layout and one seed: every scenario ran on it."""

    layout: int
    seed: int


def base_overrides(targets: dict[str, Any], layout: int) -> list[str]:
    """Overrides every scenario shares: horizon, warm-up, city layout."""
    return [
        f"days={targets['horizon_days']}",
        f"warmup_days={targets['warmup_days']}",
        f"city.seed_offset={layout}",
    ]


def jobs_for(targets: dict[str, Any], pairs: list[Pair], out: Path) -> list[Any]:
    """One engine job per scenario and pair, kept in the run store under ``out``."""
    from commsim.engine import Job

    return [
        Job(
            tuple([*SCENARIOS[name], *base_overrides(targets, p.layout)]),
            (("seed", p.seed),),
            run_dir=out / name / f"layout_{p.layout}" / f"seed_{p.seed}",
            label=name,
        )
        for p in pairs
        for name in SCENARIOS
    ]


def load(run_dir: Path) -> dict[str, pd.DataFrame]:
    """A complete run's tables."""
    return {
        name: pd.read_parquet(run_dir / f"{name}.parquet")
        for name in ("timeseries", "events", "places", "neighborhoods")
    }


# --------------------------------------------------------------------------------------
# Measuring the findings
# --------------------------------------------------------------------------------------


def population_facts(targets: dict[str, Any], pair: Pair) -> dict[str, Any]:
    """What a pair's residents are (the same in every scenario): counts by income, group, age."""
    from commsim import CommunityModel, load_config
    from commsim.population import dissimilarity

    model = CommunityModel(load_config(base_overrides(targets, pair.layout)), seed=pair.seed)
    w = model.world
    res = w.residents
    n_nb = w.city.n_neighborhoods
    counts = np.stack(
        [np.bincount(res.neighborhood, weights=res.group == g, minlength=n_nb) for g in range(2)],
        axis=1,
    )
    size = counts.sum(axis=1)
    return {
        "income": np.bincount(res.income, minlength=3),
        "age": np.bincount(res.age, minlength=6),
        "groups": list(w.groups),
        "households": float(w.city.households.sum()),
        "residents": w.n_residents,
        "adjacency": w.city.adjacency,
        "gap_configured": max(g.baseline_trust for g in model.config.population.groups.values())
        - min(g.baseline_trust for g in model.config.population.groups.values()),
        "dissimilarity": dissimilarity(counts / np.maximum(size[:, None], 1), size),
    }


def measure_pair(
    runs: dict[str, dict[str, pd.DataFrame]], facts: dict[str, Any], days: int
) -> dict[str, float]:
    """Every finding's value for one (layout, seed) pair."""
    from commsim.calibration import near_repeat_ratio

    base = runs["baseline"]
    ev, ts = base["events"], base["timeseries"]
    years = days / 365.0
    first_year = ts[ts["day"] < 365]
    out: dict[str, float] = {}

    def rate(kind: str, per: float) -> float:
        return 1000.0 * (ev["type"] == kind).sum() / per / years

    out["robbery_rate"] = rate("robbery", facts["residents"])
    out["burglary_rate"] = rate("burglary", facts["households"])
    out["vandalism_rate"] = rate("vandalism", facts["households"])
    for kind in ("robbery", "burglary", "vandalism"):
        e = ev[ev["type"] == kind]
        out[f"reporting_by_type.{kind}"] = float(e["reported"].mean()) if len(e) else math.nan
        rec = e[e["recorded"]]
        out[f"clearance_by_type.{kind}"] = float(rec["arrested"].mean()) if len(rec) else math.nan
    out["contact_prevalence.any"] = float(first_year["contact_prevalence"].iloc[-1])
    # The survey counts people, not contacts: the share of residents 16+ stopped, arrested
    # or approached by police at least once (a resident stopped twice counts once).
    out["contact_prevalence.police_initiated"] = float(
        first_year["police_initiated_prevalence"].iloc[-1]
    )
    out["trust_spread"] = float(ts["trust_sd"].mean())
    out["near_repeat"] = near_repeat_ratio(ev, facts["adjacency"], days)
    out["trust_gap_persists"] = float(
        ts.loc[ts["day"] >= 365, "trust_gap"].mean() - facts["gap_configured"]
    )
    out["segregation"] = float(facts["dissimilarity"])

    # Hot spots: the places hot-spot patrol visits most, and their neighbours.
    hot_places = runs["hotspot"]["places"]
    treated = top_places(hot_places["patrol_hours"].to_numpy(), 0.05)
    around = catchment(facts["adjacency"], treated)
    year2 = lambda e: e[e["day"] >= 365]  # noqa: E731 - beliefs and patrol settle in year 1
    at = lambda e, where: int(year2(e)["place"].isin(where).sum())  # noqa: E731
    out["hotspot_effect"] = relative_change(at(ev, treated), at(runs["hotspot"]["events"], treated))
    out["hotspot_displacement"] = relative_change(
        at(ev, around), at(runs["hotspot"]["events"], around)
    )

    def recorded_in(e: pd.DataFrame, nbs: list[int]) -> int:
        return int((e["recorded"] & e["neighborhood"].isin(nbs)).sum())

    out["watch_effect"] = relative_change(
        recorded_in(ev, COVERED), recorded_in(runs["watch"]["events"], COVERED)
    )
    more = runs["officers_plus_50"]["events"]
    violent = lambda e: int((e["type"] == "robbery").sum())  # noqa: E731
    prop = lambda e: int(e["type"].isin(["burglary", "vandalism"]).sum())  # noqa: E731
    out["police_elasticity_violent"] = elasticity(violent(ev), violent(more), 2.4, 3.6)
    out["police_elasticity_property"] = elasticity(prop(ev), prop(more), 2.4, 3.6)
    out["patrol_dose"] = relative_change(len(ev), len(runs["patrol_double"]["events"]))
    cp = runs["community_policing"]
    out["community_policing.trust"] = float(
        cp["timeseries"]["trust_mean"].mean() - ts["trust_mean"].mean()
    )
    out["community_policing.crime"] = relative_change(len(ev), len(cp["events"]))
    out["pj_training"] = float(
        runs["training"]["timeseries"]["trust_mean"].mean() - ts["trust_mean"].mean()
    )
    for name in ("misconduct_fading", "misconduct_lasting"):
        out[f"misconduct_reporting.{name.split('_')[1]}"] = relative_change(
            _group_reporting(ev), _group_reporting(runs[name]["events"])
        )
    low, high = facts["income"][0], facts["income"][2]
    victims = ev[ev["victim"] >= 0]
    out["income_gradient"] = float(
        ((victims["victim_income"] == 0).sum() / low)
        / max((victims["victim_income"] == 2).sum() / high, 1e-12)
    )
    # Shares of people, as the survey compares them (not stops per person).
    share = {g: first_year[f"police_initiated_prevalence_{g}"].iloc[-1] for g in facts["groups"]}
    out["stop_parity"] = float(share["minority"] - share["majority"])
    out.update(concentration_findings(ev, base["places"], facts["residents"], days))
    cleared = ev[ev["clearance"] != "none"]
    out["clearance_route"] = (
        float(cleared["clearance"].isin(["on_scene", "on_view"]).mean())
        if len(cleared)
        else math.nan
    )
    nb = runs["watch_everywhere"]["neighborhoods"]
    out["watch_where_crime_is_low"] = float(
        stats.spearmanr(nb["disadvantage"], nb["watch_participation"])[0]
    )
    return out


def concentration_findings(
    events: pd.DataFrame, places: pd.DataFrame, residents: int, days: int
) -> dict[str, float]:
    """Crime concentration at places, repeat victimisation and repeat burglary (baseline)."""
    counts = np.sort(places["crimes"].to_numpy(dtype=float))[::-1]
    half = int(np.searchsorted(np.cumsum(counts), 0.5 * counts.sum())) + 1
    first_year = events[(events["day"] < 365) & (events["victim"] >= 0)]
    per_victim = np.sort(first_year["victim"].value_counts().to_numpy())[::-1]
    top = math.ceil(0.04 * residents)
    burglaries = events[events["type"] == "burglary"].sort_values(["place", "day"])
    repeats = 0
    for _, days_at in burglaries.groupby("place")["day"]:
        d = days_at.to_numpy()
        # burglaries at this place in the 30 days after each one (same day excluded)
        repeats += int(
            (np.searchsorted(d, d + 30, side="right") - np.searchsorted(d, d, side="right")).sum()
        )
    base_rate = len(burglaries) / (len(places) * days)
    return {
        "crime_concentration": half / len(counts),
        "repeat_victimisation": float(per_victim[:top].sum() / max(per_victim.sum(), 1)),
        "repeat_burglary": (repeats / max(len(burglaries) * 30, 1)) / base_rate
        if base_rate > 0
        else math.nan,
    }


def _group_reporting(events: pd.DataFrame, group: str = "minority") -> float:
    """Share of the group's victimisations reported, in the year after the shock day."""
    e = events[
        (events["victim_group"] == group)
        & (events["day"] >= SHOCK_DAY)
        & (events["day"] < SHOCK_DAY + 365)
    ]
    return float(e["reported"].mean()) if len(e) else math.nan


def in_process_findings(seeds: int) -> dict[str, list[float]]:
    """Findings measured on the model directly: one positive contact, asymmetry."""
    from commsim import CommunityModel, load_config, trust
    from commsim.dynamics import TRUST_SD
    from commsim.trust import Contact

    out: dict[str, list[float]] = {
        "positive_contact_effect.day_3": [],
        "positive_contact_effect.ratio_21_to_3": [],
        "asymmetry": [],
        "age_crime_curve.18-24": [],
        "age_crime_curve.65+": [],
    }
    for seed in range(seeds):
        cfg = load_config(["days=30", "warmup_days=30"])
        a, b = CommunityModel(cfg, seed=seed), CommunityModel(cfg, seed=seed)
        a.run_days(30)
        b.run_days(30)
        treated = np.random.default_rng(seed).choice(a.world.n_residents, 400, replace=False)
        skill = b.world.officers.skill[0]
        b.world.officers.skill[0] = 1.0
        trust.contact(b.world, 0, treated, Contact.CONVERSATION)
        b.world.officers.skill[0] = skill
        effect = {}
        for day in range(1, 22):
            a.run_days(1)
            b.run_days(1)
            effect[day] = (
                b.residents.trust[treated] - a.residents.trust[treated]
            ).mean() / TRUST_SD
        out["positive_contact_effect.day_3"].append(effect[3])
        out["positive_contact_effect.ratio_21_to_3"].append(effect[21] / effect[3])
        w = CommunityModel(load_config(["city=small"]), seed=seed).world
        people = np.arange(20)
        w.residents.trust[people] = 0.5
        w.officers.skill[0] = 1.0
        trust.contact(w, 0, people[:10], Contact.CONVERSATION)
        w.officers.skill[0] = 0.0
        trust.contact(w, 0, people[10:], Contact.CONVERSATION)
        # Active offenders by age band, averaged over a two-year window (the people table).
        model = CommunityModel(load_config(["days=730", "warmup_days=120"]), seed=seed)
        while model.running:
            model.step()
        table = model.people_table()
        by_band = table.assign(offenders=table["active_offenders_per_1000"] * table["residents"])
        by_band = by_band.groupby("age_band", sort=False)[["offenders", "residents"]].sum()
        rate = by_band["offenders"] / by_band["residents"]
        overall = by_band["offenders"].sum() / by_band["residents"].sum()
        out["age_crime_curve.18-24"].append(float(rate["18-24"] / overall))
        out["age_crime_curve.65+"].append(float(rate["65+"] / overall))
        out["asymmetry"].append(
            (0.5 - w.residents.trust[people[10:]].mean())
            / (w.residents.trust[people[:10]].mean() - 0.5)
        )
    return out


def ranges(targets: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """Each measured key's pass range (sub-keys for findings with several parts)."""
    out = {}
    for name, f in targets["findings"].items():
        r = f["range"]
        if isinstance(r, dict):
            for part, bounds in r.items():
                out[f"{name}.{part}"] = (float(bounds[0]), float(bounds[1]))
        else:
            out[name] = (float(r[0]), float(r[1]))
    return out


def _measured(values: pd.DataFrame, targets: dict[str, Any]) -> list[tuple[str, float, float]]:
    """Measured keys with their ranges.

    A finding measured in several scenarios (``misconduct_reporting.fading`` and
    ``.lasting``) holds each to its one range.
    """
    out = []
    for key, (lo, hi) in ranges(targets).items():
        parts = [c for c in values.columns if c.startswith(key + ".")] if key not in values else []
        out += [(part, lo, hi) for part in parts] or [(key, lo, hi)]
    return out


def summarise(values: pd.DataFrame, targets: dict[str, Any]) -> pd.DataFrame:
    """Per measured key: label, source, mean and interval, range and verdict."""
    rows = []
    for key, lo, hi in _measured(values, targets):
        name = key.split(".")[0]
        f = targets["findings"][name]
        column = values[key] if key in values else pd.Series(dtype=float)
        mean, low, high = mean_ci(column.to_numpy(dtype=float))
        rows.append(
            {
                "key": key,
                "label": f["label"],
                "finding": f["finding"],
                "source": f["source"],
                "measure": f["measure"],
                "n": int(column.notna().sum()),
                "mean": mean,
                "low": low,
                "high": high,
                "range_low": lo,
                "range_high": hi,
                "verdict": verdict(low, high, lo, hi),
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------


def _num(x: float) -> str:
    if not np.isfinite(x):
        return "–"
    return f"{x:.3g}" if abs(x) >= 0.01 or x == 0 else f"{x:.2e}"


def write_doc(table: pd.DataFrame, meta: dict[str, Any]) -> None:
    """docs/validation.md: every finding with its label, source, measure, interval and verdict."""
    lines = [
        "# Validation against published findings",
        "",
        "Generated by `experiments/validation/run_validation.py` (`make validate`) from the",
        "findings and ranges in `experiments/validation/targets.yaml`, which were committed",
        "before the model was run on them (three carried over from 0.1 were added after the",
        "first Model 2 run, before being measured on it). The notes at the end are kept in",
        "`experiments/validation/notes.md`. Do not edit by hand.",
        "",
        f"**Design.** {meta['pairs']} pairs of (city layout, seed): layouts {meta['layouts']},",
        f"seeds 0–{meta['seeds'] - 1}; {meta['horizon']} evaluated days after "
        f"{meta['warmup']} days of warm-up;",
        f"{len(SCENARIOS)} scenarios per pair, paired on the pair (common random numbers).",
        f"Model {meta['version']} ({meta['commit']}), {meta['date']}, "
        f"{meta['run_hours']:.1f} hours of simulation in all (the runs' wall times summed).",
        "",
        "**Labels.** *calibrated*: a default was set from the finding, so meeting it is a",
        "check of the calibration, not evidence. *structural*: true by construction of a",
        "mechanism. *held out*: no default was set from it — a test the model can fail.",
        "",
        "**Verdicts.** *reproduced*: the 95% interval over pairs lies inside the range;",
        "*consistent*: the mean does, the interval is wider; *not reproduced*: the mean is",
        "outside the range.",
        "",
    ]
    for label in ("held_out", "calibrated", "structural"):
        part = table[table["label"] == label]
        if part.empty:
            continue
        ok = (part["verdict"] == "reproduced").sum()
        lines += [
            f"## {label.replace('_', ' ').capitalize()} ({ok} of {len(part)} reproduced)",
            "",
            "| finding | source | measure | model: mean [95% CI] | range | verdict |",
            "|---|---|---|---|---|---|",
        ]
        for _, r in part.iterrows():
            lines.append(
                f"| {r['finding']} (`{r['key']}`) | {r['source']} | {r['measure']} | "
                f"{_num(r['mean'])} [{_num(r['low'])}, {_num(r['high'])}] | "
                f"{_num(r['range_low'])} to {_num(r['range_high'])} | **{r['verdict']}** |"
            )
        lines.append("")
    notes = HERE / "notes.md"  # why findings fail and what moved since 0.1, by hand
    if notes.is_file():
        lines += [notes.read_text(encoding="utf-8").rstrip("\n"), ""]
    DOC.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run (or resume) the validation and write its results."""
    import logging

    from commsim import __version__
    from commsim.engine import add_launcher_options, launcher_from, run_jobs
    from commsim.store import git_commit

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seeds", type=int, default=None, help="seeds per layout (default: targets.yaml)"
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "outputs" / "validation", help="run folder"
    )
    parser.add_argument(
        "--doc-only",
        action="store_true",
        help="rewrite docs/validation.md from results.csv and meta.json without running",
    )
    add_launcher_options(parser)
    args = parser.parse_args(argv)
    logging.getLogger("MESA").setLevel(logging.WARNING)
    targets = yaml.safe_load((HERE / "targets.yaml").read_text(encoding="utf-8"))
    if args.doc_only:
        meta = json.loads(META.read_text(encoding="utf-8"))
        write_doc(summarise(pd.read_csv(RESULTS), targets), meta)
        return 0
    seeds = args.seeds or int(targets["seeds"])
    pairs = [Pair(layout, seed) for layout in targets["city_layouts"] for seed in range(seeds)]
    launcher = launcher_from(args, args.out)
    results = run_jobs(jobs_for(targets, pairs, args.out / "runs"), launcher, desc="validation")
    failed = [r for r in results if not r.ok]
    if failed:
        print(f"validation: {len(failed)} runs failed, e.g. {failed[0].error}", file=sys.stderr)
        return 1
    rows = []
    for pair in pairs:
        runs = {
            name: load(args.out / "runs" / name / f"layout_{pair.layout}" / f"seed_{pair.seed}")
            for name in SCENARIOS
        }
        facts = population_facts(targets, pair)
        rows.append(
            {
                "layout": pair.layout,
                "seed": pair.seed,
                **measure_pair(runs, facts, int(targets["horizon_days"])),
            }
        )
    values = pd.DataFrame(rows)
    extra = in_process_findings(min(seeds, 5))
    for key, vals in extra.items():
        values[key] = pd.Series(vals + [math.nan] * (len(values) - len(vals)))
    values.to_csv(RESULTS, index=False, float_format="%.6g")
    table = summarise(values, targets)
    meta = {
        "pairs": len(pairs),
        "layouts": ", ".join(map(str, targets["city_layouts"])),
        "seeds": seeds,
        "horizon": targets["horizon_days"],
        "warmup": targets["warmup_days"],
        "version": __version__,
        "commit": (git_commit() or "uncommitted")[:10],
        "date": dt.date.today().isoformat(),
        "run_hours": sum(
            json.loads((j.run_dir / "manifest.json").read_text())["wall_seconds"]
            for j in jobs_for(targets, pairs, args.out / "runs")
        )
        / 3600,
    }
    META.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    write_doc(table, meta)
    for _, r in table.iterrows():
        interval = f"[{_num(r['low'])}, {_num(r['high'])}]"
        print(f"{r['label']:11s} {r['key']:40s} {_num(r['mean']):>9s} {interval} {r['verdict']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
