"""The dashboard's server process: Solara's app behind :class:`~commsim.dashboard.guard.Guard`.

``commsim dashboard`` starts ``python -m commsim.dashboard.serve`` and hands it
the page's settings in environment variables. This process:

- exits with its parent: on Linux the kernel sends it SIGTERM when the parent
  dies (``prctl(PR_SET_PDEATHSIG)``), and on every system a watchdog thread
  notices a new parent process id; either way it stops within a few seconds,
  even if the parent was killed with SIGKILL;
- serves Solara in production mode (front end from the installed
  ``solara-assets``, nothing fetched from the internet, no version check);
- refuses foreign ``Host`` headers and cross-origin WebSockets (:mod:`~.guard`);
- keeps the terminal quiet: the one warning Solara prints for every page
  served over plain http on 127.0.0.1 (its session cookie falls back to
  ``SameSite=Lax``, which is what a local page needs) is silenced; errors are not.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time
import warnings

from commsim.dashboard.guard import Guard
from commsim.dashboard.settings import ENV_HOSTS

APP = "commsim.dashboard.app:Page"
PARENT_POLL_S = 0.5  # how often the watchdog looks for its parent
STOP_GRACE_S = 4.0  # after the parent is gone, a hard exit if a clean stop takes longer
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def exit_with_parent(parent_pid: int) -> None:
    """Make this process stop when the process ``parent_pid`` is gone.

    Args:
        parent_pid: the process id of ``commsim dashboard``.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before the line above
        os._exit(0)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_POLL_S)
        os.kill(os.getpid(), signal.SIGTERM)  # a clean stop first
        time.sleep(STOP_GRACE_S)
        os._exit(0)

    threading.Thread(target=watch, name="commsim-parent-watchdog", daemon=True).start()


def quiet_warnings() -> None:
    """Silence the warnings that say nothing to a trainer (see the module docstring)."""
    warnings.filterwarnings(
        "ignore", message=r"Cookies with samesite=none require https", category=UserWarning
    )


def served_hosts() -> set[str]:
    """The names this server answers to, from the environment ``commsim dashboard`` set."""
    hosts = {h.strip().lower() for h in os.environ.get(ENV_HOSTS, "").split(",") if h.strip()}
    return hosts or {"127.0.0.1", "localhost", "::1"}


def solara_environment() -> None:
    """Solara's settings for the page; Solara reads them when it is first imported."""
    os.environ["SOLARA_APP"] = APP
    os.environ["SOLARA_MODE"] = "production"
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "false"
    os.environ["SOLARA_THEME_SHOW_BANNER"] = "false"  # it would cover the charts
    os.environ["SOLARA_THEME_TITLE"] = "commsim workshop"


def build_app(port: int) -> Guard:
    """Solara's Starlette app for the dashboard page, wrapped in the guard."""
    solara_environment()
    from solara.server import settings as solara_settings
    from solara.server.starlette import app as solara_app

    solara_settings.main.mode = "production"
    cache = solara_settings.assets.proxy_cache_dir
    return Guard(solara_app, served_hosts(), port, cache if cache.is_dir() else None)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m commsim.dashboard.serve")
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--parent-pid", type=int, required=True)
    return p


def main(argv: list[str] | None = None) -> int:
    """Serve the page until stopped (SIGTERM, SIGINT, or the parent's death)."""
    args = _parser().parse_args(argv)
    exit_with_parent(args.parent_pid)
    quiet_warnings()
    solara_environment()
    import uvicorn
    from solara.__main__ import LOGGING_CONFIG

    app = build_app(args.port)
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_config=LOGGING_CONFIG,  # Solara's: errors only
        access_log=False,
        loop="asyncio",
        timeout_graceful_shutdown=2,
    )
    uvicorn.Server(config).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
