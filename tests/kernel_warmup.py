"""Compile the helmet camera's numba kernels into numba's cache once, for the whole test run.

    python tests/kernel_warmup.py DONE_FILE

On a fresh clone nothing is cached, and each pytest worker that renders first would compile
the same kernels at the same time (two workers: ~2 x 150 s of CPU spent on one result). The
test session's controller (``conftest.pytest_configure``) starts this script as a process
beside the workers, orders the rendering tests last and makes them wait for it; the workers
then load the kernels from the cache. Renders small frames through each lens, by day with
the Sun in view and at night, adaptive and traced per pixel, and the yuv420p conversion the
MP4 writer uses. Writes DONE_FILE ("ok" or the error's line) when it ends, whatever happens.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path


def warm() -> None:
    import numpy as np

    from evasim import api
    from evasim.render.camera import Lens
    from evasim.render.frame import HelmetCamera
    from evasim.render.yuv import yuv420p
    from evasim.scenario import load_scenario
    from evasim.sky import Sky

    replay = api.replay(load_scenario("vkd-49"), Sky.load())
    day = datetime(2021, 9, 3, 15, 40, tzinfo=UTC)
    night = datetime(2021, 9, 3, 16, 15, tzinfo=UTC)
    lenses = (Lens(120.0), Lens(150.0, fisheye=True), Lens(121.0, projection="action"))
    for lens in lenses:
        cam = HelmetCamera(replay, 160, 90, lens, look="auto")
        frame = cam.frame("EV1", day)
        cam.frame("EV1", night, exposure_state=frame.exposure_state)
    cam.frame("EV1", day, adaptive=False)
    yuv420p(np.zeros((90, 160, 3), np.uint8))
    yuv420p(np.zeros((90, 160, 3), np.uint8), parallel=False)  # the video's feeder thread


def main() -> None:
    done = Path(sys.argv[1])
    try:
        warm()
        done.write_text("ok")
    except BaseException as exc:  # the tests then compile for themselves and show the fault
        done.write_text(f"failed: {type(exc).__name__}: {exc}")
        raise


if __name__ == "__main__":
    main()
