"""``evasim render-video``: a helmet-camera video in chunks on Dask, joined without
re-encoding; resumes an interrupted job."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from .cli import (
    _check_look,
    _element_sets_checked,
    _guarded,
    _progress,
    _role_in,
    _video_plan,
    _writable_folder,
    app,
    console,
)
from .errors import EvasimInputError

MAX_CHUNK_FRAMES = 10_000


@app.command("render-video")
@_guarded
def render_video(
    scenario: Annotated[str, typer.Argument(help="a spacewalk scenario (built-in or .toml)")],
    crew: Annotated[str, typer.Option(help="EV1/EV2, part of a name, or all")] = "all",
    span: Annotated[
        str | None, typer.Option(help="HH:MM-HH:MM, or eva (hatch open to close)")
    ] = None,
    fps: Annotated[float, typer.Option(help="video frames per second, 0.1..120")] = 30.0,
    speed: Annotated[float, typer.Option(help="replay seconds per video second")] = 1.0,
    size: Annotated[str, typer.Option(help="WIDTHxHEIGHT")] = "1280x720",
    look: Annotated[
        str, typer.Option(help="auto (from the timeline), worksite, limb, nadir, partner, free:Y,P")
    ] = "auto",
    lens: Annotated[
        str,
        typer.Option(
            help="rectilinear or equidistant (120 deg), or action (the flown GoPro-class lens)"
        ),
    ] = "rectilinear",
    chunk_frames: Annotated[int, typer.Option(help="frames per chunk (one task each)")] = 300,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address [default: a LocalCluster]")
    ] = None,
    workers: Annotated[int | None, typer.Option(help="LocalCluster workers, 1..64")] = None,
    out: Annotated[Path, typer.Option(help="output folder")] = Path("out/video"),
    allow_stale_elements: Annotated[bool, typer.Option(help="allow old element sets")] = False,
) -> None:
    """Render helmet-camera video across Dask workers: helmet_<role>.mp4 and video.json."""
    from .cli_montecarlo import check_scheduler
    from .cli_survey import check_workers
    from .productset import check_out_dir
    from .render.chunked import MAX_FRAMES, VideoJob
    from .render.distribute import render_video as run
    from .scenario import load_scenario

    address = check_scheduler(scheduler)
    n_workers = check_workers(workers)
    if address is not None and workers is not None:
        raise EvasimInputError("--workers: only for the LocalCluster; not with --scheduler")
    if not 1 <= chunk_frames <= MAX_CHUNK_FRAMES:
        raise EvasimInputError(
            f"--chunk-frames: expected 1..{MAX_CHUNK_FRAMES:,} (the limit), got {chunk_frames}"
        )
    _check_look(look)
    from .render.lens import video_lens

    video_lens(lens, "--lens")
    out_dir = _writable_folder(out, "--out")
    check_out_dir(out_dir)
    sc = load_scenario(scenario)
    if sc.kind != "eva":
        raise EvasimInputError("expected a spacewalk scenario (kind = 'eva')", source=scenario)
    roles = [m.role for m in sc.crew if m.role.startswith("EV")] if crew == "all" else [
        _role_in(sc, crew)]  # fmt: skip
    plan = _video_plan(sc, span, fps, speed, size, max_frames=MAX_FRAMES, prefix="--")
    sc = _element_sets_checked(sc, allow_stale_elements)
    job = VideoJob(sc, tuple(roles), plan.times[0], speed / fps, len(plan.times), fps,
                   plan.width, plan.height, look, chunk_frames, lens=lens)  # fmt: skip
    total = job.chunks * len(roles)
    with _progress() as progress:
        task = progress.add_task("chunks", total=total)

        def on_chunk(result: dict) -> None:
            progress.advance(task)

        def on_join(role: str) -> None:
            progress.update(task, description=f"joining {role}")

        record = run(job, out_dir, on_chunk, on_join, scheduler=address, workers=n_workers)
    reused = record["chunks_reused"]
    console.print(
        f"{job.frames:,} frames per camera ({len(roles)} camera(s), {total} chunks"
        + (f", {reused} reused from an interrupted run" if reused else "")
        + f") in {record['wall_s']:.1f} s on {record['workers']} worker(s)",
        highlight=False,
    )
    names = ", ".join(f"helmet_{r.lower()}.mp4" for r in roles)
    console.print(f"Outputs in [bold]{escape(str(out_dir))}/[/]: {names}, video.json",
                  highlight=False)  # fmt: skip
