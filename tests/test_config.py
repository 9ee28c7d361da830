from pathlib import Path

import pytest

from commsim import CommunityModel, ConfigError, load_config
from commsim.config import config_dir, options


def test_config_dir_found():
    assert (config_dir() / "config.yaml").is_file()


@pytest.mark.parametrize("city", options("city"))
def test_every_city_option_composes(city):
    overrides = [f"city={city}"]
    if city in ("graphml", "imported"):  # these need a file or a folder
        with pytest.raises(ConfigError, match=r"city\.(graphml|dir)"):
            load_config(overrides)
        return
    cfg = load_config(overrides)
    assert cfg.city.name == city


@pytest.mark.parametrize("policy", options("policy"))
def test_every_policy_option_composes(policy):
    cfg = load_config([f"policy={policy}"])
    assert cfg.policy.name == policy


@pytest.mark.parametrize("experiment", options("experiment"))
def test_every_experiment_composes(experiment):
    load_config([f"+experiment={experiment}"])


def test_overrides_apply():
    cfg = load_config(["city=small", "policy.watch_coverage=0.4", "seed=3", "days=90"])
    assert (cfg.city.residents, cfg.policy.watch_coverage, cfg.seed, cfg.days) == (500, 0.4, 3, 90)


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("policy.watch_coverage=1.7", "policy.watch_coverage=1.7: must be between 0 and 1"),
        ("city.residentz=3", "city.residentz: unknown key under city"),
        ("policy=nonsense", "policy='nonsense': must be one of"),
        ("days=abc", "days='abc': must be an integer"),
        ("policy.patrol_strategy=teleport", "policy.patrol_strategy='teleport': must be one of"),
        (
            "population.groups.minority.baseline_trust=2",
            "population.groups.minority.baseline_trust=2",
        ),
        ("days=-3", "days=-3: must be between 1 and 36,500"),
        ("city.residents=-5", "city.residents=-5: must be between 10 and 2,000,000"),
        (
            "population.groups.majority.share=0.9",
            "population.groups: the group shares must sum to 1; "
            "population.groups.majority.share=0.9, population.groups.minority.share=0.35, "
            "population.groups.newcomer.share=0.1 sum to 1.35",
        ),
        (
            "policy.shocks=notalist",
            "policy.shocks='notalist': must be a list, "
            "e.g. policy.shocks=[{day:60,kind:misconduct,group:minority}]",
        ),
        (
            "population.age_shares=5",
            "population.age_shares=5: must be a list, e.g. population.age_shares=[0.089,0.109,",
        ),
        ("population.groups.majority=5", "population.groups.majority=5: must be a mapping, e.g."),
    ],
)
def test_bad_overrides_give_one_clear_line(override, expected):
    with pytest.raises(ConfigError) as info:
        load_config([override])
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_group_shares_that_sum_to_one_are_kept_as_given():
    cfg = load_config(
        ["population.groups.majority.share=0.5", "population.groups.minority.share=0.4"]
    )
    assert [g.share for g in cfg.population.groups.values()] == [0.5, 0.4, 0.1]
    with pytest.raises(ConfigError, match=r"sum to 0\.9999\b"):
        load_config(["population.groups.newcomer.share=0.0999"])


def test_a_shock_after_the_run_ends_is_refused():
    with pytest.raises(ConfigError) as info:
        load_config(["days=30", "policy.shocks=[{day:30,kind:misconduct}]"])
    assert str(info.value) == (
        "policy.shocks.0.day=30: must be below days=30 (the run evaluates days 0-29); "
        "the shock would never happen"
    )
    assert load_config(["days=30", "policy.shocks=[{day:29,kind:misconduct}]"]).days == 30


def test_model_kwargs_use_presets_and_levers():
    model = CommunityModel(city="small", watch_coverage=0.3, patrol_strategy="hotspot", seed=4)
    assert len(model.residents) == 500
    assert model.config.policy.watch_coverage == 0.3
    assert model.config.seed == 4


def test_model_kwargs_reject_unknown_argument():
    with pytest.raises(ConfigError, match="colour"):
        CommunityModel(city="small", colour="red")


def test_yaml_presets_match_schema_defaults():
    # The default city's YAML repeats the schema's defaults; they must not drift apart.
    from commsim.params import CityConfig

    cfg = load_config([])
    assert cfg.city == CityConfig()
    assert Path(config_dir(), "city", "default.yaml").is_file()
