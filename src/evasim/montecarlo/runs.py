"""Dispersed runs of a scenario's attitude model: one chunk of run indices at a time, through
the batched numba kernel (:mod:`evasim.attitude.batch`). A chunk is what one Dask task does.

A run's inputs come only from (seed, index) (:meth:`Dispersions.draw`), so a chunk gives the
same numbers in this process, in a LocalCluster worker or on a remote cluster.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import numpy as np

from ..attitude.batch import COLUMNS, figures_batch
from ..attitude.model import AttitudeConfig, AttitudeHistory, initial_state, simulate
from .dispersions import CRITERIA, Dispersions


@dataclass(frozen=True)
class MonteCarloJob:
    """Everything a worker needs: the nominal model, the dispersions, the span."""

    config: AttitudeConfig
    q0_lvlh: np.ndarray
    duration_s: float
    dispersions: Dispersions
    out_dt_s: float = 1.0

    @property
    def steps(self) -> int:
        return round(self.duration_s / self.config.dt_s)

    @property
    def out_every(self) -> int:
        return max(1, round(self.out_dt_s / self.config.dt_s))

    def config_of(self, index: int) -> tuple[np.ndarray, AttitudeConfig]:
        values = self.dispersions.draw(index)
        return values, self.dispersions.apply(self.config, values)

    def history(self, index: int) -> AttitudeHistory:
        """The full attitude history of run ``index`` (for telemetry of chosen runs)."""
        _, config = self.config_of(index)
        y0 = initial_state(config, q_lvlh0=self.q0_lvlh)
        return simulate(config, self.duration_s, self.out_dt_s, y0=y0)


@dataclass(frozen=True)
class ChunkTiming:
    """Where a chunk ran and what it cost (for measurements: benchmarks/bench_montecarlo.py).

    ``started_unix_s``, ``ended_unix_s``: wall clock (``time.time()``, s) at the chunk's start
    and end in the process that ran it; ``cpu_s``: that process's CPU time over the chunk (all
    its threads, s); ``kernel_load_s``: of the wall time, loading the compiled kernel from
    numba's cache (or compiling it) on the process's first chunk, else 0."""

    pid: int
    started_unix_s: float
    ended_unix_s: float
    cpu_s: float
    kernel_load_s: float


@dataclass(frozen=True)
class ChunkResult:
    """Runs ``indices``: dispersed values (n, k), figures (n, len(COLUMNS)), error per run;
    ``timing``: where and how long (not part of the results)."""

    indices: np.ndarray
    values: np.ndarray
    figures: np.ndarray
    errors: list[str]
    timing: ChunkTiming | None = field(default=None, compare=False)


def _run_inputs(job: MonteCarloJob, config: AttitudeConfig) -> tuple:
    """One run's per-run kernel inputs: initial state, inertia, thrusters, control, RS rows."""
    inertia, _, _, thr, ctrl, rs, _, _, _ = config.arrays()
    return initial_state(config, q_lvlh0=job.q0_lvlh), inertia, thr, ctrl, rs


def _figures(job: MonteCarloJob, per_run: list[tuple], none: bool = False) -> np.ndarray:
    """:func:`figures_batch` of the runs whose inputs (:func:`_run_inputs`) are ``per_run``
    (``none``: of none of them, the kernel only loaded)."""
    y0s, inertias, thrs, ctrls, rss = (np.stack(a) for a in zip(*per_run, strict=True))
    if none:
        y0s, inertias, thrs, ctrls, rss = y0s[:0], inertias[:0], thrs[:0], ctrls[:0], rss[:0]
    _, n_rate, gg, _, _, _, q_ref, tau, aero = job.config.arrays()
    return figures_batch(y0s, 0.0, job.config.dt_s, job.steps, job.out_every, inertias,
                         n_rate, gg, thrs, ctrls, rss, q_ref, tau, aero,
                         np.radians(job.dispersions.spec.settle_deg))  # fmt: skip


def load_kernels(job: MonteCarloJob) -> None:
    """Load the compiled kernels a chunk uses (numba's on-disk cache; compiled if absent) with
    the nominal run's inputs and a batch of no runs: what a fresh process pays once (~0.4 s,
    most of it numba's registries and its BLAS check importing scipy.linalg)."""
    _figures(job, [_run_inputs(job, job.config)], none=True)


def run_chunk(job: MonteCarloJob, indices: np.ndarray, threads: int | None = None) -> ChunkResult:
    """Figures of runs ``indices`` (a run whose inputs cannot be built, or whose states stop
    being numbers, is kept with its error and NaN figures). ``threads``: numba threads for
    the batched kernel (default: as set in this process)."""
    started_unix_s, cpu0 = time.time(), time.process_time()
    load_s = 0.0
    if not figures_batch.overloads:  # this process's first chunk: load the kernels apart
        load_kernels(job)
        load_s = time.time() - started_unix_s
    if threads is not None:
        import numba

        numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    indices = np.asarray(indices, np.int64)
    n = len(indices)
    k = len(job.dispersions.labels)
    values = np.full((n, k), np.nan)
    errors = [""] * n
    rows, per_run = [], []
    for r, index in enumerate(indices):
        try:
            values[r] = job.dispersions.draw(int(index))  # kept even if they cannot be applied
            per_run.append(_run_inputs(job, job.dispersions.apply(job.config, values[r])))
            rows.append(r)
        except (ValueError, ArithmeticError) as exc:
            errors[r] = f"{type(exc).__name__}: {exc}"
    figures = np.full((n, len(COLUMNS)), np.nan)
    if per_run:
        out = _figures(job, per_run)
        figures[rows] = out
        for r, row in zip(rows, out, strict=True):
            if not np.isfinite(row[[0, 2, 3, 5]]).all():
                errors[r] = "the states stopped being numbers (rates beyond the integrator's step)"
    timing = ChunkTiming(os.getpid(), started_unix_s, time.time(),
                         time.process_time() - cpu0, load_s)  # fmt: skip
    return ChunkResult(indices, values, figures, errors, timing)


def verdicts(figures: np.ndarray, errors: list[str], criteria: dict[str, float]) -> np.ndarray:
    """Pass (True) where every criterion holds; runs with an error fail."""
    ok = np.array([not e for e in errors], bool)
    for key, limit in criteria.items():
        col = figures[:, COLUMNS.index(key)]
        if key == "regained_s":
            ok &= np.isfinite(col) & (col <= limit)
        else:
            ok &= np.nan_to_num(col, nan=np.inf) <= limit
    return ok


assert set(CRITERIA) <= set(COLUMNS)
