"""``commsim dashboard``: check the options, start the server process, print the address.

This process never imports Solara; it starts :mod:`commsim.dashboard.serve`,
which exits when this process does (also when this process is killed).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib.util
import ipaddress
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from commsim.cliargs import OneLineParser, parse
from commsim.dashboard.levers import (
    DEFAULT_CITY,
    DEFAULT_EVIDENCE,
    ENV_EVIDENCE,
    EVIDENCE,
    list_cities,
    list_presets,
)
from commsim.dashboard.settings import ENV_HOSTS, PageSettings

DEFAULT_PORT = 8765
LOOPBACK = ("127.0.0.1", "localhost", "::1")
MAX_SEED = 2**31 - 1


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _port_free(host: str, port: int) -> bool:
    with socket.socket(_family(host), socket.SOCK_STREAM) as s:
        # As the server will: a port left in TIME_WAIT by a dashboard just stopped is free.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A port the OS says is free on ``host``."""
    with socket.socket(_family(host), socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def served_hosts(host: str, extra: list[str] | tuple[str, ...] = ()) -> set[str]:
    """The names and addresses browsers may use to reach a server listening on ``host``.

    Loopback: 127.0.0.1, localhost and ::1. All interfaces (``0.0.0.0`` or ``::``):
    those, plus this machine's name and addresses. Anything else: that address.
    ``extra`` adds names (``--allow-host``).
    """
    names = {host.strip("[]").lower(), *(e.strip("[]").lower() for e in extra)}
    if host in LOOPBACK or host in ("0.0.0.0", "::"):
        names |= set(LOOPBACK)
    if host in ("0.0.0.0", "::"):
        hostname = socket.gethostname()
        names |= {hostname.lower(), socket.getfqdn().lower()}
        with contextlib.suppress(OSError):
            names |= {info[4][0] for info in socket.getaddrinfo(hostname, None)}
        with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # a documentation address: nothing is sent
            names.add(s.getsockname()[0])
    names.discard("0.0.0.0")
    names.discard("::")
    return names


def server_command(host: str, port: int, parent_pid: int | None = None) -> list[str]:
    """The command that serves the page (exits with process ``parent_pid``, default this one)."""
    return [
        sys.executable, "-m", "commsim.dashboard.serve", "--host", host, "--port", str(port),
        "--parent-pid", str(os.getpid() if parent_pid is None else parent_pid),
    ]  # fmt: skip


def server_env(
    settings: PageSettings, hosts: set[str], base: dict[str, str] | None = None
) -> dict[str, str]:
    """Environment of the server: the page's settings, its names, no telemetry, Solara's files."""
    env = dict(os.environ if base is None else base)
    env.update(settings.to_env())
    env[ENV_HOSTS] = ",".join(sorted(hosts))
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "false"
    env["SOLARA_MODE"] = "production"
    # A closed browser tab would otherwise keep its model playing for a day.
    env.setdefault("SOLARA_KERNEL_CULL_TIMEOUT", "10m")
    env.setdefault("SOLARA_HOME", os.path.join(tempfile.gettempdir(), "commsim-solara"))
    return env


def wait_for_port(
    host: str, port: int, timeout: float = 90.0, alive: Callable[[], bool] = lambda: True
) -> bool:
    """Wait until something listens on ``host:port``; False on timeout or once ``alive()`` fails."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        with socket.socket(_family(host), socket.SOCK_STREAM) as s:
            s.settimeout(0.5)
            if s.connect_ex((host, port)) == 0:
                return True
        time.sleep(0.2)
    return False


def _stop_on_sigterm(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # stop the server as on Ctrl-C


def _error(message: str, code: int = 2) -> int:
    print(f"commsim: error: {message}", file=sys.stderr)
    return code


def _parser() -> argparse.ArgumentParser:
    p = OneLineParser(
        prog="commsim dashboard",
        description="Serve the workshop dashboard in the browser (works offline).",
    )
    p.add_argument(
        "--present",
        action="store_true",
        help="presentation mode: text of 18 px or more, for a projector",
    )
    p.add_argument(
        "--city", default=None, help=f"city to show (default {DEFAULT_CITY}; small, ...)"
    )
    p.add_argument(
        "--city-dir",
        default=None,
        metavar="FOLDER",
        help="show your own city: a folder written by 'commsim city import' (instead of --city)",
    )
    p.add_argument("--preset", default="baseline", help="strategy to open with (default baseline)")
    p.add_argument(
        "--evidence",
        default=DEFAULT_EVIDENCE,
        choices=sorted(EVIDENCE),
        help="how strongly incidents move trust and reporting (default upper: the upper end of "
        "the evidence, so the loop shows; central: the model's defaults)",
    )
    p.add_argument("--seed", default="1", help="random seed of the first run (default 1)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any)"
    )
    p.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="another name or IP address browsers use to reach this machine, optionally with "
        ":PORT (with --host 0.0.0.0; repeatable)",
    )
    return p


_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


def allowed_host(text: str, port: int) -> str:
    """The name or address of an ``--allow-host`` value, without its optional ``:PORT``.

    Accepted: a host name (letters, digits and hyphens in dot-separated labels), an
    IPv4 address, or an IPv6 address (in brackets when a port follows).

    Raises:
        ValueError: One line saying what is wrong with ``text``.
    """
    what = (
        f"allow-host={text}: must be a host name or IP address, optionally with :PORT "
        "(e.g. room-laptop.local, 192.168.1.5:8765, [fe80::1])"
    )
    host, given_port = text.strip(), None
    if host.startswith("["):
        inside, bracket, rest = host[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ValueError(what)
        host, given_port = inside, rest[1:] if rest else None
        if ":" not in host:
            raise ValueError(what)
    elif host.count(":") == 1:
        host, given_port = host.split(":")
    if given_port is not None:
        if not given_port.isdigit() or not 1 <= int(given_port) <= 65535:
            raise ValueError(what)
        if port and int(given_port) != port:
            raise ValueError(
                f"allow-host={text}: the dashboard listens on port {port}; "
                "give the name alone or with that port"
            )
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    name = host.lower().removesuffix(".")
    if ":" in name or len(name) > 253 or not all(_LABEL.fullmatch(p) for p in name.split(".")):
        raise ValueError(what)
    return name


def _check(args: argparse.Namespace) -> str | None:
    """One line saying what is wrong with the options, or None."""
    cities, presets = list_cities(), list_presets()
    if args.city_dir is not None and args.city is not None:
        return (
            f"city={args.city} and city-dir={args.city_dir}: they are alternatives; give "
            "--city for a built-in city or --city-dir for a folder from 'commsim city import'"
        )
    if args.city_dir is None and args.city is None:
        args.city = DEFAULT_CITY
    if args.city_dir is not None:
        problem = _check_city_dir(args.city_dir)
        if problem:
            return problem
    elif args.city not in cities:
        return f"city={args.city}: one of {', '.join(cities)}"
    if args.preset not in presets:
        return f"preset={args.preset}: one of {', '.join(presets)}"
    if not str(args.seed).isdigit() or not 0 <= int(args.seed) <= MAX_SEED:
        return f"seed={args.seed}: a whole number 0-{MAX_SEED}"
    if not 0 <= args.port <= 65535:
        return f"port={args.port}: an integer 0-65535 (0: any free port)"
    try:
        args.allow_host = [allowed_host(h, args.port) for h in args.allow_host]
    except ValueError as exc:
        return str(exc)
    return None


def _check_city_dir(folder: str) -> str | None:
    """One line if ``folder`` is not a city folder that builds, else None."""
    from commsim.city import city_for
    from commsim.config import load_config
    from commsim.params import ConfigError

    try:
        city_for(load_config(["city=imported", f"city.dir={os.path.abspath(folder)}"]))
    except ConfigError as exc:
        return f"city-dir={folder}: {exc.allowed}"
    return None


def main(argv: list[str] | None = None) -> int:
    """Run ``commsim dashboard [--present] [--city C | --city-dir F] [--preset P] [--seed N] ...``.

    Prints the address to open, then serves until interrupted (Ctrl-C).

    Args:
        argv: command-line arguments after ``dashboard``.

    Returns:
        Exit code: 0 after a clean stop, 2 for bad input, 1 when the server fails.
    """
    args = parse(_parser(), argv)
    if isinstance(args, int):
        return args
    problem = _check(args)
    if problem:
        return _error(problem)
    if importlib.util.find_spec("solara") is None:
        return _error("'dashboard' needs optional packages (solara); "
                      "pip install 'commsim[dashboard]'", 1)  # fmt: skip
    try:
        port = free_port(args.host) if args.port == 0 else args.port
        if not _port_free(args.host, port):
            return _error(f"port={port}: already in use on {args.host}; try --port 0")
    except PermissionError:
        return _error(f"port={args.port}: not allowed for this user; use a port above 1023")
    except OSError:
        return _error(f"host={args.host}: not an address of this machine (e.g. 127.0.0.1)")
    if args.host not in LOOPBACK:
        print(
            f"commsim: warning: listening on {args.host}: other machines can open the dashboard",
            file=sys.stderr,
        )
    city = os.path.abspath(args.city_dir) if args.city_dir is not None else args.city
    shown_city = os.path.basename(city) if args.city_dir is not None else args.city
    settings = PageSettings(city, args.preset, int(args.seed), args.present)
    shown_host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(args.host, args.host)
    url_host = f"[{shown_host}]" if ":" in shown_host else shown_host
    url = f"http://{url_host}:{port}/"
    hosts = served_hosts(args.host, args.allow_host)
    env = {**server_env(settings, hosts), ENV_EVIDENCE: args.evidence}
    proc = subprocess.Popen(server_command(args.host, port), env=env)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        if not wait_for_port(shown_host, port, alive=lambda: proc.poll() is None):
            proc.terminate()
            code = proc.wait()
            return _error(f"the dashboard server did not start (exit code {code})", 1)
        mode = "presentation mode, " if args.present else ""
        print(
            f"commsim dashboard ({mode}{shown_city} city, {args.evidence} evidence): open {url}  "
            "(Ctrl-C to stop)",
            flush=True,
        )
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        return 0
