"""The dashboard page (Solara): controls, clock, caption, city map and charts.

The page is built from Solara components rather than Mesa's SolaraViz, so that
it can fit a projector's screen, label every control in plain words and show
each slider's value. The model is the same Mesa model as everywhere else.

This module and :mod:`commsim.dashboard.serve` are the only ones that import
Solara. The drawing lives in :mod:`commsim.citymap` and :mod:`commsim.livecharts`,
the run and its twin in :mod:`commsim.dashboard.workshop`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import reacton.ipywidgets as rw
import solara

from commsim.citymap import (
    COLOUR_BY,
    COLOUR_BY_WORDS,
    SCALES,
    CityLayout,
    MapPainter,
    frame_from_model,
    trust_scale,
)
from commsim.dashboard.layout import page_css, split_box
from commsim.dashboard.levers import (
    EVIDENCE_WORDS,
    LEVERS,
    Lever,
    evidence,
    lever_summary,
    list_presets,
    preset_label,
    preset_levers,
)
from commsim.dashboard.settings import PageSettings
from commsim.dashboard.workshop import WorkshopRun
from commsim.livecharts import ChartsPainter

# Speed: seconds between frames while playing (the room needs time to look).
SPEEDS = {"slow": 0.6, "normal": 0.25, "fast": 0.08, "fastest": 0.02}
HOURS_PER_FRAME = (1, 2, 3, 6, 12, 24)
DEFAULT_HOURS = 3
PANELS_BOX = ".commsim-panels"
FIRST_BOX = {"width": 1000, "height": 620}  # until the browser has measured the box


@solara.component_vue(str(Path(__file__).with_name("boxprobe.vue")))
def BoxProbe(selector: str, event_resized: Callable[[dict], None]) -> None:  # noqa: N802
    """Reports the size of the element ``selector`` (see ``boxprobe.vue``)."""


def _hours_words(hours: int) -> str:
    return "1 day" if hours == 24 else f"{hours} hour{'s' if hours > 1 else ''}"


class _Painters:
    """The map and chart painters of one browser tab, rebuilt only when their size changes."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.map_key: tuple | None = None
        self.map: MapPainter | None = None
        self.charts_key: tuple | None = None
        self.charts: ChartsPainter | None = None
        self.layouts: dict[int, CityLayout] = {}
        self.map_font = self.charts_font = float("nan")

    def _layout(self, run: WorkshopRun) -> CityLayout:
        city = run.model.city
        if id(city) not in self.layouts:
            self.layouts = {id(city): CityLayout.from_graph(city.graph)}
        return self.layouts[id(city)]

    def map_png(self, run: WorkshopRun, by: str, width: int, height: int, font: float) -> bytes:
        with self.lock:
            label = SCALES[by].label
            if by == "trust_change":
                label = f"Change in trust {run.reference_words()} (orange: fell)"
            key = (id(run), by, width, height, font, label)
            if self.map_key != key or self.map is None:
                scale = SCALES[by]
                if by == "trust":
                    scale = trust_scale(run.start_place_trust)
                self.map = MapPainter(
                    self._layout(run), by, width_px=width, height_px=height, font_px=font,
                    clock=False, scale=replace(scale, label=label),
                )  # fmt: skip
                self.map_key = key
                self.map_font = self.map.min_text_px()
            with run.lock:
                frame = frame_from_model(
                    run.model, by, day=run.clock_day, reference=run.place_trust_reference()
                )
            self.map.update(frame)
            return self.map.to_png()

    def charts_png(
        self, run: WorkshopRun, width: int, height: int, font: float, present: bool
    ) -> bytes:
        with self.lock:
            key = (id(run.model), width, height, font, present)
            if self.charts_key != key or self.charts is None:
                panels = ("trust", "reporting", "crime")
                if not present:
                    panels = (*panels, "response")
                self.charts = ChartsPainter(
                    run.model.groups, width_px=width, height_px=height, font_px=font,
                    panels=panels,
                )  # fmt: skip
                self.charts_key = key
                self.charts_font = float("nan")
            change = run.change
            # Short, so the legend keeps two entries a row on a narrow screen.
            label = {
                "misconduct": "no incident",
                "community_event": "no event",
                "strategy": "previous strategy",
            }.get(change.kind if change else "", "no change")
            self.charts.update(
                run.daily(),
                run.daily(twin=True) if run.twin is not None else None,
                since_day=change.x if change else None,
                shocks=run.shocks,
                counterfactual_label=label,
            )
            png = self.charts.to_png()
            if self.charts_font != self.charts_font:  # NaN: first drawing of this painter
                self.charts_font = self.charts.min_text_px()
            return png

    def fonts(self) -> dict[str, float]:
        """Smallest text (pixels) of the map and the charts, measured when first drawn."""
        out = {}
        if self.map is not None:
            out["map"] = round(self.map_font, 2)
        if self.charts is not None:
            out["charts"] = round(self.charts_font, 2)
        return out


# ------------------------------------------------------------------------- controls


@solara.component
def ValueSlider(  # noqa: N802
    label: str,
    value: float,
    shown: str,
    lo: float,
    hi: float,
    step: float,
    on_value: Callable[[float], None],
    css_class: str = "",
) -> None:
    """A slider with its label and its value in words on one line above it."""
    with solara.Column(gap="0px", classes=["commsim-lever", css_class]):
        with solara.Div(classes=["commsim-row"]):
            solara.Text(label, classes=["commsim-label"])
            solara.Text(shown, classes=["commsim-value"])
        solara.v.Slider(
            v_model=value, min=lo, max=hi, step=step, hide_details=True, dense=True,
            on_v_model=on_value, class_=f"{css_class}-slider",
        )  # fmt: skip


@solara.component
def LeverControl(  # noqa: N802
    lever: Lever, value: Any, on_value: Callable[[Any], None]
) -> None:
    """One lever: a slider with its value, or a list of choices."""
    if lever.kind == "select":
        with solara.Column(gap="0px", classes=["commsim-lever"]):
            solara.Text(lever.label, classes=["commsim-label"])
            solara.v.Select(
                v_model=value, items=[{"text": lever.shown(c), "value": c} for c in lever.choices],
                on_v_model=on_value, dense=True, hide_details=True,
                class_=f"commsim-{lever.name}-select",
            )  # fmt: skip
        return
    ValueSlider(
        lever.label,
        value,
        lever.shown(lever.to_config(value)),
        lever.lo,
        lever.hi,
        lever.step,
        on_value,
        css_class=f"commsim-{lever.name}",
    )


@solara.component
def Controls(  # noqa: N802
    run: WorkshopRun,
    playing: solara.Reactive[bool],
    speed: solara.Reactive[str],
    hours: solara.Reactive[int],
    colour_by: solara.Reactive[str],
    group: solara.Reactive[str],
    on_step: Callable[[], None],
    on_shock: Callable[[str, str | None], None],
    on_new_run: Callable[[str, dict[str, Any], int, bool], None],
) -> None:
    """The left column: play, speed, incidents, map colours, then the strategy.

    Keyed by the run on the page, so a new run starts with its own lever values.
    """
    draft, set_draft = solara.use_state(dict(run.lever_values))
    seed, set_seed = solara.use_state(run.seed)
    presets = solara.use_memo(list_presets, [])
    speeds = list(SPEEDS)

    with solara.Column(gap="2px", classes=["commsim-controls"]):
        with solara.Div(classes=["commsim-buttons"]):
            solara.Button(
                "❚❚ Pause" if playing.value else "▶ Play", color="primary",
                on_click=lambda: playing.set(not playing.value), classes=["commsim-play"],
            )  # fmt: skip
            solara.Button(
                "Step", on_click=on_step, disabled=playing.value, classes=["commsim-step"]
            )
            solara.Button(
                "Restart",
                on_click=lambda: on_new_run(run.preset, dict(run.lever_values), run.seed, False),
                classes=["commsim-restart"],
            )
        ValueSlider(
            "Speed", speeds.index(speed.value), speed.value, 0, len(speeds) - 1, 1,
            lambda i: speed.set(speeds[int(i)]), css_class="commsim-speed",
        )  # fmt: skip
        ValueSlider(
            "Hours per frame", HOURS_PER_FRAME.index(hours.value), _hours_words(hours.value),
            0, len(HOURS_PER_FRAME) - 1, 1, lambda i: hours.set(HOURS_PER_FRAME[int(i)]),
            css_class="commsim-hours",
        )  # fmt: skip

        solara.Text("Incidents", classes=["commsim-section"])
        chosen = None if group.value == "all groups" else group.value
        solara.Button(
            "Misconduct incident", color="error", block=True,
            on_click=lambda: on_shock("misconduct", chosen), classes=["commsim-misconduct"],
        )  # fmt: skip
        with solara.Div(classes=["commsim-row"]):
            solara.Text("involving", classes=["commsim-label"])
            solara.v.Select(
                v_model=group.value, items=["all groups", *run.model.groups], on_v_model=group.set,
                dense=True, hide_details=True, class_="commsim-group-select",
                style_="max-width: 62%",
            )  # fmt: skip
        solara.Button(
            "Community event", color="success", block=True,
            on_click=lambda: on_shock("community_event", None), classes=["commsim-community-event"],
        )  # fmt: skip

        solara.Text("Map colours", classes=["commsim-section"])
        with solara.v.BtnToggle(
            v_model=COLOUR_BY.index(colour_by.value), mandatory=True, dense=True,
            on_v_model=lambda i: colour_by.set(COLOUR_BY[int(i)]), class_="commsim-colour-by",
        ):  # fmt: skip
            for key in COLOUR_BY:
                solara.v.Btn(children=[COLOUR_BY_WORDS[key]], small=False)

        solara.Text("Strategy", classes=["commsim-section"])

        def choose_preset(name: str) -> None:
            on_new_run(name, preset_levers(name, run.city_name), seed, True)

        solara.v.Select(
            v_model=run.preset, items=[{"text": preset_label(p), "value": p} for p in presets],
            on_v_model=choose_preset, dense=True, hide_details=True,
            class_="commsim-preset-select",
        )  # fmt: skip
        for lever in LEVERS:
            LeverControl(
                lever,
                draft.get(lever.name),
                lambda v, name=lever.name: set_draft({**draft, name: v}),
            )
        ValueSlider(
            "Random seed", seed, str(seed), 0, max(50, run.seed), 1, lambda v: set_seed(int(v)),
            css_class="commsim-seed",
        )  # fmt: skip
        changed = draft != run.lever_values or seed != run.seed
        solara.Button(
            "Run this strategy", color="primary", block=True, disabled=not changed,
            on_click=lambda: on_new_run(run.preset, dict(draft), seed, True),
            classes=["commsim-apply"],
        )  # fmt: skip
        solara.Text(
            "A new strategy starts again on day 1; the previous one is drawn dashed (same seed).",
            classes=["commsim-hint"],
        )


# ------------------------------------------------------------------------- main area


@solara.component
def Header(run: WorkshopRun, status: dict[str, Any]) -> None:  # noqa: N802
    """Clock and headline numbers, the strategy in one line."""
    rate = status["reporting_rate"]
    rate_text = "–" if rate is None else f"{100 * rate:.0f}%"
    with solara.Div(classes=["commsim-topline"]):
        solara.Text(status["clock"], classes=["commsim-clock"])
        solara.Text(
            f"Trust {status['trust_mean']:.2f} · Reporting {rate_text} · "
            f"Crimes {status['crimes_total']}, {status['reported_total']} reported",
            classes=["commsim-headline"],
        )
    summary = lever_summary(run.lever_values, run.config.policy)
    solara.Text(f"{preset_label(run.preset)}: {summary}", classes=["commsim-strategy"])
    solara.Text(EVIDENCE_WORDS[evidence()], classes=["commsim-evidence"])
    if run.notice:
        solara.Warning(run.notice, dense=True, classes=["commsim-notice"])


@solara.component
def Page() -> None:  # noqa: N802
    """The dashboard page."""
    settings = solara.use_memo(PageSettings.from_env, [])

    def first_run() -> WorkshopRun:
        return WorkshopRun(preset=settings.preset, city=settings.city, seed=settings.seed)

    run = solara.use_reactive(solara.use_memo(first_run, []))
    playing = solara.use_reactive(False)
    speed = solara.use_reactive("normal")
    hours = solara.use_reactive(DEFAULT_HOURS)
    colour_by = solara.use_reactive("crime")
    group = solara.use_reactive("all groups")
    frame = solara.use_reactive(0)
    box = solara.use_reactive(dict(FIRST_BOX))
    painters = solara.use_memo(_Painters, [])
    shown = solara.use_memo(threading.Event, [])

    def redraw() -> None:
        frame.set(frame.value + 1)

    def step_once() -> None:
        run.value.step(hours.value)
        redraw()

    def shock(kind: str, group: str | None) -> None:
        run.value.shock(kind, group)
        if kind == "misconduct" and colour_by.value == "crime":
            colour_by.set("trust_change")  # the map then shows where trust fell
        redraw()

    def new_run(preset: str, levers: dict[str, Any], seed: int, with_twin: bool) -> None:
        old = run.value
        playing.set(False)
        old.retire()  # stops the play loop of the run being replaced
        run.set(
            WorkshopRun(
                preset=preset,
                city=old.city_name,
                seed=seed,
                levers=levers,
                previous=old if with_twin else None,
            )
        )
        redraw()

    def play_loop(cancel: threading.Event) -> None:
        current = run.value
        while playing.value and not cancel.is_set() and not current.retired:
            started = time.monotonic()
            current.step(hours.value)
            shown.clear()
            redraw()
            shown.wait(timeout=2.0)  # the page has drawn the frame (see the effect below)
            pause = SPEEDS.get(speed.value, 0.25) - (time.monotonic() - started)
            cancel.wait(max(pause, 0.02))  # never less: the browser needs a moment too

    solara.use_thread(
        play_loop, dependencies=[playing.value, id(run.value)], intrusive_cancel=False
    )
    solara.use_effect(shown.set, [frame.value])

    current = run.value
    font = settings.font_px(box.value.get("viewport_height"))
    sizes = split_box(box.value["width"], box.value["height"], font)
    map_png = painters.map_png(current, colour_by.value, sizes.map_width, sizes.map_height, font)
    charts_key = (id(current), current.days_evaluated, len(current.shocks), sizes, id(current.twin))
    charts_png = solara.use_memo(
        lambda: painters.charts_png(
            current, sizes.charts_width, sizes.charts_height, font, settings.present
        ),
        [charts_key],
    )
    status = current.status()
    status.update(
        present=settings.present,
        font_px=font,
        playing=playing.value,
        colour_by=colour_by.value,
        fonts=painters.fonts(),
        box=box.value,
        images={
            "map": [painters.map.width_px, painters.map.height_px] if painters.map else None,
            "charts": [sizes.charts_width, sizes.charts_height],
        },
    )

    solara.Style(page_css(font))
    with solara.Div(classes=["commsim-app", "commsim-present" if settings.present else "commsim"]):
        Controls(
            current, playing, speed, hours, colour_by, group, step_once, shock, new_run,
        ).key(f"controls-{id(current)}")  # fmt: skip
        with solara.Div(classes=["commsim-main"]):
            with solara.Div(classes=["commsim-header"]):
                Header(current, status)
            with solara.Div(classes=["commsim-panels"]):
                with solara.Div(
                    classes=["commsim-mapcol"], style={"width": f"{sizes.map_width}px"}
                ):
                    with solara.Div(classes=["commsim-image", "commsim-map"]):
                        rw.Image(
                            value=map_png, format="png",
                            layout={"width": f"{painters.map.width_px}px",
                                    "height": f"{painters.map.height_px}px"},
                        )  # fmt: skip
                    with solara.Div(
                        classes=["commsim-caption"],
                        style={"height": f"{sizes.caption_height}px"},
                    ):
                        solara.Text(status["caption"], classes=["commsim-caption-text"])
                with solara.Div(classes=["commsim-image", "commsim-charts"]):
                    rw.Image(
                        value=charts_png, format="png",
                        layout={"width": f"{sizes.charts_width}px",
                                "height": f"{sizes.charts_height}px"},
                    )  # fmt: skip
        BoxProbe(selector=PANELS_BOX, event_resized=lambda size: box.set(dict(size)))
        # Machine-readable copy of the read-outs (used by the tests).
        solara.Text(json.dumps(status), classes=["commsim-status"], style={"display": "none"})
