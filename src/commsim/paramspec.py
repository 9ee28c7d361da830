"""One description per parameter: default, unit, range, source and label.

Every parameter of a run is a field of a frozen dataclass declared with
:func:`param`. Its metadata is the single description that validation, the
parameter table of ``docs/model.md``, the dashboard's sliders, sensitivity
bounds and exploration tools all read; nothing keeps its own copy.

Examples:
    >>> @dataclass(frozen=True)
    ... class Demo(Section):
    ...     section = "demo"
    ...     rate: float = param(0.1, lo=0, hi=1, unit="per day", source="assumption")
    >>> Demo(rate=2.0)
    Traceback (most recent call last):
    commsim.paramspec.ConfigError: demo.rate=2.0: must be between 0 and 1
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Iterator
from dataclasses import MISSING, dataclass, field, fields, is_dataclass, replace
from functools import cache
from typing import Any, ClassVar

NO_VALUE = object()  # for errors about a key itself (e.g. an unknown key)


class ConfigError(ValueError):
    """A config value is wrong; the message is one line naming key, value and what is allowed."""

    def __init__(self, key: str, value: Any, allowed: str) -> None:
        self.key, self.value, self.allowed = key, value, allowed
        shown = f"{key}" if value is NO_VALUE else f"{key}={value!r}"
        super().__init__(f"{shown}: {allowed}")


def param(
    default: Any,
    *,
    source: str,
    unit: str = "",
    lo: float | None = None,
    hi: float | None = None,
    choices: tuple[str, ...] | None = None,
    label: str | None = None,
    plausible: tuple[float, float] | None = None,
    lever: bool = False,
    step: float | None = None,
    doc: str = "",
) -> Any:
    """Declare a parameter field with its description.

    Args:
        default: The default value (lists and dicts are copied per instance).
        source: Where the default comes from: a citation, ``calibrated to ...``,
            ``assumption``, or ``lever`` for a policy dose chosen by the user.
        unit: Unit of the value (``"per day"``, ``"USD per year"``, ``"0-1"``).
        lo: Smallest allowed value (inclusive), or None.
        hi: Largest allowed value (inclusive), or None.
        choices: Allowed values of a string parameter.
        label: Plain-words name for dashboards and reports.
        plausible: Range the evidence allows, for sensitivity and exploration.
        lever: True for a policy lever a user sets (shown as a dashboard slider).
        step: Slider step for levers.
        doc: One sentence on what the parameter does, when the name is not enough.

    Returns:
        A dataclass field carrying the description in its metadata.
    """
    meta = {
        "source": source,
        "unit": unit,
        "lo": lo,
        "hi": hi,
        "choices": choices,
        "label": label,
        "plausible": plausible,
        "lever": lever,
        "step": step,
        "doc": doc,
    }
    if isinstance(default, (list, dict, set)) or is_dataclass(default):
        return field(default_factory=lambda: _copy(default), metadata=meta)
    return field(default=default, metadata=meta)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value  # frozen dataclasses and scalars are shared safely


class Section:
    """Base of every frozen parameter dataclass: checks each field on creation.

    ``section`` is the dotted key of the section (``"policy"``, ``"trust"``);
    subclasses may add cross-field rules in :meth:`check`.
    """

    section: ClassVar[str] = ""

    def __post_init__(self) -> None:
        validate(self, self.section)
        # A section assembled from several (e.g. the policy section from every
        # lever module) runs each part's own cross-field rules.
        for klass in reversed(type(self).__mro__):
            rule = vars(klass).get("check")
            if rule is not None:
                rule(self)

    def check(self) -> None:
        """Cross-field rules; raise :class:`ConfigError`."""


@dataclass(frozen=True)
class ParamInfo:
    """A parameter's description, as every consumer sees it."""

    key: str  # dotted key, e.g. "policy.watch_coverage"
    default: Any
    type: Any
    unit: str
    source: str
    lo: float | None
    hi: float | None
    choices: tuple[str, ...] | None
    label: str
    plausible: tuple[float, float] | None
    lever: bool
    step: float | None
    doc: str

    @property
    def is_number(self) -> bool:
        """True for int and float parameters."""
        return _base_type(self.type) in (int, float)


# ---------------------------------------------------------------- validation
def validate(obj: Any, prefix: str) -> None:
    """Check every field of a parameter dataclass against its type and description."""
    hints = _hints(type(obj))
    for f in fields(obj):
        value = getattr(obj, f.name)
        key = f"{prefix}.{f.name}" if prefix else f.name
        check_value(key, value, hints[f.name], f.metadata)


def check_value(key: str, value: Any, hint: Any, meta: Any) -> None:
    """Raise :class:`ConfigError` unless ``value`` fits the type hint and description."""
    optional = _is_optional(hint)
    if value is None:
        if optional:
            return
        raise ConfigError(key, value, f"must be {_type_words(hint)}, not empty")
    base = _base_type(hint)
    if base is bool:
        if not isinstance(value, bool):
            raise ConfigError(key, value, "must be true or false")
        return
    if base is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                raise ConfigError(key, value, "must be a whole number (no decimal point)")
            raise ConfigError(key, value, "must be a whole number")
    elif base is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(key, value, "must be a number")
    elif base is str and not isinstance(value, str):
        raise ConfigError(key, value, "must be text")
    if base in (int, float):
        _check_number(key, value, meta.get("lo"), meta.get("hi"))
    choices = meta.get("choices")
    if choices and value not in choices:
        raise ConfigError(key, value, "must be one of " + ", ".join(choices))


def check_range(key: str, value: float, lo: float | None = None, hi: float | None = None) -> None:
    """Raise :class:`ConfigError` unless ``lo <= value <= hi`` (either bound may be open)."""
    _check_number(key, value, lo, hi)


def _check_number(key: str, value: float, lo: float | None, hi: float | None) -> None:
    # The value is shown as given: a whole-number key is echoed as -3, not -3.0.
    number = float(value)
    if not math.isfinite(number):
        raise ConfigError(key, value, "must be a finite number")
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        raise ConfigError(key, value, allowed_range(lo, hi))


def allowed_range(lo: float | None, hi: float | None) -> str:
    """Words for a range: ``must be between 0 and 1``, ``must be between 10 and 2,000,000``."""
    if lo is not None and hi is not None:
        return f"must be between {readable(lo)} and {readable(hi)}"
    if lo is not None:
        return f"must be at least {readable(lo)}"
    if hi is not None:
        return f"must be at most {readable(hi)}"
    return "must be a number"


def readable(x: float) -> str:
    """A bound as people write it: ``2,000,000`` (not ``2e+06``), ``0.05``, ``0.000001``.

    Examples:
        >>> readable(2e6), readable(36500), readable(0.05), readable(1e-6)
        ('2,000,000', '36,500', '0.05', '0.000001')
    """
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.12f}".rstrip("0").rstrip(".")


@cache
def _hints(cls: type) -> dict[str, Any]:
    # Each base's annotations resolve in its own module (sections assembled
    # from several lever modules mix them).
    return typing.get_type_hints(cls)


def _is_optional(hint: Any) -> bool:
    return type(None) in typing.get_args(hint) and _is_union(hint)


def _is_union(hint: Any) -> bool:
    origin = typing.get_origin(hint)
    return origin is typing.Union or origin is types.UnionType


def _base_type(hint: Any) -> Any:
    if _is_union(hint):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return _base_type(args[0]) if len(args) == 1 else hint
    return typing.get_origin(hint) or hint


def _type_words(hint: Any) -> str:
    base = _base_type(hint)
    return {int: "a whole number", float: "a number", bool: "true or false", str: "text"}.get(
        base, "a value"
    )


# ---------------------------------------------------------------- description
def describe(obj: Any, prefix: str = "") -> Iterator[ParamInfo]:
    """Every leaf parameter of a config (class or instance), as dotted keys.

    Nested sections are walked; a dict of sections (e.g. population groups) is
    walked per key of the instance (or of the class's default).

    Examples:
        >>> from commsim.params import SimConfig
        >>> levers = [p for p in describe(SimConfig()) if p.lever]
    """
    instance = obj if not isinstance(obj, type) else obj()
    hints = _hints(type(instance))
    for f in fields(instance):
        key = f"{prefix}.{f.name}" if prefix else f.name
        value = getattr(instance, f.name)
        if is_dataclass(value) and not isinstance(value, type):
            yield from describe(value, key)
        elif isinstance(value, dict) and value and all(is_dataclass(v) for v in value.values()):
            for name, sub in value.items():
                yield from describe(sub, f"{key}.{name}")
        else:
            yield _info(key, value, hints[f.name], f)


def _info(key: str, value: Any, hint: Any, f: dataclasses.Field) -> ParamInfo:
    m = f.metadata
    name = key.rsplit(".", 1)[-1]
    return ParamInfo(
        key=key,
        default=value,
        type=hint,
        unit=m.get("unit", ""),
        source=m.get("source", ""),
        lo=m.get("lo"),
        hi=m.get("hi"),
        choices=m.get("choices"),
        label=m.get("label") or name.replace("_", " ").capitalize(),
        plausible=m.get("plausible"),
        lever=bool(m.get("lever", False)),
        step=m.get("step"),
        doc=m.get("doc", ""),
    )


def lookup(obj: Any, key: str) -> ParamInfo:
    """The description of one dotted key.

    Raises:
        ConfigError: The key is unknown.
    """
    for info in describe(obj):
        if info.key == key:
            return info
    raise ConfigError(key, NO_VALUE, "unknown parameter")


# ---------------------------------------------------------------- changes
def with_overrides(config: Any, **changes: Any) -> Any:
    """Return a copy of a frozen config with dotted-path changes applied (and validated).

    Examples:
        >>> from commsim.params import SimConfig
        >>> cfg = with_overrides(SimConfig(), **{"policy.watch_coverage": 0.3, "days": 30})
    """
    for dotted, value in changes.items():
        config = _replace_path(config, dotted.split("."), value, dotted)
    return config


def _replace_path(obj: Any, path: list[str], value: Any, full: str) -> Any:
    head, rest = path[0], path[1:]
    if isinstance(obj, dict):
        if rest and head not in obj:
            raise ConfigError(full, value, "unknown key; allowed: " + ", ".join(obj))
        new = dict(obj)
        new[head] = _replace_path(obj[head], rest, value, full) if rest else value
        return new
    names = [f.name for f in fields(obj)] if is_dataclass(obj) else []
    if head not in names:
        where = full[: -len(".".join(path))].rstrip(".")
        allowed = ", ".join(names)
        raise ConfigError(
            full, NO_VALUE, f"unknown key under {where or 'the config'}; allowed: {allowed}"
        )
    current = getattr(obj, head)
    return replace(obj, **{head: _replace_path(current, rest, value, full) if rest else value})


def defaults_of(cls: type) -> dict[str, Any]:
    """Field defaults of a parameter dataclass (for docs and tests)."""
    out = {}
    for f in fields(cls):
        if f.default is not MISSING:
            out[f.name] = f.default
        elif f.default_factory is not MISSING:
            out[f.name] = f.default_factory()
    return out
