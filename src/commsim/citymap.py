"""The city map: streets, places coloured by crime or trust, and who is on the street.

Drawing code shared by the workshop dashboard and ``commsim animate``. It works on
plain arrays and a networkx graph (nodes numbered 0..P-1 with a ``pos`` in metres
and a ``neighborhood`` id), so it never needs Solara and can be tested alone.

Examples:
    >>> layout = CityLayout.from_graph(model.city.graph)
    >>> painter = MapPainter(layout, colour_by="trust")
    >>> painter.update(frame_from_model(model, "trust"))
    >>> png = painter.to_png()
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any, Protocol

import matplotlib as mpl
import networkx as nx
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

COLOUR_BY = ("crime", "trust")


@dataclass(frozen=True)
class ColourScale:
    """How place values map to colours."""

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
    "trust": ColourScale("Residents' mean trust in police", "RdYlBu", 0.2, 0.8),
}

# Marker style of each kind of agent on the map: (label, marker, face, edge, size).
AGENT_STYLES: dict[str, tuple[str, str, str, str, float]] = {
    "officers": ("Police officer", "s", "#1f3f99", "white", 46.0),
    "patrollers": ("Volunteer patrol", "^", "#1a9850", "white", 50.0),
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
        hulls: outline (K, 2) and label position per neighbourhood.
    """

    xy: np.ndarray
    segments: np.ndarray
    households: np.ndarray
    neighborhood: np.ndarray
    hulls: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)

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
        return cls(xy, segments, households, nb, _hulls(xy, nb))

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


def _hulls(xy: np.ndarray, nb: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Convex outline and label point of each neighbourhood."""
    from scipy.spatial import ConvexHull, QhullError

    out = []
    for k in np.unique(nb):
        pts = xy[nb == k]
        centre = pts.mean(0)
        try:
            ring = pts[ConvexHull(pts).vertices]
        except (QhullError, ValueError):
            ring = pts
        out.append((np.vstack([ring, ring[:1]]), centre))
    return out


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


def frame_from_model(model: ModelView, colour_by: str, day: int | None = None) -> MapFrame:
    """Take a :class:`MapFrame` from a running model.

    Args:
        model: a CommunityModel (or anything with the same attributes).
        colour_by: "crime" (true crimes in the last 14 days) or "trust".
        day: day to show on the clock; default ``model.day + 1``.

    Returns:
        The frame.
    """
    if colour_by not in SCALES:
        raise ValueError(f"colour_by={colour_by!r}: one of {', '.join(COLOUR_BY)}")
    values = model.place_recent_crime() if colour_by == "crime" else model.place_trust()
    return MapFrame(
        values=np.asarray(values, dtype=float),
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

    Args:
        layout: the city geometry.
        colour_by: "crime" or "trust".
        width: figure width in inches; the height follows the city's shape.
        dpi: resolution of :meth:`to_png` and :meth:`to_rgb`.
        title: text above the map (the clock is added to it).
    """

    HEADER_IN = 0.75  # title and legend
    FOOTER_IN = 0.7  # colour bar

    def __init__(
        self,
        layout: CityLayout,
        colour_by: str = "crime",
        *,
        width: float = 6.4,
        dpi: int = 100,
        title: str = "",
    ) -> None:
        if colour_by not in SCALES:
            raise ValueError(f"colour_by={colour_by!r}: one of {', '.join(COLOUR_BY)}")
        self.layout = layout
        self.colour_by = colour_by
        self.scale = SCALES[colour_by]
        self.title = title
        self.dpi = dpi
        pad = layout.spacing
        span = np.ptp(layout.xy, axis=0) + 2 * pad
        map_w = width - 0.2
        map_h = min(map_w * float(span[1] / max(span[0], 1e-9)), 1.3 * width)
        height = self.HEADER_IN + map_h + self.FOOTER_IN
        self.figure = Figure(figsize=(width, height), dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        self.ax = self.figure.add_axes(
            (0.1 / width, self.FOOTER_IN / height, map_w / width, map_h / height)
        )
        self._vmax = self.scale.vmax
        self._background: Any = None
        self._draw_static()

    def _draw_static(self) -> None:
        ax, lay, scale = self.ax, self.layout, self.scale
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
        for ring, _centre in lay.hulls:
            ax.plot(*ring.T, color="#9e9e9e", lw=0.8, ls=(0, (4, 3)), zorder=0)
        for k, (_, centre) in enumerate(lay.hulls):
            ax.text(
                *centre, f"N{k + 1}", fontsize=9, color="#616161", ha="center", va="center",
                zorder=1, alpha=0.8, fontweight="bold",
            )  # fmt: skip
        ax.add_collection(LineCollection(lay.segments, colors="#bdbdbd", linewidths=0.8, zorder=1))
        hh = lay.households
        sizes = 10.0 + 50.0 * np.sqrt(hh / max(float(hh.max()), 1.0))
        cmap = scale.colormap()
        self.places = ax.scatter(
            lay.xy[:, 0], lay.xy[:, 1], s=sizes, c=np.full(lay.n_places, np.nan), cmap=cmap,
            vmin=scale.vmin, vmax=scale.vmax, edgecolors="#757575", linewidths=0.4, zorder=2,
            plotnonfinite=True,
        )  # fmt: skip
        self.agents = {}
        for kind, (_label, marker, face, edge, size) in AGENT_STYLES.items():
            self.agents[kind] = ax.scatter(
                [], [], marker=marker, s=size, c=face, edgecolors=edge, linewidths=0.8, zorder=4
            )
        pad = lay.spacing
        ax.set_xlim(lay.xy[:, 0].min() - pad, lay.xy[:, 0].max() + pad)
        ax.set_ylim(lay.xy[:, 1].min() - pad, lay.xy[:, 1].max() + pad)
        h = self.figure.get_figheight()
        cax = self.figure.add_axes((0.12, 0.4 / h, 0.76, 0.12 / h))
        self.colorbar = self.figure.colorbar(self.places, cax=cax, orientation="horizontal")
        if self.colour_by == "crime":
            self.colorbar.locator = MaxNLocator(integer=True)  # counts of crimes
            self.colorbar.update_ticks()
        self.colorbar.set_label(scale.label, fontsize=9)
        self.colorbar.ax.tick_params(labelsize=8)
        handles = [
            Line2D([], [], ls="", marker=m, markersize=7, markerfacecolor=f, markeredgecolor=f,
                   label=label)
            for label, m, f, _e, _s in AGENT_STYLES.values()
        ]  # fmt: skip
        self.figure.legend(
            handles=handles, loc="upper left", bbox_to_anchor=(0.025, 1 - 0.42 / h), ncol=3,
            fontsize=9,
            frameon=False, borderaxespad=0.0, handletextpad=0.3, columnspacing=1.2,
        )  # fmt: skip
        self.title_artist = self.figure.text(
            0.03, 1 - 0.1 / h, self.title, fontsize=12, ha="left", va="top", fontweight="bold"
        )
        self._dynamic = [self.places, *self.agents.values(), self.title_artist]
        for artist in self._dynamic:
            artist.set_animated(True)

    def update(self, frame: MapFrame) -> None:
        """Redraw the changing parts (colours, agents, clock) for ``frame``."""
        if frame.colour_by != self.colour_by:
            raise ValueError(f"frame is coloured by {frame.colour_by}, painter by {self.colour_by}")
        values = np.asarray(frame.values, dtype=float)
        if self.colour_by == "trust":
            # Nobody lives at shops and parks: show them as "no value", not as zero trust.
            values = np.where(self.layout.households > 0, values, np.nan)
        if self.colour_by == "crime":
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
        clock = clock_text(frame.day, frame.hour)
        self.title_artist.set_text(f"{self.title} · {clock}" if self.title else clock)

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
