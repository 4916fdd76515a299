"""The globe's server side: what the page may ask for, and nothing else (no browser here)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest
from fastapi.testclient import TestClient

from evasim.errors import EvasimInputError
from evasim.exchange import globe

needs_cesium = pytest.mark.skipif(
    globe.cesium_dir() is None, reason="CesiumJS not installed (npm ci --prefix web)"
)


class _Camera:
    def __init__(self, *_):
        pass

    def frame(self, role, when):
        return SimpleNamespace(image=np.zeros((9, 16, 3), np.uint8))


@needs_cesium
def test_broadcast_serves_the_globe_with_its_czml(vkd49):
    from evasim.broadcast import create_app

    client = TestClient(create_app(vkd49, camera_factory=_Camera))  # no lifespan: no loops
    page = client.get("/globe/")
    assert page.status_code == 200 and 'src="cesium/Cesium.js"' in page.text
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "http" not in csp  # nothing outside the origin
    assert client.get("/globe/cesium/Cesium.js").status_code == 200
    doc = json.loads(client.get("/globe/replay.czml").content)
    assert doc[1]["id"] == "station"
    assert client.get("/globe/station.glb").content[:4] == b"glTF"
    assert client.get("/globe/earth.jpg").content[:2] == b"\xff\xd8"
    for bad in ("/globe/cesium/../../../../pyproject.toml", "/globe/cesium/%2e%2e/x", "/globe/x"):
        assert client.get(bad).status_code == 404, bad
    assert client.get("/").status_code == 200  # the broadcast page is still there


def test_globe_folder_must_hold_a_czml(tmp_path):
    with pytest.raises(EvasimInputError, match=r"no replay\.czml: expected a folder written by"):
        globe.check_globe_folder(tmp_path)
    with pytest.raises(EvasimInputError, match="expected a product folder"):
        globe.check_globe_folder(tmp_path / "missing")


def test_cli_globe_refuses_a_folder_without_czml(tmp_path):
    from typer.testing import CliRunner

    from evasim.cli import app

    result = CliRunner().invoke(app, ["globe", str(tmp_path)])
    assert result.exit_code == 2 and "no replay.czml" in result.output
    result = CliRunner().invoke(app, ["globe", str(tmp_path), "--port", "0"])
    assert result.exit_code == 2 and "--port: expected 1..65535" in result.output
