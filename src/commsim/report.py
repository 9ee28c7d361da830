"""``commsim report``: turn a folder of runs into tables, figures and a readable report.

Works on any folder tree of run directories: a ``commsim compare`` output, a Hydra
multirun directory, or runs gathered from a cluster. It decides what to show from the
runs themselves:

- several strategies and no swept parameter: a strategy comparison (effects vs baseline
  with paired 95% CIs, cost-effectiveness, equity, time series, hot-spot maps);
- one swept parameter: a line of the chosen outcome with its 95% CI band;
- two swept parameters: a heatmap of the chosen outcome (``--x``/``--y`` pick the axes).

It writes ``summary.csv``, ``runs.parquet``, ``timeseries.parquet`` (every run's daily
series, tidy, written group by group), ``skipped.csv``, the PNG figures, ``report.md``
and a self-contained ``report.html``. Failed and incomplete runs are left out and listed.

Examples:
    commsim report outputs/compare/runs --out outputs/compare/report
    commsim report multirun/2025-01-01/12-00-00 --outcome trust_mean --x policy.funding
"""

from __future__ import annotations

import argparse
import base64
import html
import math
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from commsim import plots, scorecard_page, store
from commsim import results as res
from commsim import scorecard as sc
from commsim.cliargs import OneLineParser, parse

__all__ = [
    "NoRunsError",
    "OneLineParser",
    "Report",
    "ReportError",
    "build_report",
    "main",
    "parse",
]

#: Outcomes shown in the headline table and forest plot, in this order.
KEY_OUTCOMES = (*plots.FOREST_OUTCOMES, "cost_usd")
TIME_METRICS = ("crimes", "crimes_reported", "trust_mean", "reporting_rate")
SMOOTH_DAYS = 7
QUANTILES = (0.1, 0.9)


class ReportError(Exception):
    """A report cannot be made; the message is one line for the user."""


class NoRunsError(ReportError):
    """The folder holds no complete run to report on."""


#: What ``commsim report`` reads, said when it is given something else.
EXPECTED_FOLDER = (
    "expected the output folder of commsim compare, commsim sweep or commsim run -m, "
    "holding complete runs (each with manifest.json and summary.json)"
)


@dataclass
class Report:
    """What :func:`build_report` produced.

    Attributes:
        out: The report directory.
        mode: ``"comparison"``, ``"sweep-1d"``, ``"sweep-2d"`` or ``"table"``.
        runs: The runs table (complete runs).
        summary: One row per group x outcome.
        skipped: Failed and incomplete runs left out, with reasons.
        figures: Figure file names written, by key (PNG; SVG and PDF beside each).
        notes: Remarks shown in the report (pooled parameters, figures not drawn...).
        scorecard: The decision scorecard of a comparison with a baseline.
        sampled: Parameters drawn once per replicate (``compare --uncertainty``).
        links: ``validation``/``model`` -> relative links to those docs from the report.
        pooled: Swept parameters pooled into each point of a sweep figure.
    """

    out: Path
    mode: str
    runs: pd.DataFrame
    summary: pd.DataFrame
    skipped: pd.DataFrame
    figures: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    scorecard: sc.Scorecard | None = None
    sampled: list[str] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)
    pooled: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------
# Building the report
# --------------------------------------------------------------------------------------


def build_report(
    runs_dir: str | Path,
    out: str | Path | None = None,
    outcome: str = "crimes",
    x: str | None = None,
    y: str | None = None,
    baseline: str | None = None,
    strategies: Sequence[str] | None = None,
    graph: Any = None,
    only: Sequence[str | Path] | None = None,
    expected: Mapping[Any, str] | None = None,
    rank_by: str = sc.DEFAULT_RANK,
    geo: str | None = None,
    observed: str | Path | None = None,
) -> Report:
    """Aggregate every run under ``runs_dir`` and write the report directory.

    Args:
        runs_dir: Folder holding run directories (searched recursively).
        out: Report directory (default: ``<runs_dir>/report``).
        outcome: Outcome of the sweep line or heatmap.
        x: Swept parameter for the x axis (default: detected).
        y: Swept parameter for the y axis of a heatmap (default: detected).
        baseline: Strategy that differences are taken against; it must be among the
            runs' strategies (default: ``baseline`` when there are such runs).
        strategies: Order of strategies in tables and figures (default: baseline first,
            then in the order found).
        graph: Street network (networkx, node attribute ``pos``) for the hot-spot map;
            by default rebuilt from a run's config when the model package is available.
        only: Use only these run directories (e.g. the runs of one comparison when the
            folder also holds others).
        expected: Run directory -> the config hash it must have; a run made from another
            config is left out as ``stale``.
        rank_by: How the scorecard ranks strategies (:data:`commsim.scorecard.RANK_CHOICES`
            or an outcome key).
        geo: Also write the places, neighbourhoods and events as GIS layers
            (``gpkg`` or ``geoparquet``, :mod:`commsim.geoout`) into ``<out>/geo``.
        observed: A CSV of recorded crime per neighbourhood to set beside the
            simulated (:mod:`commsim.observed`).

    Returns:
        A :class:`Report`.

    Raises:
        NoRunsError: No complete run.
        ReportError: An unknown outcome, parameter or baseline.
        commsim.store.StoreError: The report folder is in use or cannot be written.
    """
    runs_dir = Path(runs_dir)
    try:
        runset = res.load_runs(runs_dir, only=only, expected=expected)
    except FileNotFoundError as exc:
        raise ReportError(f"{runs_dir}: no such directory") from exc
    runs = res.runs_table(runset)
    skipped = runset.skipped_table()
    if runs.empty:
        raise NoRunsError(f"{runs_dir}: no complete runs ({runset.counts()})")
    outcomes = res.outcome_columns(runs)
    if outcome not in outcomes:
        raise ReportError(
            f"--outcome={outcome}: not a summary key; choose one of: " + ", ".join(outcomes)
        )
    found = res.strategy_order(runs["strategy"])
    if baseline is not None and baseline not in found:
        raise ReportError(
            f"--baseline={baseline}: no runs of that strategy here; the strategies are "
            + ", ".join(found)
        )
    baseline = res.BASELINE if baseline is None else baseline
    order = _order(runs, strategies, baseline)
    runs = _reorder(runs, order)
    sampled = res.sampled_per_replicate(runs)
    mode, params, notes = _mode(runs, x, y, sampled)
    pooled = [p for p in res.swept_parameters(runs) if p not in sampled and p not in params]
    if runset.legacy:
        notes.append(
            f"{len(runset.legacy)} run(s) were written by commsim 0.1, whose manifests have no "
            "checksums; they are used because every file of theirs parses."
        )
    extras = _Extras(geo, observed, runs_dir, runs)  # checked before anything is written
    out = Path(out) if out is not None else runs_dir / "report"
    links = doc_links(out)
    with store.lock(out, "report folder"):
        # Everything is written to a staging folder first and moved into place at the
        # end, so a failure half-way leaves the previous report as it was.
        staging = Path(tempfile.mkdtemp(prefix=".report-", dir=out))
        try:
            report = Report(
                staging, mode, runs, pd.DataFrame(), skipped, notes=notes, sampled=sampled,
                links=links, pooled=pooled if mode in ("sweep-1d", "sweep-2d") else [],
            )  # fmt: skip
            _write(report, runs_dir, order, outcome, params, baseline, graph, rank_by, extras)
            for item in sorted(staging.iterdir()):
                _move_into_place(item, out / item.name)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    report.out = out
    return report


def _move_into_place(item: Path, target: Path) -> None:
    """Rename ``item`` to ``target``, replacing it; a folder replaces the folder there.

    ``os.replace`` cannot rename a folder over a non-empty one (the GIS layers of an
    earlier report), so the old folder is moved aside first and put back if the
    rename fails.
    """
    if not (item.is_dir() and target.is_dir() and not target.is_symlink()):
        os.replace(item, target)
        return
    aside = Path(tempfile.mkdtemp(prefix=".old-", dir=target.parent)) / target.name
    os.replace(target, aside)
    try:
        os.replace(item, target)
    except BaseException:
        os.replace(aside, target)
        raise
    finally:
        shutil.rmtree(aside.parent, ignore_errors=True)


def _write(
    report: Report,
    runs_dir: Path,
    order: list[str],
    outcome: str,
    params: list[str],
    baseline: str,
    graph: Any,
    rank_by: str = sc.DEFAULT_RANK,
    extras: _Extras | None = None,
) -> None:
    """Write every report file into ``report.out``."""
    out, runs, mode = report.out, report.runs, report.mode
    by = ["strategy", *params]
    use_baseline = baseline if baseline in order else None
    if use_baseline is None and len(order) > 1:
        report.notes.append(f"No '{baseline}' runs: differences vs baseline are not computed.")
    summary = res.summarize(runs, by=by, baseline=use_baseline)
    report.summary = summary = _reorder(summary, order)
    _note_truncated(report)
    config = _read_config(runs_dir / runs["run_dir"].iloc[0])
    if mode == "comparison" and use_baseline is not None and len(order) > 1:
        days = config.get("days")
        if not (isinstance(days, int | float) and days > 0):  # a config without it: count days
            days = pq.ParquetFile(runs_dir / runs["run_dir"].iloc[0] / res.TIMESERIES).metadata
            days = days.num_rows
        report.scorecard = _scorecard(summary, float(days), use_baseline, order, rank_by)
        facts = scorecard_facts(report)
        scorecard_page.scorecard_pdf(
            report.scorecard, out / "scorecard.pdf", "commsim scorecard: strategies compared",
            facts,
        )  # fmt: skip
    skipped = report.skipped
    store.atomic_write(out / "summary.csv", lambda tmp: summary.to_csv(tmp, index=False))
    _write_runs(runs, out / "runs.parquet")
    store.atomic_write(out / "skipped.csv", lambda tmp: skipped.to_csv(tmp, index=False))

    metrics = list(TIME_METRICS) if mode == "comparison" else []
    with _SeriesWriter(out / "timeseries.parquet", runs, runs_dir) as writer:
        bands = res.timeseries_bands(
            runs,
            runs_dir,
            metrics,
            by="strategy" if mode == "comparison" else by,
            quantiles=QUANTILES,
            window=SMOOTH_DAYS,
            on_group=writer.write,
        )
    _figures(report, runs_dir, bands, order, outcome, params, use_baseline, graph)
    blocks = _blocks(report, runs_dir, order, outcome, params, use_baseline)
    if extras is not None:
        more = extras.write(report, order, use_baseline, by)
        at = next((i for i, (k, c) in enumerate(blocks) if (k, c) == ("h2", "Unit costs")), -1)
        blocks[at:at] = more
    store.write_text(out / "report.md", _markdown(blocks))
    store.write_text(out / "report.html", _html(blocks, out))


def _scorecard(
    summary: pd.DataFrame,
    days: float,
    baseline: str,
    order: list[str],
    rank_by: str,
) -> sc.Scorecard:
    """The decision scorecard over an evaluation window of ``days``."""
    from commsim.presets import describe_preset

    texts = {s: describe_preset(s) for s in order}
    try:
        return sc.build_scorecard(summary, days, baseline, texts, rank_by, order)
    except ValueError as exc:
        raise ReportError(str(exc)) from None


def scorecard_facts(report: Report) -> list[str]:
    """Sentences on what the scorecard's intervals include."""
    facts = []
    if report.sampled:
        facts.append(
            f"Intervals include parameter uncertainty: replicate k of every strategy used "
            f"seed k and the same draw (Latin hypercube across replicates) of "
            f"{len(report.sampled)} uncertain parameter(s) within their plausible ranges: "
            + ", ".join(report.sampled)
            + "."
        )
    else:
        facts.append(
            "Intervals show the model's chance variation between replicates (seeds) only, "
            "not uncertainty in its parameters; `commsim compare --uncertainty` also "
            "samples the uncertain parameters within their plausible ranges."
        )
    return facts


def _note_truncated(report: Report) -> None:
    summary = report.summary
    if "ci_truncated" not in summary:
        return
    cut = summary[summary["ci_truncated"].astype(bool)]
    if len(cut):
        keys = list(dict.fromkeys(cut["outcome"]))
        names = ", ".join(plots.metric_label(o, with_unit=False) for o in keys[:3])
        more = f" and {len(keys) - 3} more" if len(keys) > 3 else ""
        report.notes.append(
            f"{len(cut)} confidence interval(s) of counts reached below zero and were cut at "
            f"zero ({names}{more}; column ci_truncated in summary.csv): a count cannot be "
            "negative, and an interval that wide means too few replicates for that outcome."
        )


def doc_links(out: Path) -> dict[str, str]:
    """Relative links from a report folder to docs/validation.md and docs/model.md.

    Empty strings when commsim runs from an installed package without its docs.
    """
    docs = Path(__file__).resolve().parents[2] / "docs"
    links = {}
    for key in ("validation", "model"):
        target = docs / f"{key}.md"
        if target.is_file():
            links[key] = Path(os.path.relpath(target, Path(out).resolve())).as_posix()
        else:
            links[key] = ""
    return links


class _Extras:
    """What a report adds on request: GIS layers (``--geo``) and observed crime (``--observed``).

    Both are checked when made (bad input is a :class:`ReportError` before anything is
    written) and written by :meth:`write` into the report's staging folder.
    """

    def __init__(
        self, geo: str | None, observed: str | Path | None, runs_dir: Path, runs: pd.DataFrame
    ) -> None:
        self.geo, self.observed, self.runs_dir = geo, observed, runs_dir
        self.city = None
        if geo is None and observed is None:
            return
        from commsim import geoout
        from commsim import observed as obs

        try:
            if geo is not None:
                geoout.check_format(geo)
            self.city = geoout.city_of_runs(runs, runs_dir)
            if observed is not None:
                obs.read_observed(observed, self.city)
        except (geoout.GeoError, obs.ObservedError) as exc:
            raise ReportError(str(exc)) from None

    def write(
        self, report: Report, order: list[str], baseline: str | None, by: list[str]
    ) -> list[Block]:
        """Write the files into ``report.out``; return the report's extra blocks."""
        from commsim import geoout
        from commsim import observed as obs

        blocks: list[Block] = []
        try:
            if self.observed is not None:
                strategy = obs.choose_strategy(report.runs, baseline, order)
                more, figures = obs.report_section(
                    report.out, report.runs, self.runs_dir, self.observed, self.city, strategy
                )
                blocks += more
                report.figures.update(figures)
            if self.geo is not None:
                written = geoout.export_runs(report.runs, self.runs_dir, report.out, self.geo, by)
                names = ", ".join(str(p.relative_to(report.out)) for p in written)
                blocks += [
                    ("h2", "GIS layers"),
                    (
                        "p",
                        f"Places, neighbourhoods and events for GIS: {names} (per "
                        f"{' x '.join(by)}, averaged over replicates; events of every run).",
                    ),
                ]
        except (geoout.GeoError, obs.ObservedError) as exc:
            raise ReportError(str(exc)) from None
        return blocks


def _order(runs: pd.DataFrame, strategies: Sequence[str] | None, baseline: str) -> list[str]:
    found = res.strategy_order(runs["strategy"])
    found = [s for s in found if s == baseline] + [s for s in found if s != baseline]
    if strategies is None:
        return found
    first = [s for s in strategies if s in found]
    return first + [s for s in found if s not in first]


def _reorder(frame: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    rank = frame["strategy"].map({s: i for i, s in enumerate(order)})
    attrs = dict(frame.attrs)
    frame = frame.iloc[np.argsort(rank.to_numpy(), kind="stable")].reset_index(drop=True)
    frame.attrs.update(attrs)
    return frame


def _mode(
    runs: pd.DataFrame, x: str | None, y: str | None, sampled: Sequence[str] = ()
) -> tuple[str, list[str], list[str]]:
    params = res.parameter_columns(runs)
    swept = [p for p in res.swept_parameters(runs) if p not in sampled]
    notes: list[str] = []
    for flag, key in (("--x", x), ("--y", y)):
        if key is not None and key not in params:
            allowed = ", ".join(swept) if swept else "none is swept"
            raise ReportError(f"{flag}={key}: not a parameter of these runs; swept: {allowed}")
    if y is not None and x is None:
        raise ReportError(f"--y={y}: needs --x as well")
    chosen = [k for k in (x, y) if k is not None]
    if not chosen:
        if len(swept) <= 2:
            chosen = swept
        else:
            notes.append(
                f"{len(swept)} parameters are swept ({', '.join(swept)}); tables are grouped by "
                "all of them. Choose figure axes with --x and --y."
            )
            return "table", swept, notes
    pooled = [p for p in swept if p not in chosen]
    if pooled:
        notes.append(
            "Results are pooled over the other swept parameter(s): "
            + ", ".join(pooled)
            + ". Each point mixes runs at different values of "
            + ("it" if len(pooled) == 1 else "them")
            + ", so its interval is not a replicate interval; choose both axes with --x and "
            "--y to separate them."
        )
    mode = {0: "comparison", 1: "sweep-1d", 2: "sweep-2d"}[len(chosen)]
    return mode, chosen, notes


def _write_runs(runs: pd.DataFrame, path: Path) -> None:
    frame = runs.copy()
    frame.attrs = {}
    store.atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))


class _SeriesWriter:
    """Append each group's daily series to one Parquet file with a fixed schema."""

    def __init__(self, path: Path, runs: pd.DataFrame, root: Path) -> None:
        self.path = path
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        self.tmp = Path(name)
        names: dict[str, None] = {}
        for run_dir in runs["run_dir"]:
            for name in pq.read_schema(root / run_dir / res.TIMESERIES).names:
                if not name.startswith("__"):
                    names.setdefault(name, None)
        names.pop("day", None)
        self.ids = ["run_dir", "strategy", "seed", *res.parameter_columns(runs)]
        self.metrics = [n for n in names if n not in self.ids]
        id_schema = pa.Schema.from_pandas(runs[self.ids].iloc[0:0], preserve_index=False)
        self.schema = pa.schema(
            [
                *[id_schema.field(c).remove_metadata() for c in self.ids],
                pa.field("day", pa.int64()),
                *[pa.field(m, pa.float64()) for m in self.metrics],
            ]
        )
        self.writer: pq.ParquetWriter | None = None
        self.rows = 0

    def __enter__(self) -> _SeriesWriter:
        try:
            self.writer = pq.ParquetWriter(self.tmp, self.schema)
        except BaseException:
            self.tmp.unlink(missing_ok=True)
            raise
        return self

    def write(self, _key: tuple[Any, ...], frame: pd.DataFrame) -> None:
        table = frame.reindex(columns=[*self.ids, "day", *self.metrics])
        table["day"] = table["day"].astype("int64")
        table[self.metrics] = table[self.metrics].astype(float)
        assert self.writer is not None
        self.writer.write_table(pa.Table.from_pandas(table, self.schema, preserve_index=False))
        self.rows += len(table)

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        assert self.writer is not None
        self.writer.close()
        if exc_type is None:
            os.chmod(self.tmp, store.FILE_MODE)
            self.tmp.replace(self.path)
        else:
            self.tmp.unlink(missing_ok=True)


# --------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------


def _figures(
    report: Report,
    runs_dir: Path,
    bands: pd.DataFrame,
    order: list[str],
    outcome: str,
    params: list[str],
    baseline: str | None,
    graph: Any,
) -> None:
    summary = report.summary

    def draw(key: str, filename: str, make: Any) -> None:
        try:
            fig = make()
        except (ValueError, KeyError) as exc:
            report.notes.append(f"Figure '{key}' not drawn: {exc}")
            return
        plots.save_figure(fig, report.out / filename, formats=plots.REPORT_FORMATS)
        report.figures[key] = filename

    if report.mode in ("sweep-1d", "sweep-2d"):
        axis = {p: param_axis(p) for p in params}
        pooled = report.pooled
        if report.mode == "sweep-1d":
            (xl, xu) = axis[params[0]]
            draw(
                "sweep",
                f"sweep_{outcome}.png",
                lambda: plots.sweep_line(
                    summary, params[0], outcome, x_label=xl, x_unit=xu, pooled=pooled
                ),
            )
            return
        noise = None
        if not pooled:
            noise = res.paired_vs_reference(report.runs, outcome, ["strategy", *params])
        (xl, xu), (yl, yu) = axis[params[0]], axis[params[1]]
        draw(
            "sweep",
            f"heatmap_{outcome}.png",
            lambda: plots.sweep_heatmap(
                summary,
                params[0],
                params[1],
                outcome,
                x_label=xl,
                y_label=yl,
                x_unit=xu,
                y_unit=yu,
                noise=noise,
                pooled=pooled,
            ),
        )
        return
    if report.mode != "comparison":
        return
    labels = strategy_titles(order)
    per_year = report.scorecard.per_year if report.scorecard is not None else None
    band = f"{QUANTILES[0]:.0%}-{QUANTILES[1]:.0%} of replicates"
    smooth = f"{SMOOTH_DAYS}-day mean"
    draw(
        "crime",
        "crime_over_time.png",
        lambda: plots.crime_over_time(bands, order, band, smooth, labels=labels),
    )
    draw(
        "trust",
        "trust_reporting.png",
        lambda: plots.trust_reporting_over_time(
            bands, order, band_label=band, smoothing=smooth, labels=labels
        ),
    )
    if baseline is not None and len(order) > 1:
        draw(
            "forest",
            "effects.png",
            lambda: plots.forest(summary, plots.FOREST_OUTCOMES, order, labels=labels),
        )
        draw(
            "cost",
            "cost_effectiveness.png",
            lambda: plots.cost_effectiveness(summary, order, per_year=per_year, labels=labels),
        )
        draw(
            "equity",
            "equity.png",
            lambda: plots.group_effects(summary, order, labels=labels, trust_sd=_trust_sd()),
        )
    else:
        draw("equity", "equity.png", lambda: plots.equity(summary, strategies=order))
    best = _best(summary, baseline, order)
    shown = [s for s in (baseline or order[0], best) if s is not None]
    shown = list(dict.fromkeys(shown))
    why = ""
    if graph is None:
        graph, why = _city_graph(runs_dir, report.runs)
    if graph is None:
        report.notes.append(
            f"Hot-spot map not drawn: the city network could not be rebuilt ({why})."
        )
        return
    runs = report.runs[report.runs["strategy"].isin(shown)]
    counts = res.place_counts(runs, runs_dir)
    share = summary[summary["outcome"] == "crime_concentration_top5"].set_index("strategy")
    concentration = {s: float(share.loc[s, "mean"]) for s in shown if s in share.index}
    draw(
        "map",
        "hotspots.png",
        lambda: plots.hotspot_map(
            graph, counts, shown, concentration=concentration or None, labels=labels
        ),
    )


def _trust_sd() -> float:
    from commsim.dynamics import TRUST_SD

    return TRUST_SD


def strategy_titles(order: Sequence[str]) -> dict[str, str]:
    """Strategy -> its title in plain words (from the preset files)."""
    from commsim.presets import describe_preset

    return {s: describe_preset(s).title for s in order}


def param_axis(key: str) -> tuple[str, str]:
    """A swept parameter's axis label and unit, from the parameter metadata."""
    try:
        from commsim.params import SimConfig
        from commsim.paramspec import lookup

        info = lookup(SimConfig, key)
    except Exception:  # not a model parameter (e.g. a city file option): the key itself
        return key, ""
    unit = info.unit
    shown = "$ a year" if unit.startswith("USD per year") else unit
    name = key.rsplit(".", 1)[-1].replace("_", " ").capitalize()
    if info.label == name:  # no label in the metadata: the key says more
        return (f"{key} ({shown})" if shown else key), unit
    label = f"{info.label} ({shown})" if shown else info.label
    return f"{label}\n{key}", unit


def _best(summary: pd.DataFrame, baseline: str | None, order: list[str]) -> str | None:
    """The strategy with the lowest mean true crime (other than baseline)."""
    rows = summary[(summary["outcome"] == "crimes") & (summary["strategy"] != baseline)]
    if rows.empty:
        return None
    return str(rows.sort_values("mean", kind="stable").iloc[0]["strategy"])


def _city_graph(runs_dir: Path, runs: pd.DataFrame) -> tuple[Any, str]:
    """The street network of the first run, rebuilt from its config.yaml, or why not.

    The layout depends only on the ``city`` section, never on the run seed or the
    other settings, so every run of a comparison shares it, and runs whose other keys
    have since been renamed (commsim 0.1) still get their map.
    """
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    from commsim.city import city_for
    from commsim.config import explain, schema_node
    from commsim.params import CityConfig, ConfigError

    path = runs_dir / runs["run_dir"].iloc[0] / "config.yaml"
    try:
        city = OmegaConf.select(OmegaConf.load(path), "city", default=None) or {}
        try:
            section = OmegaConf.to_object(OmegaConf.merge(schema_node(CityConfig), city))
        except OmegaConfBaseException as exc:
            raise explain(exc, prefix="city") from None
        return city_for(section).graph, ""
    except (ConfigError, OSError, ValueError, OmegaConfBaseException) as exc:
        return None, store.describe_error(exc)


# --------------------------------------------------------------------------------------
# Report text: blocks rendered to Markdown and HTML
# --------------------------------------------------------------------------------------

Block = tuple[str, Any]


def _read_config(run_dir: Path) -> dict[str, Any]:
    path = run_dir / "config.yaml"
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            flat.update(_flatten(v, f"{key}."))
        else:
            flat[key] = v
    return flat


def _seeds(seeds: pd.Series) -> str:
    values = sorted({int(s) for s in seeds.dropna()})
    if not values:
        return "none"
    if values == list(range(values[0], values[-1] + 1)) and len(values) > 2:
        return f"{values[0]}-{values[-1]}"
    return ", ".join(str(v) for v in values)


def _num(value: float, digits: int = 3) -> str:
    """A number to ``digits`` significant digits, with thousands separators."""
    if value is None or not np.isfinite(value):
        return "n/a"
    if abs(value) >= 10 ** (digits - 1):
        return f"{value:,.0f}"
    if value == 0:
        return "0"
    decimals = digits - 1 - math.floor(math.log10(abs(value)))
    return f"{value:.{min(decimals, 8)}f}"


def _decimals(low: float, high: float) -> int | None:
    """Decimals that show the interval's half-width to two significant digits."""
    half = (high - low) / 2
    if not (np.isfinite(half) and half > 0):
        return None
    return int(min(8, max(0, 1 - math.floor(math.log10(half)))))


def _fixed(value: float, decimals: int, sign: bool = False) -> str:
    text = f"{value:{'+' if sign else ''},.{decimals}f}"
    return "0" if float(text.replace(",", "")) == 0 and sign else text


def _estimate(value: float, low: float, high: float, sign: bool) -> str:
    """``value [low, high]`` rounded to the precision the interval supports."""
    if not np.isfinite(value):
        return "n/a"
    decimals = _decimals(low, high)
    if decimals is None or _num(low) == _num(high):  # no width: a fixed quantity
        text = _num(value)
        return f"+{text}" if sign and value > 0 else text
    return f"{_fixed(value, decimals, sign)} [{_fixed(low, decimals)}, {_fixed(high, decimals)}]"


def _level(row: pd.Series) -> str:
    return _estimate(row["mean"], row["ci_low"], row["ci_high"], sign=False)


def _change(row: pd.Series, star: bool = True) -> str:
    if not np.isfinite(row["diff"]):
        return "n/a"
    text = _estimate(row["diff"], row["diff_ci_low"], row["diff_ci_high"], sign=True)
    if np.isfinite(row["pct_change"]):
        text += f" ({row['pct_change']:+.1f}%)"
    return text + (" *" if star and row["significant"] else "")


def _blocks(
    report: Report,
    runs_dir: Path,
    order: list[str],
    outcome: str,
    params: list[str],
    baseline: str | None,
) -> list[Block]:
    runs = report.runs
    first = runs_dir / runs["run_dir"].iloc[0]
    config = _read_config(first)
    reps = runs.groupby(["strategy", *params], dropna=False).size()
    rep_text = str(reps.iloc[0]) if reps.nunique() == 1 else f"{reps.min()}-{reps.max()}"
    seeds_per = runs.groupby(["strategy", *params], dropna=False)["seed"].nunique()
    seed_text = (
        str(seeds_per.iloc[0])
        if seeds_per.nunique() == 1
        else f"{seeds_per.min()}-{seeds_per.max()}"
    )
    constant = {
        p: runs[p].iloc[0]
        for p in res.parameter_columns(runs)
        if p not in params and p not in report.sampled and runs[p].nunique(dropna=False) == 1
    }
    title = {
        "comparison": "Strategy comparison",
        "sweep-1d": f"Parameter sweep: {params[0] if params else ''}",
        "sweep-2d": f"Parameter sweep: {' x '.join(params)}",
        "table": "Parameter sweep",
    }[report.mode]
    blocks: list[Block] = [("h1", f"commsim report: {title}")]
    if report.scorecard is not None:
        facts_sc = scorecard_facts(report)
        blocks.append(
            (
                "raw",
                (
                    scorecard_page.scorecard_html(report.scorecard, facts_sc, report.links),
                    scorecard_page.scorecard_markdown(report.scorecard, facts_sc, report.links),
                ),
            )
        )
        blocks.append(
            ("p", "The scorecard on one page for printing: [scorecard.pdf](scorecard.pdf).")
        )
        blocks.append(("h2", "About these runs"))
    left_out = (
        f"{len(report.skipped)} left out, listed below" if len(report.skipped) else "none left out"
    )
    if report.pooled:
        replicates = (
            f"Runs per setting: {rep_text} ({seed_text} seed(s) x the values of the pooled "
            f"parameter(s) {', '.join(report.pooled)}; these are not replicates); "
        )
    else:
        replicates = f"Replicates per {'strategy' if not params else 'setting'}: {rep_text}; "
    facts = [
        f"Runs used: {len(runs)} complete ({left_out}).",
        f"Strategies: {', '.join(order)}.",
        replicates + f"seeds {_seeds(runs['seed'])}. Replicate k of every "
        f"{'setting' if params else 'strategy'} uses seed k (common random numbers)"
        + (
            ", so differences vs baseline are paired on seed."
            if baseline and len(order) > 1
            else "."
        ),
    ]
    if "days" in config and not {"days", "warmup_days"} & set(params):
        facts.append(
            f"Evaluation window: {config['days']} days after a "
            f"{config.get('warmup_days', '?')}-day warm-up."
        )
    if constant:
        facts.append("Settings: " + ", ".join(f"{k}={v}" for k, v in constant.items()) + ".")
    for p in params:
        values = ", ".join(str(v) for v in sorted(runs[p].dropna().unique()))
        facts.append(f"Swept {p}: {values}.")
    blocks.append(("ul", facts))
    for note in report.notes:
        blocks.append(("p", f"Note: {note}"))

    if report.mode == "comparison":
        blocks += _comparison_blocks(report, order, baseline)
    else:
        blocks += _sweep_blocks(report, outcome, params)

    costs = config.get("costs")
    blocks.append(("h2", "Unit costs"))
    if isinstance(costs, dict) and costs:
        flat = _flatten(costs)
        table = pd.DataFrame(
            {
                "item": list(flat),
                "USD": [_num(float(v)) if _is_num(v) else v for v in flat.values()],
            }
        )
        source = f"{runs['run_dir'].iloc[0]}/config.yaml"
        swept_costs = [p for p in res.swept_parameters(runs) if p.startswith("costs.")]
        scope = (
            f"{', '.join(swept_costs)} vary between runs; see runs.parquet"
            if swept_costs
            else "the same for every run"
        )
        blocks.append(("p", f"From `costs` in {source} ({scope})."))
        blocks.append(("table", table))
    else:
        blocks.append(("p", "No `costs` section found in the runs' config.yaml."))

    blocks.append(("h2", "Runs left out"))
    if report.skipped.empty:
        blocks.append(("p", "None: every run found was complete."))
    else:
        blocks.append(("p", "Failed and incomplete runs are not in any table or figure."))
        blocks.append(("table", report.skipped.fillna("")))
    blocks.append(
        (
            "p",
            "Files: summary.csv (one row per strategy x outcome), runs.parquet (one row per "
            "run), timeseries.parquet (every run's daily series), skipped.csv.",
        )
    )
    return blocks


def _is_num(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _findings(summary: pd.DataFrame, baseline: str) -> list[str]:
    """A few plain-language sentences: biggest effects, best value, harms."""
    rows = summary[summary["diff"].notna() & (summary["strategy"] != baseline)]
    out: list[str] = []
    titles = strategy_titles(list(dict.fromkeys(rows["strategy"])))

    def title(strategy: str) -> str:
        return titles.get(strategy, strategy)

    def best(outcome: str, noun: str, past: str) -> None:
        r = rows[rows["outcome"] == outcome]
        if r.empty:
            return
        label = plots.metric_label(outcome, with_unit=False).lower()
        sign = 1 if res.higher_is_better(outcome) else -1
        top = r.loc[(sign * r["diff"]).idxmax()]
        if res.direction(outcome, top["diff"]) != "better":
            out.append(f"No strategy {past} {label}.")
            return
        sure = "" if top["significant"] else " (but its 95% CI includes zero)"
        out.append(
            f"Largest {noun} in {label}: {title(top['strategy'])}, "
            f"{_change(top, star=False)}{sure}."
        )

    best("crimes", "cut", "cut")
    best("trust_mean", "rise", "raised")
    best("victimization_rate", "cut", "cut")
    value = rows[(rows["outcome"] == "crimes") & rows["significant"] & (rows["diff"] < 0)]
    value = value[np.isfinite(value["crimes_averted_per_1m_usd"])]
    if not value.empty:
        top = value.loc[value["crimes_averted_per_1m_usd"].idxmax()]
        out.append(
            f"Most crimes averted per $1M of extra cost (among strategies that cut crime "
            f"with a CI excluding zero): {title(top['strategy'])}, "
            f"{_num(top['crimes_averted_per_1m_usd'])} per $1M."
        )
    harms = rows[rows["significant"]]
    worse = [
        res.direction(o, d) == "worse" for o, d in zip(harms["outcome"], harms["diff"], strict=True)
    ]
    harms = harms[np.array(worse, dtype=bool)]
    for strategy, rows_s in harms.groupby("strategy", sort=False):
        names = "; ".join(plots.metric_label(o, with_unit=False) for o in rows_s["outcome"])
        out.append(f"{title(strategy)} is worse than baseline (95% CI excludes zero) on: {names}.")
    return out


def _comparison_blocks(report: Report, order: list[str], baseline: str | None) -> list[Block]:
    summary = report.summary
    blocks: list[Block] = []
    outcomes = [o for o in KEY_OUTCOMES if (summary["outcome"] == o).any()]
    findings = _findings(summary, baseline) if baseline is not None and len(order) > 1 else []
    if findings:
        blocks.append(("h2", "Key findings"))
        blocks.append(("ul", findings))
    blocks.append(("h2", "All effects over the evaluation window"))
    if baseline is not None and len(order) > 1:
        blocks.append(
            (
                "p",
                f"Change vs {baseline} in each outcome's own unit, over the evaluation window "
                "(not per year): mean paired difference [95% CI] (percent change); * marks a "
                "CI that excludes zero. Baseline row: mean [95% CI].",
            )
        )
    rows = []
    for strategy in order:
        s = summary[summary["strategy"] == strategy].set_index("outcome")
        row: dict[str, str] = {"strategy": strategy}
        for o in outcomes:
            r = s.loc[o]
            if strategy == baseline or baseline is None:
                row[plots.metric_label(o)] = _level(r)
            else:
                row[plots.metric_label(o)] = _change(r)
        if baseline is not None and strategy != baseline and "crimes" in s.index:
            per = s.loc["crimes", "crimes_averted_per_1m_usd"]
            if not np.isfinite(per):
                row["Crimes averted per $1M"] = "same or lower cost"
            elif not s.loc["crimes", "significant"]:
                row["Crimes averted per $1M"] = "unclear (crime CI includes 0)"
            else:
                row["Crimes averted per $1M"] = _estimate(
                    per,
                    s.loc["crimes", "crimes_averted_per_1m_usd_ci_low"],
                    s.loc["crimes", "crimes_averted_per_1m_usd_ci_high"],
                    sign=False,
                )
        elif baseline is not None and len(order) > 1:
            row["Crimes averted per $1M"] = ""
        rows.append(row)
    blocks.append(("table", pd.DataFrame(rows)))
    for key in ("forest", "cost"):
        if key in report.figures:
            blocks.append(("img", (report.figures[key], _CAPTIONS[key])))

    if baseline is not None and len(order) > 1:
        blocks.append(("h2", "Differences whose 95% CI excludes zero"))
        sig = summary[summary["significant"]]
        if sig.empty:
            blocks.append(("p", "None: no difference vs baseline is distinguishable from zero."))
        else:
            table = pd.DataFrame(
                {
                    "strategy": sig["strategy"],
                    "outcome": [plots.metric_label(o) for o in sig["outcome"]],
                    "change vs baseline [95% CI] (%)": [
                        _change(r, star=False) for _, r in sig.iterrows()
                    ],
                    "direction": [
                        res.direction(o, d)
                        for d, o in zip(sig["diff"], sig["outcome"], strict=True)
                    ],
                }
            )
            blocks.append(("table", table))
            tested = int(summary["diff"].notna().sum())
            blocks.append(
                (
                    "p",
                    f"{len(sig)} of {tested} strategy x outcome differences have a 95% CI that "
                    "excludes zero. Even for an outcome a strategy does not affect, the interval "
                    "would exclude zero about 1 time in 20; an interval is omitted where the "
                    "difference is the same in every replicate (e.g. a fixed cost).",
                )
            )
    blocks.append(("h2", "Over time, by group and on the map"))
    for key in ("crime", "trust", "equity", "map"):
        if key in report.figures:
            blocks.append(("img", (report.figures[key], _CAPTIONS[key])))
    return blocks


_CAPTIONS = {
    "forest": "Effects vs baseline (mean paired difference with 95% CI).",
    "cost": "Cost-effectiveness: extra cost against crimes averted.",
    "crime": "True vs recorded crime over time.",
    "trust": "Trust in police and reporting rate over time.",
    "equity": "Equity: trust and victimisation by group.",
    "map": "Crime hot spots: baseline and the strategy with the least crime.",
}


def _sweep_blocks(report: Report, outcome: str, params: list[str]) -> list[Block]:
    blocks: list[Block] = []
    if "sweep" in report.figures:
        blocks.append(("h2", "Figure"))
        blocks.append(("img", (report.figures["sweep"], plots.metric_label(outcome))))
    rows = report.summary[report.summary["outcome"] == outcome]
    by = ["strategy", *params]
    table = rows[by].copy()
    table["n"] = rows["n"]
    table[f"{outcome}: mean [95% CI]"] = [_level(r) for _, r in rows.iterrows()]
    if rows["diff"].notna().any():
        table["change vs baseline"] = [_change(r) for _, r in rows.iterrows()]
    blocks.append(("h2", f"{plots.metric_label(outcome)} by setting"))
    if len(table) > 200:
        blocks.append(("p", f"{len(table)} settings: see summary.csv (first 200 shown)."))
    blocks.append(("table", table.head(200)))
    return blocks


def _markdown(blocks: list[Block]) -> str:
    lines: list[str] = []
    for kind, content in blocks:
        if kind == "h1":
            lines += [f"# {content}", ""]
        elif kind == "h2":
            lines += [f"## {content}", ""]
        elif kind == "p":
            lines += [content, ""]
        elif kind == "ul":
            lines += [f"- {item}" for item in content] + [""]
        elif kind == "img":
            path, caption = content
            stem = Path(path).stem
            lines += [
                f"![{caption}]({path})",
                "",
                f"*{caption}* ([SVG]({stem}.svg), [PDF]({stem}.pdf))",
                "",
            ]
        elif kind == "raw":
            lines += [content[1], ""]
        elif kind == "table":
            frame: pd.DataFrame = content
            cells = [[_md_cell(v) for v in frame.columns]]
            cells += [[_md_cell(v) for v in row] for row in frame.itertuples(index=False)]
            lines.append("| " + " | ".join(cells[0]) + " |")
            lines.append("|" + "---|" * len(frame.columns))
            lines += ["| " + " | ".join(row) + " |" for row in cells[1:]]
            lines.append("")
    return "\n".join(lines)


def _md_cell(value: Any) -> str:
    text = _num(value) if isinstance(value, float) else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1200px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;margin:.6em 0;font-size:.88em}
th,td{border:1px solid #ccc;padding:.3em .55em;text-align:left;vertical-align:top}
th{background:#f3f3f3}tr:nth-child(even) td{background:#fafafa}
figure{margin:1em 0}img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{color:#555;font-size:.9em}
"""


def _html(blocks: list[Block], out: Path) -> str:
    title = next((c for k, c in blocks if k == "h1"), "commsim report")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{_CSS}{scorecard_page.CSS}</style></head><body>",
    ]
    for kind, content in blocks:
        if kind in {"h1", "h2"}:
            parts.append(f"<{kind}>{html.escape(content)}</{kind}>")
        elif kind == "p":
            parts.append(f"<p>{_inline(content)}</p>")
        elif kind == "ul":
            parts.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in content) + "</ul>")
        elif kind == "img":
            path, caption = content
            data = base64.b64encode((out / path).read_bytes()).decode("ascii")
            stem = html.escape(Path(path).stem)
            parts.append(
                f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(caption)}">'
                f'<figcaption>{html.escape(caption)} (<a href="{stem}.svg">SVG</a>, '
                f'<a href="{stem}.pdf">PDF</a>)</figcaption></figure>'
            )
        elif kind == "raw":
            parts.append(content[0])
        elif kind == "table":
            frame: pd.DataFrame = content
            head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
            body = "".join(
                "<tr>" + "".join(f"<td>{html.escape(_md_cell(v))}</td>" for v in row) + "</tr>"
                for row in frame.itertuples(index=False)
            )
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts)


_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def _inline(text: str) -> str:
    """Escape text and render `code` spans and [text](link) links."""
    pieces = html.escape(text).split("`")
    out = "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(pieces))
    return _LINK.sub(lambda m: f'<a href="{m.group(2)}">{m.group(1)}</a>', out)


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="commsim report",
        description="Aggregate a folder of runs (compare output or Hydra multirun) into "
        "tables, figures and a report.",
    )
    parser.add_argument("dir", type=Path, help="folder holding run directories")
    parser.add_argument("--out", type=Path, default=None, help="report folder (default DIR/report)")
    parser.add_argument("--outcome", default="crimes", help="outcome of sweep figures")
    parser.add_argument("--x", default=None, help="swept parameter on the x axis")
    parser.add_argument("--y", default=None, help="swept parameter on the y axis (heatmap)")
    parser.add_argument(
        "--baseline",
        default=None,
        help=f"reference strategy, one of the runs' (default {res.BASELINE}, when present)",
    )
    add_rank_option(parser)
    add_extra_options(parser)
    return parser


#: The one line when Ctrl-C stops a report half-way (``commsim report`` and ``compare``).
REPORT_INTERRUPTED = (
    "{command}: interrupted while writing the report; the previous report, if any, is "
    "unchanged; the runs are kept (commsim report {runs} writes it)"
)


def add_rank_option(parser: argparse.ArgumentParser) -> None:
    """``--rank-by``: how the scorecard ranks strategies (shared with ``commsim compare``)."""
    parser.add_argument(
        "--rank-by",
        default=sc.DEFAULT_RANK,
        help="scorecard ranking: crimes (default: largest cut in true crime first), value "
        "(crimes averted per $1M), cost (cheapest first), or an outcome key such as "
        "trust_mean or trust_mean_minority",
    )


def add_extra_options(parser: argparse.ArgumentParser) -> None:
    """``--geo`` and ``--observed`` (shared by ``commsim report`` and ``commsim compare``)."""
    parser.add_argument(
        "--geo",
        choices=("gpkg", "geoparquet"),
        default=None,
        help="also write places, neighbourhoods and events as GIS layers in the city's CRS",
    )
    parser.add_argument(
        "--observed",
        type=Path,
        default=None,
        help="CSV of recorded crime per neighbourhood (your ids) to set beside the simulated",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``commsim report``; return the exit code.

    Args:
        argv: Arguments after ``report`` (default: ``sys.argv[1:]``).

    Returns:
        0 on success, 1 if the report could not be written, 2 on bad input (also a
        folder without complete runs).
    """
    args = parse(_parser(), argv)
    if isinstance(args, int):
        return args
    if not args.dir.is_dir():
        problem = "is a file, not a directory" if args.dir.exists() else "no such directory"
        print(f"commsim: error: dir={args.dir}: {problem}; {EXPECTED_FOLDER}", file=sys.stderr)
        return 2
    try:
        report = build_report(
            args.dir, args.out, args.outcome, args.x, args.y, args.baseline,
            rank_by=args.rank_by, geo=args.geo, observed=args.observed,
        )  # fmt: skip
    except NoRunsError as exc:
        print(f"commsim: error: {exc}; {EXPECTED_FOLDER}", file=sys.stderr)
        return 2
    except ReportError as exc:
        print(f"commsim: error: {exc}", file=sys.stderr)
        return 2
    except store.StoreError as exc:  # the report folder is busy or cannot be written
        print(f"commsim: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # the previous report, if any, is left as it was
        print(f"commsim: error: report failed: {store.describe_error(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(REPORT_INTERRUPTED.format(command="report", runs=args.dir), file=sys.stderr)
        return 130
    print_left_out(report.skipped)
    if report.pooled:
        print(
            f"report: pooled over {', '.join(report.pooled)} (not shown on an axis; "
            "choose axes with --x and --y)",
            file=sys.stderr,
        )
    left_out = f", {len(report.skipped)} left out" if len(report.skipped) else ""
    print(f"report: {report.out / 'report.html'} ({len(report.runs)} runs{left_out})")
    return 0


def print_left_out(skipped: pd.DataFrame, limit: int = 10) -> None:
    """List the runs left out of a report on stderr, one line each (at most ``limit``)."""
    for row in skipped.head(limit).itertuples(index=False):
        print(f"  left out: {row.run_dir}: {row.status}: {row.reason}", file=sys.stderr)
    if len(skipped) > limit:
        print(f"  ... and {len(skipped) - limit} more (see skipped.csv)", file=sys.stderr)
