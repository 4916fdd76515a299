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
from .yuv import yuv420p as _yuv420p


def _checked(frame: np.ndarray, width: int, height: int) -> np.ndarray:
    """The frame as (height, width, 3) uint8, or EvasimRuntimeError (a renderer's fault)."""
    frame = np.asarray(frame)
    if frame.shape != (height, width, 3):
        raise EvasimRuntimeError(f"video frame {frame.shape}: expected ({height}, {width}, 3)")
    return frame


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

    Frames with even sides are converted to yuv420p here, on both cores (:mod:`.yuv`: half the
    bytes through the pipe, no conversion in ffmpeg); odd sides go as RGB, scaled by ffmpeg.
    ffmpeg failing (missing, crashing, disk full) raises EvasimRuntimeError with its last
    error line, and nothing is left at ``path``."""
    import imageio_ffmpeg

    path = Path(path)
    try:
        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as exc:
        raise EvasimRuntimeError(f"ffmpeg: {exc}") from None
    odd = width % 2 or height % 2
    planes = None  # the yuv420p buffer, reused frame after frame
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
        try:
            for frame in frames:
                if odd:
                    proc.stdin.write(np.ascontiguousarray(frame, dtype=np.uint8).tobytes())
                else:
                    planes = _yuv420p(_checked(frame, width, height), planes)
                    proc.stdin.write(planes.data)
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
