"""Collective efficacy: neighbours' cohesion and willingness to intervene (Sampson et al. 1997).

Each resident's willingness to act for the common good grows with ties in the
neighbourhood and years lived there, and shrinks with fear (Skogan 1990:
fear leads to withdrawal). A neighbourhood's collective efficacy is its
residents' mean. It feeds informal guardianship (who deters an offender),
who joins a watch, and how many young people start offending. Trust in police
is not part of it.
"""

from __future__ import annotations

import numpy as np

from commsim.world import World


def cohesion(world: World) -> np.ndarray:
    """Ties in the neighbourhood times residential stability, 0-1, per resident."""
    res, e = world.residents, world.behaviour.efficacy
    stability = 1.0 - np.exp(-res.tenure_years / e.tenure_scale_years)
    return res.cohesion * stability


def daily(world: World) -> None:
    """Today's willingness to intervene and each neighbourhood's collective efficacy."""
    e = world.behaviour.efficacy
    world.efficacy = np.clip(
        cohesion(world) * (1.0 - e.fear_withdrawal * world.residents.fear), 0.0, 1.0
    )
    world.efficacy_nb = world.mean_by_neighborhood(world.efficacy)
