"""The workshop dashboard end to end: `commsim dashboard` served offline, driven in Chromium.

Debian's Chromium (``/usr/bin/chromium``) is driven by Playwright. Without it these
tests are skipped on a developer's machine, and fail in CI (``CI`` set), where
``make test`` installs it. Screenshots go to the test's tmp folder; with
``COMMSIM_UPDATE_SCREENSHOTS=1`` they also refresh ``docs/img/`` (the workshop guide).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from commsim import dashboard

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DOCS_IMG = Path(__file__).resolve().parents[1] / "docs" / "img"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
TIMEOUT_MS = 60_000


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing (apt-get install chromium; `make test` does it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """`commsim dashboard --city small` on a free loopback port; yields the printed address."""
    _require_chromium()
    home = tmp_path_factory.mktemp("solara-home")
    log_path = home / "server.log"
    env = dict(os.environ)
    env.update(
        SOLARA_HOME=str(home),
        # Any attempt of the server to reach the internet fails at once (and is logged).
        HTTP_PROXY="http://127.0.0.1:9",
        HTTPS_PROXY="http://127.0.0.1:9",
        NO_PROXY="127.0.0.1,localhost",
    )
    port = dashboard.free_port()
    cmd = [sys.executable, "-m", "commsim.dashboard", "--port", str(port), "--city", "small"]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=log, text=True, env=env, start_new_session=True
        )
    try:
        url = _read_address(proc, timeout=90)
        yield url
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # main() stops the Solara server it started
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    log_text = log_path.read_text()
    assert "Could not load URL" not in log_text, log_text


def _read_address(proc: subprocess.Popen, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            if proc.poll() is not None:
                raise RuntimeError(f"commsim dashboard exited with {proc.returncode}")
            continue
        match = re.search(r"open (http://\S+)", line)
        if match:
            return match.group(1)
    raise TimeoutError("commsim dashboard printed no address")


@pytest.fixture(scope="module")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


class Session:
    """One browser tab on the dashboard, recording every request that left or failed."""

    def __init__(self, browser, url: str) -> None:
        self.page = browser.new_page(viewport={"width": 1920, "height": 1080})
        self.failed: list[str] = []
        self.outside: list[str] = []
        self.page.on("request", self._on_request)
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url} ({r.failure})"))
        self.page.on(
            "response",
            lambda r: self.failed.append(f"{r.url} (HTTP {r.status})") if r.status >= 400 else None,
        )
        self.page.set_default_timeout(TIMEOUT_MS)
        self.page.goto(url)
        self.page.locator(".commsim-clock").first.wait_for()

    def _on_request(self, request) -> None:
        if request.url.startswith(("data:", "blob:")):
            return
        if urlparse(request.url).hostname not in LOOPBACK:
            self.outside.append(request.url)

    def status(self) -> dict:
        return json.loads(self.page.locator(".commsim-status").first.text_content())

    def wait_until(self, test, what: str, timeout: float = 60.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.status()
            if test(status):
                return status
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; status: {self.status()}")

    def click(self, name: str) -> None:
        self.page.get_by_role("button", name=name, exact=True).click()

    def charts_src(self) -> str | None:
        return self.page.locator(".commsim-charts img").first.get_attribute("src")

    def screenshot(self, tmp_path: Path, name: str) -> Path:
        path = tmp_path / name
        self.page.screenshot(path=str(path))
        assert path.stat().st_size > 10_000  # a rendered page, not a blank one
        if os.environ.get("COMMSIM_UPDATE_SCREENSHOTS"):  # refresh docs/workshop.md's images
            DOCS_IMG.mkdir(parents=True, exist_ok=True)
            (DOCS_IMG / name).write_bytes(path.read_bytes())
        return path

    def assert_offline_clean(self) -> None:
        assert self.outside == [], f"requests left the machine: {self.outside}"
        assert self.failed == [], f"requests failed: {self.failed}"

    def close(self) -> None:
        self.page.close()


@pytest.fixture
def session(browser, server):
    s = Session(browser, server)
    yield s
    s.close()


def test_page_renders_offline(session, tmp_path):
    status = session.status()
    assert status["clock"] == "Day 1 · 00:00"
    assert status["city"] == "small"
    page = session.page
    assert page.locator(".commsim-clock").first.inner_text() == "Day 1 · 00:00"
    for name in ("Misconduct incident", "Community event", "Reset", "Step"):
        page.get_by_role("button", name=name, exact=True).wait_for()  # visible, or a timeout
    page.locator(".commsim-charts img").first.wait_for()
    page.get_by_text("Watch coverage (share of households)").wait_for()
    page.locator(".commsim-preset-select").first.wait_for()
    shot = session.screenshot(tmp_path, "dashboard-start.png")
    assert shot.stat().st_size > 20_000
    session.assert_offline_clean()


def test_stepping_advances_the_clock_and_the_charts(session, tmp_path):
    charts_before = session.charts_src()
    session.click("Step")
    first = session.wait_until(lambda s: s["steps"] > 0, "a step")
    assert first["clock"] != "Day 1 · 00:00"
    assert session.page.locator(".commsim-clock").first.inner_text() == first["clock"]
    session.click("▶")
    status = session.wait_until(lambda s: s["days_evaluated"] >= 5, "five days of play")
    session.click("❚❚")
    assert status["day"] >= 6
    session.page.wait_for_function(
        "before => document.querySelector('.commsim-charts img').getAttribute('src') !== before",
        arg=charts_before,
    )
    assert session.charts_src() != charts_before
    session.screenshot(tmp_path, "dashboard-playing.png")
    session.assert_offline_clean()


def test_slider_change_and_reset_change_the_model(session):
    before = session.status()["levers"]["watch_coverage"]
    slider = session.page.locator(".v-input", has_text="Watch coverage").locator("[role=slider]")
    slider.first.focus()
    for _ in range(6):
        session.page.keyboard.press("ArrowRight")
    session.click("Step")
    session.wait_until(lambda s: s["steps"] > 0, "a step")
    # Levers take effect on Reset, which starts the run again.
    assert session.status()["levers"]["watch_coverage"] == pytest.approx(before)
    session.click("Reset")
    after = session.wait_until(
        lambda s: s["steps"] == 0 and s["levers"]["watch_coverage"] > before + 0.1, "the reset"
    )
    assert after["levers"]["watch_coverage"] == pytest.approx(before + 0.3)
    assert "watch 30%" in session.page.locator(".commsim-strategy").first.inner_text()
    session.assert_offline_clean()


def test_misconduct_incident_lowers_trust(session, tmp_path):
    session.click("▶")
    start = session.wait_until(lambda s: s["days_evaluated"] >= 2, "two days of play")
    session.click("❚❚")
    paused = session.status()
    session.click("Misconduct incident")
    shocked = session.wait_until(lambda s: s["shocks"] == ["misconduct"], "the shock")
    assert shocked["trust_mean"] < paused["trust_mean"] - 0.05
    days, steps = shocked["days_evaluated"], shocked["steps"]
    for _ in range(24):  # step to the end of the day, so the daily table has it
        session.click("Step")
        status = session.wait_until(lambda s, n=steps: s["steps"] > n, "a step")
        steps = status["steps"]
        if status["days_evaluated"] > days:
            break
    after = session.status()
    assert after["days_evaluated"] > days
    assert after["trust_mean"] < start["trust_mean"] - 0.05
    assert after["trust_mean_daily"] < start["trust_mean_daily"] - 0.05
    assert "Shocks: misconduct incident" in session.page.inner_text("body")
    session.page.get_by_role("button", name="trust", exact=True).click()
    time.sleep(1.0)
    session.screenshot(tmp_path, "dashboard-misconduct.png")
    session.assert_offline_clean()


def test_preset_selector_restarts_with_the_preset(session, tmp_path):
    presets = dashboard.list_presets()
    session.page.locator(".commsim-preset-select").first.click()
    options = session.page.get_by_role("option")
    options.first.wait_for()
    assert options.all_inner_texts() == presets
    session.page.keyboard.press("Escape")
    if len(presets) == 1:
        return  # nothing to switch to yet
    target = "community_policing" if "community_policing" in presets else presets[-1]
    session.click("Step")
    session.wait_until(lambda s: s["steps"] > 0, "a step")
    session.page.locator(".commsim-preset-select").first.click()
    session.page.get_by_role("option", name=target, exact=True).click()
    status = session.wait_until(
        lambda s: s["preset"] == target and s["steps"] == 0, f"preset {target}"
    )
    assert status["levers"] == dashboard.preset_levers(target, "small")
    session.click("▶")
    session.wait_until(lambda s: s["days_evaluated"] >= 5, "five days of play")
    session.click("❚❚")
    time.sleep(1.0)
    session.screenshot(tmp_path, "dashboard-preset.png")
    session.assert_offline_clean()
