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
# beside the workers), not by each worker at once; the modules whose tests render go last and
# wait for it.
RENDER_MODULES = frozenset(
    "test_broadcast test_broadcast_browser test_exchange_globe test_exchange_globe_browser "
    "test_exchange_openmct test_inputs test_inputs_more test_instant_states test_layers "
    "test_products test_radiators test_render test_render_adaptive test_render_camera "
    "test_render_night test_render_people test_render_surfaces test_replay_vkd49 "
    "test_video_chunks test_video_dask_workers test_dask_cluster".split()
)
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
    """Rendering modules last (stable: the order within each group is kept)."""
    items.sort(key=lambda item: item.path.stem in RENDER_MODULES)


@pytest.fixture(autouse=True)
def _render_kernels_compiled(request):
    """A rendering test waits until the warm-up has compiled the kernels (or failed: then it
    compiles them itself and shows the fault)."""
    done = os.environ.get(_KERNELS_DONE)
    if done and request.path.stem in RENDER_MODULES:
        limit = time.monotonic() + _WARMUP_WAIT_S
        while not os.path.exists(done) and time.monotonic() < limit:
            time.sleep(0.2)
