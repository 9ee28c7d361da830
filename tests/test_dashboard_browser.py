"""The workshop dashboard end to end: `commsim dashboard --present` served offline, in Chromium.

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

from commsim.dashboard import command

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
SCREENS = [(1920, 1080), (1280, 720), (1024, 768)]
MIN_TEXT_PX = 18.0
MESA_INTERNALS = ("Use Threads", "Play Interval (ms)", "Render Interval (steps)")

# Every visible piece of text on the page: its size in CSS pixels (icons are glyphs, not text).
TEXT_SIZES_JS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const text = node.textContent.trim();
    const el = node.parentElement;
    if (!text || !el || el.closest('.v-icon, .commsim-status, script, style, noscript')) continue;
    const st = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    const hidden = st.visibility === 'hidden' || st.opacity === '0';
    if (r.width === 0 || r.height === 0 || hidden) continue;
    out.push([text.slice(0, 50), parseFloat(st.fontSize)]);
  }
  return out;
}"""

IMAGE_JS = """sel => {
  const img = document.querySelector(sel + ' img');
  if (!img) return null;
  const r = img.getBoundingClientRect();
  return {left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width,
          height: r.height, natural: img.naturalWidth};
}"""


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing (apt-get install chromium; `make test` does it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """`commsim dashboard --present` on a free loopback port; yields its address."""
    _require_chromium()
    home = tmp_path_factory.mktemp("solara-home")
    err_path = home / "stderr.txt"
    env = dict(os.environ)
    env.update(
        SOLARA_HOME=str(home),
        # Any attempt of the server to reach the internet fails at once (and is logged).
        HTTP_PROXY="http://127.0.0.1:9",
        HTTPS_PROXY="http://127.0.0.1:9",
        NO_PROXY="127.0.0.1,localhost",
    )
    port = command.free_port()
    # The page is the same on every city; the 40,000-resident workshop city (the
    # dashboard's default) only for the docs' screenshots, the default city otherwise.
    city = "workshop" if os.environ.get("COMMSIM_UPDATE_SCREENSHOTS") else "default"
    cmd = [sys.executable, "-m", "commsim.dashboard", "--present", "--city", city,
           "--port", str(port)]  # fmt: skip
    with open(err_path, "w") as err:
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=err, text=True, env=env, start_new_session=True
        )
    try:
        yield _read_address(proc, timeout=90)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # stops the server it started too
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    # No warnings, no errors, no attempt to reach the internet, in the trainer's terminal.
    assert err_path.read_text() == ""


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

    def __init__(self, browser, url: str, size: tuple[int, int] = (1280, 720)) -> None:
        self.size = size
        self.page = browser.new_page(viewport={"width": size[0], "height": size[1]})
        self.failed: list[str] = []
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", self._on_request)
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url} ({r.failure})"))
        self.page.on(
            "response",
            lambda r: self.failed.append(f"{r.url} (HTTP {r.status})") if r.status >= 400 else None,
        )
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.set_default_timeout(TIMEOUT_MS)
        self.page.goto(url)
        self.page.locator(".commsim-clock").first.wait_for()
        self.settle()

    def settle(self, timeout: float = 60.0) -> dict:
        """Wait until the map and charts are drawn for the panel box as it is now.

        The page measures its panel box and draws for it; a change of text size
        changes the box, which is measured again.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.status()
            box = self.page.evaluate(
                "() => { const b = document.querySelector('.commsim-panels');"
                " return b ? [b.clientWidth, b.clientHeight] : null; }"
            )
            drawn = status["box"]
            if (
                box == [drawn.get("width"), drawn.get("height")]
                and drawn.get("viewport_width") == self.size[0]
                and status["fonts"].get("charts")
                and self.page.evaluate(IMAGE_JS, ".commsim-charts")["height"]
                == pytest.approx(status["images"]["charts"][1], abs=1)
            ):
                return status
            time.sleep(0.2)
        raise AssertionError(f"the page did not settle: {self.status()['box']}")

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

    def choose(self, select_class: str, option: str) -> None:
        self.page.locator(f".{select_class}").first.click()
        self.page.get_by_role("option", name=option, exact=True).click()

    def fastest(self) -> None:
        """Set the Speed slider to its end (keyboard, as a trainer could)."""
        self.page.locator(".commsim-speed-slider [role=slider]").first.focus()
        self.page.keyboard.press("End")
        self.wait_until(lambda s: True, "a render")

    def image(self, selector: str) -> dict:
        box = self.page.evaluate(IMAGE_JS, selector)
        assert box is not None, f"no image in {selector}"
        return box

    def screenshot(self, tmp_path: Path, name: str, docs: bool = True) -> Path:
        time.sleep(0.8)  # let the last frame arrive
        path = tmp_path / name
        self.page.screenshot(path=str(path))
        assert path.stat().st_size > 20_000  # a rendered page, not a blank one
        if docs and os.environ.get("COMMSIM_UPDATE_SCREENSHOTS"):  # docs/workshop.md's images
            DOCS_IMG.mkdir(parents=True, exist_ok=True)
            (DOCS_IMG / name).write_bytes(path.read_bytes())
        return path

    def assert_clean(self) -> None:
        assert self.outside == [], f"requests left the machine: {self.outside}"
        assert self.failed == [], f"requests failed: {self.failed}"
        assert self.errors == [], f"errors on the page: {self.errors}"

    def close(self) -> None:
        self.page.close()


@pytest.fixture
def session(browser, server):
    s = Session(browser, server)
    yield s
    s.close()


@pytest.mark.parametrize("size", SCREENS, ids=[f"{w}x{h}" for w, h in SCREENS])
def test_presentation_mode_fits_the_screen_with_large_text(browser, server, tmp_path, size):
    width, height = size
    s = Session(browser, server, size)
    try:
        page = s.page
        # Nothing sticks out sideways.
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert scroll <= inner == width
        # Map and charts are whole, side by side, and not thumbnails.
        for selector, min_width in ((".commsim-map", 0.28), (".commsim-charts", 0.28)):
            box = s.image(selector)
            assert box["left"] >= 0 and box["right"] <= width + 0.5, selector
            assert box["top"] >= 0 and box["bottom"] <= height + 0.5, selector
            assert box["width"] >= min_width * width, selector
            assert box["height"] >= 0.45 * height, selector
            # Shown at the size drawn, so the figure's text sizes are screen pixels.
            assert box["natural"] == pytest.approx(box["width"], abs=1), selector
        status = s.status()
        assert status["font_px"] >= MIN_TEXT_PX
        assert status["fonts"]["map"] >= status["font_px"]
        assert status["fonts"]["charts"] >= status["font_px"]
        # Every text on the page (controls, labels, slider values, headline) is 18 px or more.
        sizes = page.evaluate(TEXT_SIZES_JS)
        assert len(sizes) > 20
        small = [(text, px) for text, px in sizes if px < MIN_TEXT_PX - 0.01]
        assert small == [], f"text under {MIN_TEXT_PX} px: {small}"
        # The controls used during a session are on screen without scrolling.
        for name in ("▶ Play", "Step", "Misconduct incident", "Community event"):
            b = page.get_by_role("button", name=name, exact=True).bounding_box()
            assert b is not None and b["y"] + b["height"] <= height, name
        # Slider values are written next to the sliders, in words.
        values = page.locator(".commsim-value").all_inner_texts()
        assert {"normal", "3 hours", "0%", "today's force"} <= set(values)
        body = page.inner_text("body")
        assert not any(internal in body for internal in MESA_INTERNALS)
        shot = f"dashboard-present-{width}x{height}.png"
        s.screenshot(tmp_path, shot, docs=(width, height) == (1024, 768))
        s.assert_clean()
    finally:
        s.close()


def test_misconduct_incident_draws_the_run_without_it(browser, server, tmp_path):
    for size in ((1280, 720), (1920, 1080)):
        s = Session(browser, server, size)
        try:
            s.choose("commsim-group-select", "minority")
            s.fastest()
            s.click("▶ Play")
            s.wait_until(lambda st: st["days_evaluated"] >= 4, "four days of play")
            before = s.status()
            s.click("Misconduct incident")
            shocked = s.wait_until(lambda st: st["shocks"] == ["misconduct"], "the incident")
            assert shocked["twin"] == "misconduct"
            assert shocked["colour_by"] == "trust_change"
            assert (
                shocked["trust_by_group"]["minority"] < before["trust_by_group"]["minority"] - 0.05
            )
            caption = s.page.locator(".commsim-caption-text").first.inner_text()
            assert caption.startswith("Misconduct incident involving minority residents")
            s.wait_until(lambda st: st["days_evaluated"] >= 14, "ten more days of play")
            s.click("❚❚ Pause")
            status = s.wait_until(lambda st: not st["playing"], "the pause")
            assert status["twin_days"] == status["days_evaluated"]
            assert re.search(r"\d+ days on, minority trust is 0\.\d\d lower", status["caption"])
            s.screenshot(tmp_path, f"dashboard-misconduct-{size[0]}x{size[1]}.png")
            s.assert_clean()
        finally:
            s.close()


def test_a_new_strategy_is_drawn_against_the_previous_one(session, tmp_path):
    page = session.page
    slider = page.locator(".commsim-watch_coverage-slider [role=slider]").first
    slider.focus()
    for _ in range(6):
        page.keyboard.press("ArrowRight")
    page.get_by_text("30%", exact=True).first.wait_for()  # the value beside the slider
    assert session.status()["levers"]["watch_coverage"] == 0.0  # not until the button
    session.click("Run this strategy")
    status = session.wait_until(
        lambda s: s["twin"] == "strategy" and s["steps"] == 0, "the new strategy"
    )
    assert status["levers"]["watch_coverage"] == pytest.approx(0.3)
    assert "watch 30%" in page.locator(".commsim-strategy").first.inner_text()
    session.click("Step")
    status = session.wait_until(lambda s: s["steps"] > 0, "a step")
    assert status["caption"].startswith("Strategy changed: neighbourhood watch coverage 0% → 30%")
    session.assert_clean()


def test_preset_selector_restarts_with_the_preset(session, tmp_path):
    session.fastest()
    session.click("Step")
    session.wait_until(lambda s: s["steps"] > 0, "a step")
    session.choose("commsim-preset-select", "Community policing")
    status = session.wait_until(
        lambda s: s["preset"] == "community_policing" and s["steps"] == 0, "the preset"
    )
    assert status["twin"] == "strategy"
    assert status["levers"]["patrol_strategy"] == "community"
    session.click("▶ Play")
    session.wait_until(lambda s: s["days_evaluated"] >= 6, "six days of play")
    session.click("❚❚ Pause")
    session.wait_until(lambda s: not s["playing"], "the pause")
    session.page.get_by_role("button", name="Trust", exact=True).click()
    session.wait_until(lambda s: s["colour_by"] == "trust", "trust colours")
    session.screenshot(tmp_path, "dashboard-preset.png")
    session.assert_clean()
