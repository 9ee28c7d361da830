"""Config files: where ``conf/`` is, composing it (Hydra), and clear errors.

The parameter dataclasses in :mod:`commsim.params` are the schemas. This
module registers them with Hydra's ConfigStore, composes ``conf/`` with
overrides, and turns any composition or validation failure into one
:class:`~commsim.params.ConfigError` line naming the key, the value and what
is allowed. Hydra is imported lazily, so the model runs without it.
"""

from __future__ import annotations

import re
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from commsim.params import (
    NO_VALUE,
    RENAMED_KEYS,
    CityConfig,
    ConfigError,
    PolicyConfig,
    SimConfig,
    with_overrides,
)
from commsim.paramspec import describe, lookup

SCHEMA_NAME = "commsim_schema"


def config_dir() -> Path:
    """The ``conf/`` directory: shipped inside the package, or at the checkout's root."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "conf", here.parents[1] / "conf"):
        if (candidate / "config.yaml").is_file():
            return candidate
    raise FileNotFoundError("commsim's conf/ directory was not found next to the package")


def options(group: str) -> list[str]:
    """Names of the options of a config group (e.g. ``options("policy")``)."""
    return sorted(p.stem for p in (config_dir() / group).glob("*.yaml"))


def _thaw(node: DictConfig) -> None:
    # Frozen dataclasses become read-only nodes; Hydra must merge YAML into them.
    OmegaConf.set_readonly(node, None)
    for key in node:
        child = node._get_node(key)
        OmegaConf.set_readonly(child, None)
        if isinstance(child, DictConfig):
            _thaw(child)


def schema_node(cls: type = SimConfig) -> DictConfig:
    """A writable structured config for a dataclass schema."""
    node = OmegaConf.structured(cls)
    _thaw(node)
    return node


def register_schemas() -> None:
    """Register the run schema with Hydra's ConfigStore (``defaults: [commsim_schema, ...]``)."""
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(name=SCHEMA_NAME, node=schema_node(SimConfig))


def to_sim_config(cfg: DictConfig) -> SimConfig:
    """Convert a composed config to the frozen dataclass, running every range check."""
    plain = (
        OmegaConf.masked_copy(cfg, [f.name for f in fields(SimConfig)]) if "hydra" in cfg else cfg
    )
    try:
        merged = OmegaConf.merge(schema_node(SimConfig), plain)
        obj = OmegaConf.to_object(merged)
    except OmegaConfBaseException as exc:
        raise explain(exc) from None
    assert isinstance(obj, SimConfig)
    return obj


def load_config(overrides: list[str] | None = None, config_name: str = "config") -> SimConfig:
    """Compose ``conf/`` with Hydra-style overrides and validate it.

    Args:
        overrides: e.g. ``["city=small", "policy=community_policing", "policy.funding=2e6"]``.
        config_name: The primary config file in ``conf/``.

    Raises:
        ConfigError: One line naming the key, the value and what is allowed.

    Examples:
        >>> cfg = load_config(["city=small", "policy.watch_coverage=0.4", "days=90"])
    """
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    register_schemas()
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
            cfg = compose(config_name=config_name, overrides=list(overrides or []))
    except ConfigError:
        raise
    except Exception as exc:  # Hydra raises many types for bad overrides
        raise explain(exc) from None
    finally:
        GlobalHydra.instance().clear()
    return to_sim_config(cfg)


def preset(group: str, name: str, schema: type) -> Any:
    """Read one option of a config group (e.g. ``city/small.yaml``) without Hydra."""
    path = config_dir() / group / f"{name}.yaml"
    if not path.is_file():
        raise ConfigError(group, name, "must be one of " + ", ".join(options(group)))
    try:
        node = OmegaConf.merge(schema_node(schema), OmegaConf.load(path))
        return OmegaConf.to_object(node)
    except OmegaConfBaseException as exc:
        raise explain(exc, prefix=group) from None


def config_from_kwargs(
    config: SimConfig | None,
    *,
    seed: int | None = None,
    city: str | CityConfig | None = None,
    policy: str | None = None,
    levers: dict[str, Any] | None = None,
) -> SimConfig:
    """Build a run config from plain keyword arguments (what SolaraViz and batch runners pass)."""
    cfg = config or SimConfig()
    if isinstance(city, str):
        cfg = with_overrides(cfg, city=preset("city", city, CityConfig))
    elif isinstance(city, CityConfig):
        cfg = with_overrides(cfg, city=city)
    if policy is not None:
        cfg = with_overrides(cfg, policy=preset("policy", policy, PolicyConfig))
    policy_fields = {f.name for f in fields(PolicyConfig)}
    # Levers outside the policy section (the patrol dose) go by their own name too.
    other_levers = {
        p.key.rsplit(".", 1)[1]: p.key
        for p in describe(SimConfig)
        if p.lever and not p.key.startswith("policy.")
    }
    for key in levers or {}:
        if f"policy.{key}" in RENAMED_KEYS:
            raise renamed(f"policy.{key}")
    changes: dict[str, Any] = {}
    for key, value in (levers or {}).items():
        if key in policy_fields:
            changes[f"policy.{key}"] = value
        elif key in other_levers:
            changes[other_levers[key]] = value
        elif key in ("days", "warmup_days"):
            changes[key] = value
        else:
            raise ConfigError(
                key,
                value,
                "unknown model argument; use a lever, days or warmup_days",
            )
    if seed is not None:
        changes["seed"] = seed
    return with_overrides(cfg, **changes) if changes else cfg


_KEY_NOT_IN = re.compile(r"Key '([^']+)' not in '([^']+)'")
_CONVERT = re.compile(r"Value '([^']*)' of type '[^']+' could not be converted to (\w+)")
_MISSING_OPTION = re.compile(r"Could not find '([^/']+)/([^']+)'")
# OmegaConf's words when a list or mapping key is given a value of another shape.
_SHAPE = re.compile(
    r"(?P<list>is not a ListConfig|Cannot merge DictConfig with ListConfig)"
    r"|Cannot assign \w+ to Dict\[|is not a subclass of (?P<item>\w+)"
)
_MERGING = re.compile(r"Error merging override [^=]+=(.*)")
#: How a value of each list or mapping key (or item type) is written on the command line.
SHAPE_EXAMPLES = {
    "policy.shocks": "[{day:60,kind:misconduct,group:minority}]",
    "ShockConfig": "{day:60,kind:misconduct,group:minority}",
    "GroupParams": "{share:0.55,baseline_trust:0.62,disadvantage_loading:-1.0}",
    "population.groups": "{majority:{share:0.6},minority:{share:0.3}}",
}


def explain(exc: BaseException, prefix: str = "") -> ConfigError:
    """One clear line for a Hydra/OmegaConf failure: the key, the value, what is allowed."""
    chain: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and len(chain) < 10:
        chain.append(e)
        e = e.__cause__ or e.__context__
    for err in chain:
        if isinstance(err, ConfigError):
            return err
    text = "\n".join(str(x) for x in chain)
    full_key = next(
        (getattr(x, "full_key", None) for x in chain if getattr(x, "full_key", None)), None
    )
    key = ".".join(k for k in (prefix, full_key) if k) if full_key else prefix
    if m := _MISSING_OPTION.search(text):
        group, name = m.groups()
        return ConfigError(group, name, "must be one of " + ", ".join(options(group)))
    if m := _KEY_NOT_IN.search(text):
        bad, owner = m.groups()
        if key in RENAMED_KEYS:
            return renamed(key)
        parent = key.rsplit(".", 1)[0] if key and "." in key else ""
        allowed = _field_names(owner)
        where = f" under {parent}" if parent else ""
        return ConfigError(
            key or bad, NO_VALUE, f"unknown key{where}; allowed: {', '.join(allowed)}"
        )
    if m := _CONVERT.search(text):
        value, kind = m.groups()
        return ConfigError(key or "config", value, f"must be {_article(kind)} {kind.lower()}")
    if m := _SHAPE.search(text):
        return _shape_error(key or "config", chain, m)
    if (
        "Error parsing override" in text
        or "mismatched input" in text
        or "no viable alternative" in text
    ):
        first = next(
            (ln for ln in text.splitlines() if "override" in ln.lower()), text.splitlines()[0]
        )
        return ConfigError(
            "override", first.split("'")[1] if "'" in first else first, "is not key=value syntax"
        )
    first_line = str(chain[-1]).splitlines()[0] if chain else str(exc)
    return ConfigError(key or "config", NO_VALUE, first_line)


def _shape_error(key: str, chain: list[BaseException], found: re.Match[str]) -> ConfigError:
    """A list or mapping key given a value of another shape: the value and an example."""
    value: Any = next(
        (getattr(x, "value", None) for x in chain if getattr(x, "value", None) is not None),
        NO_VALUE,
    )
    if value is NO_VALUE and (m := _MERGING.search("\n".join(str(x) for x in chain))):
        value = m.group(1)
    if found.group("list"):
        example = SHAPE_EXAMPLES.get(key) or _list_example(key)
        return ConfigError(key, value, f"must be a list, e.g. {key}={example}")
    kind = found.group("item") or "Dict"
    example = SHAPE_EXAMPLES.get(kind) or SHAPE_EXAMPLES.get(key)
    return ConfigError(
        key, value, "must be a mapping" + (f", e.g. {key}={example}" if example else "")
    )


def _list_example(key: str) -> str:
    """The key's default list as an override (``[0.089,0.109,...]``), else ``[...]``."""
    try:
        default = lookup(SimConfig, key).default
    except ConfigError:
        return "[...]"
    if isinstance(default, list) and default and all(isinstance(v, int | float) for v in default):
        return "[" + ",".join(f"{v:g}" for v in default) + "]"
    return "[...]"


def renamed(key: str) -> ConfigError:
    """The error for a key of commsim 0.1 that moved or went."""
    return ConfigError(
        key, NO_VALUE, f"this key was renamed; use {RENAMED_KEYS[key]} (see CHANGELOG.md)"
    )


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _field_names(class_name: str) -> list[str]:
    import commsim.params as params

    cls = getattr(params, class_name, None)
    if cls is None:
        sections = {c.__name__: c for c in params.evidence_sections().values()}
        cls = sections.get(class_name)
    return [f.name for f in fields(cls)] if cls is not None and is_dataclass(cls) else []
