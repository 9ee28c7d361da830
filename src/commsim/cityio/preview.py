"""A city folder's preview map (PNG) and one-screen summary."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Polygon as Patch

from commsim.city import LAND_USES
from commsim.cityfolder import CityTables

LAND_USE_COLOURS = {"commercial": "#d55e00", "mixed": "#e69f00", "park": "#009e73"}  # Okabe-Ito


def preview_map(tables: CityTables, title: str, path: Path) -> None:
    """Streets, neighbourhood outlines coloured by disadvantage, names, and activity places."""
    places, streets, hoods = tables.places, tables.streets, tables.neighborhoods
    xy = places[["x", "y"]].to_numpy(float) / 1000.0
    segs = np.stack([xy[streets["u"].to_numpy()], xy[streets["v"].to_numpy()]], axis=1)
    fig = Figure(figsize=(8.5, 8.0), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax.add_collection(LineCollection(segs, colors="#b0b0b0", linewidths=0.4, zorder=1))
    rings = tables.rings()
    norm = Normalize(0, 1)
    cmap = "cividis"
    colours = colormaps[cmap](norm(hoods["disadvantage"].to_numpy(float)))
    if rings is not None:
        for k, parts in enumerate(rings):
            for ring in parts:
                ax.add_patch(
                    Patch(
                        ring / 1000.0,
                        closed=True,
                        fc=(*colours[k][:3], 0.35),
                        ec="#333333",
                        lw=0.8,
                        zorder=0,
                    )
                )
    else:
        nb = places["neighborhood"].to_numpy()
        ax.scatter(xy[:, 0], xy[:, 1], s=3, c=colours[nb], zorder=0.5, linewidths=0)
    for use, colour in LAND_USE_COLOURS.items():
        mask = (places["land_use"] == use).to_numpy()
        if mask.any():
            ax.scatter(
                xy[mask, 0], xy[mask, 1], s=4, color=colour, label=use, zorder=2, linewidths=0
            )
    size = 8 if len(hoods) <= 20 else 6 if len(hoods) <= 80 else 4
    for _, row in hoods.iterrows():
        ax.annotate(
            str(row["name"]),
            (row["label_x"] / 1000.0, row["label_y"] / 1000.0),
            ha="center",
            va="center",
            fontsize=size,
            zorder=3,
            bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.6},
        )
    fig.colorbar(
        ScalarMappable(norm=norm, cmap=cmap),
        ax=ax,
        shrink=0.6,
        label="Neighbourhood disadvantage (0-1)",
    )
    ax.legend(title="Places to work, shop, go out", loc="lower left", fontsize=7, markerscale=3)
    ax.set_aspect("equal")
    ax.autoscale_view()
    ax.set_xlabel("x (km)")
    ax.set_ylabel("y (km)")
    ax.set_title(title, fontsize=10)
    fig.savefig(path, dpi=110)


def summary_text(tables: CityTables, name: str, residents: int, notes: list[str]) -> str:
    """Places, streets, km of street, residents, neighbourhoods, attribute ranges, and notes."""
    places, streets, hoods = tables.places, tables.streets, tables.neighborhoods
    uses = places["land_use"].value_counts()
    lines = [
        f"city {name!r}  (CRS {tables.meta.get('crs') or 'none: metres'})",
        f"  places (junctions)   {len(places):>12,}",
        f"  streets              {len(streets):>12,}   {streets['length_m'].sum() / 1000:,.1f} km",
        f"  households           {int(places['households'].sum()):>12,}",
        f"  residents (derived)  {residents:>12,}   (city.residents overrides)",
        f"  neighbourhoods       {len(hoods):>12,}",
        "  land use             " + ", ".join(f"{u} {int(uses.get(u, 0)):,}" for u in LAND_USES),
        "  neighbourhood attributes (min - max):",
    ]
    skip = {"id", "name", "label_x", "label_y"}
    for col in hoods.columns:
        if col in skip:
            continue
        v = pd.to_numeric(hoods[col], errors="coerce")
        if v.notna().any():
            lines.append(f"    {col:<20} {v.min():>12,.3g} - {v.max():,.3g}")
    lines += [f"  note: {n}" for n in notes]
    return "\n".join(lines)
