"""Replay products on disk: telemetry.parquet, events.csv, summary.json (and the report).

Everything is written into a temporary folder beside the destination, then moved into place,
so a failure never leaves a half-written product behind.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .replay import Replay
from .timegrid import utc_iso

PRODUCTS = ("telemetry.parquet", "events.csv", "summary.json", "report.html")


def telemetry_table(replay: Replay) -> pa.Table:
    """1 Hz (scenario step) telemetry as an Arrow table; units in column names."""
    tr = replay.track
    columns: dict[str, pa.Array] = {
        "utc": pa.array(replay.grid.datetimes64(), type=pa.timestamp("ms", tz="UTC")),
        "eva_elapsed_s": pa.array(replay.timeline.eva_elapsed_s),
    }
    for frame, r in (("gcrs", tr.r_gcrs_km), ("itrs", tr.r_itrs_km)):
        for axis, values in zip("xyz", r, strict=True):
            columns[f"{axis}_{frame}_km"] = pa.array(values)
    columns |= {
        "latitude_deg": pa.array(tr.latitude_deg),
        "longitude_deg": pa.array(tr.longitude_deg),
        "altitude_km": pa.array(tr.altitude_km),
        "sunlit_fraction": pa.array(replay.sunlit_fraction),
        "sun_elevation_deg": pa.array(replay.sun_elevation_deg),
        "beta_angle_deg": pa.array(replay.beta_deg),
        "suit_time_left_s": pa.array(replay.timeline.suit_time_left_s, from_pandas=True),
    }
    for role, names in replay.timeline.active_task.items():
        columns[f"task_{role.lower()}"] = pa.array(names.tolist(), type=pa.string())
    meta = {
        b"evasim.scenario": replay.scenario.name.encode(),
        b"evasim.tle_epoch_utc": utc_iso(replay.element_set.epoch_utc).encode(),
        b"evasim.frames": b"GCRS and ITRS (polar motion ignored), WGS84 geodetic",
    }
    return pa.table(columns).replace_schema_metadata(meta)


def write_events_csv(replay: Replay, path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["utc", "kind", "detail"])
        for event in replay.timeline.events:
            writer.writerow([utc_iso(event.utc, 1), event.kind, event.detail])


def write_products(
    replay: Replay,
    out_dir: Path,
    render_report: Callable[[Replay], str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Path]:
    """Write all products into ``out_dir`` atomically; return their paths."""
    report = progress or (lambda _msg: None)
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        report("telemetry")
        pq.write_table(telemetry_table(replay), tmp / "telemetry.parquet", compression="zstd")
        write_events_csv(replay, tmp / "events.csv")
        (tmp / "summary.json").write_text(
            json.dumps(replay.summary(), indent=2) + "\n", encoding="utf-8"
        )
        if render_report is not None:
            report("report")
            (tmp / "report.html").write_text(render_report(replay), encoding="utf-8")
        out_dir.mkdir(parents=True, exist_ok=True)
        written = {}
        for name in sorted(os.listdir(tmp)):
            os.replace(tmp / name, out_dir / name)
            written[name] = out_dir / name
        return written
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
