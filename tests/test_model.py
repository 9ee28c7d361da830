"""Mechanism tests on paired seeds: levers act only through their channels, which work.

Common random numbers make the knock-outs exact: with every channel of a lever
switched off, the crimes, reports and arrests are identical, event by event,
to the baseline of the same seed. Switching one channel on moves what that
channel should move.
"""

from __future__ import annotations

import numpy as np
import pytest

from commsim import CommunityModel, load_config, run
from commsim.population import ACTIVE, CUSTODY
from runs import cached_run

SEEDS = (0, 1, 2)
# The default city over a third of a year: enough crime for directions to show.
MID = ("days=120", "warmup_days=30")
EVENT_KEYS = [
    "day",
    "hour",
    "place",
    "type",
    "victim",
    "offender",
    "reported",
    "recorded",
    "clearance",
]

#: Every channel of each lever switched off (its settings on, its effects at zero).
KNOCKOUTS = {
    "watch": [
        "policy.watch_coverage=0.4",
        "watch.member_hazard=0",
        "watch.notice_factor=1",
        "watch.reporting_bonus=0",
    ],
    "volunteers": [
        "policy.volunteer_patrollers=40",
        "volunteers.guardian_hazard=0",
        "volunteers.report_prob=0",
    ],
    "meetings": [
        "policy.meetings_per_month=2",
        "meetings.attendance=0",
        "meetings.problem_places=0",
    ],
    "campaign": [
        "policy.campaign_weeks=6",
        "policy.campaign_reach=0.6",
        "campaign.reporting_bonus=0",
        "campaign.hardening_cut=0",
    ],
    "outreach": ["policy.youth_outreach_places=60", "outreach.hazard_cut=0"],
    "app": ["policy.app_adoption=0.6", "app.reporting_bonus=0", "app.call_handling_min=7"],
    "training": ["policy.training_share=1", "training.skill_gain=0", "training.competency_gain=0"],
    "shocks": [
        "policy.shocks=[{day:5,kind:misconduct,group:minority}]",
        "shocks.misconduct_drop=0",
        "shocks.misconduct_spill=0",
    ],
    "funding": ["policy.funding=1000000", "costs.officer_per_year=1e9"],
}


def _events(overrides, seed=0):
    return cached_run(tuple(overrides), seed).events[EVENT_KEYS].reset_index(drop=True)


def _total(overrides, key, seeds=SEEDS):
    return sum(cached_run(tuple(overrides), s).summary[key] for s in seeds)


@pytest.mark.parametrize("lever", KNOCKOUTS)
def test_knocked_out_lever_changes_nothing(lever):
    base = _events(MID)
    assert len(base) > 20
    pd_equal = _events((*MID, *KNOCKOUTS[lever])).equals(base)
    assert pd_equal, f"{lever} acts through a channel its knock-out missed"


def test_patrol_strategy_acts_only_through_preventive_patrol():
    # With no time for preventive patrol, where it would go cannot matter.
    idle = (*MID, "police.preventive_patrol_share=0")
    for strategy in ("hotspot", "community", "predictive", "mixed"):
        assert _events((*idle, f"policy.patrol_strategy={strategy}")).equals(_events(idle)), (
            strategy
        )


@pytest.mark.parametrize(
    ("lever", "channel", "outcome", "direction"),
    [
        # Doses are large so a channel's direction stands out of three seeds' noise.
        ("watch", "watch.reporting_bonus=3", "reporting_rate", +1),
        ("app", "app.reporting_bonus=3", "reporting_rate", +1),
        ("campaign", "campaign.reporting_bonus=3", "reporting_rate", +1),
        ("campaign", "campaign.hardening_cut=0.9", "crimes_burglary", -1),
        ("training", "training.skill_gain=0.1", "trust_mean", +1),
        ("meetings", "meetings.attendance=0.05", "trust_mean", +1),
        ("shocks", "shocks.misconduct_drop=0.15", "trust_mean_minority", -1),
        ("funding", "costs.officer_per_year=130000", "response_time_median_min", -1),
    ],
)
def test_each_channel_alone_moves_its_outcome(lever, channel, outcome, direction):
    on = (*MID, *KNOCKOUTS[lever], channel)
    change = _total(on, outcome) - _total(MID, outcome)
    assert np.sign(change) == direction, (lever, channel, change)


def test_watch_members_guard_where_they_are():
    model = CommunityModel(
        load_config(["city=small", "warmup_days=0", "policy.watch_coverage=0.8"]), seed=1
    )
    model.run_days(30)
    watch = model.lever("watch")
    assert model.residents.watch.any()
    hazard, _ = watch.guardians(model.world)
    members_at = np.bincount(
        model.world.routine.loc_now[model.residents.watch], minlength=model.city.n_places
    )
    assert (hazard[members_at == 0] == 0).all() and (hazard[members_at > 0] > 0).all()


def test_watch_is_hardest_to_build_where_cohesion_is_low():
    model = CommunityModel(load_config(["warmup_days=30", "policy.watch_coverage=1.0"]), seed=2)
    model.run_days(30 + 90)
    w = model.world
    joined = w.mean_by_neighborhood(w.residents.watch.astype(float))
    from commsim import efficacy

    cohesion = w.mean_by_neighborhood(efficacy.cohesion(w))
    assert np.corrcoef(joined, cohesion)[0, 1] > 0.5


def test_volunteers_quit_and_are_replaced():
    cfg = load_config(["city=small", "warmup_days=0", "days=400", "policy.volunteer_patrollers=40"])
    model = CommunityModel(cfg, seed=0)
    first = None
    for day in range(400):
        model.run_days(1)
        if day == 1:
            first = set(np.flatnonzero(model.residents.patroller))
    now = set(np.flatnonzero(model.residents.patroller))
    assert first and len(first - now) >= 5  # about a third quit in a year
    assert 35 <= len(now) <= 40  # and were mostly replaced


def test_outreach_enrols_young_people_at_risk_not_known_offenders():
    model = CommunityModel(
        load_config(["warmup_days=10", "policy.youth_outreach_places=50"]), seed=0
    )
    model.run_days(12)
    outreach = model.lever("outreach")
    enrolled = np.flatnonzero(outreach.entered != np.iinfo(np.int64).max)
    assert len(enrolled) == 50
    assert (model.residents.age[enrolled] <= 1).all()
    score = outreach.risk_score(model.world)
    young = np.flatnonzero(model.residents.age <= 1)
    assert score[enrolled].mean() > score[young].mean()


def test_outreach_cuts_participants_offending_hazard_after_the_delay():
    model = CommunityModel(
        load_config(["warmup_days=10", "policy.youth_outreach_places=50"]), seed=0
    )
    model.run_days(12)
    outreach = model.lever("outreach")
    assert outreach.offending_hazard(model.world) is None  # not yet working
    model.run_days(70)
    factor = outreach.offending_hazard(model.world)
    enrolled = outreach.entered != np.iinfo(np.int64).max
    assert np.allclose(factor[enrolled], 1 - model.config.outreach.hazard_cut)
    assert (factor[~enrolled] == 1).all()


def test_training_gain_fades():
    cfg = load_config(["city=small", "warmup_days=0", "days=800", "policy.training_share=1"])
    model = CommunityModel(cfg, seed=0)
    model.run_days(1)
    trained = model.officers.skill.copy()
    model.run_days(540)
    faded = model.officers.skill
    gain = model.config.training.skill_gain
    assert np.allclose(trained - faded, gain / 2, atol=0.002)


def test_app_adopters_own_smartphones_and_young_adopt_more():
    model = CommunityModel(
        load_config(["warmup_days=0", "days=120", "policy.app_adoption=0.5"]), seed=0
    )
    model.run_days(100)
    res = model.residents
    assert res.app.any() and not (res.app & ~res.smartphone).any()  # the digital divide
    owners = res.smartphone
    young, old = owners & (res.age <= 2), owners & (res.age == 5)
    assert res.app[young].mean() > res.app[old].mean()


def test_misconduct_lasting_share_moves_predispositions():
    for lasting, moves in ((0.0, False), (1.0, True)):
        model = CommunityModel(
            load_config(["city=small", f"shocks.lasting_share={lasting}"]), seed=1
        )
        before = model.residents.predisposition.copy()
        model.apply_shock("misconduct", "minority")
        assert (model.residents.predisposition < before).any() == moves


def test_shock_hits_the_touched_group_hardest():
    model = CommunityModel(city="small", seed=1)
    res = model.residents
    before = [res.trust[res.group == i].mean() for i in range(len(model.groups))]
    model.apply_shock("misconduct", "minority")
    drops = {g: before[i] - res.trust[res.group == i].mean() for i, g in enumerate(model.groups)}
    assert drops["minority"] > drops["majority"] > 0


def test_funding_buys_officers_without_changing_the_base_force():
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


def test_impossible_doses_are_refused():
    from commsim import ConfigError

    with pytest.raises(ConfigError, match="youth_outreach_places"):
        load_config(["city=small", "policy.youth_outreach_places=400"])
    with pytest.raises(ConfigError, match="volunteer_patrollers"):
        load_config(["city=small", "policy.volunteer_patrollers=400"])


def test_meetings_give_police_problem_places():
    model = CommunityModel(
        load_config(["days=40", "warmup_days=20", "policy.meetings_per_month=4"]), seed=0
    )
    model.run_days(40)
    assert (model.world.places.intel_until > model.tick).any()


# ------------------------------------------------------------------ patrol and police
def test_preventive_patrol_share_is_the_time_officers_patrol():
    for share in (0.0, 0.5, 1.0):
        model = CommunityModel(
            load_config(["city=small", f"police.preventive_patrol_share={share}"]), seed=0
        )
        patrolling = free = 0
        for _ in range(24 * 20):
            model.step()
            w = model.world
            patrolling += w.patrolling.sum()
            free += (w.duty_now & (w.officers.busy_until <= w.tick)).sum()
        assert patrolling / free == pytest.approx(share, abs=0.05)


def test_officers_not_patrolling_wait_at_their_base_out_of_sight():
    model = CommunityModel(load_config(["city=small", "police.preventive_patrol_share=0"]), seed=0)
    model.run_days(3)
    w = model.world
    idle = w.duty_now & (w.officers.busy_until <= w.tick)
    assert (w.officers.place[idle] == w.officers.base[idle]).all()
    assert w.places.officers_here[w.officers.base[idle]].sum() == 0  # not visible there


def test_hotspot_patrol_puts_officers_at_hot_spots():
    from commsim.levers.hotspot import hotspots

    def share_at_hotspots(strategy):
        cfg = load_config(["days=30", "warmup_days=30", f"policy.patrol_strategy={strategy}"])
        model = CommunityModel(cfg, seed=0)
        hits = total = 0
        while model.running:
            model.step()
            hot = hotspots(model.world, model.config.hotspot)
            patrolling = model.world.patrolling
            if not model.in_warmup and len(hot) and patrolling.any():
                places = model.officers.place[patrolling]
                hits += np.isin(places, hot).sum()
                total += len(places)
        return hits / total

    assert share_at_hotspots("hotspot") > 3 * share_at_hotspots("random")


def test_community_beats_keep_patrol_in_the_neighbourhood():
    model = CommunityModel(
        load_config(["days=5", "warmup_days=0", "policy.patrol_strategy=community"]), seed=0
    )
    model.run_days(2)
    w = model.world
    assert w.patrolling.any()
    assert (
        w.city.neighborhood[w.officers.place[w.patrolling]] == w.officers.beat[w.patrolling]
    ).all()


def test_predictive_patrol_follows_recorded_crime_forecasts():
    from commsim.levers.predictive import forecast

    model = CommunityModel(
        load_config(["days=30", "warmup_days=30", "policy.patrol_strategy=predictive"]), seed=0
    )
    model.run_days(45)
    flagged = model.lever("predictive").flagged
    score = forecast(model.world, model.config.predictive)
    assert len(flagged) and score[flagged].min() >= np.sort(score)[-len(flagged)]


def test_stops_fall_on_whoever_is_there_and_more_on_the_young():
    result = cached_run(MID, 0)
    stops = sum(result.summary[f"stops_{g}"] for g in ("majority", "minority", "newcomer"))
    assert stops == result.summary["stops"] > 0


def test_more_presence_more_crime_seen_by_officers():
    # Detection: officers see crime near them, so presence raises what police record
    # themselves. A large, sharp-eyed force makes the mechanism visible in a short run.
    def seen(share):
        force = (
            "population.officers_per_1000=12",
            "clearance.see_here=1",
            "clearance.see_adjacent=0.5",
        )
        runs = [
            cached_run((*MID, *force, f"police.preventive_patrol_share={share}"), s) for s in SEEDS
        ]
        return sum(int(r.events["on_view"].sum()) for r in runs)

    assert seen(1.0) > seen(0.1)


# ------------------------------------------------------------------ offenders
def test_offenders_are_residents():
    result = cached_run(MID, 0)
    offenders = result.events["offender"].to_numpy()
    assert (offenders >= 0).all() and (offenders < result.counts["residents"]).all()


def test_offenders_avoid_places_they_believe_risky():
    def visits(belief):
        model = CommunityModel(load_config(["city=small", "warmup_days=0"]), seed=3)
        target = np.arange(0, model.city.n_places, 2)
        count = 0
        for _ in range(24 * 10):
            model.world.places.risk_belief[target] = belief
            model.step()
            count += np.isin(model.offender_places, target).sum()
        return count

    assert visits(0.9) < visits(0.05)


def test_learning_spreads_to_neighbours_only_when_beliefs_generalise():
    from commsim import offending

    for generalization, spreads in ((0.0, False), (0.8, True)):
        model = CommunityModel(
            load_config(["city=small", f"risk.generalization={generalization}"]), seed=0
        )
        w = model.world
        before = w.places.risk_belief.copy()
        offending.heard_of_arrest(w, 5)
        neighbours = w.city.adjacency[5].indices
        assert w.places.risk_belief[5] > before[5]
        assert (w.places.risk_belief[neighbours] > before[neighbours]).all() == spreads


def test_custody_takes_offenders_off_the_street():
    from commsim import justice

    model = CommunityModel(load_config(["city=small", "justice.pretrial_days=5"]), seed=0)
    w = model.world
    offender = int(w.active[0])
    justice.arrest(w, offender, int(w.residents.home[offender]), "robbery")
    assert w.residents.offender[offender] == CUSTODY and offender not in w.active
    model.run_days(6)
    assert w.residents.offender[offender] in (ACTIVE, CUSTODY) or offender not in w.active


def test_every_clearance_route_happens_and_open_cases_are_censored():
    events = [cached_run(MID, s).events for s in SEEDS]
    routes = set().union(*(set(e["clearance"]) for e in events))
    assert {"none", "on_scene", "investigation"} <= routes
    for e in events:
        assert (e["arrested"] == (e["clearance"] != "none")).all()
        assert e.loc[e["clearance"] == "none", "clearance_day"].isna().all()
        cleared = e[e["clearance"] != "none"]
        assert (cleared["clearance_day"] >= cleared["day"]).all()
        assert not (e["open_at_end"] & (e["clearance"] != "none")).any()
    assert any(e["open_at_end"].any() for e in events)


def test_unrecorded_crime_is_never_cleared(small_run):
    ev = small_run.events
    assert (ev["recorded"] == (ev["reported"] | ev["on_view"])).all()
    assert (~ev.loc[~ev["recorded"], "arrested"]).all()
    called = ev["reported"] & ~ev["on_view"]
    assert ev.loc[called, "response_min"].notna().all()  # a call is answered
    assert ev.loc[~called, "response_min"].isna().all()  # no call, no response time


# ------------------------------------------------------------------ people and trust
def test_trust_returns_to_each_residents_own_predisposition():
    model = CommunityModel(load_config(["city=small"]), seed=0)
    w = model.world
    w.residents.trust[:] = np.clip(w.residents.predisposition - 0.2, 0, 1)
    half_life = model.config.trust.persistence_half_life_days
    model.run_days(int(4 * half_life))
    gap = np.abs(w.residents.trust - w.residents.predisposition)
    assert gap.mean() < 0.2 / 8


def test_no_policy_acts_during_warmup_and_windows_are_respected():
    cfg = load_config(["city=small", "days=40", "warmup_days=10", "policy.watch_coverage=0.5",
                       "policy.start_day=10", "policy.end_day=20"])  # fmt: skip
    result = run(cfg, seed=0)
    ts = result.timeseries.set_index("day")["watch_participation"]
    assert (ts.loc[:9] == 0).all()
    assert (ts.loc[12:19] > 0).all()
    assert (ts.loc[20:] == 0).all()
    assert (result.events["day"] >= 0).all()


# ------------------------------------------------------------------ Mesa views
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
    for resident in model.world.active:
        agent = model.offender_agent(int(resident))
        assert agent.cell is model.space[int(model.residents.place[resident])]
        assert agent in agent.cell.agents
    on_duty = [a for a in model.officer_agents if model.on_duty_mask()[a.index]]
    assert on_duty and all(a.cell.coordinate == a.place for a in on_duty)


def test_large_cities_fill_the_network_when_it_is_read():
    from commsim.agents import EAGER_RESIDENTS
    from commsim.city import CityConfig

    model = CommunityModel(
        city=CityConfig(places=120, neighborhoods=3, residents=EAGER_RESIDENTS + 1), seed=0
    )
    assert not model.eager_space and not model.offender_agents
    model.run_days(1)
    model.step()  # mid-day: the Network follows the arrays of this hour when read
    space = model.space
    assert len(model.world.active) and len(model.offender_agents) == len(model.world.active)
    for resident in model.world.active:
        agent = model.offender_agent(int(resident))
        assert agent.cell is space[int(model.residents.place[resident])]
    on_duty = [a for a in model.officer_agents if model.on_duty_mask()[a.index]]
    assert on_duty and all(a.cell.coordinate == a.place for a in on_duty)
