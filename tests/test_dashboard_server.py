"""`commsim dashboard` as a process: what it answers, what it refuses, and how it ends.

No browser here: plain HTTP requests and raw WebSocket handshakes against the
server that ``python -m commsim.dashboard`` starts. Solara's asset cache is a
small copy in a temporary folder (the installed one is never touched).
"""

from __future__ import annotations

import base64
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from commsim.dashboard import command

ASSET = "@widgetti/solara-vuetify-app@10.1.1"


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "\nState:\tZ" in status.read_text())


class Server:
    """`python -m commsim.dashboard` on a free port, its output captured."""

    def __init__(self, tmp: Path, *args: str) -> None:
        self.port = command.free_port()
        self.cache = tmp / "cdn"
        (self.cache / ASSET / "dist").mkdir(parents=True)
        (self.cache / ASSET / "dist" / "app.js").write_text("// the front end")
        self.err_path = tmp / "stderr.txt"
        env = dict(os.environ)
        env.update(
            SOLARA_HOME=str(tmp / "home"),
            SOLARA_ASSETS_PROXY_CACHE_DIR=str(self.cache),
            HTTP_PROXY="http://127.0.0.1:9",  # nothing may reach the internet
            HTTPS_PROXY="http://127.0.0.1:9",
            NO_PROXY="127.0.0.1,localhost",
        )
        cmd = [sys.executable, "-m", "commsim.dashboard", "--port", str(self.port), *args]
        with open(self.err_path, "w") as err:
            self.proc = subprocess.Popen(
                cmd, stdout=subprocess.PIPE, stderr=err, text=True, env=env,
                start_new_session=True,
            )  # fmt: skip
        self.url = self._address(timeout=90)

    def _address(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            match = re.search(r"open (http://\S+)", line)
            if match:
                return match.group(1)
            if not line and self.proc.poll() is not None:
                raise RuntimeError(f"exited with {self.proc.returncode}: {self.stderr()}")
        raise TimeoutError("commsim dashboard printed no address")

    def stderr(self) -> str:
        return self.err_path.read_text()

    def get(self, path: str, host: str | None = None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.putrequest("GET", path, skip_host=True)
        conn.putheader("Host", host or f"127.0.0.1:{self.port}")
        conn.endheaders()
        response = conn.getresponse()
        body = response.read()
        conn.close()
        return response.status, body

    def websocket(self, origin: str | None) -> str:
        """The status line of a WebSocket handshake with this ``Origin``."""
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            "GET /jupyter/api/kernels/k1/channels?session_id=s1 HTTP/1.1",
            f"Host: 127.0.0.1:{self.port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
        ]
        if origin is not None:
            lines.append(f"Origin: {origin}")
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as s:
            s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
            return s.recv(256).decode("latin-1").split("\r\n")[0]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    s = Server(tmp_path_factory.mktemp("dashboard"), "--city", "small", "--present")
    yield s
    s.stop()


def test_the_page_is_served_and_the_terminal_stays_quiet(server):
    status, body = server.get("/")
    assert status == 200
    assert b"<html" in body.lower()
    assert server.get("/")[0] == 200
    time.sleep(0.5)
    # Solara's 12-line cookie warning used to appear on every page load.
    assert server.stderr() == ""


def test_a_foreign_host_header_is_refused(server):
    for host in ("evil.example", f"evil.example:{server.port}", f"127.0.0.1:{server.port + 1}"):
        status, body = server.get("/", host=host)
        assert status == 400, host
        assert body == b"Invalid host header"
    assert server.get("/", host=f"localhost:{server.port}")[0] == 200


def test_a_websocket_from_another_origin_is_refused(server):
    assert server.websocket("http://evil.example").startswith("HTTP/1.1 403")
    assert server.websocket(f"http://127.0.0.1:{server.port + 1}").startswith("HTTP/1.1 403")
    assert server.websocket(None).startswith("HTTP/1.1 403")
    assert server.websocket(f"http://127.0.0.1:{server.port}").startswith("HTTP/1.1 101")


def test_a_request_for_a_cache_directory_leaves_it_in_place(server):
    folder = server.cache / ASSET
    assert server.get(f"/_solara/cdn/{ASSET}")[0] == 404
    assert server.get("/_solara/cdn/@widgetti")[0] == 404
    assert folder.is_dir() and (folder / "dist" / "app.js").is_file()
    status, body = server.get(f"/_solara/cdn/{ASSET}/dist/app.js")
    assert (status, body) == (200, b"// the front end")
    assert server.get(f"/_solara/cdn/{ASSET}/dist/missing.js")[0] == 404  # no internet fetch


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc to find the child")
def test_the_server_exits_when_the_dashboard_is_killed(tmp_path):
    s = Server(tmp_path, "--city", "small")
    children = _children(s.proc.pid)
    try:
        assert len(children) == 1
        child = children[0]
        assert _alive(child)
        s.proc.kill()  # SIGKILL: the dashboard cannot clean up
        s.proc.wait()
        deadline = time.monotonic() + 15
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(child), "the server outlived commsim dashboard"
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", s.port)) != 0  # nothing listens any more
    finally:
        for pid in children:  # if the test failed, do not leave the server behind
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        s.stop()


def test_sigterm_stops_both_processes(tmp_path):
    s = Server(tmp_path, "--city", "small")
    child = _children(s.proc.pid)[0]
    s.proc.send_signal(signal.SIGTERM)
    assert s.proc.wait(timeout=20) == 0
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(child)
