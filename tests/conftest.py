from __future__ import annotations

import pytest

from evasim import api
from evasim.scenario import load_scenario
from evasim.sky import Sky


@pytest.fixture(scope="session")
def sky() -> Sky:
    return Sky.load()


@pytest.fixture(scope="session")
def vkd49(sky):
    return api.replay(load_scenario("vkd-49"), sky)


@pytest.fixture(scope="session")
def vkd50(sky):
    return api.replay(load_scenario("vkd-50"), sky)
