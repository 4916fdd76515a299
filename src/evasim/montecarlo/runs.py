"""Dispersed runs of a scenario's attitude model: one chunk of run indices at a time, through
the batched numba kernel (:mod:`evasim.attitude.batch`). A chunk is what one Dask task does.

A run's inputs come only from (seed, index) (:meth:`Dispersions.draw`), so a chunk gives the
same numbers in this process, in a LocalCluster worker or on a remote cluster.
"""

from __future__ import annotations

from dataclasses import dataclass

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
class ChunkResult:
    """Runs ``indices``: dispersed values (n, k), figures (n, len(COLUMNS)), error per run."""

    indices: np.ndarray
    values: np.ndarray
    figures: np.ndarray
    errors: list[str]


def run_chunk(job: MonteCarloJob, indices: np.ndarray, threads: int | None = None) -> ChunkResult:
    """Figures of runs ``indices`` (a run whose inputs cannot be built, or whose states stop
    being numbers, is kept with its error and NaN figures)."""
    if threads is not None:
        import numba

        numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    indices = np.asarray(indices, np.int64)
    n = len(indices)
    k = len(job.dispersions.labels)
    values = np.full((n, k), np.nan)
    errors = [""] * n
    packed = []
    for r, index in enumerate(indices):
        try:
            values[r] = job.dispersions.draw(int(index))  # kept even if they cannot be applied
            config = job.dispersions.apply(job.config, values[r])
            inertia, _, _, thr, ctrl, rs, _, _, _ = config.arrays()
            y0 = initial_state(config, q_lvlh0=job.q0_lvlh)
            packed.append((r, y0, inertia, thr, ctrl, rs))
        except (ValueError, ArithmeticError) as exc:
            errors[r] = f"{type(exc).__name__}: {exc}"
    figures = np.full((n, len(COLUMNS)), np.nan)
    if packed:
        rows = [p[0] for p in packed]
        inertia, n_rate, gg, _, _, _, q_ref, tau, aero = job.config.arrays()
        out = figures_batch(
            np.stack([p[1] for p in packed]),
            0.0,
            job.config.dt_s,
            job.steps,
            job.out_every,
            np.stack([p[2] for p in packed]),
            n_rate,
            gg,
            np.stack([p[3] for p in packed]),
            np.stack([p[4] for p in packed]),
            np.stack([p[5] for p in packed]),
            q_ref,
            tau,
            aero,
            np.radians(job.dispersions.spec.settle_deg),
        )
        figures[rows] = out
        for r, row in zip(rows, out, strict=True):
            if not np.isfinite(row[[0, 2, 3, 5]]).all():
                errors[r] = "the states stopped being numbers (rates beyond the integrator's step)"
    return ChunkResult(indices, values, figures, errors)


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
