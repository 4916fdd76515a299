"""Replay every catalogued ISS spacewalk in one process (``api.replay("eva-N")``) and print
JSON: how many replay, the time per replay, and the one-line reason of each refused one.

    OPENBLAS_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python benchmarks/replay_all_eva.py
"""

from __future__ import annotations

import json
import platform
import time

from evasim import api
from evasim.catalog import Catalog
from evasim.errors import EvasimInputError


def main() -> None:
    catalog = Catalog.open()
    seconds, refused, failed = [], {}, {}
    start = time.perf_counter()
    for record in catalog.spacewalks():
        t0 = time.perf_counter()
        try:
            api.replay(f"eva-{record.number}")
        except EvasimInputError as exc:
            refused[record.number] = str(exc)
            continue
        except Exception as exc:  # a fault: reported, the sweep goes on
            failed[record.number] = f"{type(exc).__name__}: {exc}"
            continue
        seconds.append(time.perf_counter() - t0)
    seconds.sort()
    print(
        json.dumps(
            {
                "machine": f"{platform.machine()} {platform.python_version()}",
                "spacewalks": len(catalog.spacewalks()),
                "replayed": len(seconds),
                "refused": refused,
                "failed": failed,
                "median_s": round(seconds[len(seconds) // 2], 3) if seconds else None,
                "max_s": round(seconds[-1], 3) if seconds else None,
                "total_s": round(time.perf_counter() - start, 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
