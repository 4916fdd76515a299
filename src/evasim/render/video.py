"""H.264 MP4 from rendered frames, streamed to ffmpeg (imageio-ffmpeg's bundled binary)."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from ..errors import EvasimRuntimeError
from ..fileutil import replacing
from .encoding import h264_output, raw_rgb_input


def ffmpeg_command(
    exe: str,
    path: Path,
    fps: float,
    width: int,
    height: int,
    crf: int,
    b_frames: bool = True,
    threads: int | None = None,
) -> list:
    """ffmpeg reading raw RGB frames on stdin and writing H.264 (yuv420p: even sides) MP4
    (``threads``: the encoder's, None for x264's own choice)."""
    return [
        exe,
        "-y",
        "-nostdin",
        "-v",
        "error",
        *raw_rgb_input(width, height, fps),
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
                ffmpeg_command(exe, tmp, fps, width, height, crf, b_frames, threads),
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        except OSError as exc:
            raise EvasimRuntimeError(f"ffmpeg ({exe}): {exc.strerror}") from None
        try:
            for frame in frames:
                proc.stdin.write(np.ascontiguousarray(frame, dtype=np.uint8).tobytes())
                if on_frame:
                    on_frame()
            proc.stdin.close()
            code = proc.wait()
        except BrokenPipeError:
            code = proc.wait()
        except BaseException:
            proc.kill()
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
