"""Observed crime beside simulated: where the model fits a city and where it does not.

A user who has recorded crime counts per neighbourhood (police data, over any
period) gives them as a CSV keyed by their own neighbourhood ids or names
(``commsim report --observed counts.csv``, also on ``commsim compare``). The
report then compares them with the recorded crime the model gives each
neighbourhood under the status quo (the baseline strategy, averaged over its
replicates):

- Spearman's rank correlation with a 95% interval (Fisher's z with the
  variance 1.06 / (n - 3) of Fieller, Hartley & Pearson 1957): do the same
  neighbourhoods come out high and low?
- a scatter of each neighbourhood's share of the city's recorded crime,
  observed against simulated (shares, because the periods and scales differ);
- a map of where the model gives a neighbourhood more or less of the city's
  crime than the data do, and a table of the largest differences.

The CSV needs a neighbourhood column (``neighborhood``, ``neighbourhood``,
``neighborhood_id``, ``id``, ``area`` or ``name``) and a count column
(``recorded``, ``crimes``, ``count`` or ``observed``); neighbourhoods it
leaves out are left out of the comparison. A bad file stops with one line.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

KEY_COLUMNS = ("neighborhood", "neighbourhood", "neighborhood_id", "id", "area", "name")
COUNT_COLUMNS = ("recorded", "crimes", "count", "observed")
MIN_NEIGHBORHOODS = 4  # Fisher's z interval needs n > 3
SIMULATED = "crimes_recorded"  # per-neighbourhood column of a run's neighborhoods table
TABLE_FILE = "observed_vs_simulated.csv"
SCATTER_FILE = "observed_scatter.png"
MAP_FILE = "observed_map.png"
SHOWN_GAPS = 10
LABEL_ALL = 30  # maps of up to this many neighbourhoods name them all
MAP_LIMIT = 3.0  # log2: the map's colours span 1/8 to 8 times the observed share


class ObservedError(Exception):
    """The observed-crime file cannot be used; the message is one line for the user."""


def read_observed(path: str | Path, city: Any) -> pd.DataFrame:
    """Read and check a CSV of recorded crime per neighbourhood against a city.

    Args:
        path: The CSV file.
        city: The :class:`~commsim.city.City` the runs were made on (its
            neighbourhood ids and names are what the keys must match).

    Returns:
        One row per neighbourhood in the file: ``neighborhood`` (commsim's
        number), ``neighborhood_id``, ``neighborhood_name``, ``observed``.

    Raises:
        ObservedError: Missing file, unreadable CSV, missing columns, values that are
            not non-negative numbers, unknown or repeated neighbourhoods, too few rows.
    """
    path = Path(path)
    where = f"--observed={path}"
    if not path.is_file():
        raise ObservedError(f"{where}: file not found")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ObservedError(f"{where}: not a readable CSV ({reason})") from None
    columns = {c.strip().casefold(): c for c in frame.columns}
    key = next((columns[c] for c in KEY_COLUMNS if c in columns), None)
    count = next((columns[c] for c in COUNT_COLUMNS if c in columns and columns[c] != key), None)
    found = ", ".join(map(str, frame.columns)) or "none"
    if key is None:
        raise ObservedError(
            f"{where}: no neighbourhood column; name one {', '.join(KEY_COLUMNS)} (found: {found})"
        )
    if count is None:
        raise ObservedError(
            f"{where}: no count column; name one {', '.join(COUNT_COLUMNS)} (found: {found})"
        )
    if frame.empty:
        raise ObservedError(f"{where}: no rows")
    raw = frame[count].str.strip()
    values = pd.to_numeric(raw, errors="coerce")
    bad = ~np.isfinite(values.to_numpy(float)) | (values.to_numpy(float) < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ObservedError(
            f"{where}: row {i + 2}: {count}={raw.iloc[i]!r} is not a non-negative number"
        )
    keys = frame[key].str.strip()
    dense, unknown = [], []
    for k in keys:
        try:
            dense.append(city.neighborhood_index(k))
        except KeyError:
            unknown.append(k)
    if unknown:
        ids = city.neighborhoods["id"].astype(str).tolist()
        shown = ", ".join(ids[:5]) + (", ..." if len(ids) > 5 else "")
        listed = ", ".join(repr(u) for u in unknown[:3]) + (", ..." if len(unknown) > 3 else "")
        raise ObservedError(
            f"{where}: {len(unknown)} unknown neighbourhood(s) in {key}: {listed} "
            f"(the city's ids: {shown})"
        )
    dense_arr = np.asarray(dense, dtype=np.int64)
    repeated = pd.Series(dense_arr).duplicated()
    if repeated.any():
        i = int(np.flatnonzero(repeated.to_numpy())[0])
        raise ObservedError(
            f"{where}: row {i + 2}: neighbourhood {keys.iloc[i]!r} appears more than once"
        )
    if len(dense_arr) < MIN_NEIGHBORHOODS:
        raise ObservedError(
            f"{where}: {len(dense_arr)} neighbourhood(s); a rank correlation needs at least "
            f"{MIN_NEIGHBORHOODS}"
        )
    hoods = city.neighborhoods
    return pd.DataFrame(
        {
            "neighborhood": dense_arr,
            "neighborhood_id": hoods["id"].astype(str).to_numpy()[dense_arr],
            "neighborhood_name": hoods["name"].astype(str).to_numpy()[dense_arr],
            "observed": values.to_numpy(float),
        }
    )


# ------------------------------------------------------------------ statistics
def spearman(x: np.ndarray, y: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Spearman's rank correlation and its interval (Fisher's z, variance 1.06 / (n - 3)).

    Returns NaNs when either variable is constant (no ranking to compare).
    """
    from scipy import stats

    x, y = np.asarray(x, float), np.asarray(y, float)
    n = len(x)
    if n < MIN_NEIGHBORHOODS or np.ptp(x) == 0 or np.ptp(y) == 0:
        return math.nan, math.nan, math.nan
    rho = float(stats.spearmanr(x, y).statistic)
    z = math.atanh(min(max(rho, -0.999999), 0.999999))
    half = stats.norm.ppf(0.5 + level / 2) * math.sqrt(1.06 / (n - 3))
    return rho, math.tanh(z - half), math.tanh(z + half)


def simulated_by_neighborhood(runs: pd.DataFrame, runs_dir: Path) -> pd.DataFrame:
    """Mean recorded crime per neighbourhood over ``runs``, with the replicates' 10-90% range."""
    frames = []
    for run_dir in runs["run_dir"]:
        path = Path(runs_dir) / str(run_dir) / "neighborhoods.parquet"
        if path.is_file():
            frames.append(pd.read_parquet(path, columns=["neighborhood", SIMULATED]))
    if not frames:
        raise ObservedError("the runs have no neighborhoods table (made by an older commsim)")
    both = pd.concat(frames, ignore_index=True).groupby("neighborhood")[SIMULATED]
    return pd.DataFrame(
        {
            "simulated": both.mean(),
            "simulated_p10": both.quantile(0.1),
            "simulated_p90": both.quantile(0.9),
            "runs": both.size(),
        }
    ).reset_index()


def comparison_table(observed: pd.DataFrame, simulated: pd.DataFrame) -> pd.DataFrame:
    """Observed and simulated side by side: counts, shares of the city's total, ranks."""
    table = observed.merge(simulated, on="neighborhood", how="left")
    table["simulated"] = table["simulated"].fillna(0.0)
    table["share_observed"] = _share(table["observed"])
    table["share_simulated"] = _share(table["simulated"])
    table["rank_observed"] = table["observed"].rank(ascending=False, method="average")
    table["rank_simulated"] = table["simulated"].rank(ascending=False, method="average")
    table["rank_gap"] = table["rank_simulated"] - table["rank_observed"]
    # log2 of simulated over observed share; +1 = the model gives it twice its share.
    eps = 0.5 / max(len(table), 1) / 100  # half a percent of an even share keeps zeros finite
    table["share_log2_ratio"] = np.log2(
        (table["share_simulated"] + eps) / (table["share_observed"] + eps)
    )
    return table


def _share(values: pd.Series) -> pd.Series:
    total = float(values.sum())
    return values / total if total > 0 else values * 0.0


# ------------------------------------------------------------------ figures
def scatter_figure(table: pd.DataFrame, label: str, rho: tuple[float, float, float]) -> Any:
    """Each neighbourhood's share of recorded crime: observed (x) against simulated (y)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 5.6), constrained_layout=True)
    x, y = 100 * table["share_observed"], 100 * table["share_simulated"]
    top = max(float(x.max()), float(y.max()), 1e-9) * 1.08
    ax.plot([0, top], [0, top], color="#555555", ls="--", lw=1, label="same share")
    ax.scatter(
        x, y, s=28, color="#0072B2", edgecolor="white", lw=0.5, zorder=3, label="neighbourhood"
    )
    for row in (
        table.reindex(table["rank_gap"].abs().sort_values(ascending=False).index)
        .head(5)[["neighborhood_name", "share_observed", "share_simulated"]]
        .itertuples(index=False)
    ):
        ax.annotate(
            str(row.neighborhood_name)[:24],
            (100 * row.share_observed, 100 * row.share_simulated),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize=8,
            color="#333333",
        )
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel("observed: % of the city's recorded crime")
    ax.set_ylabel(f"simulated ({label}): % of recorded crime")
    r, lo, hi = rho
    text = (
        "rank correlation not defined"
        if math.isnan(r)
        else (f"Spearman rho = {r:.2f} (95% CI {lo:.2f} to {hi:.2f}), n = {len(table)}")
    )
    ax.set_title(f"Observed vs simulated recorded crime by neighbourhood\n{text}", fontsize=10)
    ax.legend(frameon=False, loc="upper left")
    ax.grid(alpha=0.3)
    return fig


def map_figure(table: pd.DataFrame, boundaries: list[Any]) -> Any:
    """Neighbourhoods coloured by simulated over observed share of recorded crime (log2).

    Purple: the model gives the neighbourhood less of the city's crime than the
    data; orange: more. Neighbourhoods the file leaves out are grey.
    """
    import matplotlib.pyplot as plt
    from matplotlib import colors, patheffects
    from matplotlib.patches import PathPatch

    fig, ax = plt.subplots(figsize=(7.2, 6.4), constrained_layout=True)
    ratio = dict(zip(table["neighborhood"], table["share_log2_ratio"], strict=True))
    largest = float(np.nanmax(np.abs(table["share_log2_ratio"])))
    limit = min(max(1.0, largest), MAP_LIMIT)  # beyond 8x either way, one colour
    norm = colors.TwoSlopeNorm(vmin=-limit, vcenter=0.0, vmax=limit)
    cmap = plt.get_cmap("PuOr_r")
    for k, b in enumerate(boundaries):
        value = ratio.get(k)
        face = "#dddddd" if value is None else cmap(norm(value))
        ax.add_patch(
            PathPatch(
                _filled_path(b.rings),
                facecolor=face,
                edgecolor="#333333",
                lw=0.5,
                hatch=None if value is not None else "//",
            )
        )
    worst = table.reindex(table["share_log2_ratio"].abs().sort_values(ascending=False).index)
    named = len(worst) if len(boundaries) <= LABEL_ALL else SHOWN_GAPS
    for row in worst.head(named).itertuples(index=False):
        xy = boundaries[int(row.neighborhood)].label_xy
        ax.annotate(
            str(row.neighborhood_name)[:18],
            xy,
            ha="center",
            va="center",
            fontsize=7,
            path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")],
        )
    ax.autoscale_view()
    ax.set_aspect("equal")
    ax.set_axis_off()
    bar = fig.colorbar(
        plt.cm.ScalarMappable(norm=norm, cmap=cmap),
        ax=ax,
        shrink=0.7,
        extend="both" if largest > limit else "neither",
    )
    bar.set_label(
        "simulated ÷ observed share of recorded crime (log2)\n"
        "+1: twice its share in the model; -1: half"
    )
    ax.set_title(
        "Where the model gives a neighbourhood more (orange) or less (purple)\n"
        "of the city's recorded crime than observed",
        fontsize=10,
    )
    return fig


def _filled_path(rings: tuple[np.ndarray, ...]) -> Any:
    """One path of a neighbourhood's rings, filled by the even-odd rule (holes stay empty).

    Matplotlib fills by the non-zero winding rule, so each ring is turned
    anticlockwise when it lies inside an even number of the other rings and
    clockwise otherwise.
    """
    from matplotlib.path import Path as MplPath

    vertices, codes = [], []
    paths = [MplPath(np.asarray(r, float)) for r in rings]
    for i, ring in enumerate(rings):
        ring = np.asarray(ring, float)
        depth = sum(p.contains_point(ring[0]) for j, p in enumerate(paths) if j != i)
        x, y = ring[:, 0], ring[:, 1]
        area = 0.5 * float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))
        if (area > 0) != (depth % 2 == 0):
            ring = ring[::-1]
        vertices.append(ring)
        codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(ring) - 2) + [MplPath.CLOSEPOLY]
    return MplPath(np.vstack(vertices), codes)


# ------------------------------------------------------------------ the report section
def choose_strategy(runs: pd.DataFrame, baseline: str | None, order: list[str]) -> str:
    """The status-quo runs observed crime is compared with: the baseline, else the first."""
    return baseline if baseline in set(runs["strategy"]) else order[0]


def report_section(
    out: Path,
    runs: pd.DataFrame,
    runs_dir: Path,
    path: str | Path,
    city: Any,
    strategy: str,
) -> tuple[list[tuple[str, Any]], dict[str, str]]:
    """Write the comparison's table and figures into ``out``; return report blocks and figures.

    Raises:
        ObservedError: The file does not fit the city, or the runs have no neighbourhood table.
    """
    from commsim import plots

    observed = read_observed(path, city)
    chosen = runs[runs["strategy"] == strategy]
    table = comparison_table(observed, simulated_by_neighborhood(chosen, runs_dir))
    rho = spearman(table["observed"].to_numpy(), table["simulated"].to_numpy())
    table = table.sort_values("rank_gap", key=np.abs, ascending=False, kind="stable")
    table.to_csv(out / TABLE_FILE, index=False)
    figures = {}
    plots.save_figure(scatter_figure(table, strategy, rho), out / SCATTER_FILE)
    figures["observed_scatter"] = SCATTER_FILE
    empty = [w for w in ("observed", "simulated") if table[w].sum() <= 0]
    if not empty:
        plots.save_figure(map_figure(table, city.boundaries()), out / MAP_FILE)
        figures["observed_map"] = MAP_FILE
    n_runs = len(chosen)
    left = city.n_neighborhoods - len(table)
    r, lo, hi = rho
    fit = (
        "The rank correlation is not defined (one of the two has the same count everywhere)."
        if math.isnan(r)
        else f"Spearman's rank correlation is {r:.2f} (95% CI {lo:.2f} to {hi:.2f}; "
        f"{len(table)} neighbourhoods): {_strength(r, lo)}"
    )
    blocks: list[tuple[str, Any]] = [
        ("h2", "Observed vs simulated recorded crime"),
        (
            "p",
            f"Recorded crime per neighbourhood from `{Path(path).name}` beside the model's "
            f"'{strategy}' runs ({n_runs} replicate(s), mean). Counts cover different periods "
            "and scales, so each is compared as a share of the city's total and by rank."
            + (f" {left} neighbourhood(s) not in the file are left out." if left else ""),
        ),
        ("p", fit),
        (
            "img",
            (
                SCATTER_FILE,
                "Share of recorded crime by neighbourhood: observed vs simulated; "
                "the dashed line is an exact fit; the five largest rank gaps are named.",
            ),
        ),
        (
            "img",
            (
                MAP_FILE,
                "Simulated over observed share of recorded crime (log2): orange, the "
                "model gives a neighbourhood more of the city's crime than recorded; purple, "
                "less; grey, not in the file.",
            ),
        )
        if not empty
        else (
            "p",
            f"No map: the {' and '.join(empty)} counts are all zero, so shares are not defined.",
        ),
        (
            "p",
            f"The {min(SHOWN_GAPS, len(table))} largest rank differences (all in "
            f"{TABLE_FILE}); rank 1 has the most recorded crime:",
        ),
        ("table", _shown(table.head(SHOWN_GAPS))),
    ]
    return blocks, figures


def _strength(rho: float, lo: float) -> str:
    if lo > 0.5:
        return "the model ranks neighbourhoods much as the data do."
    if lo > 0:
        return "the model's ranking agrees with the data's, loosely."
    if rho > 0:
        return "agreement is weak; the interval includes no agreement at all."
    return "the model does not rank neighbourhoods as the data do."


def _shown(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "neighbourhood": table["neighborhood_name"],
            "id": table["neighborhood_id"],
            "observed": table["observed"].round(1),
            "simulated (mean)": table["simulated"].round(1),
            "observed share %": (100 * table["share_observed"]).round(1),
            "simulated share %": (100 * table["share_simulated"]).round(1),
            "rank observed": table["rank_observed"],
            "rank simulated": table["rank_simulated"],
        }
    )
