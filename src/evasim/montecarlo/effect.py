"""The load-time check that every dispersion reaches the model (a known failure of Monte Carlo
frameworks: a dispersion silently not applied). Each dispersed parameter is set, alone, to the
draw farthest from its nominal value among the first runs (of those inside the parameter's
bounds); a run with it must differ from the nominal run in at least one figure, else the file is
refused."""

from __future__ import annotations

import numpy as np

from ..errors import EvasimInputError
from .dispersions import check_value
from .runs import MonteCarloJob, run_chunk

PROBE_RUNS = 32
"""Draws looked at to find each parameter's probe value (the farthest from nominal)."""


def probe_values(job: MonteCarloJob) -> np.ndarray:
    """Per dispersion, the value among the first :data:`PROBE_RUNS` draws farthest from the
    nominal one (a CMG loss: the earliest loss drawn)."""
    draws = np.array([job.dispersions.draw(i) for i in range(PROBE_RUNS)])
    out = []
    for j, nominal in enumerate(job.dispersions.nominal):
        col = draws[:, j]
        if not np.isfinite(nominal):  # cmg_loss: a finite time means "lost"
            finite = col[np.isfinite(col)]
            out.append(float(finite.min()) if finite.size else np.inf)
        else:
            path = job.dispersions.labels[j]
            inside = np.array([_inside(path, v) for v in col])
            if not inside.any():
                raise EvasimInputError(
                    f"dispersion[{j}]: {path}: none of the first {PROBE_RUNS} draws is inside "
                    f"the bounds a scenario gives it (e.g. {col[0]:g}); expected a distribution "
                    "that draws valid values",
                    source=job.dispersions.source,
                    line=(job.dispersions.lines or [None] * (j + 1))[j],
                )
            ok = col[inside]
            out.append(float(ok[np.argmax(np.abs(ok - nominal))]))
    return np.array(out)


def _inside(path: str, value: float) -> bool:
    try:
        check_value(path, float(value))
    except ValueError:
        return False
    return True


def check_every_dispersion_changes_the_run(job: MonteCarloJob) -> None:
    """Raise an input error naming the first dispersion that leaves the run unchanged."""
    disp = job.dispersions
    probes = probe_values(job)
    nominal = np.array(disp.nominal)
    configs = [job.config]
    for j in range(len(probes)):
        values = nominal.copy()
        values[j] = probes[j]
        configs.append(disp.apply(job.config, values))
    figures = _figures_of(job, configs)
    for j, label in enumerate(disp.labels):
        same = np.array_equal(figures[0], figures[j + 1], equal_nan=True)
        if same:
            where = f"{label} = {probes[j]:g}" if np.isfinite(probes[j]) else label
            raise EvasimInputError(
                f"dispersion[{j}]: {where} (the farthest of {PROBE_RUNS} draws from the nominal "
                f"{nominal[j]:g}) leaves the run unchanged; expected a parameter that matters "
                "over this span (not propellant beyond what the span burns, nor a start after "
                "the end)",
                source=disp.source,
                line=disp.lines[j] if disp.lines else None,
            )


def _figures_of(job: MonteCarloJob, configs) -> np.ndarray:
    from dataclasses import replace

    out = []
    for config in configs:
        single = replace(job, dispersions=_Fixed(job.dispersions, config))
        out.append(run_chunk(single, np.array([0])).figures[0])
    return np.array(out)


class _Fixed:
    """A stand-in for :class:`Dispersions` that gives one fixed configuration."""

    def __init__(self, base, config):
        self.spec, self.labels, self._config = base.spec, (), config

    def draw(self, index):
        return np.zeros(0)

    def apply(self, config, values):
        return self._config
