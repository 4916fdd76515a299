"""Helmet-camera rendering and MP4 encoding speed; prints one JSON object.

Run: .venv/bin/python benchmarks/bench_render.py [--frames 20]

Scenes (VKD-49, EV1, every effect on: station with shadows, Earth, atmosphere, glint, Sun,
stars, overlay): "hull" = limb look from the worksite, the station covering a third of the
frame (33 % of the pixels at 720p; the hard case); "earth" = nadir look, Earth only;
"night" = limb look in orbital night (stars, airglow); "fisheye" = the hull scene through a
150 deg equidistant fisheye. Frames are timed after a warm-up frame (numba compilation,
textures and the atmosphere table excluded; reported separately as first_frame_s). Each scene
is also rendered by tracing every pixel (the reference the adaptive sampling is tested
against), in the same run: "speedup" is the ratio.
"station_pixel_fraction": the share of the first frame's pixels that show the station.
Encoding: the hull frames through imageio-ffmpeg's libx264 (veryfast); "pipeline": rendering
and encoding together, as `evasim replay --video` runs them (ffmpeg in its own process).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np


def _time_frames(cam, when, n, adaptive=True):
    t = time.perf_counter()
    frames = [cam.frame("EV1", when + timedelta(seconds=k), adaptive).image for k in range(n)]
    return (time.perf_counter() - t) / n, frames


def main() -> None:
    from evasim.render.camera import Lens
    from evasim.render.frame import HelmetCamera
    from evasim.render.shading import ID_STATION
    from evasim.render.video import write_mp4
    from evasim.replay import run_replay
    from evasim.scenario import load_scenario

    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=20)
    n = parser.parse_args().frames
    replay = run_replay(load_scenario("vkd-49"))
    day, night = datetime(2021, 9, 3, 15, 30, tzinfo=UTC), datetime(2021, 9, 3, 16, 15, tzinfo=UTC)
    scenes = {
        "hull": ("limb", day, True, Lens(120.0)),
        "earth": ("nadir", day, False, Lens(120.0)),
        "night": ("limb", night, True, Lens(120.0)),
        "fisheye": ("limb", day, True, Lens(150.0, fisheye=True)),
    }
    results: dict = {"frames_per_measure": n}
    hull_frames = {}
    for width, height in ((1280, 720), (1920, 1080)):
        key = f"{width}x{height}"
        results[key] = {}
        for name, (look, when, station, lens) in scenes.items():
            cam = HelmetCamera(replay, width, height, lens, look=look, station=station)
            t = time.perf_counter()
            first_frame = cam.frame("EV1", when)
            first = time.perf_counter() - t
            dt, frames = _time_frames(cam, when + timedelta(seconds=1), n)
            ref, _ = _time_frames(cam, when + timedelta(seconds=1), max(n // 4, 2), adaptive=False)
            if name == "hull":
                hull_frames[key] = (frames, cam)
            results[key][name] = {
                "fps": round(1 / dt, 1),
                "ms_per_frame": round(dt * 1e3, 1),
                "per_pixel_reference_ms": round(ref * 1e3, 1),
                "speedup": round(ref / dt, 2),
                "first_frame_s": round(first, 2),
                "station_pixel_fraction": round(float((first_frame.ids == ID_STATION).mean()), 3),
            }
    with tempfile.TemporaryDirectory() as tmp:
        for key, (frames, cam) in hull_frames.items():
            w, h = (int(x) for x in key.split("x"))
            batch = frames * max(1, 100 // len(frames))
            t = time.perf_counter()
            write_mp4(iter(batch), Path(tmp) / "x.mp4", 30.0, w, h)
            results[key]["encode_fps"] = round(len(batch) / (time.perf_counter() - t), 1)
            times = [
                datetime(2021, 9, 3, 15, 30, tzinfo=UTC) + timedelta(seconds=k) for k in range(n)
            ]
            t = time.perf_counter()
            write_mp4((cam.frame("EV1", s).image for s in times), Path(tmp) / "y.mp4", 30.0, w, h)
            results[key]["render_and_encode_fps"] = round(n / (time.perf_counter() - t), 1)
    results["machine"] = {
        "python": platform.python_version(),
        "cores": os.cpu_count(),
        "numpy": np.__version__,
        "cpu": platform.machine(),
        "processor": _cpu_name(),
    }
    print(json.dumps(results, indent=2))


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


if __name__ == "__main__":
    main()
