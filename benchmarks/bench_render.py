"""Helmet-camera rendering and MP4 encoding speed; prints one JSON object.

Run: .venv/bin/python benchmarks/bench_render.py

Scenes (VKD-49, EV1): "hull" = limb look from the worksite with the station filling much of the
frame (the hard case: per-pixel solid tests and shadows); "earth" = nadir look, Earth only;
"night" = limb look in orbital night (stars, airglow). Frames are timed after a warm-up frame
(numba compilation, textures and the atmosphere table excluded; reported separately).
Encoding: the same frames through imageio-ffmpeg's libx264 (veryfast), frames per second.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np


def main() -> None:
    from evasim.render.camera import Lens
    from evasim.render.frame import HelmetCamera
    from evasim.render.video import write_mp4
    from evasim.replay import run_replay
    from evasim.scenario import load_scenario

    replay = run_replay(load_scenario("vkd-49"))
    scenes = {
        "hull": ("limb", datetime(2021, 9, 3, 15, 30, tzinfo=UTC), True),
        "earth": ("nadir", datetime(2021, 9, 3, 15, 30, tzinfo=UTC), False),
        "night": ("limb", datetime(2021, 9, 3, 16, 15, tzinfo=UTC), True),
    }
    results: dict = {"frames_per_measure": 20}
    frames_for_encoding = []
    for width, height in ((1280, 720), (1920, 1080)):
        key = f"{width}x{height}"
        results[key] = {}
        for name, (look, when, station) in scenes.items():
            cam = HelmetCamera(replay, width, height, Lens(120.0), look=look, station=station)
            t = time.perf_counter()
            cam.frame("EV1", when)
            first = time.perf_counter() - t
            times = [when + timedelta(seconds=k) for k in range(1, 21)]
            t = time.perf_counter()
            for w in times:
                frame = cam.frame("EV1", w)
                if key == "1280x720" and name == "hull":
                    frames_for_encoding.append(frame.image)
            dt = (time.perf_counter() - t) / len(times)
            results[key][name] = {
                "fps": round(1 / dt, 1),
                "ms_per_frame": round(dt * 1e3, 1),
                "first_frame_s": round(first, 2),
            }
    with tempfile.TemporaryDirectory() as tmp:
        frames = frames_for_encoding * 5
        t = time.perf_counter()
        write_mp4(iter(frames), Path(tmp) / "x.mp4", 30.0, 1280, 720)
        dt = time.perf_counter() - t
    results["encode_1280x720_fps"] = round(len(frames) / dt, 1)
    results["machine"] = {
        "python": platform.python_version(),
        "cores": os.cpu_count(),
        "numpy": np.__version__,
        "cpu": platform.machine(),
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
