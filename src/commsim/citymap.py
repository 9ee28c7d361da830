"""The city map: streets, places coloured by crime or trust, and who is on the street.

Drawing code shared by the workshop dashboard and ``commsim animate``. It works on
plain arrays and a networkx graph (nodes numbered 0..P-1 with a ``pos`` in metres
and a ``neighborhood`` id), so it never needs Solara and can be tested alone.

Sizes are in screen pixels and text in pixels (the figures use 72 dpi, so a
point is a pixel): an image shown at its natural size has exactly the text size
asked for, which is what a projector needs.

Examples:
    >>> layout = CityLayout.from_graph(model.city.graph)
    >>> painter = MapPainter(layout, colour_by="trust", width_px=640, height_px=600)
    >>> painter.update(frame_from_model(model, "trust"))
    >>> png = painter.to_png()
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Protocol

import matplotlib as mpl
import networkx as nx
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

from commsim.geometry import Boundary, hull_boundaries

COLOUR_BY = ("crime", "trust", "trust_change")
COLOUR_BY_WORDS = {"crime": "Crime", "trust": "Trust", "trust_change": "Trust change"}
DPI = 72  # 1 point = 1 pixel
TRUST_CHANGE_SPAN = 0.15  # the change scale runs from -0.15 to +0.15 (a misconduct incident's size)


@dataclass(frozen=True)
class ColourScale:
    """How place values map to colours (all colour maps are colour-blind safe)."""

    label: str
    cmap: str
    vmin: float
    vmax: float
    missing: str = "#e0e0e0"  # places with no value (no residents, or no crime)
    cmap_range: tuple[float, float] = (0.0, 1.0)  # part of the colour map used

    def colormap(self) -> mpl.colors.Colormap:
        """The colour map, cut to :attr:`cmap_range`, with the missing-value colour set."""
        base = mpl.colormaps[self.cmap]
        lo, hi = self.cmap_range
        cmap = mpl.colors.LinearSegmentedColormap.from_list(
            f"{self.cmap}_cut", base(np.linspace(lo, hi, 256))
        )
        return cmap.with_extremes(bad=self.missing)


SCALES: dict[str, ColourScale] = {
    "crime": ColourScale(
        "Crimes at the place, last 14 days (grey: none)", "YlOrRd", 0.5, 3.0, cmap_range=(0.3, 1.0)
    ),
    # Sequential, light = low trust; the dashboard narrows the range to the city's spread.
    "trust": ColourScale(
        "Residents' mean trust in police", "YlGnBu", 0.2, 0.8, cmap_range=(0.1, 1)
    ),
    # Diverging around no change: orange = trust fell, purple = trust rose.
    "trust_change": ColourScale(
        "Change in residents' trust", "PuOr", -TRUST_CHANGE_SPAN, TRUST_CHANGE_SPAN
    ),
}


def trust_scale(start: np.ndarray) -> ColourScale:
    """A trust scale fitted to a city's trust at the start of a run.

    Place means cluster within about 0.1 of each other, so a fixed 0-1 scale
    hides a misconduct incident's drop of 0.1-0.15; this one spans the starting
    spread plus 0.15 below it, in steps of 0.05.

    Args:
        start: residents' mean trust per place at the start (NaN: nobody lives there).
    """
    values = np.asarray(start, dtype=float)
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        return SCALES["trust"]
    lo = np.floor((np.percentile(values, 5) - TRUST_CHANGE_SPAN) * 20) / 20
    hi = np.ceil((np.percentile(values, 95) + 0.02) * 20) / 20
    return replace(SCALES["trust"], vmin=max(0.0, float(lo)), vmax=min(1.0, float(hi)))


def min_text_px(figure: Figure) -> float:
    """Size in pixels of the smallest visible text of a figure, as drawn."""
    figure.canvas.draw()
    sizes = [
        t.get_fontsize() * figure.dpi / 72.0
        for t in figure.findobj(Text)
        if t.get_visible() and t.get_text().strip() and _drawn(t)
    ]
    return float(min(sizes)) if sizes else float("nan")


def _drawn(text: Text) -> bool:
    """False for tick labels that matplotlib keeps but does not draw (outside the view)."""
    axes = text.axes
    if axes is None:
        return True
    for name, i in (("xaxis", 0), ("yaxis", 1)):
        axis = getattr(axes, name)
        if any(text is t.label1 or text is t.label2 for t in axis.get_major_ticks()):
            lo, hi = sorted(axis.get_view_interval())
            return lo - 1e-9 <= text.get_position()[i] <= hi + 1e-9
    return True


def wrap(text: str, width_px: float, font_px: float) -> str:
    """Break ``text`` into lines that fit ``width_px`` (about 0.55 em per character)."""
    return textwrap.fill(text, max(int(width_px / (0.55 * font_px)), 8))


def legend_columns(
    handles: list, width_px: float, font_px: float, **legend_kw: Any
) -> tuple[list, int]:
    """Order legend entries so that they read in rows that fit ``width_px``.

    Matplotlib fills a legend column by column. This tries the most entries per
    row first, measures the drawn legend, and stops at the first that fits; the
    entries are padded with blank ones and handed over column by column, so they
    read row by row.

    Args:
        handles: the legend entries.
        width_px: the room, in pixels.
        font_px: legend text size in pixels.
        **legend_kw: the other ``Figure.legend`` arguments that change its width.

    Returns:
        The entries in matplotlib's order, and the number of columns.
    """
    scratch = Figure(figsize=(max(width_px, 10) / DPI, 4), dpi=DPI)
    renderer = FigureCanvasAgg(scratch).get_renderer()
    blank = Line2D([], [], color="none", label=" ")
    order, ncol = list(handles), 1
    for ncol in range(len(handles), 0, -1):
        rows = [handles[i : i + ncol] for i in range(0, len(handles), ncol)]
        grid = [row + [blank] * (ncol - len(row)) for row in rows]
        order = [grid[r][c] for c in range(ncol) for r in range(len(grid))]
        legend = scratch.legend(handles=order, ncol=ncol, fontsize=font_px, **legend_kw)
        fits = legend.get_window_extent(renderer).width <= width_px
        legend.remove()
        if fits:
            break
    return order, ncol


# Marker style of each kind of agent on the map: (label, marker, face, edge, size).
AGENT_STYLES: dict[str, tuple[str, str, str, str, float]] = {
    "officers": ("Police officer", "s", "#1f3f99", "white", 64.0),
    "patrollers": ("Volunteer patrol", "^", "#1a9850", "white", 60.0),
    "offenders": ("Active offender", "X", "#111111", "white", 44.0),
}
# Each kind sits on its own side of the place so they never hide one another.
_AGENT_OFFSET = {"officers": (-1.0, 0.6), "patrollers": (0.0, -1.0), "offenders": (1.0, 0.6)}


class ModelView(Protocol):
    """What :func:`frame_from_model` reads from a model (duck-typed)."""

    day: int
    hour: int
    officer_places: Any
    offender_places: Any
    patroller_places: Any

    def place_trust(self) -> np.ndarray: ...  # noqa: D102

    def place_recent_crime(self) -> np.ndarray: ...  # noqa: D102


@dataclass(frozen=True)
class CityLayout:
    """Static geometry of a city for drawing, in kilometres.

    Attributes:
        xy: (P, 2) place positions in km, row i = node i.
        segments: (E, 2, 2) street segments in km.
        households: households per place (marker size).
        neighborhood: neighbourhood id per place.
        boundaries: each neighbourhood's outline rings and label point, in km: the
            city's real polygons when it has them, else hulls around its places.
        labels: the name drawn in each neighbourhood (``N1``, ``N2``... for a
            generated city, the user's names for an imported one).
    """

    xy: np.ndarray
    segments: np.ndarray
    households: np.ndarray
    neighborhood: np.ndarray
    boundaries: list[Boundary] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    @classmethod
    def from_graph(cls, graph: nx.Graph) -> CityLayout:
        """Read positions, streets and neighbourhoods from a city graph.

        Args:
            graph: nodes 0..P-1 with ``pos`` (x, y metres); optional ``households``
                and ``neighborhood`` attributes.

        Returns:
            The layout.
        """
        n = graph.number_of_nodes()
        nodes = range(n)
        xy = np.array([graph.nodes[i]["pos"] for i in nodes], dtype=float) / 1000.0
        edges = np.array(list(graph.edges()), dtype=int).reshape(-1, 2)
        segments = xy[edges] if len(edges) else np.zeros((0, 2, 2))
        households = np.array([graph.nodes[i].get("households", 1) for i in nodes], dtype=float)
        nb = np.array([graph.nodes[i].get("neighborhood", 0) for i in nodes], dtype=int)
        metres = graph.graph.get("boundaries")
        if metres is None:
            metres = hull_boundaries(xy * 1000.0, nb, [str(k) for k in np.unique(nb)])
        boundaries = [
            Boundary(b.name, tuple(np.asarray(r, float) / 1000.0 for r in b.rings),
                     np.asarray(b.label_xy, float) / 1000.0)
            for b in metres
        ]  # fmt: skip
        names = [b.name for b in boundaries]
        generated = names == [str(k) for k in range(len(names))]
        labels = [f"N{k + 1}" for k in range(len(names))] if generated else names
        return cls(xy, segments, households, nb, boundaries, labels)

    @property
    def n_places(self) -> int:
        """Number of places."""
        return len(self.xy)

    @property
    def spacing(self) -> float:
        """Typical distance between adjacent places, in km."""
        if len(self.segments) == 0:
            return 0.1
        lengths = np.hypot(*(self.segments[:, 1] - self.segments[:, 0]).T)
        return float(np.median(lengths))


@dataclass(frozen=True)
class MapFrame:
    """One moment of the city: place values and agents' places.

    Attributes:
        values: value per place for the colour scale (NaN: no value).
        colour_by: "crime" or "trust".
        officers: place index of each officer.
        offenders: place index of each active offender.
        patrollers: place index of each volunteer on patrol.
        day: day shown on the clock (1-based).
        hour: hour of day 0-23.
    """

    values: np.ndarray
    colour_by: str
    officers: np.ndarray
    offenders: np.ndarray
    patrollers: np.ndarray
    day: int
    hour: int


def _as_places(places: Any) -> np.ndarray:
    if places is None:
        return np.zeros(0, dtype=int)
    return np.asarray(list(places) if not isinstance(places, np.ndarray) else places, dtype=int)


def frame_from_model(
    model: ModelView,
    colour_by: str,
    day: int | None = None,
    reference: np.ndarray | None = None,
) -> MapFrame:
    """Take a :class:`MapFrame` from a running model.

    Args:
        model: a CommunityModel (or anything with the same attributes).
        colour_by: "crime" (true crimes in the last 14 days), "trust", or
            "trust_change" (trust now minus ``reference``).
        day: day to show on the clock; default ``model.day + 1``.
        reference: trust per place to compare with (``trust_change`` only;
            default: no change anywhere).

    Returns:
        The frame.
    """
    if colour_by not in SCALES:
        raise ValueError(f"colour_by={colour_by!r}: one of {', '.join(COLOUR_BY)}")
    if colour_by == "crime":
        values = np.asarray(model.place_recent_crime(), dtype=float)
    else:
        values = np.asarray(model.place_trust(), dtype=float)
        if colour_by == "trust_change":
            values = values - (values if reference is None else np.asarray(reference, dtype=float))
    return MapFrame(
        values=values,
        colour_by=colour_by,
        officers=_as_places(model.officer_places),
        offenders=_as_places(model.offender_places),
        patrollers=_as_places(getattr(model, "patroller_places", None)),
        day=int(model.day) + 1 if day is None else int(day),
        hour=int(model.hour),
    )


def clock_text(day: int, hour: int) -> str:
    """The clock as people read it, e.g. ``"Day 12 · 18:00"``."""
    return f"Day {day} · {hour:02d}:00"


def _spread(places: np.ndarray, kind: str, xy: np.ndarray, step: float) -> np.ndarray:
    """Positions for agents at places, nudged so that several at one place stay visible."""
    if places.size == 0:
        return np.zeros((0, 2))
    dx, dy = _AGENT_OFFSET[kind]
    pts = xy[places] + np.array([dx, dy]) * step * 0.28
    # k-th agent at the same place moves further along a small spiral.
    order = np.argsort(places, kind="stable")
    rank = np.empty_like(order)
    sorted_places = places[order]
    first = np.searchsorted(sorted_places, sorted_places, side="left")
    rank[order] = np.arange(len(places)) - first
    angle = rank * 2.4
    radius = np.where(rank > 0, step * 0.12 * np.sqrt(rank), 0.0)
    return pts + np.column_stack([np.cos(angle), np.sin(angle)]) * radius[:, None]


class MapPainter:
    """A matplotlib figure of the city, redrawn quickly frame after frame.

    Streets, outlines, legend and colour bar are drawn once and kept as a
    background image; each frame only redraws the places' colours, the agents
    and the clock on top of it (matplotlib "blitting").

    The map fills a box of ``width_px`` x ``height_px`` at most, keeping the
    city's shape; the figure is as tall as that needs (:attr:`height_px`).

    Args:
        layout: the city geometry.
        colour_by: one of :data:`COLOUR_BY`.
        width_px: figure width in screen pixels.
        height_px: most height the figure may take, in screen pixels.
        font_px: size of the smallest text (legend, colour bar, labels), in pixels.
        title: text above the map.
        clock: add the day and hour to the title (a page that shows the clock
            elsewhere leaves it out, and with no title the map moves up).
        scale: colour scale (default: :data:`SCALES` of ``colour_by``).
    """

    LEGEND_KW: ClassVar[dict[str, Any]] = {
        "frameon": False, "handletextpad": 0.3, "columnspacing": 1.0,
    }  # fmt: skip

    def __init__(
        self,
        layout: CityLayout,
        colour_by: str = "crime",
        *,
        width_px: int = 640,
        height_px: int = 720,
        font_px: float = 14.0,
        title: str = "",
        clock: bool = True,
        scale: ColourScale | None = None,
    ) -> None:
        if colour_by not in SCALES:
            raise ValueError(f"colour_by={colour_by!r}: one of {', '.join(COLOUR_BY)}")
        self.layout = layout
        self.colour_by = colour_by
        self.scale = scale or SCALES[colour_by]
        self.title = title
        self.clock = clock
        self.font_px = f = float(font_px)
        self.dpi = DPI
        pad = layout.spacing
        span = np.ptp(layout.xy, axis=0) + 2 * pad
        aspect = float(span[1] / max(span[0], 1e-9))
        self.width_px = w = int(width_px)
        legend_handles = self._legend_handles()
        self._legend_order, self._legend_ncol = legend_columns(
            legend_handles, w - f, f, **self.LEGEND_KW
        )
        legend_rows = int(np.ceil(len(legend_handles) / self._legend_ncol))
        self._title_px = 1.9 * f if (title or clock) else 0.2 * f
        self.label_lines = wrap(self.scale.label, w - f, f).count("\n") + 1
        header = self._title_px + legend_rows * 1.45 * f + 0.4 * f  # title, legend rows
        footer = 0.8 * f + 1.5 * f + 1.5 * f * self.label_lines + 0.5 * f  # bar, ticks, label
        room_h = max(int(height_px) - header - footer, 40)
        map_w = min(w - 0.4 * f, room_h / aspect)
        map_h = map_w * aspect
        self.height_px = h = int(np.ceil(header + map_h + footer))
        self.figure = Figure(figsize=(w / DPI, h / DPI), dpi=DPI)
        self.canvas = FigureCanvasAgg(self.figure)
        self.ax = self.figure.add_axes(((w - map_w) / 2 / w, footer / h, map_w / w, map_h / h))
        self._header, self._footer = header, footer
        self._px_per_km = map_w / float(span[0])
        self._vmax = self.scale.vmax
        self._background: Any = None
        self._draw_static()

    def _legend_handles(self) -> list:
        f = self.font_px
        return [
            Line2D([], [], ls="", marker=m, markersize=f * 0.6, markerfacecolor=face,
                   markeredgecolor=face, label=label)
            for label, m, face, _e, _s in AGENT_STYLES.values()
        ]  # fmt: skip

    def _draw_static(self) -> None:
        ax, lay, scale, f = self.ax, self.layout, self.scale, self.font_px
        w, h = self.width_px, self.height_px
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
        for boundary in lay.boundaries:
            for ring in boundary.rings:
                ax.plot(*ring.T, color="#9e9e9e", lw=1.0, ls=(0, (4, 3)), zorder=0)
        for boundary, label in zip(lay.boundaries, lay.labels, strict=True):
            ax.text(
                *boundary.label_xy, label, fontsize=f, color="#424242", ha="center",
                va="center", zorder=5, alpha=0.75, fontweight="bold",
            )  # fmt: skip
        ax.add_collection(LineCollection(lay.segments, colors="#c8c8c8", linewidths=1.0, zorder=1))
        step_px = lay.spacing * self._px_per_km  # pixels between neighbouring places
        hh = lay.households
        diameter = step_px * (0.35 + 0.45 * np.sqrt(hh / max(float(hh.max()), 1.0)))
        self._agent_px = max(6.0, 0.55 * step_px)
        cmap = scale.colormap()
        self.places = ax.scatter(
            lay.xy[:, 0], lay.xy[:, 1], s=np.maximum(diameter, 3.0) ** 2,
            c=np.full(lay.n_places, np.nan), cmap=cmap, vmin=scale.vmin, vmax=scale.vmax,
            edgecolors="#757575", linewidths=0.4, zorder=2, plotnonfinite=True,
        )  # fmt: skip
        self.agents = {}
        for kind, (_label, marker, face, edge, size) in AGENT_STYLES.items():
            grow = (size / AGENT_STYLES["offenders"][4]) ** 0.5  # few officers: a little larger
            self.agents[kind] = ax.scatter(
                [], [], marker=marker, s=(grow * self._agent_px) ** 2, c=face, edgecolors=edge,
                linewidths=0.8, zorder=4,
            )  # fmt: skip
        pad = lay.spacing
        ax.set_xlim(lay.xy[:, 0].min() - pad, lay.xy[:, 0].max() + pad)
        ax.set_ylim(lay.xy[:, 1].min() - pad, lay.xy[:, 1].max() + pad)
        bar_w = min(0.8 * w, 26 * f)
        bottom = 0.5 * f + 1.5 * f * self.label_lines + 1.5 * f
        cax = self.figure.add_axes(((w - bar_w) / 2 / w, bottom / h, bar_w / w, 0.8 * f / h))
        self.colorbar = self.figure.colorbar(self.places, cax=cax, orientation="horizontal")
        if self.colour_by == "crime":
            self.colorbar.locator = MaxNLocator(integer=True)  # counts of crimes
        elif self.colour_by == "trust_change":
            wide = bar_w >= 20 * f  # room for five labels such as "+0.05"
            ticks = [-0.1, -0.05, 0.0, 0.05, 0.1] if wide else [-0.1, 0.0, 0.1]
            self.colorbar.locator = FixedLocator(ticks)
            self.colorbar.formatter = FuncFormatter(lambda x, _: f"{x:+.2f}" if x else "0")
        else:
            self.colorbar.locator = MaxNLocator(nbins=4)
        self.colorbar.update_ticks()
        self.colorbar.ax.tick_params(labelsize=f, length=0.3 * f)
        self.colorbar.ax.xaxis.set_label_position("bottom")
        self.colorbar.set_label(wrap(scale.label, w - f, f), fontsize=f, labelpad=0.2 * f)
        self.figure.legend(
            handles=self._legend_order, loc="upper center", ncol=self._legend_ncol,
            bbox_to_anchor=(0.5, 1 - self._title_px / h), fontsize=f, borderaxespad=0.0,
            **self.LEGEND_KW,
        )  # fmt: skip
        self.title_artist = self.figure.text(
            0.5 * f / w, 1 - 0.3 * f / h, self.title, fontsize=1.2 * f, ha="left", va="top",
            fontweight="bold",
        )  # fmt: skip
        self._dynamic = [self.places, *self.agents.values(), self.title_artist]
        for artist in self._dynamic:
            artist.set_animated(True)

    def update(self, frame: MapFrame) -> None:
        """Redraw the changing parts (colours, agents, clock) for ``frame``."""
        if frame.colour_by != self.colour_by:
            raise ValueError(f"frame is coloured by {frame.colour_by}, painter by {self.colour_by}")
        values = np.asarray(frame.values, dtype=float)
        if self.colour_by != "crime":
            # Nobody lives at shops and parks: show them as "no value", not as zero trust.
            values = np.where(self.layout.households > 0, values, np.nan)
        else:
            values = np.where(values > 0, values, np.nan)  # no crime: quiet grey
            # The scale only grows, so colours stay comparable from frame to frame.
            top = float(np.nanmax(values)) if np.isfinite(values).any() else 0.0
            if top > self._vmax:
                self._vmax = float(np.ceil(top))
                self.places.set_clim(self.scale.vmin, self._vmax)
                self._background = None  # the colour bar changed
        self.places.set_array(np.ma.masked_invalid(values))
        step = self.layout.spacing
        for kind in AGENT_STYLES:
            places = getattr(frame, kind)
            self.agents[kind].set_offsets(_spread(places, kind, self.layout.xy, step))
        clock = clock_text(frame.day, frame.hour) if self.clock else ""
        self.title_artist.set_text(" · ".join(t for t in (self.title, clock) if t))

    def min_text_px(self) -> float:
        """Size in pixels of the smallest visible text."""
        self._background = None
        for artist in self._dynamic:
            artist.set_animated(False)
        try:
            return min_text_px(self.figure)
        finally:
            for artist in self._dynamic:
                artist.set_animated(True)

    def _render(self) -> np.ndarray:
        """Draw the frame and return the canvas as an (H, W, 4) uint8 view."""
        if self._background is None:
            self.canvas.draw()  # animated artists are left out of this
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        else:
            self.canvas.restore_region(self._background)
        for artist in self._dynamic:
            self.figure.draw_artist(artist)
        return np.asarray(self.canvas.buffer_rgba())

    def to_rgb(self) -> np.ndarray:
        """The current frame as an (H, W, 3) uint8 array."""
        return self._render()[..., :3].copy()

    def to_png(self) -> bytes:
        """The current frame as PNG bytes."""
        from PIL import Image

        buf = io.BytesIO()
        Image.fromarray(self.to_rgb()).save(buf, format="PNG", compress_level=1)
        return buf.getvalue()
