"""H.264 MP4 from rendered frames, streamed to ffmpeg (imageio-ffmpeg's bundled binary)."""

from __future__ import annotations

import queue
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from ..errors import EvasimRuntimeError
from ..fileutil import replacing
from .encoding import h264_output, raw_rgb_input
from .yuv import yuv420p as _yuv420p


def _checked(frame: np.ndarray, width: int, height: int) -> np.ndarray:
    """The frame as (height, width, 3) uint8, or EvasimRuntimeError (a renderer's fault)."""
    frame = np.asarray(frame)
    if frame.shape != (height, width, 3):
        raise EvasimRuntimeError(f"video frame {frame.shape}: expected ({height}, {width}, 3)")
    return frame


class _Feeder:
    """Converts frames to yuv420p (:mod:`.yuv`, on its own thread, without the GIL) and writes
    them to ffmpeg's stdin from a thread of its own, so that the renderer goes on with the next
    frame meanwhile (a 720p yuv420p frame is 1.4 MB; the pipe holds 64 kB): the conversion and
    the wait for the encoder fill the cores' idle moments of the renderer's serial steps
    (BENCHMARKS.md, session 24). One frame waits at most; :meth:`put` blocks behind it. The
    frames put must not change afterwards (the renderer's are new arrays each time)."""

    def __init__(self, stdin, rgb: bool):
        self.stdin, self.rgb = stdin, rgb
        self.broken = False  # ffmpeg closed its end (it failed): the caller stops
        self.queue: queue.Queue = queue.Queue(maxsize=1)
        self.thread = threading.Thread(target=self._run, name="ffmpeg-feeder", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        planes = None  # the yuv420p buffer, reused frame after frame
        while (frame := self.queue.get()) is not None:
            if self.broken:
                continue  # drain to the end marker
            if self.rgb:
                data = np.ascontiguousarray(frame, dtype=np.uint8).data
            else:
                planes = _yuv420p(frame, planes, parallel=False)
                data = planes.data
            try:
                self.stdin.write(data)
            except (BrokenPipeError, ValueError):
                self.broken = True

    def put(self, frame: np.ndarray) -> None:
        if self.broken:
            raise BrokenPipeError
        self.queue.put(frame)

    def close(self) -> None:
        """Write what is queued, then end the thread."""
        self.queue.put(None)
        self.thread.join()
        if self.broken:
            raise BrokenPipeError


def ffmpeg_command(
    exe: str,
    path: Path,
    fps: float,
    width: int,
    height: int,
    crf: int,
    b_frames: bool = True,
    threads: int | None = None,
    pix_fmt: str = "rgb24",
) -> list:
    """ffmpeg reading raw RGB (``pix_fmt`` rgb24) or YUV 4:2:0 (yuv420p, :mod:`.yuv`) frames on
    stdin and writing H.264 (yuv420p: even sides) MP4 (``threads``: the encoder's, None for
    x264's own choice)."""
    return [
        exe,
        "-y",
        "-nostdin",
        "-v",
        "error",
        *raw_rgb_input(width, height, fps, pix_fmt),
        *h264_output(width, height, crf=crf, b_frames=b_frames, threads=threads),
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
        str(path),
    ]


def write_mp4(
    frames: Iterable[np.ndarray],
    path: Path,
    fps: float,
    width: int,
    height: int,
    on_frame: Callable[[], None] | None = None,
    crf: int = 20,
    b_frames: bool = True,
    threads: int | None = None,
) -> Path:
    """Encode ``frames`` (H, W, 3 uint8) to ``path`` atomically (temp file, then rename);
    ``threads``: the encoder's threads (None: x264's own choice from the cores).

    Frames with even sides are converted to yuv420p here (:mod:`.yuv`: half the bytes through
    the pipe, no conversion in ffmpeg), on a thread of their own while the next frame is made;
    odd sides go as RGB, scaled by ffmpeg. A frame must not change once the iterator has
    given it (it may be read after the next one is asked for).
    ffmpeg failing (missing, crashing, disk full) raises EvasimRuntimeError with its last
    error line, and nothing is left at ``path``."""
    import imageio_ffmpeg

    path = Path(path)
    try:
        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as exc:
        raise EvasimRuntimeError(f"ffmpeg: {exc}") from None
    odd = width % 2 or height % 2
    with replacing(path) as tmp, tempfile.TemporaryFile() as log:
        try:
            proc = subprocess.Popen(
                ffmpeg_command(
                    exe,
                    tmp,
                    fps,
                    width,
                    height,
                    crf,
                    b_frames,
                    threads,
                    "rgb24" if odd else "yuv420p",
                ),
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        except OSError as exc:
            raise EvasimRuntimeError(f"ffmpeg ({exe}): {exc.strerror}") from None
        feeder = _Feeder(proc.stdin, rgb=bool(odd))
        try:
            for frame in frames:
                feeder.put(_checked(frame, width, height))
                if on_frame:
                    on_frame()
            feeder.close()
            proc.stdin.close()
            code = proc.wait()
        except BrokenPipeError:
            code = proc.wait()
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            if feeder.thread.is_alive():  # the frames failed: the killed ffmpeg ends the writes
                feeder.queue.put(None)
                feeder.thread.join()
            if proc.stdin and not proc.stdin.closed:
                try:
                    proc.stdin.close()
                except BrokenPipeError:
                    pass
        if code != 0:
            log.seek(0)
            lines = log.read().decode("utf-8", "replace").strip().splitlines()
            why = lines[-1] if lines else "no message"
            raise EvasimRuntimeError(f"ffmpeg failed (exit {code}) writing {path.name}: {why}")
    return path
