"""Mechanism tests: each lever moves its outcome in the published direction, on paired seeds."""

import numpy as np
import pytest

from commsim import CommunityModel, load_config, run
from commsim.population import ACTIVE
from runs import cached_run

SEEDS = (0, 1, 2)
# The default city over a third of a year: enough crime for directions to show.
MID = ("days=120", "warmup_days=30")


def _total(overrides, key, seeds=SEEDS):
    return sum(cached_run(tuple(overrides), s).summary[key] for s in seeds)


def test_more_watch_coverage_fewer_crimes_in_covered_neighbourhoods():
    covered = [0, 1, 2]
    base = (*MID, "policy.watch_neighborhoods=[0,1,2]")

    def covered_crimes(cov):
        return sum(
            int(
                cached_run((*base, f"policy.watch_coverage={cov}"), s)
                .events["neighborhood"]
                .isin(covered)
                .sum()
            )
            for s in SEEDS
        )

    none, some, most = covered_crimes(0.0), covered_crimes(0.3), covered_crimes(0.8)
    assert some < none
    assert most < some


def test_trained_officers_raise_trust():
    base = (*MID, "policy.patrol_strategy=community")
    untrained = _total((*base, "policy.training_share=0"), "trust_mean")
    trained = _total((*base, "policy.training_share=1"), "trust_mean")
    assert trained > untrained


def test_reporting_app_raises_reporting():
    assert _total((*MID, "policy.app_adoption=1.0"), "reporting_rate") > _total(
        MID, "reporting_rate"
    )


def test_app_reaches_only_smartphone_owners():
    model = CommunityModel(city="small", app_adoption=1.0, days=10, warmup_days=0, seed=0)
    model.run_days(5)
    res = model.residents
    assert res.app.any()
    assert not (res.app & ~res.smartphone).any()  # the digital divide


def test_app_users_report_more_than_others_in_the_same_model():
    model = CommunityModel(city="small", app_adoption=1.0, days=100, warmup_days=0, seed=0)
    model.run_days(100)  # past the adoption ramp
    app = model.lever("app")
    res = model.residents
    users, others = np.flatnonzero(res.app), np.flatnonzero(~res.app)
    assert len(users) and len(others)
    assert (app.report_logit(model.world, users) > 0).all()
    assert (app.report_logit(model.world, others) == 0).all()


def test_misconduct_shock_lowers_trust_and_reporting():
    # A city-wide incident of twice the default size, so its effect on reporting
    # stands clear of the noise of three seeds.
    shock = (
        *MID,
        "policy.shocks=[{day:0,kind:misconduct,group:null}]",
        "shocks.misconduct_drop=0.3",
    )
    assert _total(shock, "trust_mean") < _total(MID, "trust_mean")
    assert _total(shock, "trust_mean_minority") < _total(MID, "trust_mean_minority")
    assert _total(shock, "reporting_rate") < _total(MID, "reporting_rate")


def test_targeted_misconduct_lowers_the_touched_groups_trust_most():
    shock = (*MID, "policy.shocks=[{day:0,kind:misconduct,group:minority}]")
    gap_before = _total(MID, "trust_gap")
    assert _total(shock, "trust_gap") > gap_before


def test_shock_hits_the_touched_group_hardest():
    model = CommunityModel(city="small", seed=1)
    before = {
        g: model.residents.trust[model.residents.group == i].mean()
        for i, g in enumerate(model.groups)
    }
    model.apply_shock("misconduct", "minority")
    after = {
        g: model.residents.trust[model.residents.group == i].mean()
        for i, g in enumerate(model.groups)
    }
    drops = {g: before[g] - after[g] for g in before}
    assert drops["minority"] > drops["majority"] > 0


def test_funding_buys_officers_and_faster_response():
    funded = (*MID, "policy.funding=2000000")
    result = cached_run(funded, 0)
    assert result.counts["officers"] == cached_run(MID, 0).counts["officers"] + 15
    assert _total(funded, "response_time_median_min") < _total(MID, "response_time_median_min")
    assert result.summary["cost_usd"] == pytest.approx(15 * 130_000 * 120 / 365, rel=0.02)


def test_funding_below_programme_cost_is_a_clear_error():
    from commsim import ConfigError

    # Checked with the rest of the config, before any model is built.
    with pytest.raises(ConfigError, match=r"policy\.funding"):
        load_config(["city=small", "policy.meetings_per_month=4", "policy.funding=1000"])


def test_meetings_raise_trust_and_give_police_problem_places():
    meet = (*MID, "policy.meetings_per_month=2")
    assert _total(meet, "trust_mean") > _total(MID, "trust_mean")
    model = CommunityModel(
        load_config(["days=40", "warmup_days=20", "policy.meetings_per_month=4"]), seed=0
    )
    model.run_days(40)
    assert (model.world.places.intel_until > model.tick).any()
    assert cached_run(meet, 0).summary["cost_usd"] == pytest.approx(2 * 4 * 6 * 1500, rel=0.35)


def test_youth_outreach_cuts_vandalism():
    outreach = (*MID, "policy.youth_outreach_places=100")
    assert _total(outreach, "crimes_vandalism") < _total(MID, "crimes_vandalism")


def test_campaign_raises_reporting_and_hardens_homes():
    camp = (*MID, "policy.campaign_weeks=4", "policy.campaign_reach=0.8")
    assert _total(camp, "reporting_rate") > _total(MID, "reporting_rate")
    assert _total(camp, "crimes_burglary") < _total(MID, "crimes_burglary")


def test_hotspot_patrol_puts_officers_at_hot_spots():
    def share_at_hotspots(strategy):
        model = CommunityModel(
            load_config(["days=30", "warmup_days=30", f"policy.patrol_strategy={strategy}"]), seed=0
        )
        from commsim.levers.hotspot import hotspots

        hits = total = 0
        for _ in range(model.total_ticks):
            model.step()
            hot = hotspots(model.world, model.config.hotspot)
            if not model.in_warmup and len(hot):
                places = model.officer_places
                hits += np.isin(places, hot).sum()
                total += len(places)
        return hits / total

    assert share_at_hotspots("hotspot") > 3 * share_at_hotspots("random")


def test_community_beats_keep_officers_in_their_neighbourhood():
    model = CommunityModel(
        load_config(["days=5", "warmup_days=0", "policy.patrol_strategy=community"]), seed=0
    )
    model.run_days(2)
    off = model.officers
    duty = model.on_duty_mask() & (off.busy_until <= model.tick)
    assert (model.city.neighborhood[off.place[duty]] == off.beat[duty]).all()


def test_volunteers_patrol_in_the_evening_only():
    model = CommunityModel(
        load_config(
            [
                "city=small",
                "warmup_days=0",
                "policy.volunteer_patrollers=40",
                "policy.patrol_hours_per_week=28",
            ]
        ),
        seed=0,
    )
    seen = {}
    for _ in range(24):
        model.step()
        seen[(model.tick - 1) % 24] = len(model.patroller_places)
    assert seen[19] > 0
    assert seen[12] == 0 and seen[3] == 0


def test_no_policy_acts_during_warmup_and_windows_are_respected():
    cfg = load_config(["city=small", "days=40", "warmup_days=10", "policy.watch_coverage=0.5",
                       "policy.start_day=10", "policy.end_day=20"])  # fmt: skip
    result = run(cfg, seed=0)
    ts = result.timeseries.set_index("day")["watch_participation"]
    assert (ts.loc[:9] == 0).all()
    assert (ts.loc[10:19] > 0).all()
    assert (ts.loc[20:] == 0).all()
    assert (result.events["day"] >= 0).all()


def test_true_and_recorded_crime_are_separate(small_run):
    ev = small_run.events
    assert (ev["recorded"] == (ev["reported"] | ev["on_view"])).all()
    assert (~ev["recorded"]).any() and ev["recorded"].any()  # both kinds occur
    assert (~ev.loc[~ev["recorded"], "arrested"]).all()  # unrecorded crime never leads to arrest
    called = ev["reported"] & ~ev["on_view"]
    assert ev.loc[called, "response_min"].notna().all()  # a call is answered
    assert ev.loc[~called, "response_min"].isna().all()  # no call, no response time


def test_agents_are_thin_views_on_arrays():
    model = CommunityModel(city="small", seed=0)
    resident = model.resident_agents[7]
    resident.trust = 0.123
    assert model.residents.trust[7] == pytest.approx(0.123)
    model.residents.trust[7] = 0.9
    assert resident.trust == pytest.approx(0.9)
    assert resident.group in model.groups


def test_offenders_and_officers_sit_on_network_cells():
    model = CommunityModel(city="small", seed=0)
    model.run_days(1)
    model.sync_space()
    for agent in model.offender_agents:
        if model.offenders.state[agent.index] == ACTIVE:
            assert agent.cell is model.space[int(model.offenders.place[agent.index])]
            assert agent in agent.cell.agents
    on_duty = [a for a in model.officer_agents if model.on_duty_mask()[a.index]]
    assert on_duty and all(a.cell.coordinate == a.place for a in on_duty)
