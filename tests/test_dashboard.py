"""The workshop dashboard without a browser: its run and twin, its page, its command line."""

from __future__ import annotations

import asyncio
import json

import ipyvuetify as v
import numpy as np
import pandas as pd
import pytest
import solara

from commsim import with_overrides
from commsim.dashboard import app, command, levers
from commsim.dashboard.guard import Guard, cdn_store_path, split_host
from commsim.dashboard.layout import split_box
from commsim.dashboard.levers import LEVERS, lever_by_name
from commsim.dashboard.settings import PageSettings
from commsim.dashboard.workshop import WorkshopRun
from commsim.livecharts import reporting_by_group


@pytest.fixture(scope="module")
def run() -> WorkshopRun:
    return WorkshopRun(preset="baseline", city="small", seed=1)


# --------------------------------------------------------------------------- levers


def test_presets_start_with_baseline_and_cities_with_the_default():
    presets = levers.list_presets()
    assert presets[0] == "baseline"
    assert len(presets) == len(set(presets))
    cities = levers.list_cities()
    assert cities[0] == levers.DEFAULT_CITY == "workshop"
    assert "imported" not in cities  # needs a city folder
    assert "small" in cities
    assert "graphml" not in cities


def test_sliders_come_from_the_parameter_metadata():
    from commsim.params import SimConfig
    from commsim.paramspec import describe

    flagged = {i.key.split(".", 1)[1]: i for i in describe(SimConfig) if i.lever}
    assert {lever.name for lever in LEVERS} == set(flagged)
    assert [lever.name for lever in LEVERS][:6] == list(levers.FIRST)
    for lever in LEVERS:
        info = flagged[lever.name]
        assert lever.label == info.label
        if lever.kind == "select":
            assert lever.choices == tuple(info.choices)
            continue
        assert lever.lo * lever.scale == pytest.approx(info.lo)
        assert lever.hi * lever.scale <= info.hi
        assert lever.step * lever.scale == pytest.approx(info.step)
        assert (lever.hi - lever.lo) / lever.step <= 200  # a slider, not a text field
        for preset in levers.list_presets():  # every preset's value is on its slider
            value = levers.lookup_value(levers.load_preset(preset, "small"), lever.key)
            assert (value or 0) <= lever.hi * lever.scale, (preset, lever.name)


def test_lever_values_are_written_in_words():
    assert lever_by_name("watch_coverage").shown(0.3) == "30%"
    assert lever_by_name("meetings_per_month").shown(2.0) == "2"
    assert lever_by_name("campaign_weeks").to_config(8.0) == 8
    assert lever_by_name("funding").shown(None) == "today's force"
    assert lever_by_name("funding").shown(2.5e6) == "$2.5M a year"
    assert lever_by_name("patrol_strategy").shown("hotspot") == "hot spots"


def test_funding_slider_is_in_millions_and_zero_means_todays_force():
    funding = lever_by_name("funding")
    assert funding.to_config(0) is None
    assert funding.to_config(2.5) == pytest.approx(2.5e6)
    assert funding.to_display(None) == 0.0
    assert funding.to_display(3e6) == pytest.approx(3.0)


def test_lever_changes_name_what_moved():
    before = levers.preset_levers("baseline", "small")
    after = {**before, "watch_coverage": 0.3, "patrol_strategy": "hotspot"}
    assert levers.lever_changes(before, after) == [
        "neighbourhood watch coverage 0% → 30%",
        "patrol strategy random beats → hot spots",
    ]
    assert levers.lever_changes(before, dict(before)) == []


def test_every_preset_builds_and_shows_its_programmes():
    for preset in levers.list_presets():
        r = WorkshopRun(preset=preset, city="small", warmup=False)
        assert r.preset == preset
        summary = levers.lever_summary(r.lever_values, r.config.policy)
        assert "patrol:" in summary
        if r.config.policy.volunteer_patrollers:
            assert f"{r.config.policy.volunteer_patrollers} volunteer patrollers" in summary


# --------------------------------------------------------------------------- the run


def test_run_opens_after_warmup(run):
    assert not run.model.in_warmup
    assert run.days_evaluated == 0
    status = run.status()
    assert status["clock"] == "Day 1 · 00:00"
    assert status["preset"] == "baseline"
    assert status["twin"] is None
    assert 0.0 <= status["trust_mean"] <= 1.0


def test_stepping_advances_the_clock():
    r = WorkshopRun(city="small", seed=2)
    r.step(30)
    status = r.status()
    assert (status["day"], status["hour"]) == (2, 6)
    assert status["days_evaluated"] == 1
    assert len(r.daily()) == 1
    assert r.daily()["day"].tolist() == [0]


def test_levers_reach_the_policy():
    r = WorkshopRun(
        city="small",
        levers={"watch_coverage": 0.4, "meetings_per_month": 2, "patrol_strategy": "community"},
    )
    assert r.config.policy.watch_coverage == pytest.approx(0.4)
    assert r.config.policy.meetings_per_month == pytest.approx(2.0)
    assert r.config.policy.patrol_strategy == "community"
    assert r.status()["levers"]["watch_coverage"] == pytest.approx(0.4)


def test_a_budget_below_the_programmes_cost_falls_back_with_a_notice():
    chosen = {"watch_coverage": 1.0, "meetings_per_month": 8, "training_share": 1.0}
    r = WorkshopRun(city="small", levers={**chosen, "funding": 0.25}, warmup=False)
    assert r.config.policy.funding is None
    assert r.lever_values["funding"] == 0.0
    assert "does not cover these programmes ($" in r.notice
    assert WorkshopRun(city="small", warmup=False).notice == ""


def test_misconduct_twin_is_the_same_run_without_the_incident():
    r = WorkshopRun(city="small", seed=3)
    r.step(29)
    before = r.trust_now(group="minority")
    r.shock("misconduct", group="minority")
    assert r.change is not None and r.change.kind == "misconduct"
    # The twin is a copy taken just before the shock: same hour, trust as before it.
    assert r.twin is not None and r.twin.steps == r.model.steps
    assert r.trust_now(twin=True, group="minority") == pytest.approx(before)
    assert r.trust_now(group="minority") < before - 0.05
    r.step(48)
    shocked, twin = r.daily(), r.daily(twin=True)
    assert len(shocked) == len(twin) == 3
    # Identical up to the day of the shock, lower after it.
    assert shocked["trust_mean"].iloc[0] == pytest.approx(twin["trust_mean"].iloc[0])
    assert shocked["trust_mean_minority"].iloc[-1] < twin["trust_mean_minority"].iloc[-1] - 0.05
    assert r.status()["twin"] == "misconduct"
    assert r.status()["shocks"] == ["misconduct"]


def test_caption_says_what_happened_with_the_models_numbers():
    r = WorkshopRun(city="small", seed=4)
    assert "dashed line" in r.caption()
    r.step(5)
    r.shock("misconduct", group="minority")
    drop = r.trust_now(twin=True, group="minority") - r.trust_now(group="minority")
    caption = r.caption()
    assert caption.startswith("Misconduct incident involving minority residents (day 1, 05:00)")
    assert f"minority trust fell {drop:.2f} at once" in caption
    r.step(24 * 9)
    later = r.caption()
    gap = r.trust_now(twin=True, group="minority") - r.trust_now(group="minority")
    assert f"9 days on, minority trust is {gap:.2f} lower than without it" in later


def test_community_event_raises_trust_against_its_twin():
    r = WorkshopRun(city="small", seed=4)
    r.shock("community_event")
    assert r.trust_now() > r.trust_now(twin=True)
    assert "Community event" in r.caption() and "trust rose" in r.caption()


def test_a_new_shock_replaces_the_twin():
    r = WorkshopRun(city="small", seed=5)
    r.shock("misconduct")
    first = r.twin
    r.step(3)
    r.shock("community_event")
    assert r.twin is not first
    assert r.change is not None and r.change.kind == "community_event"
    assert [kind for _, kind in r.shocks] == ["misconduct", "community_event"]


def test_bad_shocks_are_refused(run):
    with pytest.raises(ValueError, match="misconduct"):
        run.shock("riot")
    with pytest.raises(ValueError, match="group='martians'"):
        run.shock("misconduct", group="martians")


def test_strategy_change_runs_the_previous_strategy_as_twin():
    old = WorkshopRun(city="small", seed=6)
    old.step(50)
    new = WorkshopRun(city="small", seed=6, levers={"watch_coverage": 0.5}, previous=old)
    assert new.change is not None and new.change.kind == "strategy"
    assert new.change.words == "Strategy changed: neighbourhood watch coverage 0% → 50%"
    assert new.twin is not None
    assert new.twin.config.policy.watch_coverage == 0.0
    assert new.twin.steps == new.model.steps  # both on day 1
    new.step(48)
    assert len(new.daily(twin=True)) == 2
    assert "on the previous strategy (dashed)" in new.caption()
    # The same strategy again, or another seed, has nothing to compare with.
    assert WorkshopRun(city="small", seed=6, previous=old, warmup=False).twin is None
    other_seed = WorkshopRun(city="small", seed=7, levers={"watch_coverage": 0.5}, previous=old)
    assert other_seed.twin is None


def test_retired_run_stops_stepping():
    r = WorkshopRun(city="small", seed=8)
    r.step()
    r.retire()
    r.step(5)
    assert r.hour == 1


def test_reporting_by_group_is_a_trailing_share_with_enough_crimes():
    events = pd.DataFrame(
        {
            "day": [0, 0, 1, 1, 2, 2, 2, 3],
            "victim_group": ["a", "a", "a", "b", "a", "a", "b", "a"],
            "reported": [True, False, True, True, False, True, False, True],
        }
    )
    out = reporting_by_group(events, ["a", "b"], n_days=5, window=2, min_crimes=2)
    a = out["reporting_rate_a"].to_numpy()
    # days 0: 1/2; 1: (1+1)/3; 2: (1+1)/3; 3: (1+1)/3; 4: 1/1 -> too few
    np.testing.assert_allclose(a[:4], [0.5, 2 / 3, 1 / 3 + 1 / 3, 2 / 3])
    assert np.isnan(a[4])
    b = out["reporting_rate_b"].to_numpy()
    assert np.isnan(b[0]) and np.isnan(b[1])  # one crime against b: too few
    assert b[2] == pytest.approx(0.5)


def test_daily_frame_has_per_group_reporting(run):
    r = WorkshopRun(city="small", seed=1)
    r.step(24 * 3)
    df = r.daily()
    for g in r.model.groups:
        assert f"reporting_rate_{g}" in df.columns
        values = df[f"reporting_rate_{g}"].dropna()
        assert ((values >= 0) & (values <= 1)).all()


# --------------------------------------------------------------------------- page


def test_layout_gives_the_charts_room():
    sizes = split_box(760, 580, font_px=18)
    assert sizes.map_width + sizes.charts_width <= 760
    assert sizes.charts_width >= 17 * 18 and sizes.map_width >= 300
    assert sizes.charts_height == 580
    wide = split_box(1560, 890, font_px=18)
    assert abs(wide.map_width - wide.charts_width) <= 1


def test_page_settings_travel_in_the_environment():
    s = PageSettings(city="small", preset="community_policing", seed=3, present=True)
    assert PageSettings.from_env(s.to_env()) == s
    assert s.font_px(720) == s.font_px(768) == 18.0
    assert s.font_px(1080) == 24.0
    assert PageSettings(present=False).font_px(1080) == 14.0
    assert PageSettings.from_env({"COMMSIM_DASHBOARD_CITY": "atlantis"}).city == "workshop"


def _status(rc) -> dict:
    return json.loads(rc.find(v.Html, class_="commsim-status").widget.children[0])


def _button(rc, text: str):
    return rc.find(v.Btn, children=[text]).widget


@pytest.fixture
def page(monkeypatch):
    monkeypatch.setenv("COMMSIM_DASHBOARD_CITY", "small")
    monkeypatch.setenv("COMMSIM_DASHBOARD_PRESENT", "1")
    _box, rc = solara.render(app.Page(), handle_error=False)
    yield rc
    rc.close()


def test_page_steps_and_draws_at_18_px(page):
    status = _status(page)
    assert status["clock"] == "Day 1 · 00:00"
    assert status["present"] is True
    assert status["fonts"]["map"] >= 18.0
    assert page.find(v.Html, class_="commsim-clock").widget.children == ["Day 1 · 00:00"]
    _button(page, "Step").click()
    assert _status(page)["steps"] > 0
    assert _status(page)["hour"] == app.DEFAULT_HOURS
    assert _status(page)["fonts"]["charts"] >= 18.0


def test_page_misconduct_button_makes_a_twin_and_a_caption(page):
    for _ in range(3):
        _button(page, "Step").click()
    before = _status(page)["trust_mean"]
    _button(page, "Misconduct incident").click()
    after = _status(page)
    assert after["trust_mean"] < before - 0.05
    assert after["shocks"] == ["misconduct"]
    assert after["twin"] == "misconduct"
    assert after["colour_by"] == "trust_change"  # the map switches to where trust fell
    caption = page.find(v.Html, class_="commsim-caption-text").widget.children[0]
    assert caption.startswith("Misconduct incident involving everyone")


def test_page_slider_shows_its_value_and_runs_the_strategy_with_a_twin(page):
    slider = page.find(v.Slider, class_="commsim-watch_coverage-slider").widget
    slider.v_model = 0.35
    values = [w.children[0] for w in page.find(v.Html, class_="commsim-value").widgets]
    assert "35%" in values
    assert _status(page)["levers"]["watch_coverage"] == 0.0  # not before "Run this strategy"
    _button(page, "Run this strategy").click()
    status = _status(page)
    assert status["levers"]["watch_coverage"] == pytest.approx(0.35)
    assert status["twin"] == "strategy"
    assert status["steps"] == 0
    _button(page, "Restart").click()
    assert _status(page)["twin"] is None  # the same strategy again: nothing to compare


def test_preset_selector_restarts_with_the_presets_levers(monkeypatch):
    real = levers.load_preset

    def load_preset(preset, city):
        if preset == "watch_demo":
            base = real("baseline", city)
            return with_overrides(
                base, **{"policy.name": "watch_demo", "policy.watch_coverage": 0.3}
            )
        return real(preset, city)

    monkeypatch.setattr(levers, "load_preset", load_preset)
    monkeypatch.setattr(app, "list_presets", lambda: ["baseline", "watch_demo"])
    monkeypatch.setattr("commsim.dashboard.workshop.load_preset", load_preset)
    monkeypatch.setenv("COMMSIM_DASHBOARD_CITY", "small")
    _box, rc = solara.render(app.Page(), handle_error=False)
    try:
        _button(rc, "Step").click()
        select = rc.find(v.Select, class_="commsim-preset-select").widget
        assert [item["value"] for item in select.items] == ["baseline", "watch_demo"]
        select.v_model = "watch_demo"
        status = _status(rc)
        assert status["preset"] == "watch_demo"
        assert status["steps"] == 0
        assert status["levers"]["watch_coverage"] == pytest.approx(0.3)
        assert status["twin"] == "strategy"
        slider = rc.find(v.Slider, class_="commsim-watch_coverage-slider").widget
        assert slider.v_model == pytest.approx(0.3)
    finally:
        rc.close()


def test_page_has_no_mesa_internal_controls(page):
    labels = {w.children[0] for w in page.find(v.Html, class_="commsim-label").widgets}
    assert {"Speed", "Hours per frame"} <= labels
    for internal in ("Use Threads", "Play Interval (ms)", "Render Interval (steps)"):
        assert not page.find(v.Checkbox, label=internal).widgets
        assert not page.find(v.Slider, label=internal).widgets
    assert {lever.label for lever in LEVERS if lever.kind != "select"} <= labels


# --------------------------------------------------------------------------- command line


def test_command_line_refuses_bad_input_in_one_line(capsys):
    for args, message in [
        (["--city", "atlantis"], "city=atlantis: one of workshop, default"),
        (["--preset", "magic"], "preset=magic: one of baseline"),
        (["--seed", "-3"], "seed=-3: a whole number"),
        (["--port", "70000"], "port=70000: an integer 0-65535"),
        (["--city", "small", "--city-dir", "mine"], "city=small and city-dir=mine: they are alt"),
        (["--evidence", "extreme"], "argument --evidence: invalid choice: 'extreme'"),
        (["--bogus"], "unrecognized arguments: --bogus (see commsim dashboard --help)"),
        (
            ["--host", "0.0.0.0", "--allow-host", "bad host!!"],
            "allow-host=bad host!!: must be a host name or IP address, optionally with :PORT",
        ),
        (["--allow-host", "room.local:9000"], "allow-host=room.local:9000: the dashboard listens"),
    ]:
        assert command.main(args) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith(f"commsim: error: {message}")
        assert "\n" not in err


def test_command_line_refuses_a_busy_port(capsys):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert command.main(["--port", str(port)]) == 2
    assert f"port={port}: already in use" in capsys.readouterr().err


def test_server_runs_guarded_offline_and_tied_to_its_parent(tmp_path):
    cmd = command.server_command("127.0.0.1", 8765, parent_pid=4242)
    assert cmd[cmd.index("-m") + 1] == "commsim.dashboard.serve"
    assert cmd[cmd.index("--parent-pid") + 1] == "4242"
    settings = PageSettings(city="small", present=True)
    env = command.server_env(settings, {"127.0.0.1"}, base={"SOLARA_HOME": str(tmp_path)})
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "false"
    assert env["SOLARA_MODE"] == "production"
    assert env["COMMSIM_DASHBOARD_PRESENT"] == "1"
    assert env["COMMSIM_DASHBOARD_HOSTS"] == "127.0.0.1"
    assert env["SOLARA_HOME"] == str(tmp_path)


@pytest.mark.parametrize(
    ("text", "host"),
    [
        ("room.local", "room.local"),
        ("Room-Laptop.Local.", "room-laptop.local"),
        ("192.168.1.5:8765", "192.168.1.5"),
        ("[fe80::1]:8765", "fe80::1"),
        ("::1", "::1"),
        ("bad host!!", None),
        ("-room.local", None),
        ("room.local:0", None),
        ("room.local:http", None),
        ("[::1", None),
        ("a" * 64 + ".local", None),
    ],
)
def test_allowed_hosts_are_names_or_addresses_with_an_optional_port(text, host):
    if host is None:
        with pytest.raises(ValueError, match=r"must be a host name or IP address"):
            command.allowed_host(text, 8765)
    else:
        assert command.allowed_host(text, 8765) == host


def test_served_hosts():
    assert command.served_hosts("127.0.0.1") == {"127.0.0.1", "localhost", "::1"}
    assert command.served_hosts("192.168.1.5", ["room.local"]) == {"192.168.1.5", "room.local"}
    everywhere = command.served_hosts("0.0.0.0")
    assert {"127.0.0.1", "localhost"} <= everywhere and "0.0.0.0" not in everywhere


# --------------------------------------------------------------------------- the guard


class _Recorder:
    """A stand-in ASGI app and a client for it."""

    def __init__(self) -> None:
        self.called = 0

    async def app(self, scope, receive, send):
        self.called += 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def _call(guard: Guard, kind: str, path: str, headers: dict, method: str = "GET") -> list:
    sent: list = []

    async def receive():
        return {"type": "websocket.connect"} if kind == "websocket" else {"type": "http.request"}

    async def send(message):
        sent.append(message)

    scope = {
        "type": kind,
        "path": path,
        "method": method,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    asyncio.run(guard(scope, receive, send))
    return sent


def _status_of(sent: list) -> int | str:
    first = sent[0]
    return first["status"] if first["type"] == "http.response.start" else first["type"]


@pytest.fixture
def guard(tmp_path):
    (tmp_path / "@w" / "app@1.0.0").mkdir(parents=True)
    (tmp_path / "@w" / "app@1.0.0" / "main.js").write_text("//")
    (tmp_path / "lib@2.0.0").mkdir()
    (tmp_path / "lib@2.0.0" / "__main.js").write_text("//")
    recorder = _Recorder()
    return Guard(recorder.app, {"127.0.0.1", "localhost"}, 8765, tmp_path), recorder, tmp_path


def test_guard_refuses_a_foreign_host_header(guard):
    g, rec, _ = guard
    assert _status_of(_call(g, "http", "/", {"host": "127.0.0.1:8765"})) == 200
    assert _status_of(_call(g, "http", "/", {"host": "localhost:8765"})) == 200
    for host in ("evil.example:8765", "127.0.0.1:9999", "127.0.0.1", "", "a@127.0.0.1:8765"):
        assert _status_of(_call(g, "http", "/", {"host": host})) == 400, host
    assert rec.called == 2


def test_guard_refuses_cross_origin_websockets(guard):
    g, rec, _ = guard
    own = {"host": "127.0.0.1:8765", "origin": "http://127.0.0.1:8765"}
    assert _status_of(_call(g, "websocket", "/jupyter/api/kernels/k/channels", own)) == 200
    for origin in (
        "http://evil.example",
        "http://127.0.0.1:9999",
        "http://localhost:8765",  # another name than the page's own
        "https://127.0.0.1:8765",
        "null",
        None,
    ):
        headers = {"host": "127.0.0.1:8765"} | ({"origin": origin} if origin else {})
        sent = _call(g, "websocket", "/jupyter/api/kernels/k/channels", headers)
        assert sent == [{"type": "websocket.close", "code": 1008}], origin
    assert rec.called == 1


def test_guard_refuses_cross_origin_posts_but_not_pages(guard):
    g, _, _ = guard
    post = {"host": "127.0.0.1:8765", "origin": "http://evil.example"}
    assert _status_of(_call(g, "http", "/_solara/api/close/k", post, method="POST")) == 403
    own = {"host": "127.0.0.1:8765", "origin": "http://127.0.0.1:8765"}
    assert _status_of(_call(g, "http", "/_solara/api/close/k", own, method="POST")) == 200
    assert _status_of(_call(g, "http", "/", post)) == 200  # a link from elsewhere still opens


def test_guard_serves_cached_files_and_never_a_cache_directory(guard):
    g, _, cache = guard
    host = {"host": "127.0.0.1:8765"}
    assert _status_of(_call(g, "http", "/_solara/cdn/@w/app@1.0.0/main.js", host)) == 200
    assert _status_of(_call(g, "http", "/_solara/cdn/lib@2.0.0", host)) == 200  # its __main.js
    for path in ("/_solara/cdn/@w/app@1.0.0", "/_solara/cdn/@w", "/_solara/cdn/@w/../..",
                 "/_solara/cdn/@w/app@1.0.0/missing.js"):  # fmt: skip
        assert _status_of(_call(g, "http", path, host)) == 404, path
    assert (cache / "@w" / "app@1.0.0" / "main.js").exists()


def test_solara_removes_a_cache_directory_a_request_lands_on(tmp_path, monkeypatch):
    """The hazard the guard's cache check exists for (on a copy, never the installed cache)."""
    from solara.server import cdn_helper

    def offline(url):
        raise ConnectionError(url)

    monkeypatch.setattr(cdn_helper, "fetch_from_cdn", offline)
    folder = tmp_path / "@w" / "app@1.0.0"
    folder.mkdir(parents=True)
    (folder / "main.js").write_text("//")
    with pytest.raises(ConnectionError):
        cdn_helper.get_path(tmp_path, "@w/app@1.0.0")
    assert not folder.exists()


def test_host_and_cache_path_helpers():
    assert split_host("127.0.0.1:8765") == ("127.0.0.1", 8765)
    assert split_host("[::1]:8765") == ("::1", 8765)
    assert split_host("LocalHost", default_port=80) == ("localhost", 80)
    assert split_host("a/b") == ("", None)
    assert cdn_store_path("requirejs@2.3.6") == "requirejs@2.3.6/__main.js"
    assert cdn_store_path("@w/app@1.0.0/x.js") == "@w/app@1.0.0/x.js"


def _city_folder(folder):
    """A small imported city (a 5 x 5 grid in two named neighbourhoods) as a city folder."""
    from commsim.cityfolder import CityTables, write_city_folder

    n = 5
    ids = np.arange(n * n)
    x, y = 100.0 * (ids % n), 100.0 * (ids // n)
    nb = (ids % n >= 3).astype(int)
    use = np.where(ids % 7 == 0, "commercial", np.where(ids % 5 == 1, "mixed", "residential"))
    places = pd.DataFrame({"id": [f"osm{i}" for i in ids], "x": x, "y": y, "neighborhood": nb,
                           "households": 3, "land_use": use, "disadvantage": 0.3})  # fmt: skip
    u = [i for i in ids if i % n < n - 1] + [i for i in ids if i // n < n - 1]
    v = [i + 1 for i in ids if i % n < n - 1] + [i + n for i in ids if i // n < n - 1]
    streets = pd.DataFrame({"u": u, "v": v, "length_m": 100.0})
    hoods = pd.DataFrame({"id": ["32", "8"], "name": ["Loop", "Near North Side"],
                          "households": [45, 30], "population": [112.0, 75.0],
                          "disadvantage": [0.3, 0.3], "label_x": [100.0, 350.0],
                          "label_y": [200.0, 200.0]})  # fmt: skip
    write_city_folder(folder, CityTables(places, streets, hoods, None, {"name": "test"}))
    return folder


def test_an_imported_city_opens_by_its_folder(tmp_path, capsys):
    folder = _city_folder(tmp_path / "city")
    s = PageSettings(city=str(folder), preset="baseline", seed=2)
    assert PageSettings.from_env(s.to_env()) == s
    run = WorkshopRun(preset="neighborhood_watch", city=str(folder), seed=2)
    assert run.model.city.n_places == 25 and list(run.model.city.place_ids[:2]) == ["osm0", "osm1"]
    run.step()
    from commsim.citymap import CityLayout

    layout = CityLayout.from_graph(run.model.city.graph)
    assert layout.labels == ["Loop", "Near North Side"]
    assert command.main(["--city-dir", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("commsim: error: city-dir=") and "no such folder" in err
    assert "\n" not in err
