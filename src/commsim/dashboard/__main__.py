"""``python -m commsim.dashboard``: the same as ``commsim dashboard``."""

import sys

from commsim.dashboard.command import main

raise SystemExit(main(sys.argv[1:]))
