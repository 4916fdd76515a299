"""``evasim plan PLAN``: schedule a spacewalk from a plan file (CP-SAT) and write its timeline,
a replayable scenario, an Open MCT plan and a report. See docs/plan.md."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from .cli import _guarded, _progress, _warn, app, console
from .errors import EvasimInputError


@app.command()
@_guarded
def plan(
    plan_file: Annotated[
        str, typer.Argument(help="a plan .toml file, or a built-in plan: vkd-49, teaching")
    ],
    out: Annotated[Path | None, typer.Option(help="output folder [default: out/NAME]")] = None,
    hatch: Annotated[
        str | None,
        typer.Option(help="auto (search the day) or HH:MM UTC [default: the plan's]"),
    ] = None,
    workers: Annotated[int, typer.Option(help="solver threads, 1..16")] = 2,
    allow_stale_elements: Annotated[
        bool, typer.Option(help="use an element set far from the date (warned)")
    ] = False,
) -> None:
    """Schedule the plan's tasks (daylight, comm windows, routes, suit limit, buddy rule) and
    write the timeline (CSV, JSON), a scenario for `evasim replay`, an Open MCT plan and a
    report."""
    from .plan.model import check_hatch, load_plan
    from .productset import check_out_dir

    if hatch is not None:
        check_hatch(hatch.strip(), "--hatch")
    if not 1 <= workers <= 16:
        raise EvasimInputError(f"--workers: expected 1..16, got {workers}")
    if out is not None:
        check_out_dir(out)
    the_plan = load_plan(plan_file)
    if hatch is not None:
        the_plan = the_plan.with_hatch(hatch.strip())
    out = out or Path("out") / the_plan.name
    check_out_dir(out)

    from .plan.products import write_plan_products
    from .plan.run import solve_plan

    started = time.perf_counter()
    with _progress() as progress:
        bar = progress.add_task("windows", total=None)

        def stage(what: str, done: int, total: int) -> None:
            progress.update(bar, description=what, completed=done, total=total)

        result = solve_plan(
            the_plan, allow_stale=allow_stale_elements, workers=workers, on_stage=stage
        )
        progress.update(bar, description="writing products", completed=0, total=None)
        written = write_plan_products(result, out)
    print_plan(result, written, time.perf_counter() - started)


def print_plan(r, written: dict[str, Path], seconds: float) -> None:
    p, sol = r.plan, r.solution
    eva_min = (r.hatch_close_utc - r.hatch_utc).total_seconds() / 60.0
    table = Table(title=escape(p.title), show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    off = r.sunrise_offset_min()
    rise = ""
    if off is not None:
        rise = f"; {abs(off):.0f} min {'after' if off >= 0 else 'before'} an orbital sunrise"
    table.add_row("Hatch open", f"{r.hatch_utc:%Y-%m-%d %H:%M} UTC ({r.hatch_mode}{rise})")
    table.add_row(
        "Hatch close",
        f"{r.hatch_close_utc:%H:%M} UTC: {int(eva_min) // 60} h {int(eva_min) % 60:02d} min, "
        f"{p.suit_limit_min - eva_min:.0f} min left to the planned limit",
    )
    optional = [t for t in p.tasks if t.optional]
    done = {p.tasks[x.task].name for x in sol.placements}
    table.add_row(
        "Get-ahead tasks",
        f"{sum(t.name in done for t in optional)} of {len(optional)} done (value {sol.value})",
    )
    table.add_row("Solver", f"{sol.status.lower()} in {sol.wall_s:.2f} s (CP-SAT)")
    console.print(table)
    for t in optional:
        if t.name not in done:
            _warn(f"get-ahead task left for a later spacewalk: {t.name}")
    folder = next(iter(written.values())).parent
    console.print(
        f"Outputs in [bold]{escape(str(folder))}/[/]: " + ", ".join(sorted(written)),
        highlight=False,
    )
    console.print(f"Replay it: evasim replay {escape(str(folder / 'plan_scenario.toml'))}")
    console.print(f"Done in {seconds:.1f} s.")
