"""Monte Carlo results: one row per run (inputs, figures, pass/fail, error), their statistics
(percentiles, probabilities of exceeding the criteria with Wilson intervals) and the inputs'
rank correlations with the outputs (Spearman: which dispersed inputs drive each figure)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pyarrow as pa

from ..attitude.batch import COLUMNS
from .runs import ChunkResult, verdicts

PERCENTILES = (1, 5, 50, 95, 99)
WILSON_Z = 1.959964  # two-sided 95 %


def chunk_table(
    chunk: ChunkResult, labels: tuple[str, ...], criteria: dict[str, float]
) -> pa.Table:
    """One chunk's rows."""
    cols: dict[str, pa.Array] = {"run": pa.array(chunk.indices, pa.int64())}
    for j, label in enumerate(labels):
        cols[f"in:{label}"] = pa.array(chunk.values[:, j], pa.float64())
    for j, name in enumerate(COLUMNS):
        cols[name] = pa.array(chunk.figures[:, j], pa.float64())
    cols["pass"] = pa.array(verdicts(chunk.figures, chunk.errors, criteria), pa.bool_())
    cols["error"] = pa.array(chunk.errors, pa.string())
    return pa.table(cols)


def wilson_interval(k: int, n: int, z: float = WILSON_Z) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion k/n (95 % by default)."""
    if n == 0:
        return (math.nan, math.nan)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class MonteCarloResults:
    """The runs of one Monte Carlo, sorted by run index."""

    table: pa.Table
    labels: tuple[str, ...]
    criteria: dict[str, float]
    seed: int
    scenario: str

    @classmethod
    def from_tables(cls, tables: list[pa.Table], **kw) -> MonteCarloResults:
        t = pa.concat_tables(tables) if tables else None
        t = t.sort_by("run")
        return cls(t, **kw)

    @property
    def runs(self) -> int:
        return self.table.num_rows

    def column(self, name: str) -> np.ndarray:
        return self.table.column(name).to_numpy(zero_copy_only=False)

    @cached_property
    def failed_runs(self) -> list[int]:
        err = self.table.column("error").to_pylist()
        return [int(r) for r, e in zip(self.column("run"), err, strict=True) if e]

    def percentiles(self) -> dict[str, dict[str, float]]:
        """Per figure: percentiles over the runs where it is a number, and how many are not."""
        out = {}
        for name in COLUMNS:
            x = self.column(name)
            finite = x[np.isfinite(x)]
            row = {f"p{p}": float(np.percentile(finite, p)) if finite.size else math.nan
                   for p in PERCENTILES}  # fmt: skip
            row["mean"] = float(finite.mean()) if finite.size else math.nan
            row["not_a_number"] = int(x.size - finite.size)
            out[name] = row
        return out

    def exceedance(self) -> dict[str, dict[str, float]]:
        """Per criterion: runs beyond the limit, their share and its 95 % Wilson interval."""
        out = {}
        n = self.runs
        for key, limit in self.criteria.items():
            x = self.column(key)
            beyond = ~np.isfinite(x) | (x > limit) if key == "regained_s" else np.nan_to_num(
                x, nan=np.inf) > limit  # fmt: skip
            k = int(beyond.sum())
            lo, hi = wilson_interval(k, n)
            out[key] = {"limit": limit, "runs_beyond": k, "probability": k / n if n else math.nan,
                        "ci95_low": lo, "ci95_high": hi}  # fmt: skip
        return out

    def sensitivity(self) -> dict[str, dict[str, float]]:
        """Spearman rank correlation of every dispersed input with every figure (runs where
        both are numbers; an input that did not vary gives NaN)."""
        from scipy.stats import spearmanr

        out: dict[str, dict[str, float]] = {}
        for label in self.labels:
            x = self.column(f"in:{label}")
            if label == "cmg_loss_s":  # no loss = later than any loss
                x = np.where(np.isfinite(x), x, np.nanmax(np.where(np.isfinite(x), x, np.nan),
                             initial=0.0) + 1.0)  # fmt: skip
            row = {}
            for name in COLUMNS:
                y = self.column(name)
                ok = np.isfinite(x) & np.isfinite(y)
                if ok.sum() < 3 or np.ptp(x[ok]) == 0 or np.ptp(y[ok]) == 0:
                    row[name] = math.nan
                else:
                    row[name] = float(spearmanr(x[ok], y[ok]).statistic)
            out[label] = row
        return out

    def summary(self) -> dict:
        passed = int(np.sum(self.column("pass")))
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "runs": self.runs,
            "passed": passed,
            "failed_with_error": self.failed_runs,
            "criteria": self.criteria,
            "percentiles": self.percentiles(),
            "exceedance": self.exceedance(),
            "spearman": self.sensitivity(),
        }

    def worst(self, count: int, by: str = "total_change_deg") -> list[int]:
        """The ``count`` runs with the largest ``by`` (NaN last)."""
        x = np.nan_to_num(self.column(by), nan=-np.inf)
        order = np.argsort(-x, kind="stable")[:count]
        return [int(self.column("run")[i]) for i in order]

    def _repr_html_(self) -> str:
        from html import escape

        p = self.percentiles()
        rows = "".join(
            f"<tr><td>{escape(n)}</td>"
            + "".join(f"<td>{p[n][f'p{q}']:.4g}</td>" for q in (5, 50, 95))
            + "</tr>"
            for n in ("peak_rate_deg_s", "total_change_deg", "regained_s", "propellant_kg")
        )
        return (
            f"<b>Monte Carlo of {escape(self.scenario)}</b>: {self.runs:,} runs, seed {self.seed}, "
            f"{int(np.sum(self.column('pass'))):,} pass<table><tr><th>figure</th><th>p5</th>"
            f"<th>p50</th><th>p95</th></tr>{rows}</table>"
        )
