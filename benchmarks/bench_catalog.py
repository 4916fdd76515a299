"""Catalogue benchmarks; prints one JSON object. Run: .venv/bin/python benchmarks/bench_catalog.py

* ``build_s``: a fresh database from the bundled data (277 spacewalks, 48,710 element sets,
  derived tables, scenario links), each run into a new empty folder; best and median of 3.
* ``nearest_ms``: ``Catalog.nearest_element_set`` (one SQL query plus parsing the set) at 1,000
  random instants over the archive's span, on an open catalogue: median, p99, max; every answer
  is checked against a brute-force numpy search (``mismatches`` must be 0). ``nearest_sql_ms``:
  the query alone, same instants.
* ``open_ms``: ``Catalog.open`` of an existing, current database (hash check of the bundled
  files included) plus a first query; median of 20.
* ``cli_spacewalks_s``: ``evasim spacewalks --format json`` in a new process (existing database).
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
from datetime import UTC, datetime
from pathlib import Path

import numpy as np


def main() -> None:
    import duckdb

    from evasim.catalog import NEAREST_SQL, Catalog

    out: dict = {
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "cpu_count": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
    }
    with tempfile.TemporaryDirectory() as tmp:
        builds = []
        for i in range(3):
            path = Path(tmp) / f"b{i}" / "catalog.duckdb"
            t = time.perf_counter()
            Catalog.open(path).close()
            builds.append(time.perf_counter() - t)
        out["build_s"] = {
            "best": round(min(builds), 3),
            "median": round(statistics.median(builds), 3),
        }
        path = Path(tmp) / "b0" / "catalog.duckdb"
        out["database_mb"] = round(path.stat().st_size / 1e6, 1)

        opens = []
        for _ in range(20):
            t = time.perf_counter()
            cat = Catalog.open(path)
            cat.spacewalk_count()
            opens.append(time.perf_counter() - t)
            cat.close()
        out["open_ms"] = {"median": round(statistics.median(opens) * 1e3, 2)}

        cat = Catalog.open(path)
        epochs = cat.element_set_epochs()
        rng = np.random.default_rng(2026)
        instants = rng.uniform(epochs[0], epochs[-1], 1000)
        cat.nearest_element_set(datetime.fromtimestamp(instants[0], UTC))  # warm
        times, sql_times, mismatches = [], [], 0
        for t0 in instants:
            when = datetime.fromtimestamp(t0, UTC)
            t = time.perf_counter()
            es = cat.nearest_element_set(when)
            times.append(time.perf_counter() - t)
            if abs(abs(es.epoch_utc.timestamp() - t0) - np.abs(epochs - t0).min()) > 1e-3:
                mismatches += 1
        for t0 in instants:
            t = time.perf_counter()
            cat.con.execute(NEAREST_SQL, [float(t0)]).fetchall()
            sql_times.append(time.perf_counter() - t)

        def stats(values):
            ms = np.array(values) * 1e3
            return {
                "median": round(float(np.median(ms)), 3),
                "p99": round(float(np.percentile(ms, 99)), 3),
                "max": round(float(ms.max()), 3),
            }

        out["nearest_ms"] = {**stats(times), "instants": len(instants), "mismatches": mismatches}
        out["nearest_sql_ms"] = stats(sql_times)
        cat.close()

        env = {**os.environ, "EVASIM_HOME": str(path.parent)}
        cli = []
        for _ in range(3):
            t = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "evasim", "spacewalks", "--format", "json"],
                env=env,
                check=True,
                capture_output=True,
            )
            cli.append(time.perf_counter() - t)
        out["cli_spacewalks_s"] = {"median": round(statistics.median(cli), 2)}
    out["load_average_1min_after"] = round(os.getloadavg()[0], 2)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
