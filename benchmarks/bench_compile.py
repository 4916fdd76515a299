"""Cold numba compile time of the kernels a first helmet-camera frame needs; prints JSON.

    OPENBLAS_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python benchmarks/bench_compile.py

Runs the measurement in a child process whose numba cache (``NUMBA_CACHE_DIR``) is a fresh
empty folder, so every kernel compiles as on a new install (``child_cpu_s``: its CPU time): the
VKD-49 replay, then one 320 x 180 frame of EV1's helmet camera (auto look, 120 deg lens, every
effect). Prints the replay's and the frame's wall seconds and, per compiled function, its
compile seconds less the time spent compiling the functions it calls (numba's ``numba:compile``
events), largest first.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict


def _child() -> None:
    from datetime import timedelta

    from numba.core import event
    from numba.core.event import EventStatus

    with event.install_recorder("numba:compile") as rec:
        t0 = time.perf_counter()
        from evasim.render.frame import HelmetCamera
        from evasim.render.lens import Lens
        from evasim.replay import run_replay
        from evasim.scenario import load_scenario

        replay = run_replay(load_scenario("vkd-49"))
        t1 = time.perf_counter()
        cam = HelmetCamera(replay, 320, 180, Lens(120.0), look="auto")
        cam.frame("EV1", replay.scenario.eva.hatch_open_utc + timedelta(minutes=60))
        t2 = time.perf_counter()
    own: dict[str, float] = defaultdict(float)
    stack: list[list] = []  # [name, start, time in nested compiles]
    for ts, ev in rec.buffer:
        f = ev.data["dispatcher"].py_func
        if ev.status == EventStatus.START:
            stack.append([f"{f.__module__}.{f.__name__}", ts, 0.0])
            continue
        name, start, nested = stack.pop()
        own[name] += ts - start - nested
        if stack:
            stack[-1][2] += ts - start
    top = sorted(own.items(), key=lambda kv: -kv[1])
    print(json.dumps({
        "replay_s": round(t1 - t0, 1),
        "first_frame_s": round(t2 - t1, 1),
        "compile_s_total": round(sum(own.values()), 1),
        "compile_s_by_function": {k: round(v, 1) for k, v in top if v >= 0.5},
    }, indent=2))  # fmt: skip


def main() -> None:
    if "--child" in sys.argv:
        _child()
        return
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        out = subprocess.run(
            [sys.executable, __file__, "--child"], env=env, check=True, capture_output=True
        ).stdout
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    # the child's CPU seconds (all threads): steadier than wall time on a shared machine
    print(json.dumps({"child_cpu_s": round(use.ru_utime + use.ru_stime, 1)} | json.loads(out),
                     indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
