"""Policy levers and patrol strategies: one module each, found and registered here.

Every module in this package that defines a :class:`~commsim.levers.base.Lever`
decorated with :func:`~commsim.levers.base.register` is a lever; adding one is
adding a module (plus a preset in ``conf/policy`` and a test).
"""

from __future__ import annotations

import importlib
import pkgutil

from commsim.levers.base import LEVERS, STRATEGIES, Lever, PatrolStrategy, Scale, register

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "base":
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["LEVERS", "STRATEGIES", "Lever", "PatrolStrategy", "Scale", "register"]
