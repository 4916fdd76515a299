"""The Monte Carlo report: ``report.html``, self-contained (figures inline): distributions and
percentiles of each figure, the probability of exceeding each criterion with its 95 % Wilson
interval, and the rank correlation of every dispersed input with every figure."""

from __future__ import annotations

import base64
import io
import math
from html import escape

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from .. import __version__
from ..attitude.batch import COLUMNS
from .html import _CSS, _table

SHOWN = ("total_change_deg", "peak_rate_deg_s", "regained_s", "max_excursion_deg",
         "cmg_saturated_s", "propellant_kg")  # fmt: skip


def _fmt(x: float) -> str:
    return "-" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{x:.4g}"


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _histograms(results) -> str:
    fig, axes = plt.subplots(2, 3, figsize=(12, 6.2))
    for ax, name in zip(axes.flat, SHOWN, strict=True):
        x = results.column(name)
        finite = x[np.isfinite(x)]
        if finite.size:
            lo, hi = float(finite.min()), float(finite.max())
            spread = hi - lo > 1e-9 * max(abs(lo), abs(hi), 1.0)  # else numpy has no bin width
            bins = min(60, max(5, int(np.sqrt(finite.size)))) if spread else 1
            ax.hist(finite, bins=bins, color="#2b6cb0")
        limit = results.criteria.get(name)
        if limit is not None:
            ax.axvline(limit, color="#c53030", lw=1.5, label=f"limit {limit:g}")
            ax.legend(fontsize=8)
        nan = x.size - finite.size
        ax.set_title(name + (f" ({nan} never)" if nan else ""), fontsize=10)
        ax.set_ylabel("runs")
    fig.suptitle(f"{results.runs:,} runs of {results.scenario} (seed {results.seed})")
    fig.tight_layout()
    return _png(fig)


def _scatter(results, sens: dict) -> str | None:
    """The input with the strongest rank correlation against the total change, run by run."""
    best, rho = None, 0.0
    for label, row in sens.items():
        r = row.get("total_change_deg", math.nan)
        if math.isfinite(r) and abs(r) > abs(rho):
            best, rho = label, r
    if best is None:
        return None
    x, y = results.column(f"in:{best}"), results.column("total_change_deg")
    fig, ax = plt.subplots(figsize=(6.5, 4))
    ax.scatter(x, y, s=4, alpha=0.4, color="#2b6cb0")
    ax.set_xlabel(best)
    ax.set_ylabel("total_change_deg")
    ax.set_title(f"Strongest driver of the total change: Spearman rho = {rho:+.2f}", fontsize=10)
    return _png(fig)


def montecarlo_html(results, summary: dict) -> str:
    pct = summary["percentiles"]
    rows = [[n, *[_fmt(pct[n][f"p{p}"]) for p in (1, 5, 50, 95, 99)], _fmt(pct[n]["mean"]),
             str(pct[n]["not_a_number"])] for n in COLUMNS]  # fmt: skip
    ex = summary["exceedance"]
    ex_rows = [[k, f"{v['limit']:g}", f"{v['runs_beyond']:,}", f"{v['probability']:.4f}",
                f"{v['ci95_low']:.4f} - {v['ci95_high']:.4f}"] for k, v in ex.items()]  # fmt: skip
    sens = summary["spearman"]
    sens_rows = [[label, *[_fmt(sens[label][n]) for n in SHOWN]] for label in sens]
    scatter = _scatter(results, sens)
    failed = summary["failed_with_error"]
    inputs = ", ".join(escape(x) for x in results.labels)
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>Monte Carlo: {escape(results.scenario)}</title><style>{_CSS}</style></head><body>
<header><h1>Monte Carlo of {escape(results.scenario)}</h1>
<p>{results.runs:,} dispersed runs of the attitude model (seed {results.seed}; run i is reproducible
alone from (seed, i)); dispersed: {inputs}. evasim {escape(__version__)}.</p></header><main>
<section><h2>Outcome</h2><div class="cards">
<div class="card"><b>{summary["passed"]:,}</b><span>runs pass every criterion</span></div>
<div class="card"><b>{len(failed):,}</b><span>runs failed with an error</span></div>
</div></section>
<section><h2>Probability of exceeding each criterion</h2>
{
        _table(["figure", "limit", "runs beyond", "probability", "95 % interval (Wilson)"], ex_rows)
        if ex_rows
        else "<p>No criteria in the dispersion file.</p>"
    }
</section>
<section><h2>Distributions</h2><img alt="histograms" src="{_histograms(results)}">
{_table(["figure", "p1", "p5", "p50", "p95", "p99", "mean", "not a number"], rows)}
<p>"not a number": regained_s where control was not regained within the span, handover_s
where the CMGs were never taken out.</p></section>
<section><h2>Sensitivity: Spearman rank correlation of inputs with figures</h2>
{_table(["input", *SHOWN], sens_rows)}
{f'<img alt="scatter" src="{scatter}">' if scatter else ""}
<p>Rank correlation over the runs (both values numbers); a cmg_loss input counts "no loss" as
later than every loss. |rho| near 1: the input drives the figure; near 0: no monotone effect.</p>
</section></main></body></html>
"""
