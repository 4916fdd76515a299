"""The product set of ``evasim plan``: written together into a fresh folder swapped in whole
(:func:`evasim.productset.write_product_set`)."""

from __future__ import annotations

import json
from pathlib import Path

from ..productset import write_product_set
from . import outputs as o
from .run import PlanResult

PLAN_PRODUCTS = (
    "plan_timeline.csv",
    "plan_timeline.json",
    "plan_scenario.toml",
    "plan_openmct.json",
    "plan_report.html",
    "plan_gantt.png",
    "plan_suit.png",
)
"""Always written; ``plan_hatch.png`` too when the hatch was searched."""


def write_plan_products(r: PlanResult, out_dir: Path) -> dict[str, Path]:
    """Every product of a solved plan into ``out_dir`` (replaced as a whole)."""
    from ..report.plan_html import plan_figures, render_plan_report

    acts = o.activities(r)
    rows = o.timeline_rows(r, acts)
    summary = o.constraint_summary(r, acts)
    scenario = o.scenario_toml(r, acts)  # checked to load before anything is written
    figures = plan_figures(r, acts)

    def fill(tmp: Path) -> None:
        (tmp / "plan_timeline.csv").write_text(o.timeline_csv(rows), encoding="utf-8")
        data = o.plan_json(r, acts, rows, summary)
        (tmp / "plan_timeline.json").write_text(json.dumps(data, indent=2) + "\n", "utf-8")
        (tmp / "plan_scenario.toml").write_text(scenario, encoding="utf-8")
        mct = json.dumps(o.openmct_plan(r, acts), indent=1) + "\n"
        (tmp / "plan_openmct.json").write_text(mct, encoding="utf-8")
        html = render_plan_report(r, acts, rows, summary, figures)
        (tmp / "plan_report.html").write_text(html, encoding="utf-8")
        for name, data_png in figures.items():
            (tmp / f"plan_{name}.png").write_bytes(data_png)

    return write_product_set(out_dir, fill, plan=r.plan.name, command="evasim plan")
