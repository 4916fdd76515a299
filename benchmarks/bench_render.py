"""Helmet-camera rendering and MP4 encoding speed; prints one JSON object.

Run: .venv/bin/python benchmarks/bench_render.py [--frames 20] [--sizes 1280x720,1920x1080]
       [--baseline-src ../main/src]

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

Night effects ("effects", 1280 x 720): the "night" scene and "city" (nadir over the Ganges
plain at 17:54 UTC, night, no station) rendered with every effect on and with each of the
night effects (city lights, airglow, helmet lamps) switched off in turn, frames interleaved
round-robin so that the machine's load affects all alike: "cost_ms" is the difference.
``--baseline-src DIR`` also runs this script's scenes on another tree (e.g. main before the
night effects) in a subprocess, in the same run, and reports it under "baseline" with the
ratios new/baseline of the frame rates.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np


def _time_frames(cam, when, n, adaptive=True):
    t = time.perf_counter()
    frames = [cam.frame("EV1", when + timedelta(seconds=k), adaptive).image for k in range(n)]
    return (time.perf_counter() - t) / n, frames


def _effects(replay, n, scenes):
    """Per-frame cost of each night effect at 720p: every effect on against one switched
    off, frames interleaved round-robin (the variants see the same machine load)."""
    from evasim.render.frame import HelmetCamera

    variants = {
        "all_on": {},
        "no_city_lights": {"night_lights": False},
        "no_airglow": {"airglow": False},
        "no_lamps": {"lamps": False},
    }
    out = {}
    for name in ("night", "city"):
        look, when, station, lens = scenes[name]
        cams = {
            v: HelmetCamera(replay, 1280, 720, lens, look=look, station=station, **kw)
            for v, kw in variants.items()
        }
        for cam in cams.values():
            cam.frame("EV1", when)  # warm-up
        total = dict.fromkeys(cams, 0.0)
        for k in range(n):
            for v, cam in cams.items():
                t = time.perf_counter()
                cam.frame("EV1", when + timedelta(seconds=1 + k))
                total[v] += time.perf_counter() - t
        ms = {v: total[v] / n * 1e3 for v in cams}
        out[name] = {
            "ms_all_on": round(ms["all_on"], 2),
            "fps_all_on": round(1e3 / ms["all_on"], 1),
            "cost_ms": {
                "city_lights": round(ms["all_on"] - ms["no_city_lights"], 2),
                "airglow": round(ms["all_on"] - ms["no_airglow"], 2),
                "lamps": round(ms["all_on"] - ms["no_lamps"], 2),
            },
        }
    return out


def _baseline(src: str, n: int, sizes: str) -> dict:
    """This script's scene timings on another tree (``src``, its src/ folder), run in a
    subprocess with that tree first on the path."""
    env = dict(os.environ, PYTHONPATH=os.path.abspath(src))
    cmd = [sys.executable, __file__, "--frames", str(n), "--sizes", sizes, "--common-only"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main() -> None:
    from evasim.render.camera import Lens
    from evasim.render.frame import HelmetCamera
    from evasim.render.shading import ID_STATION
    from evasim.render.video import write_mp4
    from evasim.replay import run_replay
    from evasim.scenario import load_scenario

    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--sizes", default="1280x720,1920x1080")
    parser.add_argument("--baseline-src", default=None)
    parser.add_argument("--common-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    n = args.frames
    sizes = [tuple(int(x) for x in size.split("x")) for size in args.sizes.split(",")]
    replay = run_replay(load_scenario("vkd-49"))
    day, night = datetime(2021, 9, 3, 15, 30, tzinfo=UTC), datetime(2021, 9, 3, 16, 15, tzinfo=UTC)
    scenes = {
        "hull": ("limb", day, True, Lens(120.0)),
        "earth": ("nadir", day, False, Lens(120.0)),
        "night": ("limb", night, True, Lens(120.0)),
        "fisheye": ("limb", day, True, Lens(150.0, fisheye=True)),
        "city": ("nadir", datetime(2021, 9, 3, 17, 54, tzinfo=UTC), False, Lens(120.0)),
    }
    night_effects = "night_lights" in inspect.signature(HelmetCamera).parameters
    results: dict = {
        "frames_per_measure": n,
        "tree": os.path.dirname(inspect.getfile(HelmetCamera)),
    }
    hull_frames = {}
    for width, height in sizes:
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
    if night_effects and not args.common_only:
        results["effects"] = _effects(replay, n, scenes)
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
    if args.baseline_src and not args.common_only:
        base = _baseline(args.baseline_src, n, args.sizes)
        results["baseline"] = base
        results["fps_ratio_new_over_baseline"] = {
            key: {
                name: round(results[key][name]["fps"] / base[key][name]["fps"], 2)
                for name in results[key]
                if isinstance(results[key][name], dict) and name in base.get(key, {})
            }
            for key in results
            if key in base and isinstance(results[key], dict) and "hull" in results[key]
        }
        results["load_average"] = os.getloadavg()
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
