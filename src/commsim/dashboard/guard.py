"""Keep other web pages and other names away from the dashboard server.

A browser lets any web page open a WebSocket to ``127.0.0.1`` and send simple
requests to it; Solara accepts them all. :class:`Guard` wraps Solara's ASGI app
and refuses:

- any request whose ``Host`` header is not a name this server answers to
  (this stops DNS-rebinding pages);
- a WebSocket whose ``Origin`` is not the page's own address (this stops other
  pages from driving the model);
- requests other than GET/HEAD whose ``Origin`` is another site's;
- requests for Solara's asset cache (``/_solara/cdn/...``) that are not a file
  in it: Solara's ``cdn_helper.get_path`` removes a *directory* of that cache
  when a request lands on one (the cache is the installed ``solara-assets``
  package), and fetches anything missing from the internet.

Examples:
    >>> app = Guard(solara_app, hosts={"127.0.0.1", "localhost"}, port=8765, cdn_dir=cache)
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Collection, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CDN_PREFIX = "/_solara/cdn/"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
WS_POLICY_VIOLATION = 1008


def split_host(value: str, default_port: int | None = None) -> tuple[str, int | None]:
    """``"127.0.0.1:8765"`` -> ``("127.0.0.1", 8765)``; brackets of IPv6 removed, name lowercased.

    Returns ``("", None)`` for a value that is not a host.
    """
    try:
        parts = urlsplit(f"//{value.strip()}")
        host, port = parts.hostname, parts.port
    except ValueError:
        return "", None
    if not host or parts.username or parts.password or parts.path:
        return "", None
    return host.lower(), port if port is not None else default_port


def cdn_store_path(path: str) -> str:
    """The cache file Solara serves for ``/_solara/cdn/<path>`` (as ``cdn_helper`` names it)."""
    parts = path.replace("\\", "/").split("/")
    return path if len(parts) != 1 else f"{path}/__main.js"


class Guard:
    """ASGI middleware that refuses foreign hosts, foreign origins and cache directories.

    Args:
        app: the ASGI app to protect (Solara's Starlette app).
        hosts: names and addresses this server answers to (lowercase, no port).
        port: the port it listens on.
        cdn_dir: Solara's asset cache directory (None: refuse every cache request).
    """

    def __init__(
        self, app: ASGIApp, hosts: Collection[str], port: int, cdn_dir: Path | None
    ) -> None:
        self.app = app
        self.hosts = {h.strip("[]").lower() for h in hosts}
        self.port = int(port)
        self.cdn_dir = Path(os.path.abspath(cdn_dir)) if cdn_dir is not None else None

    # -- checks ---------------------------------------------------------------
    def host_ok(self, value: str | None) -> bool:
        """The ``Host`` header names this server (one of its names, and its port)."""
        host, port = split_host(value or "", default_port=80)
        return host in self.hosts and port == self.port

    def origin_ok(self, origin: str | None, host_header: str | None) -> bool:
        """The ``Origin`` is the address the page was served from (this server, plain http)."""
        if not origin:
            return False
        parts = urlsplit(origin)
        if parts.scheme != "http" or parts.path not in ("", "/"):
            return False
        same = split_host(parts.netloc, default_port=80) == split_host(host_header or "", 80)
        return same and self.host_ok(host_header)

    def cdn_ok(self, path: str) -> bool:
        """A cache request names a file that is in the cache (never a directory)."""
        if self.cdn_dir is None:
            return False
        # Lexically, as Solara does: the URL may not climb out with "..".
        target = Path(os.path.normpath(self.cdn_dir / cdn_store_path(path[len(CDN_PREFIX) :])))
        return target.is_relative_to(self.cdn_dir) and target.is_file()

    # -- ASGI -----------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the request, then pass it on or refuse it."""
        kind = scope.get("type")
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)  # lifespan
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host")
        if not self.host_ok(host):
            await self._refuse(kind, receive, send, 400, "Invalid host header")
            return
        origin = headers.get("origin")
        if kind == "websocket":
            if not self.origin_ok(origin, host):
                await self._refuse(kind, receive, send, 403, "Cross-origin WebSocket refused")
                return
        else:
            unsafe = scope.get("method", "GET") not in SAFE_METHODS
            if unsafe and origin is not None and not self.origin_ok(origin, host):
                await self._refuse(kind, receive, send, 403, "Cross-origin request refused")
                return
            path = scope.get("path", "")
            if path.startswith(CDN_PREFIX) and not self.cdn_ok(path):
                await self._refuse(kind, receive, send, 404, "Not found")
                return
        await self.app(scope, receive, send)

    @staticmethod
    async def _refuse(kind: str, receive: Receive, send: Send, status: int, text: str) -> None:
        if kind == "websocket":
            await receive()  # websocket.connect
            # Closing before accepting makes the server answer the handshake with 403.
            await send({"type": "websocket.close", "code": WS_POLICY_VIOLATION})
            return
        body = text.encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
