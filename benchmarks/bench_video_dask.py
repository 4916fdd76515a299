"""Distributed helmet-camera video, side by side in one run: the same frames rendered and
encoded in this process (one numba thread: one core's worth) and in chunks on a Dask
LocalCluster of 1 and 2 workers. Prints JSON: frames/s per worker (chunk render + encode time
only: each worker's camera set-up, the replay, textures and the kernels' first load, is given
apart as camera_setup_s) and overall (wall time, including the cluster's start, the set-up and
the join).

    .venv/bin/python benchmarks/bench_video_dask.py [--frames 240 --size 1280x720 --chunk 60]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from datetime import timedelta
from pathlib import Path


def main() -> None:
    import numba

    from evasim.render.chunked import VideoJob
    from evasim.render.distribute import render_video
    from evasim.scenario import load_scenario

    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=240)
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--chunk", type=int, default=60)
    args = ap.parse_args()
    width, height = (int(x) for x in args.size.split("x"))
    sc = load_scenario("vkd-49")
    start = sc.eva.hatch_open_utc + timedelta(minutes=49)
    job = VideoJob(sc, ("EV1",), start, 1 / 30, args.frames, 30.0, width, height, "limb",
                   args.chunk)  # fmt: skip
    out = {"machine": platform.processor() or platform.machine(), "cores": os.cpu_count(),
           "frames": args.frames, "size": args.size, "chunk_frames": args.chunk}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        numba.set_num_threads(1)
        warm = VideoJob(sc, ("EV1",), start, 1 / 30, 4, 30.0, 64, 36, "limb", 4)
        render_video(warm, Path(tmp) / "warm", local=True)  # compile, caches
        t = time.perf_counter()
        rec = render_video(job, Path(tmp) / "local", local=True)
        out["local_1_thread"] = {"wall_s": time.perf_counter() - t,
                                 "fps_per_worker": rec["frames_per_s_per_worker"]}  # fmt: skip
        for workers in (1, 2):
            t = time.perf_counter()
            rec = render_video(job, Path(tmp) / f"dask{workers}", workers=workers)
            wall = time.perf_counter() - t
            out[f"dask_{workers}_workers"] = {"wall_s": wall,
                                              "fps_per_worker": rec["frames_per_s_per_worker"],
                                              "camera_setup_s": rec["camera_setup_s"],
                                              "fps_total": args.frames / wall}  # fmt: skip
    loc = out["local_1_thread"]["fps_per_worker"]
    out["per_worker_vs_local"] = out["dask_2_workers"]["fps_per_worker"] / loc
    out["speedup_1_to_2_workers_wall"] = (
        out["dask_1_workers"]["wall_s"] / out["dask_2_workers"]["wall_s"]
    )
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
