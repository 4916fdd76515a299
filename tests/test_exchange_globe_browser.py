"""The 3-D globe page in headless Chromium (SwiftShader WebGL): offline, and the station drawn.

Skipped without a chromium binary or without CesiumJS (``npm ci --prefix web``; make does it).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("fastapi")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

from evasim.exchange import globe  # noqa: E402

CHROMIUM = "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else shutil.which("chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--ignore-gpu-blocklist",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DOCS_SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "globe_vkd49_1520.png"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary"),
    pytest.mark.skipif(
        globe.cesium_dir() is None, reason="CesiumJS not installed (npm ci --prefix web)"
    ),
]


def _png(path: Path) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)


def test_globe_page_is_offline_and_draws_the_station(vkd49, tmp_path):
    from evasim.broadcast.server import BackgroundServer

    folder = tmp_path / "products"
    folder.mkdir()
    globe.write_globe(vkd49, folder, sampling_s=30.0)
    app = globe.create_globe_app(folder)
    outside: list[str] = []
    errors: list[str] = []
    with BackgroundServer(app) as url, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 960, "height": 540})

            def route(r):
                if r.request.url.startswith(url + "/"):
                    r.continue_()
                else:  # anything else (ion, a CDN, fonts...) fails the test
                    outside.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(url + "/globe/?at=2021-09-03T15:20:00Z&sse=8", wait_until="domcontentloaded")
            page.wait_for_function(
                "() => document.body.dataset.ready === '1' || document.body.dataset.error",
                timeout=120_000,
            )
            assert page.evaluate("document.body.dataset.error || ''") == ""
            page.wait_for_function("() => evasimViewer.scene.globe.tilesLoaded", timeout=180_000)
            page.wait_for_timeout(500)
            shown, hidden = tmp_path / "shown.png", tmp_path / "hidden.png"
            page.screenshot(path=str(shown))
            if os.environ.get("EVASIM_UPDATE_DOCS") == "1":
                shutil.copyfile(shown, DOCS_SCREENSHOT)
            # the same frame without the station's model: the pixels it covered change
            page.evaluate(
                "() => { const v = evasimViewer; const s = v.dataSources.get(0)"
                ".entities.getById('station'); s.model.show = false; v.scene.requestRender(); }"
            )
            page.wait_for_timeout(800)
            page.screenshot(path=str(hidden))
        finally:
            browser.close()
    assert outside == []
    assert errors == []
    a, b = _png(shown), _png(hidden)
    changed = np.abs(a - b).sum(axis=2) > 60
    assert changed.sum() > 0.02 * changed.size, f"station covers {changed.mean():.1%}"
    # and the station is grey-white and blue (modules, arrays) where it was drawn
    drawn = a[changed]
    assert (drawn.mean(axis=1) > 150).mean() > 0.1  # light modules and truss
