"""commsim: agent-based simulation of community-led crime prevention.

Public API:
    load_config: compose ``conf/`` with Hydra-style overrides into a validated SimConfig.
    run: run one simulation, returning tidy daily series, events and a summary.
    load_sweep: the runs of a sweep (or any folder of runs) as one tidy frame.
    CommunityModel: the Mesa model, constructible from plain keyword arguments.
"""

from __future__ import annotations

from commsim.config import load_config
from commsim.model import CommunityModel
from commsim.params import ConfigError, SimConfig, with_overrides
from commsim.results import load_sweep
from commsim.runner import RunResult, run

__version__ = "0.1.0"

__all__ = [
    "CommunityModel",
    "ConfigError",
    "RunResult",
    "SimConfig",
    "__version__",
    "load_config",
    "load_sweep",
    "run",
    "with_overrides",
]
