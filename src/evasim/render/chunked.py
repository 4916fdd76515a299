"""A long helmet-camera video rendered in chunks (one Dask task each), joined without
re-encoding.

A whole spacewalk at 30 fps is ~850,000 frames per camera: hours on two cores. The video's
frame times are cut into chunks of :attr:`VideoJob.chunk_frames`; each chunk is rendered and
encoded to its own H.264 MP4 by a worker (a fresh encoder: every chunk starts on a keyframe),
and ffmpeg's concat demuxer joins the chunks with ``-c copy`` (no re-encoding), after which the
frame count and duration are checked.

Chunks are written atomically into a parts folder named by the job's hash, beside the output;
a present chunk is complete, so an interrupted job resumes from the chunks already done (each
is verified by its frame count before it is reused).

Exposure: a chunk starts from the camera's auto-exposure settled :data:`WARMUP_S` seconds
before its first frame and adapted through those seconds (:data:`WARMUP_FRAMES` frames
rendered, not encoded), so the
exposure at a chunk's first frame is within exp(-3) of a sequential render's (the camera's time
constant is 1 s): visible only if a chunk boundary falls in the seconds after a sunrise or a
sunset.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from ..errors import EvasimRuntimeError

WARMUP_S = 3.0
"""Seconds of frames rendered (not encoded) before each chunk to adapt its exposure."""
WARMUP_FRAMES = 6
"""Frames over those seconds (the exposure relaxes exactly over any spacing: the cost per
chunk is these few frames, whatever the frame rate)."""
DEFAULT_CHUNK_FRAMES = 300
ENCODER_THREADS = 1
"""x264 threads per chunk's encoder. x264's output depends on its thread count, and its own
choice is 1.5 per core (3 on two cores), so a fixed number makes a chunk the same bytes on any
worker, whatever its cores. One: a worker per core runs its encoder beside it anyway (measured
on two cores with two workers: no speed difference against x264's own choice, BENCHMARKS.md)."""
MAX_FRAMES = 1_000_000
"""Frames per camera (a whole 7 h 54 min spacewalk at 30 fps is 853,200)."""


@dataclass(frozen=True)
class VideoJob:
    """What every worker needs to render any chunk: the scenario, the frame times, the camera."""

    scenario: object  # evasim.scenario.Scenario (pickled to the workers)
    roles: tuple[str, ...]
    start_utc: datetime
    step_s: float  # replay seconds between frames
    frames: int
    fps: float
    width: int
    height: int
    look: str
    chunk_frames: int = DEFAULT_CHUNK_FRAMES
    encoder_threads: int | None = ENCODER_THREADS
    lens: str = "rectilinear"  # the projection (:func:`.lens.video_lens`)

    @property
    def chunks(self) -> int:
        return -(-self.frames // self.chunk_frames)

    def chunk_range(self, k: int) -> tuple[int, int]:
        a = k * self.chunk_frames
        return a, min(self.frames, a + self.chunk_frames)

    def time(self, i: float) -> datetime:
        return self.start_utc + timedelta(seconds=i * self.step_s)

    @property
    def key(self) -> str:
        """Hash of everything that sets the pixels: a parts folder is reused only by the same
        job."""
        from .. import __version__

        sc = self.scenario
        text = getattr(sc, "_text", None) or sc.model_dump_json()
        h = hashlib.sha256()
        for part in (__version__, text, self.roles, self.start_utc.isoformat(), self.step_s,
                     self.frames, self.fps, self.width, self.height, self.look,
                     self.chunk_frames, self.encoder_threads, self.lens):  # fmt: skip
            h.update(repr(part).encode())
        return h.hexdigest()[:16]

    def part_name(self, role: str, k: int) -> str:
        return f"{role.lower()}-{k:06d}.mp4"


@dataclass
class _Renderer:
    """A camera built once per worker process for one job (the replay and the textures load
    once, then every chunk reuses them)."""

    key: str
    camera: object


def _camera(job: VideoJob, cache: dict) -> tuple[object, bool]:
    """This process's camera for ``job`` and whether it was made just now."""
    hit = cache.get("camera")
    if hit is not None and hit.key == job.key:
        return hit.camera, False
    from ..replay import run_replay
    from ..sky import Sky
    from .frame import HelmetCamera
    from .lens import video_lens

    replay = run_replay(job.scenario, Sky.load())
    camera = HelmetCamera(replay, job.width, job.height, video_lens(job.lens), look=job.look)
    cache["camera"] = _Renderer(job.key, camera)
    return camera, True


def _worker_cache() -> dict:
    """This worker's cache (a dict on the Dask worker object; a fresh one outside Dask)."""
    try:
        from dask.distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return {}
    cache = getattr(worker, "_evasim_video_cache", None)
    if cache is None:
        cache = {}
        worker._evasim_video_cache = cache
    return cache


def render_chunk(
    job: VideoJob,
    role: str,
    k: int,
    parts: Path,
    threads: int | None = 1,
    cache: dict | None = None,
) -> dict:
    """Render and encode chunk ``k`` of crew member ``role`` into ``parts``; returns its file
    name, frame count, render and encode time ("seconds", the exposure warm-up frames included)
    and "setup_s": the time to make this process's camera for the job (the replay, textures,
    star catalogue and the kernels' first load, with one untimed frame), 0 when it was kept from
    an earlier chunk. CPU seconds: "setup_cpu_s" and "render_cpu_s" (this thread),
    "process_cpu_s" (all of this process's threads while rendering: on a Dask worker also its
    event loop), "encoder_cpu_s" (the ffmpeg encoder, a child process); "render_page_faults"
    (this thread's minor page faults: fresh memory mapped in). ``cache``: where the
    camera is kept between chunks (the Dask worker's own by default)."""
    import time

    from .video import write_mp4

    if threads is not None:
        import numba

        numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    setup, setup_cpu = time.perf_counter(), time.thread_time()
    camera, fresh = _camera(job, _worker_cache() if cache is None else cache)
    a, b = job.chunk_range(k)
    if fresh:  # load what a camera loads at its first frame (textures, stars, kernels) here
        camera.frame(role, job.time(a))
    setup_s, setup_cpu_s = time.perf_counter() - setup, time.thread_time() - setup_cpu
    started = time.perf_counter()
    cpu0, thread0, child0 = time.process_time(), time.thread_time(), _children_cpu_s()
    faults0 = _thread_page_faults()
    state = None
    if a > 0:  # adapt the exposure through the seconds before the chunk
        first = job.time(a)
        earliest = job.scenario.span.start_utc
        warm = [first - timedelta(seconds=WARMUP_S * (1 - j / WARMUP_FRAMES))
                for j in range(WARMUP_FRAMES)]  # fmt: skip
        for f in camera.frames(role, [w for w in warm if w >= earliest]):
            state = f.exposure_state
    times = [job.time(i) for i in range(a, b)]
    path = parts / job.part_name(role, k)
    frames = (f.image for f in camera.frames(role, times, exposure_state=state))
    write_mp4(frames, path, job.fps, job.width, job.height, b_frames=False,
              threads=job.encoder_threads)  # fmt: skip
    return {"name": path.name, "frames": b - a, "seconds": time.perf_counter() - started,
            "setup_s": setup_s, "setup_cpu_s": setup_cpu_s,
            "render_cpu_s": time.thread_time() - thread0,
            "process_cpu_s": time.process_time() - cpu0,
            "encoder_cpu_s": _children_cpu_s() - child0,
            "render_page_faults": _thread_page_faults() - faults0}  # fmt: skip


def _thread_page_faults() -> int:
    """Minor page faults of this thread so far (fresh memory being mapped in)."""
    import resource

    return resource.getrusage(getattr(resource, "RUSAGE_THREAD", resource.RUSAGE_SELF)).ru_minflt


def _children_cpu_s() -> float:
    """CPU seconds (user + system) of this process's finished children: the chunk's ffmpeg
    encoder once it has been waited for."""
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def count_frames(path: Path) -> int:
    """Frames in an MP4 (decoded by ffmpeg; 0 if it cannot be read)."""
    import imageio_ffmpeg

    try:
        return int(imageio_ffmpeg.count_frames_and_secs(str(path))[0])
    except (RuntimeError, OSError, ValueError, IndexError):
        return 0


def missing_chunks(job: VideoJob, parts: Path) -> list[tuple[str, int]]:
    """(role, chunk) pairs not yet in ``parts`` as complete files (a file with the wrong
    frame count is removed and redone)."""
    todo = []
    for role in job.roles:
        for k in range(job.chunks):
            path = parts / job.part_name(role, k)
            if path.exists():
                a, b = job.chunk_range(k)
                if count_frames(path) == b - a:
                    continue
                path.unlink()
            todo.append((role, k))
    return todo


def concat(job: VideoJob, role: str, parts: Path, out: Path) -> Path:
    """Join ``role``'s chunks into ``out`` without re-encoding, then check its frame count and
    duration against the job's."""
    import imageio_ffmpeg

    exe = imageio_ffmpeg.get_ffmpeg_exe()
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, dir=parts) as listing:
        for k in range(job.chunks):
            name = (parts / job.part_name(role, k)).resolve()
            listing.write(f"file '{name}'\n")
    try:
        cmd = [exe, "-y", "-nostdin", "-v", "error", "-f", "concat", "-safe", "0",
               "-i", listing.name, "-c", "copy", "-movflags", "+faststart", str(out)]  # fmt: skip
        done = subprocess.run(cmd, capture_output=True, text=True)
    finally:
        Path(listing.name).unlink(missing_ok=True)
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise EvasimRuntimeError(f"ffmpeg failed joining {out.name}: {why}")
    frames, secs = imageio_ffmpeg.count_frames_and_secs(str(out))
    if frames != job.frames or abs(secs - job.frames / job.fps) > 1.5 / job.fps:
        raise EvasimRuntimeError(
            f"{out.name}: {frames} frames over {secs:.3f} s after joining; expected "
            f"{job.frames} frames over {job.frames / job.fps:.3f} s"
        )
    return out


def parts_folder(out_dir: Path, job: VideoJob) -> Path:
    """The job's parts folder, beside the output folder (kept until the video is complete)."""
    out_dir = Path(out_dir).absolute()
    return out_dir.parent / f".{out_dir.name}.video-parts-{job.key}"


def write_manifest(parts: Path, job: VideoJob) -> None:
    record = {"key": job.key, "roles": list(job.roles), "frames": job.frames, "fps": job.fps,
              "chunk_frames": job.chunk_frames, "chunks": job.chunks,
              "start_utc": job.start_utc.isoformat()}  # fmt: skip
    (parts / "job.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def frame_times_s(job: VideoJob) -> np.ndarray:
    """Replay seconds of every frame from the video's start."""
    return np.arange(job.frames) * job.step_s
