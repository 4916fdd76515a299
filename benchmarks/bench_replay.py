"""Replay benchmarks; prints one JSON object. Run: make bench.

Measured side by side in one run:
* ``vkd49_compute``: orbit + day/night (with edges refined to 1 ms) + timeline, 1 s over the
  VKD-49 span (30,601 samples), no products - evasim's pipeline.
* ``vkd49_skyfield_naive``: the same per-second quantities the obvious way with skyfield
  (EarthSatellite.at, frame_xyz(itrs), wgs84.geographic_position_of, is_sunlit) - a baseline
  for the ratio; it has no penumbra and no refined edges.
* ``vkd49_orbit_lighting``: evasim's part that does what the naive baseline does (SGP4, ITRS,
  geodetic, Sun table, sunlit fraction) plus the edges refined to 1 ms, as ``run_replay``
  computes them; ``naive_over_orbit_lighting_ratio`` compares like with like.
* ``vkd49_cli``: ``evasim replay vkd-49`` as a user runs it (new process, report included).
* ``year_edges``: a year of ISS sunrise/sunset edges (30 s bracketing, 1 ms refinement).
* ``vkd49_hold``: the attitude part alone, the TEA hold in closed form (what the replay uses
  when the hold is an equilibrium) against the full RK4 integration at 0.2 s, same run.
* ``instant_states``: states at one instant between samples (what a video frame or the
  broadcast asks for: SGP4, frames, Sun, sunlit fraction, attitude), per call.

To compare with another tree, run this script with that tree's ``src`` on ``PYTHONPATH``
(entries it does not support are skipped).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

import numpy as np


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times)


def main() -> None:
    from skyfield.api import EarthSatellite, wgs84
    from skyfield.framelib import itrs

    from evasim import api
    from evasim.replay import EDGE_PAD_S, EDGE_SAMPLING_S, run_replay
    from evasim.scenario import load_scenario
    from evasim.sky.lighting import find_edges, shadow_angles
    from evasim.sky.orbit import Orbit
    from evasim.sky.sun import SunTable
    from evasim.sky.timegrid import TimeGrid

    sky = api.Sky.load()
    sc = load_scenario("vkd-49")
    replay = run_replay(sc, sky)  # warm-up (imports, caches)
    es = replay.element_set

    def compute():
        run_replay(sc, sky)

    def orbit_lighting():
        grid = replay.grid
        orbit = Orbit(es, sky)
        track = orbit.at(grid)
        _ = track.latitude_deg  # geodetic coordinates (and ITRS) are computed on first use
        sun = SunTable.build(sky, grid)
        shadow_angles(track.r_teme_km, sun.teme_km(grid)).sunlit_fraction()
        pad = timedelta(seconds=EDGE_PAD_S)
        start, end = grid.t0_utc, grid.datetime_at(grid.seconds[-1])
        find_edges(orbit, sun, TimeGrid.span(start - pad, end + pad, EDGE_SAMPLING_S))

    def naive():
        sat = EarthSatellite(es.line1, es.line2, ts=sky.ts)
        t = replay.grid.skyfield(sky)
        p = sat.at(t)
        p.frame_xyz(itrs)
        wgs84.geographic_position_of(p)
        p.is_sunlit(sky.ephemeris)

    results = {}
    best, median = _best(compute, 5)
    results["vkd49_compute_s"] = {"best": round(best, 4), "median": round(median, 4)}
    best_n, median_n = _best(naive, 3)
    results["vkd49_skyfield_naive_s"] = {"best": round(best_n, 4), "median": round(median_n, 4)}
    results["naive_over_evasim_ratio"] = round(median_n / median, 2)
    best_o, median_o = _best(orbit_lighting, 5)
    results["vkd49_orbit_lighting_s"] = {"best": round(best_o, 4), "median": round(median_o, 4)}
    results["naive_over_orbit_lighting_ratio"] = round(median_n / median_o, 2)

    with tempfile.TemporaryDirectory() as tmp:

        def cli():
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "evasim",
                    "replay",
                    "vkd-49",
                    "--out",
                    os.path.join(tmp, "out"),
                ],
                check=True,
                capture_output=True,
            )

        best_c, median_c = _best(cli, 3)
    results["vkd49_cli_with_report_s"] = {"best": round(best_c, 3), "median": round(median_c, 3)}

    def year():
        return api.lighting_edges(
            es, datetime(2021, 3, 3, tzinfo=UTC), datetime(2022, 3, 3, tzinfo=UTC), sky=sky
        )

    edges = year()
    best_y, median_y = _best(year, 3)
    results["year_edges_s"] = {
        "best": round(best_y, 3),
        "median": round(median_y, 3),
        "edges": len(edges),
    }
    import inspect

    from evasim.attitude.states import nominal_hold

    if "closed_form" in inspect.signature(nominal_hold).parameters:
        inertia = replay.attitude.config.inertia_kg_m2

        def hold(closed: bool):
            return lambda: nominal_hold(sc, es, replay.track, inertia, closed_form=closed)

        best_h, median_h = _best(hold(True), 5)
        best_i, median_i = _best(hold(False), 3)
        results["vkd49_hold_s"] = {
            "closed_form": {"best": round(best_h, 4), "median": round(median_h, 4)},
            "integrated": {"best": round(best_i, 4), "median": round(median_i, 4)},
            "integrated_over_closed_form_ratio": round(median_i / median_h, 1),
        }
    try:
        from evasim.instant import Instants
    except ImportError:
        Instants = None
    if Instants is not None:
        inst = Instants.from_replay(replay)
        s = replay.grid.seconds[len(replay.grid) // 2] + 1 / 3

        def one():
            for _ in range(100):
                inst.at(np.array([s]))

        best_o, median_o = _best(one, 5)
        results["instant_states_one_instant_ms"] = {
            "best": round(best_o * 10, 3),
            "median": round(median_o * 10, 3),
        }
    results["samples"] = len(replay.grid)
    results["machine"] = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
