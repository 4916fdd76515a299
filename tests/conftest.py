from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


# The helmet camera's kernels are compiled once per test run (tests/kernel_warmup.py, a process
# beside the workers), not by each worker at once. Tests marked ``render`` (those that render
# helmet-camera frames, in process or through the CLI) go last and wait for it; a rendering
# test left unmarked still passes, it only compiles the kernels itself.
_KERNELS_DONE = "EVASIM_TEST_KERNELS_DONE"  # the warm-up's done file, for the workers
_WARMUP_WAIT_S = 1800.0
_warmup_key = pytest.StashKey[tuple]()


def pytest_configure(config):
    """On the controller of a run with xdist workers: start the kernel warm-up."""
    if hasattr(config, "workerinput") or _KERNELS_DONE in os.environ:
        return
    if not config.pluginmanager.hasplugin("xdist") or not config.getoption("numprocesses"):
        return
    folder = Path(tempfile.mkdtemp(prefix="evasim-kernels-"))
    with open(folder / "log", "w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).with_name("kernel_warmup.py")),
                str(folder / "done"),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    os.environ[_KERNELS_DONE] = str(folder / "done")
    config.stash[_warmup_key] = (proc, folder)


def pytest_unconfigure(config):
    proc, folder = config.stash.get(_warmup_key, (None, None))
    if proc is None:
        return
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    os.environ.pop(_KERNELS_DONE, None)
    shutil.rmtree(folder, ignore_errors=True)


def pytest_collection_modifyitems(config, items):
    """Rendering tests last (stable: the order within each group is kept)."""
    items.sort(key=lambda item: item.get_closest_marker("render") is not None)


@pytest.fixture(autouse=True)
def _render_kernels_compiled(request):
    """A rendering test waits until the warm-up has compiled the kernels (or failed: then it
    compiles them itself and shows the fault)."""
    done = os.environ.get(_KERNELS_DONE)
    if done and request.node.get_closest_marker("render") is not None:
        limit = time.monotonic() + _WARMUP_WAIT_S
        while not os.path.exists(done) and time.monotonic() < limit:
            time.sleep(0.2)
