"""``commsim city import``: a city folder from a user's streets and neighbourhoods.

Reading GIS layers and OpenStreetMap extracts needs the ``geo`` extra
(``pip install 'commsim[geo]'``); running on the folder it writes does not.
Modules, one job each: :mod:`.sources` (files opened within limits),
:mod:`.projection` (coordinates to metres), :mod:`.streets` (street networks),
:mod:`.areas` (neighbourhood polygons and their attributes),
:mod:`.generate` (streets inside polygons when no street layer is given),
:mod:`.assemble` (places joined to neighbourhoods, land use, households),
:mod:`.preview` (map and summary) and :mod:`.command` (the command line).
"""

from commsim.cityio.command import main

__all__ = ["main"]
