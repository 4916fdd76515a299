"""Chunks of a helmet-camera video on Dask (a LocalCluster of the local cores, or the cluster at
``scheduler``), then joined into one MP4 per crew member and written as a product set.

Worker processes keep one camera per job (:func:`evasim.render.chunked._camera`), so the replay
and the textures load once per worker, not once per chunk. A worker that dies loses only its
chunk in progress: Dask reruns it; chunks already written stay, and a rerun of the same command
after an interruption renders only the missing ones.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

from .chunked import VideoJob, concat, missing_chunks, parts_folder, render_chunk, write_manifest

TASK_RETRIES = 2
WORKER_CONFIG: dict = {
    # Dask's nannies start workers with MALLOC_TRIM_THRESHOLD_=65536, which also fixes glibc's
    # mmap threshold at 128 KiB: every frame-sized array is then a fresh mmap, ~3,800 page
    # faults and ~10 ms of system CPU per 720p frame (measured: BENCHMARKS.md, session 21).
    # None: the variable is not set, and glibc keeps and reuses the frames' memory.
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
}
"""Dask settings for the LocalCluster's video workers, over
:data:`evasim.dask_tasks.QUIET_LOCAL_CLUSTER` (which already turns the workers' profiler off)."""


def render_parts(
    job: VideoJob,
    parts: Path,
    todo: list[tuple[str, int]],
    on_chunk: Callable[[dict], None],
    scheduler: str | None = None,
    workers: int = 2,
    local: bool = False,
) -> int:
    """Render the ``todo`` chunks into ``parts``; returns the workers used (0: this process)."""
    if local:
        cache: dict = {}
        for role, k in todo:
            on_chunk({**render_chunk(job, role, k, parts, None, cache), "role": role})
        return 0
    from ..dask_tasks import run_tasks

    return run_tasks(
        render_chunk,
        [(job, role, k, parts) for role, k in todo],
        lambda args, result: on_chunk({**result, "role": args[1]}),
        "a video chunk",
        TASK_RETRIES,
        scheduler,
        workers,
        local_config=WORKER_CONFIG,
    )


def render_video(
    job: VideoJob,
    out_dir: Path,
    on_chunk: Callable[[dict], None] | None = None,
    on_join: Callable[[str], None] | None = None,
    scheduler: str | None = None,
    workers: int = 2,
    local: bool = False,
) -> dict:
    """Render ``job`` into ``out_dir`` (``helmet_<role>.mp4`` per crew member and
    ``video.json``), resuming from chunks already in its parts folder. Returns the record."""
    import json

    from ..fileutil import missing_folders, unmake
    from ..productset import write_product_set

    parts = parts_folder(out_dir, job)
    fresh, made = not parts.exists(), missing_folders(parts)
    parts.mkdir(parents=True, exist_ok=True)
    write_manifest(parts, job)
    todo = missing_chunks(job, parts)
    reused = len(job.roles) * job.chunks - len(todo)
    done: list[dict] = []

    def chunk_done(result: dict) -> None:
        done.append(result)
        if on_chunk:
            on_chunk(result)

    started = time.perf_counter()
    try:
        used = render_parts(job, parts, todo, chunk_done, scheduler, workers, local) if todo else 0
    except BaseException:
        if fresh and not any(p.name != "job.json" for p in parts.iterdir()):
            shutil.rmtree(parts, ignore_errors=True)  # no chunk to resume from: leave nothing
            unmake(made)
        raise
    wall = time.perf_counter() - started
    busy = sum(r["seconds"] for r in done)
    frames = sum(r["frames"] for r in done)
    record = {
        "frames_per_camera": job.frames, "fps": job.fps, "size": [job.width, job.height],
        "roles": list(job.roles), "chunk_frames": job.chunk_frames, "chunks": job.chunks,
        "chunks_rendered": len(done), "chunks_reused": reused, "workers": used,
        "scheduler": scheduler or ("this process" if local else "LocalCluster"),
        "wall_s": wall, "frames_rendered": frames,
        "frames_per_s_per_worker": frames / busy if busy else None,
        "camera_setup_s": sum(r.get("setup_s", 0.0) for r in done),
        "frames_per_s_total": frames / wall if wall and frames else None,
        "start_utc": job.start_utc.isoformat(), "replay_s_per_frame": job.step_s,
    }  # fmt: skip

    def fill(folder: Path) -> None:
        for role in job.roles:
            if on_join:
                on_join(role)
            concat(job, role, parts, folder / f"helmet_{role.lower()}.mp4")
        (folder / "video.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")

    write_product_set(out_dir, fill, command="render-video")
    shutil.rmtree(parts, ignore_errors=True)
    return record
