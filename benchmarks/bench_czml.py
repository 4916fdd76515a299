"""CZML export benchmark; prints one JSON object.

``vkd49_czml``: the whole VKD-49 replay span (14:10-22:40 UTC, 8 h 30 min, hatch open 7 h 54 min)
as CZML at 10 s sampling (3,061 samples: station position with velocity and orientation, two
crew members, day/night, hatch and task intervals), from a computed replay: the time to build
and write ``replay.czml`` and ``station.glb`` (best and median of 5) and their sizes. Target
(issue 15): < 2 s and < 5 MB.

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/bench_czml.py``
"""

from __future__ import annotations

import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

from evasim import api
from evasim.exchange import czml


def main() -> None:
    replay = api.replay("vkd-49")
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(5):
            t = time.perf_counter()
            written = czml.write_czml(replay, Path(tmp), sampling_s=10.0)
            times.append(time.perf_counter() - t)
        sizes = {name: path.stat().st_size for name, path in written.items()}
    print(
        json.dumps(
            {
                "machine": platform.machine(),
                "python": platform.python_version(),
                "vkd49_czml_10s": {
                    "samples": len(czml.sample_indices(replay, 10.0)),
                    "write_best_s": round(min(times), 3),
                    "write_median_s": round(statistics.median(times), 3),
                    "czml_mb": round(sizes["replay.czml"] / 1e6, 3),
                    "glb_mb": round(sizes["station.glb"] / 1e6, 3),
                    "target": "< 2 s, < 5 MB",
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
