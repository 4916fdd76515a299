"""H.264 MP4 from rendered frames, streamed to ffmpeg (imageio-ffmpeg's bundled binary)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from ..fileutil import publish


def write_mp4(
    frames: Iterable[np.ndarray],
    path: Path,
    fps: float,
    width: int,
    height: int,
    on_frame: Callable[[], None] | None = None,
    crf: int = 20,
) -> Path:
    """Encode ``frames`` (H, W, 3 uint8) to ``path`` (atomically: temp file, then rename)."""
    import imageio_ffmpeg

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".mp4", dir=path.parent)
    os.close(fd)
    writer = imageio_ffmpeg.write_frames(
        tmp,
        (width, height),
        fps=fps,
        codec="libx264",
        pix_fmt_in="rgb24",
        output_params=[
            "-crf",
            str(crf),
            "-preset",
            "veryfast",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
        ],
        macro_block_size=2,
    )
    writer.send(None)
    try:
        for frame in frames:
            writer.send(np.ascontiguousarray(frame))
            if on_frame:
                on_frame()
        writer.close()
        publish(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path
