import pytest

from commsim.params import (
    CityConfig,
    ConfigError,
    PolicyConfig,
    ShockConfig,
    SimConfig,
    with_overrides,
)


def test_defaults_validate():
    cfg = SimConfig()
    assert cfg.city.residents == 5000
    assert cfg.policy.patrol_strategy == "random"


@pytest.mark.parametrize(
    ("cls", "kwargs", "key"),
    [
        (PolicyConfig, {"watch_coverage": 1.7}, "policy.watch_coverage"),
        (PolicyConfig, {"watch_coverage": -0.1}, "policy.watch_coverage"),
        (PolicyConfig, {"patrol_strategy": "teleport"}, "policy.patrol_strategy"),
        (PolicyConfig, {"funding": -5.0}, "policy.funding"),
        (PolicyConfig, {"app_adoption": float("nan")}, "policy.app_adoption"),
        (PolicyConfig, {"start_day": 10, "end_day": 5}, "policy.end_day"),
        (CityConfig, {"residents": 3}, "city.residents"),
        (CityConfig, {"kind": "hexagons"}, "city.kind"),
        (CityConfig, {"kind": "graphml"}, "city.graphml"),
        (CityConfig, {"disadvantage_min": 0.9, "disadvantage_max": 0.2}, "city.disadvantage_max"),
    ],
)
def test_out_of_range_values_name_key_value_and_allowed(cls, kwargs, key):
    with pytest.raises(ConfigError) as info:
        cls(**kwargs)
    message = str(info.value)
    assert message.startswith(key)
    assert "\n" not in message
    assert "must" in message


def test_shock_group_must_exist():
    with pytest.raises(ConfigError, match=r"policy\.shocks\.0\.group"):
        SimConfig(policy=PolicyConfig(shocks=[ShockConfig(day=3, group="martians")]))


def test_watch_neighborhood_ids_are_checked_against_city():
    with pytest.raises(ConfigError, match="watch_neighborhoods"):
        SimConfig(policy=PolicyConfig(watch_neighborhoods=[0, 9]))


def test_with_overrides_changes_only_named_fields():
    cfg = with_overrides(SimConfig(), **{"policy.watch_coverage": 0.3, "days": 30})
    assert cfg.policy.watch_coverage == 0.3
    assert cfg.days == 30
    assert cfg.city == SimConfig().city


def test_with_overrides_revalidates():
    with pytest.raises(ConfigError):
        with_overrides(SimConfig(), **{"policy.watch_coverage": 3.0})


def test_with_overrides_unknown_key():
    with pytest.raises(ConfigError, match="unknown key"):
        with_overrides(SimConfig(), **{"policy.watch_covrage": 0.3})
