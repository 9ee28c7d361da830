"""The workshop dashboard without a browser: its model, its page, its command line."""

from __future__ import annotations

import json
import socket

import ipyvuetify as v
import numpy as np
import pytest
import solara

from commsim import dashboard, with_overrides
from commsim.dashboard import LEVERS, WorkshopModel


@pytest.fixture(scope="module")
def model() -> WorkshopModel:
    return WorkshopModel(preset="baseline", city="small", seed=1)


def test_presets_start_with_baseline():
    presets = dashboard.list_presets()
    assert presets[0] == "baseline"
    assert len(presets) == len(set(presets))


def test_cities_offer_small_first():
    cities = dashboard.list_cities()
    assert cities[0] == "small"
    assert "default" in cities
    assert "graphml" not in cities


def test_model_opens_after_warmup(model):
    assert not model.in_warmup
    assert model.days_evaluated == 0
    status = model.status()
    assert status["clock"] == "Day 1 · 00:00"
    assert status["preset"] == "baseline"
    assert 0.0 <= status["trust_mean"] <= 1.0


def test_stepping_advances_the_clock():
    m = WorkshopModel(city="small", seed=2)
    for _ in range(30):
        m.step()
    status = m.status()
    assert (status["day"], status["hour"]) == (2, 6)
    assert status["days_evaluated"] == 1
    assert status["steps"] == 30
    assert len(m.daily()) == 1


def test_misconduct_lowers_trust_against_a_twin_run():
    shocked, twin = WorkshopModel(city="small", seed=3), WorkshopModel(city="small", seed=3)
    for m in (shocked, twin):
        for _ in range(5):
            m.step()
    before = shocked.trust_now()
    shocked.shock("misconduct", group="minority")
    assert shocked.trust_now() < before
    for m in (shocked, twin):
        for _ in range(24):
            m.step()
    assert shocked.trust_now() < twin.trust_now() - 0.02
    assert shocked.daily()["trust_mean"].iloc[-1] < twin.daily()["trust_mean"].iloc[-1]
    assert [kind for _, kind in shocked.shocks] == ["misconduct"]
    assert shocked.status()["shocks"] == ["misconduct"]


def test_community_event_raises_trust():
    m = WorkshopModel(city="small", seed=4)
    before = m.trust_now()
    m.shock("community_event")
    assert m.trust_now() > before


def test_unknown_shock_is_refused(model):
    with pytest.raises(ValueError, match="misconduct"):
        model.shock("riot")


def test_levers_reach_the_policy():
    m = WorkshopModel(
        city="small", watch_coverage=0.4, meetings_per_month=2, patrol_strategy="community"
    )
    assert m.config.policy.watch_coverage == pytest.approx(0.4)
    assert m.config.policy.meetings_per_month == pytest.approx(2.0)
    assert m.config.policy.patrol_strategy == "community"
    assert m.status()["levers"]["watch_coverage"] == pytest.approx(0.4)


def test_funding_slider_is_in_millions_and_zero_means_todays_force():
    funding = next(lever for lever in LEVERS if lever.name == "funding")
    assert funding.to_config(0) is None
    assert funding.to_config(2.5) == pytest.approx(2.5e6)
    assert funding.to_display(None) == 0.0
    assert funding.to_display(3e6) == pytest.approx(3.0)


def test_model_params_rebuild_the_model_like_mesas_reset_button():
    from mesa.visualization.solara_viz import _check_model_params, split_model_params

    params = dashboard.model_params("baseline", "small")
    _check_model_params(WorkshopModel.__init__, params)
    sliders, fixed = split_model_params(params)
    assert set(sliders) == {"seed", *dashboard.LEVER_NAMES}
    kwargs = {**fixed, **{k: p["value"] for k, p in sliders.items()}}
    kwargs["watch_coverage"] = 0.25
    m = WorkshopModel(**kwargs)
    assert m.config.policy.watch_coverage == pytest.approx(0.25)


def test_map_and_charts_render_to_png(model):
    painters = dashboard._Painters()
    for by in ("crime", "trust"):
        png = painters.map_png(model, by)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert painters.charts_png(model)[:4] == b"\x89PNG"


def _status(rc) -> dict:
    return json.loads(rc.find(v.Html, class_="commsim-status").widget.children[0])


def test_page_steps_resets_and_takes_a_misconduct_shock():
    _box, rc = solara.render(solara.AppLayout(children=[dashboard.Page()]), handle_error=False)
    try:
        assert _status(rc)["clock"] == "Day 1 · 00:00"
        assert rc.find(v.Html, class_="commsim-clock").widget.children == ["Day 1 · 00:00"]
        rc.find(v.Btn, children=["Step"]).widget.click()
        assert _status(rc)["steps"] > 0
        before = _status(rc)["trust_mean"]
        rc.find(v.Btn, children=["Misconduct incident"]).widget.click()
        after = _status(rc)
        assert after["trust_mean"] < before - 0.05
        assert after["shocks"] == ["misconduct"]
        slider = rc.find(v.Slider, label="Watch coverage (share of households)").widget
        slider.v_model = 0.35
        rc.find(v.Btn, children=["Reset"]).widget.click()
        reset = _status(rc)
        assert reset["steps"] == 0
        assert reset["shocks"] == []
        assert reset["levers"]["watch_coverage"] == pytest.approx(0.35)
    finally:
        rc.close()


def test_command_line_refuses_an_unknown_city(capsys):
    assert dashboard.main(["--city", "atlantis"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("commsim: error: city=atlantis: one of small")
    assert "\n" not in err


def test_command_line_refuses_a_busy_port(capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert dashboard.main(["--port", str(port)]) == 2
    assert f"port={port}: already in use" in capsys.readouterr().err


def test_server_binds_loopback_offline_by_default(tmp_path):
    args = dashboard._parser().parse_args([])
    assert args.host == "127.0.0.1"
    cmd = dashboard.server_command(args.host, 8765)
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"
    assert "--production" in cmd
    env = dashboard.server_env("small", base={"SOLARA_HOME": str(tmp_path)})
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "false"
    assert env[dashboard.ENV_CITY] == "small"
    assert env["SOLARA_HOME"] == str(tmp_path)


def test_trust_now_matches_the_daily_table_at_midnight():
    m = WorkshopModel(city="small", seed=5)
    for _ in range(24):
        m.step()
    assert m.trust_now() == pytest.approx(m.daily()["trust_mean"].iloc[-1], abs=1e-9)
    assert np.isfinite(m.trust_now())


def test_preset_selector_restarts_the_run_with_the_presets_levers(monkeypatch):
    real = dashboard.load_preset

    def load_preset(preset, city):
        if preset == "watch_demo":
            base = real("baseline", city)
            return with_overrides(
                base, **{"policy.name": "watch_demo", "policy.watch_coverage": 0.3}
            )
        return real(preset, city)

    monkeypatch.setattr(dashboard, "load_preset", load_preset)
    monkeypatch.setattr(dashboard, "list_presets", lambda: ["baseline", "watch_demo"])
    _box, rc = solara.render(solara.AppLayout(children=[dashboard.Page()]), handle_error=False)
    try:
        rc.find(v.Btn, children=["Step"]).widget.click()
        old_steps = _status(rc)["steps"]
        assert old_steps > 0
        select = rc.find(v.Select, label="Preset").widget
        assert select.items == ["baseline", "watch_demo"]
        select.v_model = "watch_demo"
        status = _status(rc)
        assert status["preset"] == "watch_demo"
        assert status["steps"] == 0
        assert status["levers"]["watch_coverage"] == pytest.approx(0.3)
        slider = rc.find(v.Slider, label="Watch coverage (share of households)").widget
        assert slider.v_model == pytest.approx(0.3)
    finally:
        dashboard.current_preset.set("baseline")
        rc.close()


def test_a_retired_model_stops_mesas_play_loop():
    m = WorkshopModel(city="small", seed=6)
    m.step()
    m.retire()
    m.step()
    assert m.running is False
    assert m.steps == 2  # Mesa counts the call, the model did not move
    assert m.status()["hour"] == 1


def test_a_budget_below_the_programmes_cost_falls_back_with_a_notice():
    m = WorkshopModel(
        city="small", watch_coverage=1.0, meetings_per_month=8, training_share=1.0, funding=0.25
    )
    assert m.config.policy.funding is None
    assert m.lever_values["funding"] == 0.0
    assert "does not cover these programmes ($" in m.notice
    assert WorkshopModel(city="small").notice == ""


def test_every_preset_builds_and_shows_its_programmes():
    for preset in dashboard.list_presets():
        m = WorkshopModel(preset=preset, city="small", warmup=False)
        assert m.preset == preset
        summary = dashboard.lever_summary(m.lever_values, m.config.policy)
        assert "patrol" in summary
        if m.config.policy.volunteer_patrollers:
            assert f"{m.config.policy.volunteer_patrollers} volunteer patrollers" in summary
