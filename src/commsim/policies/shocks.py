"""Scheduled trust shocks: misconduct incidents and community events."""

from __future__ import annotations

from typing import TYPE_CHECKING

from commsim.params import ShockConfig
from commsim.policies.base import Policy

if TYPE_CHECKING:
    from commsim.model import CommunityModel

SHOCK_HOUR = 12  # shocks land at noon of their day (news cycle); assumption


class TrustShocks(Policy):
    """Apply each scheduled shock at noon of its day.

    Shocks happen on their own calendar, so they ignore the policy's start and
    end days.

    Examples:
        >>> TrustShocks([ShockConfig(day=100, kind="misconduct", group="minority")])
    """

    label = "trust shocks"

    def __init__(self, shocks: list[ShockConfig]) -> None:
        super().__init__(0, None)
        self.shocks = list(shocks)

    def apply(self, model: CommunityModel) -> None:
        """Fire the shocks scheduled for this hour."""
        if model.hour != SHOCK_HOUR:
            return
        for shock in self.shocks:
            if shock.day == model.day:
                model.apply_shock(shock.kind, shock.group)
