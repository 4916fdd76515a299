"""VKD-49 computation alone (``run_replay``, no products), 7 runs after a warm-up; prints JSON.

Run single-threaded BLAS so that wall time does not depend on other jobs on a shared machine, and
put the tree to measure on ``PYTHONPATH`` (alternate two trees for an A/B comparison)::

    OPENBLAS_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python benchmarks/bench_vkd49_compute.py
"""

from __future__ import annotations

import json
import statistics
import time


def main() -> None:
    from evasim.replay import run_replay
    from evasim.scenario import load_scenario
    from evasim.sky import Sky

    sky = Sky.load()
    sc = load_scenario("vkd-49")
    run_replay(sc, sky)  # warm-up (imports, numba cache)
    wall, cpu = [], []
    for _ in range(7):
        t, c = time.perf_counter(), time.process_time()
        run_replay(sc, sky)
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    print(
        json.dumps(
            {
                "vkd49_compute_wall_s": {
                    "min": round(min(wall), 4),
                    "median": round(statistics.median(wall), 4),
                },
                "vkd49_compute_cpu_s": {
                    "min": round(min(cpu), 4),
                    "median": round(statistics.median(cpu), 4),
                },
            }
        )
    )


if __name__ == "__main__":
    main()
