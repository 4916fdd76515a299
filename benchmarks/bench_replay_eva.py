"""``evasim replay eva-N`` as a user runs it (a new process, report included); prints JSON.

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/bench_replay_eva.py [NAME ...]`` (default: the
built-in vkd-49 as the reference, then one spacewalk of each era and airlock: eva-1 Shuttle 1998,
eva-100 Quest 2007, eva-180 Pirs 2014, eva-238 Poisk 2021, eva-244 Quest 2021, eva-270 Poisk
2024). The commands run in turn, ``--repeat`` rounds (default 2); the figures are wall seconds
of the whole command, each eva-N's ratio to vkd-49 in the same rounds (the machine's load
cancels), and the in-process cost of the catalogue and the archive (what eva-N adds).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

TARGET_S = 10.0


def _command_s(name: str, out: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "evasim", "replay", name, "--out", out],
        check=True,
        capture_output=True,
        env=os.environ,
    )
    return time.perf_counter() - started


def _catalog_load_s() -> dict:
    from evasim.catalog import Catalog

    started = time.perf_counter()
    catalog = Catalog.open()
    catalog.spacewalk(1)
    records = time.perf_counter() - started
    catalog.nearest_element_set(catalog.spacewalk(244).start_utc)
    return {"records_s": round(records, 3), "archive_s": round(time.perf_counter() - started, 3)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "names",
        nargs="*",
        default=["vkd-49", "eva-1", "eva-100", "eva-180", "eva-238", "eva-244", "eva-270"],
    )
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in args.names}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeat):
            for name in args.names:
                times[name].append(round(_command_s(name, f"{tmp}/{name}"), 2))
    runs = {n: {"median_s": round(statistics.median(t), 2), "all_s": t} for n, t in times.items()}
    reference = runs.get("vkd-49", {}).get("median_s")
    if reference:
        for run in runs.values():
            run["ratio_to_vkd49"] = round(run["median_s"] / reference, 2)
    worst = max(r["median_s"] for name, r in runs.items() if name.startswith("eva-"))
    print(
        json.dumps(
            {
                "what": "evasim replay eva-N, whole command, new process, report included",
                "target_s": TARGET_S,
                "worst_eva_median_s": worst,
                "within_target": worst < TARGET_S,
                "runs": runs,
                "catalog_load_in_process": _catalog_load_s(),
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "load_average": os.getloadavg(),
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
