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


class _Feeder:
    """Writes frames to ffmpeg's stdin from a thread, FEED_AHEAD frames behind the caller: the
    write of one frame (2.7 MB at 720p, which ffmpeg drains 64 kB at a time while it encodes)
    then overlaps the rendering of the next instead of holding it up. The pipe breaking
    (ffmpeg gone) is noted, not raised: the caller then reads ffmpeg's exit code and message."""

    def __init__(self, stream):
        self.stream = stream
        self.queue: queue.Queue = queue.Queue(maxsize=FEED_AHEAD)
        self.broken = False
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="ffmpeg-feed", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (data := self.queue.get()) is not None:
            if self.broken or self.error:
                continue  # drain: the caller is told by put() and stops
            try:
                self.stream.write(data)
            except BrokenPipeError:
                self.broken = True
            except BaseException as exc:  # handed to the caller by finish()
                self.error = exc

    def put(self, data: bytes) -> bool:
        """Queue one frame's bytes; False once ffmpeg has stopped reading."""
        if self.broken or self.error:
            return False
        self.queue.put(data)
        return True

    def finish(self, raise_error: bool = True) -> None:
        """Wait until every queued frame is written (or dropped, the pipe broken); re-raise a
        write's error (not a broken pipe) unless ``raise_error`` is False."""
        self.queue.put(None)
        self.thread.join()
        if raise_error and self.error is not None:
            raise self.error


FEED_AHEAD = 2  # frames queued for the writer thread at most


def ffmpeg_command(
    exe: str, path: Path, fps: float, width: int, height: int, crf: int, b_frames: bool = True
) -> list:
    """ffmpeg reading raw RGB frames on stdin and writing H.264 (yuv420p: even sides) MP4."""
    return [
        exe,
        "-y",
        "-nostdin",
        "-v",
        "error",
        *raw_rgb_input(width, height, fps),
        *h264_output(width, height, crf=crf, b_frames=b_frames),
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
) -> Path:
    """Encode ``frames`` (H, W, 3 uint8) to ``path`` atomically (temp file, then rename).

    ffmpeg failing (missing, crashing, disk full) raises EvasimRuntimeError with its last
    error line, and nothing is left at ``path``."""
    import imageio_ffmpeg

    path = Path(path)
    try:
        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as exc:
        raise EvasimRuntimeError(f"ffmpeg: {exc}") from None
    with replacing(path) as tmp, tempfile.TemporaryFile() as log:
        try:
            proc = subprocess.Popen(
                ffmpeg_command(exe, tmp, fps, width, height, crf, b_frames),
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        except OSError as exc:
            raise EvasimRuntimeError(f"ffmpeg ({exe}): {exc.strerror}") from None
        feeder = _Feeder(proc.stdin)
        try:
            for frame in frames:
                if not feeder.put(np.ascontiguousarray(frame, dtype=np.uint8).tobytes()):
                    break  # ffmpeg stopped reading
                if on_frame:
                    on_frame()
            feeder.finish()
            if not feeder.broken:
                proc.stdin.close()
            code = proc.wait()
        except BrokenPipeError:
            code = proc.wait()
        except BaseException:
            proc.kill()
            feeder.finish(raise_error=False)
            proc.wait()
            raise
        finally:
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
