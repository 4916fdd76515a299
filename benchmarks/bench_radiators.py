"""Render cost of the radiators and dish antennas (:mod:`evasim.station.radiators`); prints JSON.

Run: .venv/bin/python benchmarks/bench_radiators.py [--frames 10] [--width 1280 --height 720]

VKD-49, EV1, every effect on. Scenes: "hull" (bench_render.py's limb look at 15:30 UTC, the
rectilinear 120 deg lens), "truss" (the wide view forward and 20 deg down from Poisk at 15:30,
the action lens: the S1/P1 radiators and the Z1 dish in view) and "spacewalk" (the action lens
with the auto look at instants spread from hatch open to hatch close, as `replay --video`
renders). Each scene is rendered by one camera with the radiators and antennas and one with
them taken out of its static solids, frames interleaved round-robin so that the machine's load
affects both alike; CPU time (all threads, ``time.process_time``) per frame: min and median of
``--frames``. "cost_ms" is the median difference, "pixels" the share of the first frame's
pixels the new solids cover (the id buffer differs between the two cameras).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import UTC, datetime, timedelta

import numpy as np


def _without(cam, names: set[str]):
    cam._static = cam._static.take(np.array([n not in names for n in cam._static.names]))
    cam._sets.clear()
    return cam


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=10)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    args = parser.parse_args()
    if not 1 <= args.frames <= 200:
        raise SystemExit("--frames: expected 1..200")

    from evasim import api
    from evasim.render.camera import Lens
    from evasim.render.frame import HelmetCamera
    from evasim.render.lens import ACTION_FOV_DEG
    from evasim.scenario import load_scenario
    from evasim.sky import Sky
    from evasim.station.radiators import radiator_specs

    replay = api.replay(load_scenario("vkd-49"), Sky.load())
    eva = replay.scenario.eva
    span = (eva.hatch_close_utc - eva.hatch_open_utc).total_seconds()
    day = datetime(2021, 9, 3, 15, 30, tzinfo=UTC)
    spread = [eva.hatch_open_utc + timedelta(seconds=span * (k + 0.5) / args.frames)
              for k in range(args.frames)]  # fmt: skip
    action = Lens(ACTION_FOV_DEG, projection="action")
    scenes = {
        "hull": ("limb", Lens(120.0), [day + timedelta(seconds=k) for k in range(args.frames)]),
        "truss": ("free:0,20", action, [day + timedelta(seconds=k) for k in range(args.frames)]),
        "spacewalk": ("auto", action, spread),
    }  # fmt: skip
    out: dict = {"frames": args.frames, "size": f"{args.width}x{args.height}", "scenes": {}}
    for name, (look, lens, times) in scenes.items():
        cams = {
            v: HelmetCamera(replay, args.width, args.height, lens, look=look)
            for v in ("with", "without")
        }
        _without(cams["without"], {s.label for s in radiator_specs()})
        first = {v: cam.frame("EV1", times[0]) for v, cam in cams.items()}  # warm-up
        cpu: dict[str, list[float]] = {v: [] for v in cams}
        for when in times:
            for v, cam in cams.items():
                c = time.process_time()
                cam.frame("EV1", when)
                cpu[v].append((time.process_time() - c) * 1e3)
        med = {v: statistics.median(x) for v, x in cpu.items()}
        out["scenes"][name] = {
            "cpu_ms_min": {v: round(min(x), 1) for v, x in cpu.items()},
            "cpu_ms_median": {v: round(m, 1) for v, m in med.items()},
            "cost_ms": round(med["with"] - med["without"], 1),
            "ratio_with_over_without": round(med["with"] / med["without"], 3),
            "pixels": round(float((first["with"].ids != first["without"].ids).mean()), 4),
            "solids_added": len(cams["with"]._static.names) - len(cams["without"]._static.names),
        }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
