"""What the command line hands to the page: city, preset, seed, presentation mode.

The page runs in the server process that ``commsim dashboard`` starts, so the
choices travel in environment variables.

Examples:
    >>> s = PageSettings(city="small", preset="community_policing", seed=3, present=True)
    >>> PageSettings.from_env(s.to_env()) == s
    True
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from commsim.dashboard.levers import DEFAULT_CITY, is_city_folder, list_cities, list_presets

ENV_PREFIX = "COMMSIM_DASHBOARD_"
ENV_HOSTS = f"{ENV_PREFIX}HOSTS"  # names the server answers to, comma-separated


@dataclass(frozen=True)
class PageSettings:
    """How the page opens.

    Attributes:
        city: a ``conf/city`` option, or the folder of an imported city.
        preset: the strategy preset the first run uses.
        seed: the first run's random seed.
        present: presentation mode (large text, fewer panels).
    """

    city: str = DEFAULT_CITY
    preset: str = "baseline"
    seed: int = 1
    present: bool = False

    def font_px(self, screen_height: float | None = None) -> float:
        """Size of the smallest text on the page, in pixels.

        In presentation mode 18 px on screens up to 810 pixels high, and more on
        taller ones (1/45 of the height: 24 px on a 1080-pixel projector), so the
        back of the room reads a large screen as well as a small one.
        """
        if not self.present:
            return 14.0
        return float(max(18, round((screen_height or 0) / 45)))

    def to_env(self) -> dict[str, str]:
        """The settings as environment variables for the server process."""
        return {
            f"{ENV_PREFIX}CITY": self.city,
            f"{ENV_PREFIX}PRESET": self.preset,
            f"{ENV_PREFIX}SEED": str(self.seed),
            f"{ENV_PREFIX}PRESENT": "1" if self.present else "0",
        }

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> PageSettings:
        """Read the settings back; unknown or missing values fall back to the defaults."""
        env = os.environ if env is None else env
        city = env.get(f"{ENV_PREFIX}CITY", DEFAULT_CITY)
        preset = env.get(f"{ENV_PREFIX}PRESET", "baseline")
        seed = env.get(f"{ENV_PREFIX}SEED", "1")
        return cls(
            city=city if city in list_cities() or is_city_folder(city) else DEFAULT_CITY,
            preset=preset if preset in list_presets() else "baseline",
            seed=int(seed) if seed.isdigit() else 1,
            present=env.get(f"{ENV_PREFIX}PRESENT", "0") == "1",
        )
