"""Workshop dashboard: the model live in the browser (Mesa SolaraViz on Solara).

``commsim dashboard`` serves this page on 127.0.0.1. A trainer picks a strategy
preset, adjusts the levers, presses play, and presses **Misconduct incident** or
**Community event** to show the room how trust, reporting and crime feed each
other. The page needs no internet connection: Solara's front end is served from
the ``solara-assets`` package.

This is the only module that imports Solara or ``mesa.visualization``. The
drawing itself lives in :mod:`commsim.citymap` and :mod:`commsim.livecharts`.

Examples:
    >>> model = WorkshopModel(preset="baseline", city="small", seed=1)
    >>> model.step()
    >>> model.shock("misconduct")
"""

from __future__ import annotations

import argparse
import errno
import functools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import commsim
from commsim import CommunityModel, ConfigError, SimConfig
from commsim.citymap import COLOUR_BY, CityLayout, MapPainter, clock_text, frame_from_model
from commsim.config import options as config_options
from commsim.livecharts import SHOCK_LABELS, ChartsPainter

with warnings.catch_warnings():
    # Mesa's page component trips one of Solara's hook-order checks at import time.
    warnings.filterwarnings("ignore", message=r".*found despite early return", category=UserWarning)
    import solara
    from mesa.visualization import SolaraViz
    from mesa.visualization.utils import force_update, update_counter

import reacton.ipywidgets as rw

DEFAULT_CITY = "small"
DEFAULT_PORT = 8765
ENV_CITY = "COMMSIM_DASHBOARD_CITY"
SHOCKS = ("misconduct", "community_event")
FRAME_WAIT_S = 2.0  # longest the play loop waits for the page to draw a frame
# Simulated hours per drawn frame while playing. Mesa's slider moves in odd steps
# (1, 3, 5, ...), so an even value would be rounded by the browser.
RENDER_EVERY_HOURS = 3
# Map and charts shrink to fit a projector's screen (1920 x 1080 or smaller) without scrolling.
IMAGE_LAYOUT = {
    "width": "auto",
    "height": "auto",
    "max_width": "100%",
    "max_height": "calc(100vh - 300px)",
    "object_fit": "contain",
}
# Mesa's page tabs: this page has one, so its tab bar only takes room.
PAGE_CSS = ".v-tabs { display: none; }"


# --------------------------------------------------------------------------- levers


@dataclass(frozen=True)
class Lever:
    """A policy field the dashboard shows as a slider or selector."""

    name: str
    label: str
    kind: str  # "float", "int" or "select"
    lo: float = 0.0
    hi: float = 1.0
    step: float = 0.05
    choices: tuple[str, ...] = ()
    scale: float = 1.0  # shown value = config value / scale

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
        return value

    def user_param(self, value: Any) -> dict[str, Any]:
        """Mesa SolaraViz ``model_params`` entry."""
        if self.kind == "select":
            return {"type": "Select", "label": self.label, "value": value, "values": self.choices}
        kind = "SliderInt" if self.kind == "int" else "SliderFloat"
        return {
            "type": kind,
            "label": self.label,
            "value": value,
            "min": self.lo,
            "max": self.hi,
            "step": self.step,
        }


LEVERS: tuple[Lever, ...] = (
    Lever("watch_coverage", "Watch coverage (share of households)", "float", 0.0, 1.0, 0.05),
    Lever("meetings_per_month", "Community meetings per month", "int", 0, 8, 1),
    Lever("app_adoption", "Reporting app adoption", "float", 0.0, 1.0, 0.05),
    Lever("training_share", "Officers trained (share)", "float", 0.0, 1.0, 0.05),
    Lever(
        "patrol_strategy",
        "Patrol strategy",
        "select",
        choices=("random", "hotspot", "community", "mixed"),
    ),
    Lever(
        "funding", "Budget, $M per year (0 = today's force)", "float", 0.0, 10.0, 0.25, scale=1e6
    ),
)
LEVER_NAMES = tuple(lever.name for lever in LEVERS)


def list_presets() -> list[str]:
    """Names of the strategy presets (``conf/policy/*.yaml``), baseline first."""
    names = set(config_options("policy")) | {"baseline"}
    return ["baseline", *sorted(names - {"baseline"})]


def list_cities() -> list[str]:
    """Cities the dashboard can show (``conf/city`` options that need no input file)."""
    names = set(config_options("city")) - {"graphml"}
    return sorted(names, key=lambda n: (n != DEFAULT_CITY, n))


def preset_label(name: str) -> str:
    """A preset name as people read it: ``community_policing`` -> ``Community policing``."""
    return name.replace("_", " ").capitalize()


@functools.lru_cache(maxsize=32)
def load_preset(preset: str, city: str) -> SimConfig:
    """The full config of a preset on a city."""
    return commsim.load_config([f"city={city}", f"policy={preset}"])


def preset_levers(preset: str, city: str = DEFAULT_CITY) -> dict[str, Any]:
    """The dashboard levers' values (as shown on the sliders) of a preset."""
    policy = load_preset(preset, city).policy
    return {lever.name: lever.to_display(getattr(policy, lever.name, None)) for lever in LEVERS}


# --------------------------------------------------------------------------- model


class WorkshopModel(CommunityModel):
    """A CommunityModel built from a preset plus lever values, ready to watch.

    The warm-up (no policy, nothing counted) runs inside the constructor, so the
    page opens on the first day of the strategy. Stepping and shocks take a lock,
    because the page's play loop and its buttons run in different threads.

    Args:
        preset: strategy preset (a ``conf/policy`` option).
        city: "small" or "default".
        seed: random seed.
        watch_coverage: share of households in the watch (None: the preset's).
        meetings_per_month: community meetings per neighbourhood per month.
        app_adoption: reporting-app adoption target (0-1).
        training_share: share of officers trained in procedural justice (0-1).
        patrol_strategy: random, hotspot, community or mixed.
        funding: budget in $M per year as on the slider (0: today's force).
        warmup: run the warm-up now (False: leave it to the caller).

    Examples:
        >>> WorkshopModel(preset="baseline", city="small", watch_coverage=0.3).step()
    """

    def __init__(
        self,
        preset: str = "baseline",
        city: str = DEFAULT_CITY,
        seed: int = 1,
        watch_coverage: float | None = None,
        meetings_per_month: float | None = None,
        app_adoption: float | None = None,
        training_share: float | None = None,
        patrol_strategy: str | None = None,
        funding: float | None = None,
        warmup: bool = True,
    ) -> None:
        given = {
            "watch_coverage": watch_coverage,
            "meetings_per_month": meetings_per_month,
            "app_adoption": app_adoption,
            "training_share": training_share,
            "patrol_strategy": patrol_strategy,
            "funding": funding,
        }
        levers = {k: v for k, v in given.items() if v is not None}
        self._lock = threading.RLock()
        config = load_preset(preset, city)
        by_name = {lever.name: lever for lever in LEVERS}
        changes = {k: by_name[k].to_config(v) for k, v in levers.items()}
        self.notice = ""
        if changes.get("funding", config.policy.funding) is not None:
            # A budget below the programmes' cost is refused by the model; in a
            # workshop, run with today's police force instead and say so.
            try:
                CommunityModel(config, seed=seed, **changes)
            except ConfigError as exc:
                if exc.key != "policy.funding":
                    raise
                changes["funding"] = None
                levers["funding"] = 0.0
                cost = re.search(r"\$[\d,]+/yr", exc.allowed)
                self.notice = (
                    f"The budget does not cover these programmes ({cost.group(0) if cost else ''}"
                    "): running with today's police force. Raise the budget or set it to 0."
                )
        super().__init__(config, seed=seed, **changes)
        self.preset = preset
        self.city_name = city
        self.lever_values = {**preset_levers(preset, city), **levers}
        self.shocks: list[tuple[float, str]] = []  # (chart x position, kind)
        # Frame gate: once the page has shown a frame, the play loop waits for each
        # requested frame to be drawn before it steps on (see :meth:`frame_shown`).
        self._shown = threading.Event()
        self._shown_mark: int | None = None
        self._retired = False
        if warmup:
            while self.in_warmup:
                super().step()

    # -- time ---------------------------------------------------------------
    @property
    def days_evaluated(self) -> int:
        """Whole days of the strategy run so far (rows of the daily table)."""
        return len(self.daily())

    @property
    def clock_day(self) -> int:
        """Day of the strategy shown on the clock (1 on the first day)."""
        return self.days_evaluated + 1

    def daily(self) -> Any:
        """The model's daily table (one row per evaluated day)."""
        with self._lock:
            return self.daily_table()

    # -- actions ------------------------------------------------------------
    def step(self) -> None:
        """Advance one hour (waiting, on the page, until the last frame asked for is drawn)."""
        if self._retired:
            self.running = False  # Mesa's play loop stops on this
            return
        if self._shown_mark is not None and update_counter.value != self._shown_mark:
            # Without this, a play loop that steps faster than the page draws keeps
            # Solara re-rendering in one thread and the browser never gets a frame.
            self._shown.wait(timeout=FRAME_WAIT_S)
            self._shown.clear()
        with self._lock:
            super().step()

    def retire(self) -> None:
        """Stop for good: the page has replaced this run with another one."""
        self._retired = True
        self.running = False
        self._shown.set()

    def frame_shown(self, mark: int) -> None:
        """Tell the model that the page has drawn the frame numbered ``mark``."""
        self._shown_mark = mark
        self._shown.set()

    def shock(self, kind: str, group: str | None = None) -> None:
        """Apply a misconduct incident or a community event now.

        Args:
            kind: "misconduct" or "community_event".
            group: the group the incident touched (None: everyone alike).
        """
        if kind not in SHOCKS:
            raise ValueError(f"kind={kind!r}: one of {', '.join(SHOCKS)}")
        with self._lock:
            self.apply_shock(kind, group=group)
            # Day d's bar spans d - 0.5 .. d + 0.5 on the charts.
            self.shocks.append((self.clock_day - 0.5 + self.hour / 24.0, kind))

    # -- read-outs ------------------------------------------------------------
    def trust_now(self) -> float:
        """Mean trust in police of all residents at this hour (the daily table has midnight's)."""
        return float(np.mean(self.residents.trust))

    def status(self) -> dict[str, Any]:
        """What the page shows in words: clock, trust, crime so far, strategy, levers."""
        df = self.daily()
        last = df.iloc[-1] if len(df) else None

        def last_value(key: str) -> float | None:
            if last is None or key not in df.columns:
                return None
            return round(float(last[key]), 4)

        return {
            "day": self.clock_day,
            "hour": int(self.hour),
            "clock": clock_text(self.clock_day, int(self.hour)),
            "steps": int(self.steps),
            "trust_mean": round(self.trust_now(), 5),
            "trust_mean_daily": last_value("trust_mean"),
            "days_evaluated": len(df),
            "crimes_total": int(df["crimes"].sum()) if "crimes" in df.columns else 0,
            "reported_total": (
                int(df["crimes_reported"].sum()) if "crimes_reported" in df.columns else 0
            ),
            "reporting_rate": last_value("reporting_rate"),
            "response_time_median_min": last_value("response_time_median_min"),
            "preset": self.preset,
            "city": self.city_name,
            "levers": dict(self.lever_values),
            "shocks": [kind for _, kind in self.shocks],
        }


def model_params(preset: str, city: str, seed: int = 1) -> dict[str, Any]:
    """SolaraViz ``model_params`` for a preset: fixed preset/city, sliders for the rest."""
    values = preset_levers(preset, city)
    params: dict[str, Any] = {
        "preset": preset,
        "city": city,
        "seed": {"type": "SliderInt", "label": "Random seed", "value": seed, "min": 1, "max": 50,
                 "step": 1},
    }  # fmt: skip
    for lever in LEVERS:
        params[lever.name] = lever.user_param(values[lever.name])
    return params


# --------------------------------------------------------------------------- page state

# Solara keeps one value of each per browser session.
colour_by = solara.reactive("crime")
shock_group = solara.reactive("all groups")
current_preset = solara.reactive("baseline")
preset_version = solara.reactive(0)


def _city() -> str:
    city = os.environ.get(ENV_CITY, DEFAULT_CITY)
    return city if city in list_cities() else DEFAULT_CITY


class _Painters:
    """The map and chart painters of one browser session, reused from frame to frame."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.map_key: tuple[int, str] | None = None
        self.map: MapPainter | None = None
        self.charts_key: int | None = None
        self.charts: ChartsPainter | None = None

    def map_png(self, model: WorkshopModel, by: str) -> bytes:
        with self.lock:
            key = (id(model), by)
            if self.map_key != key or self.map is None:
                layout = _layout(model)
                title = preset_label(model.preset)
                self.map = MapPainter(layout, by, width=6.4, dpi=90, title=title)
                self.map_key = key
            self.map.update(frame_from_model(model, by, day=model.clock_day))
            return self.map.to_png()

    def charts_png(self, model: WorkshopModel) -> bytes:
        with self.lock:
            if self.charts_key != id(model) or self.charts is None:
                self.charts = ChartsPainter(model.groups, figsize=(7.2, 6.2), dpi=90)
                self.charts_key = id(model)
            self.charts.update(model.daily(), model.shocks)
            return self.charts.to_png()


def _layout(model: WorkshopModel) -> CityLayout:
    """The drawing geometry of a model's city (cities are shared, so this is cached)."""
    key = id(model.city)
    if key not in _LAYOUTS:
        _LAYOUTS[key] = (model.city, CityLayout.from_graph(model.city.graph))
    return _LAYOUTS[key][1]


_LAYOUTS: dict[int, tuple[Any, CityLayout]] = {}


# --------------------------------------------------------------------------- components


def lever_summary(levers: dict[str, Any], policy: Any = None) -> str:
    """The strategy of a run in one line, e.g. ``watch 30% · 2 meetings/month · ...``.

    Args:
        levers: the dashboard's lever values (as on the sliders).
        policy: the run's PolicyConfig, for programmes the sliders do not show.
    """
    budget = levers.get("funding") or 0
    meetings = float(levers.get("meetings_per_month") or 0)
    parts = [
        f"watch {100 * float(levers.get('watch_coverage') or 0):.0f}%",
        f"{meetings:g} meeting{'' if meetings == 1 else 's'}/month",
        f"app {100 * float(levers.get('app_adoption') or 0):.0f}%",
        f"trained {100 * float(levers.get('training_share') or 0):.0f}%",
        f"{levers.get('patrol_strategy', 'random')} patrol",
        f"budget ${float(budget):g}M/yr" if budget else "today's police force",
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


@solara.component
def ClockBar(model: WorkshopModel) -> None:  # noqa: N802
    """Clock, headline numbers, the strategy in force and the two shock buttons."""
    update_counter.get()
    status = model.status()
    groups = ["all groups", *model.groups]

    def press(kind: str) -> None:
        group = None if shock_group.value == "all groups" else shock_group.value
        model.shock(kind, group=group)
        force_update()

    rate = status["reporting_rate"]
    rate_text = "–" if rate is None else f"{100 * rate:.0f}%"
    with solara.Column(gap="2px", style={"width": "100%"}):
        with solara.Row(gap="18px", style={"align-items": "baseline", "flex-wrap": "wrap"}):
            solara.Text(
                status["clock"], classes=["commsim-clock"],
                style={"font-size": "28px", "font-weight": "600"},
            )  # fmt: skip
            solara.Text(
                f"Trust {status['trust_mean']:.3f} · Reporting {rate_text} · "
                f"Crimes {status['crimes_total']} (reported {status['reported_total']})",
                classes=["commsim-headline"],
                style={"font-size": "16px"},
            )
        summary = lever_summary(model.lever_values, model.config.policy)
        solara.Text(
            f"{preset_label(model.preset)}: {summary}",
            classes=["commsim-strategy"],
            style={"font-size": "13px", "color": "#555"},
        )
        with solara.Row(gap="10px", style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Button(
                "Misconduct incident", color="error", on_click=lambda: press("misconduct"),
                classes=["commsim-misconduct"],
            )  # fmt: skip
            solara.Button(
                "Community event", color="success", on_click=lambda: press("community_event"),
                classes=["commsim-community-event"],
            )  # fmt: skip
            solara.Select(
                "Incident involves", value=shock_group, values=groups, dense=True,
                style={"flex": "0 0 150px", "max-width": "150px"},
            )  # fmt: skip
            solara.ToggleButtonsSingle(
                value=colour_by, values=list(COLOUR_BY), dense=True, classes=["commsim-colour-by"]
            )
        if model.notice:
            solara.Warning(model.notice, dense=True, classes=["commsim-notice"])
        if model.shocks:
            names = ", ".join(
                f"{SHOCK_LABELS[kind].lower()} (day {int(day + 0.5)})"
                for day, kind in model.shocks[-3:]
            )
            solara.Text(f"Shocks: {names}", style={"font-size": "13px", "color": "#b71c1c"})
        # Machine-readable copy of the read-outs (used by the browser tests).
        solara.Text(json.dumps(status), classes=["commsim-status"], style={"display": "none"})


@solara.component
def MapPanel(model: WorkshopModel) -> None:  # noqa: N802
    """Clock bar above the city map."""
    mark = update_counter.get()
    painters = solara.use_memo(_Painters, [])
    png = painters.map_png(model, colour_by.value)
    # Runs after the frame is on its way to the browser: let the play loop go on.
    solara.use_effect(lambda: model.frame_shown(mark), [model, mark, colour_by.value])
    with solara.Column(gap="6px", style={"padding": "6px"}):
        ClockBar(model)
        rw.Image(value=png, format="png", layout=IMAGE_LAYOUT)


@solara.component
def ChartsPanel(model: WorkshopModel) -> None:  # noqa: N802
    """The four charts; redrawn when a day ends or a shock is applied."""
    update_counter.get()
    painters = solara.use_memo(_Painters, [])
    key = (id(model), model.days_evaluated, len(model.shocks))
    png = solara.use_memo(lambda: painters.charts_png(model), [key])
    with solara.Column(style={"padding": "6px"}, classes=["commsim-charts"]):
        rw.Image(value=png, format="png", layout=IMAGE_LAYOUT)


@solara.component
def PresetCard(model: solara.Reactive) -> None:  # noqa: N802
    """Strategy preset selector; picking one restarts the run with its levers."""
    presets = solara.use_memo(list_presets, [])

    def choose(name: str) -> None:
        model.value.retire()  # stops the play loop of the run being replaced
        current_preset.set(name)
        preset_version.set(preset_version.value + 1)

    with solara.Card("Strategy preset", classes=["commsim-presets"]):
        solara.Select(
            "Preset", value=current_preset.value, values=presets, on_value=choose,
            classes=["commsim-preset-select"],
        )  # fmt: skip
        # Plain text: Markdown would pull KaTeX from a CDN, which fails offline.
        solara.Text(
            "Picking a preset restarts the run and sets the sliders under Model Parameters. "
            "Slider changes take effect when you press RESET.",
            style={"font-size": "13px", "color": "#555"},
        )


@solara.component
def Page() -> None:  # noqa: N802
    """The dashboard page."""
    city = solara.use_memo(_city, [])
    preset = current_preset.value
    version = preset_version.value

    def build() -> solara.Reactive:
        return solara.Reactive(WorkshopModel(preset=preset, city=city, seed=1))

    model = solara.use_memo(build, [preset, version])
    params = solara.use_memo(lambda: model_params(preset, city), [preset, version])
    solara.Style(PAGE_CSS)
    with solara.Sidebar():
        PresetCard(model)
    SolaraViz(
        model,
        components=[(MapPanel, 0), (ChartsPanel, 0)],
        model_params=params,
        play_interval=1,
        render_interval=RENDER_EVERY_HOURS,
        name=f"commsim workshop · {city} city",
    ).key(f"viz-{preset}-{version}")


# --------------------------------------------------------------------------- command line


def _port_free(host: str, port: int) -> bool:
    with socket.socket(_family(host), socket.SOCK_STREAM) as s:
        # As the server will: a port left in TIME_WAIT by a dashboard just stopped is free.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def free_port(host: str = "127.0.0.1") -> int:
    """A port the OS says is free on ``host``."""
    with socket.socket(_family(host), socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def server_command(host: str, port: int) -> list[str]:
    """The command that serves this page (Solara in production mode)."""
    return [
        sys.executable, "-m", "solara", "run", "commsim.dashboard:Page",
        "--host", host, "--port", str(port), "--production", "--no-open",
    ]  # fmt: skip


def server_env(city: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for the server: chosen city, no telemetry, Solara files in a temp dir."""
    env = dict(os.environ if base is None else base)
    env[ENV_CITY] = city
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "false"
    # A closed browser tab would otherwise keep its model playing for a day.
    env.setdefault("SOLARA_KERNEL_CULL_TIMEOUT", "10m")
    env.setdefault("SOLARA_HOME", os.path.join(tempfile.gettempdir(), "commsim-solara"))
    return env


def wait_for_port(
    host: str, port: int, timeout: float = 60.0, alive: Callable[[], bool] = lambda: True
) -> bool:
    """Wait until something listens on ``host:port``; False on timeout or once ``alive()`` fails."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        with socket.socket(_family(host), socket.SOCK_STREAM) as s:
            s.settimeout(0.5)
            if s.connect_ex((host, port)) == 0:
                return True
        time.sleep(0.2)
    return False


def _stop_on_sigterm(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # stop the server as on Ctrl-C


def _error(message: str) -> int:
    print(f"commsim: error: {message}", file=sys.stderr)
    return 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="commsim dashboard",
        description="Serve the workshop dashboard in the browser (works offline).",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any)"
    )
    p.add_argument(
        "--city", default=DEFAULT_CITY, help="city to show: small (default), default, ..."
    )
    return p


def main(argv: list[str] | None = None) -> int:
    """Run ``commsim dashboard [--host H] [--port N] [--city small|default]``.

    Prints the address to open, then serves until interrupted (Ctrl-C).

    Args:
        argv: command-line arguments after ``dashboard``.

    Returns:
        Exit code: 0 after a clean stop, 2 for bad input, else the server's code.
    """
    args = _parser().parse_args(argv)
    cities = list_cities()
    if args.city not in cities:
        return _error(f"city={args.city}: one of {', '.join(cities)}")
    if not 0 <= args.port <= 65535:
        return _error(f"port={args.port}: an integer 0-65535 (0: any free port)")
    try:
        port = free_port(args.host) if args.port == 0 else args.port
        if not _port_free(args.host, port):
            return _error(f"port={port}: already in use on {args.host}; try --port 0")
    except PermissionError:
        return _error(f"port={args.port}: not allowed for this user; use a port above 1023")
    except OSError:
        return _error(f"host={args.host}: not an address of this machine (e.g. 127.0.0.1)")
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"commsim: warning: listening on {args.host}: other machines can open the dashboard",
            file=sys.stderr,
        )
    shown_host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(args.host, args.host)
    url_host = f"[{shown_host}]" if ":" in shown_host else shown_host
    url = f"http://{url_host}:{port}/"
    proc = subprocess.Popen(server_command(args.host, port), env=server_env(args.city))
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        if not wait_for_port(shown_host, port, alive=lambda: proc.poll() is None):
            proc.terminate()
            code = proc.wait()
            print(f"commsim: error: the dashboard server did not start (exit code {code})",
                  file=sys.stderr)  # fmt: skip
            return 1
        print(f"commsim dashboard ({args.city} city): open {url}  (Ctrl-C to stop)", flush=True)
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
