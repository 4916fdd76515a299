"""Windows benchmark; prints one JSON object. Run: .venv/bin/python benchmarks/bench_windows.py

* ``one_day_all_networks_s``: ``evasim.sky.comm.windows`` for one UTC day, all networks (3 TDRS
  slots, 3 Luch-5 slots, 10 ground sites: 16 links, 10 s sampling, edges bisected to 1 ms) plus
  the day's orbital day/night; the sky context and the element set given (as a planner calls
  it). Days spread over the archive (2001, 2014, 2021, 2024), 5 rounds after a warm-up: best,
  median and max. Target < 0.5 s.
* ``element_set_lookup_ms``: ``Catalog.open().nearest_element_set`` for the day (median of 5).
* ``cli_s``: ``evasim windows --date 2021-09-03 --format json`` in a new process (median of 3).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime

DAYS = (date(2001, 3, 1), date(2014, 6, 2), date(2021, 9, 3), date(2024, 3, 1))


def main() -> None:
    import numpy as np

    from evasim.catalog import Catalog
    from evasim.sky import Sky
    from evasim.sky.comm import windows
    from evasim.sky.comm_network import NETWORKS

    out: dict = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cpu_count": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
    }
    sky = Sky.load()
    catalog = Catalog.open()
    lookups = []
    sets = {}
    for day in DAYS:
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        t = time.perf_counter()
        sets[day] = catalog.nearest_element_set(noon)
        lookups.append(time.perf_counter() - t)
    windows(DAYS[0], NETWORKS, sets[DAYS[0]], sky=sky)  # warm-up
    times = []
    summary = {}
    for _ in range(5):
        for day in DAYS:
            t = time.perf_counter()
            ws = windows(day, NETWORKS, sets[day], sky=sky)
            times.append(time.perf_counter() - t)
            summary[str(day)] = {
                "tdrs_coverage": round(ws.coverage_fraction("tdrs"), 4),
                "tdrs_east_west_coverage": round(1.0 - ws.zoe_east_west.total_s / ws.span_s, 4),
                "luch_coverage": round(ws.coverage_fraction("luch"), 4),
                "ground_contact_h": round(ws.networks["ground"].union.total_s / 3600.0, 3),
                "ground_passes": len(ws.networks["ground"].union),
                "links": sum(len(nw.links) for nw in ws.networks.values()),
            }
    out["one_day_all_networks_s"] = {
        "best": round(min(times), 4),
        "median": round(statistics.median(times), 4),
        "max": round(max(times), 4),
        "runs": len(times),
        "target": 0.5,
    }
    out["element_set_lookup_ms"] = round(1000.0 * statistics.median(lookups), 2)
    out["days"] = summary

    cli = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "evasim", "windows", "--date", "2021-09-03", "--format", "json"],
            check=True,
            capture_output=True,
        )
        cli.append(time.perf_counter() - t)
    out["cli_s"] = round(statistics.median(cli), 3)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
