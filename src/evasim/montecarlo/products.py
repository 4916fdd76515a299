"""Monte Carlo products, written as one set: ``runs.parquet`` (streamed as chunks complete, one
row per run, in completion order: key on ``run``), ``summary.json``, ``report.html``
(self-contained) and ``telemetry_run_N.parquet`` for the chosen runs."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..attitude.model import AttitudeHistory
from .results import MonteCarloResults


class RunsWriter:
    """Streams chunk tables into one Parquet file (one row group per chunk)."""

    def __init__(self, path: Path):
        self.path = path
        self._writer: pq.ParquetWriter | None = None

    def write(self, table: pa.Table) -> None:
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, table.schema)
        self._writer.write_table(table)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


def telemetry_table(hist: AttitudeHistory) -> pa.Table:
    """A run's attitude history: time (s), body->LVLH quaternion, rate relative to LVLH
    (deg/s), CMG momentum (N m s), CMGs in control."""
    q = hist.q_lvlh
    rate = np.degrees(hist.rate_relative_lvlh_rad_s())
    cols = {"t_s": hist.t_s}
    cols.update({f"q_lvlh_{c}": q[:, i] for i, c in enumerate("wxyz")})
    cols.update({f"rate_lvlh_{c}_deg_s": rate[:, i] for i, c in enumerate("xyz")})
    cols["h_cmg_n_m_s"] = hist.h_cmg_norm
    cols["error_deg"] = hist.error_angle_deg()
    cols["cmg_active"] = hist.cmg_active
    return pa.table(cols)


def _json_safe(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def write_outputs(
    folder: Path,
    results: MonteCarloResults,
    histories: dict[int, AttitudeHistory],
    meta: dict,
    on_step: Callable[[str], None] | None = None,
) -> None:
    """Everything but runs.parquet (already streamed) into ``folder``."""
    from ..report.montecarlo_html import montecarlo_html

    step = on_step or (lambda _s: None)
    summary = {**meta, **results.summary(), "telemetry_runs": sorted(histories)}
    (folder / "summary.json").write_text(
        json.dumps(_json_safe(summary), indent=2) + "\n", encoding="utf-8"
    )
    for index, hist in histories.items():
        pq.write_table(telemetry_table(hist), folder / f"telemetry_run_{index}.parquet")
    step("report")
    (folder / "report.html").write_text(montecarlo_html(results, summary), encoding="utf-8")
