"""Workshop dashboard: the model live in the browser, for a room and a projector.

``commsim dashboard`` serves the page on 127.0.0.1. A trainer picks a strategy,
moves the levers, presses play, and presses **Misconduct incident** or
**Community event** to show the room how trust, reporting and crime feed each
other; a dashed line shows the same run without the latest incident or
strategy change. ``--present`` makes every text on the page at least 18 px.
The page needs no internet connection: Solara's front end is served from the
``solara-assets`` package.

Modules: :mod:`.command` (the command line), :mod:`.serve` (the server process),
:mod:`.guard` (refuses foreign hosts and origins), :mod:`.app` (the page),
:mod:`.layout` (sizes and style), :mod:`.workshop` (the run and its twin),
:mod:`.levers` (sliders and presets), :mod:`.settings`.
Only :mod:`.app` and :mod:`.serve` import Solara; importing this package does not.

Examples:
    commsim dashboard --present --preset community_policing --seed 3
"""

from commsim.dashboard.command import main

__all__ = ["main"]
