"""The broadcast page in headless Chromium (Playwright, the system's chromium binary).

Skipped when no chromium is installed; `.ci/run` installs Debian's chromium on CI.
"""

from __future__ import annotations

import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


def _chromium() -> str | None:
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


CHROMIUM = _chromium()
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DOCS_SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "broadcast_screenshot.png"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium binary (/usr/bin/chromium or chromium on PATH)"
)


@pytest.mark.render
def test_page_shows_clock_and_both_cameras(vkd49, tmp_path):
    from evasim.broadcast.server import BackgroundServer, create_app

    start = vkd49.scenario.eva.hatch_open_utc + timedelta(minutes=40)  # in daylight
    app = create_app(vkd49, speed=30.0, start_utc=start, width=480, height=270, fps=3.0, token="t")
    with BackgroundServer(app) as url, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(url + "/", wait_until="domcontentloaded")
            page.wait_for_function(
                "() => /^\\d\\d:\\d\\d:\\d\\d$/.test(document.getElementById('clock').textContent)",
                timeout=30_000,
            )
            first = page.text_content("#clock")
            page.wait_for_function(
                "t => document.getElementById('clock').textContent !== t",
                arg=first,
                timeout=30_000,
            )
            # numba compiles the renderer on the first frame: allow a minute
            for role in ("EV1", "EV2"):
                page.wait_for_function(
                    f"() => Number(document.getElementById('video-{role}').dataset.frames) > 0",
                    timeout=90_000,
                )
            page.wait_for_timeout(600)  # let the map and the horizon draw
            shot = tmp_path / "broadcast.png"
            page.screenshot(path=str(shot), full_page=True)
            if os.environ.get("EVASIM_UPDATE_DOCS") == "1":
                page.screenshot(path=str(DOCS_SCREENSHOT), full_page=True)
            assert page.text_content("#clock") != first
            assert "EVA" in page.text_content("#elapsed-label") or "HATCH" in page.text_content(
                "#elapsed-label"
            )
            assert errors == []
        finally:
            browser.close()

    from PIL import Image, ImageStat

    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(shot).convert("RGB")
    assert image.width >= 1000 and image.height >= 600
    stat = ImageStat.Stat(image)
    assert max(stat.stddev) > 10.0  # not blank
    assert len(image.getcolors(maxcolors=1 << 20) or range(1 << 20)) > 200
