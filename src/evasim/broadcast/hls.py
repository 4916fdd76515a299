"""HLS for many viewers: one ffmpeg (imageio-ffmpeg's binary) per crew member, fed the frames
the render loop already made, writing a rolling playlist of 2 s H.264 segments to a temporary
folder that the server serves read-only at ``/hls/{role}/{file}``.

The render loop never waits for ffmpeg: each encoder has a one-frame mailbox and a writer
thread; if ffmpeg falls behind, frames are dropped (the stream then runs slightly faster than
the clock until it catches up).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import numpy as np

from ..fileutil import new_folder_beside
from ..render.encoding import h264_output, raw_rgb_input

log = logging.getLogger("evasim.broadcast.hls")

SEGMENT_S = 2.0
PLAYLIST_SEGMENTS = 6
FILE_RE = re.compile(r"^(index\.m3u8|seg_\d{5}\.ts)$")
MEDIA_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t"}


class HlsEncoder:
    """One role's ffmpeg process and its writer thread."""

    def __init__(self, folder: Path, width: int, height: int, fps: float):
        import imageio_ffmpeg

        self.folder = folder
        self.width, self.height = width, height
        gop = max(1, round(fps * SEGMENT_S))
        cmd = [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-loglevel",
            "error",
            "-y",
            "-nostdin",
            *raw_rgb_input(width, height, fps),
            *h264_output(width, height, live=True),
            "-g",
            str(gop),
            "-keyint_min",
            str(gop),
            "-sc_threshold",
            "0",
            "-f",
            "hls",
            "-hls_time",
            f"{SEGMENT_S:g}",
            "-hls_list_size",
            str(PLAYLIST_SEGMENTS),
            "-hls_flags",
            "delete_segments+independent_segments",
            "-hls_segment_filename",
            str(folder / "seg_%05d.ts"),
            str(folder / "index.m3u8"),
        ]
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self._frame: bytes | None = None
        self._ready = threading.Condition()
        self._closed = False
        self.frames_written = 0
        self.frames_dropped = 0
        self._thread = threading.Thread(target=self._write_loop, name="evasim-hls", daemon=True)
        self._thread.start()

    def submit(self, image: np.ndarray) -> None:
        if image.shape[:2] != (self.height, self.width):
            return
        data = np.ascontiguousarray(image, dtype=np.uint8).tobytes()
        with self._ready:
            if self._frame is not None:
                self.frames_dropped += 1
            self._frame = data
            self._ready.notify()

    def _write_loop(self) -> None:
        while True:
            with self._ready:
                while self._frame is None and not self._closed:
                    self._ready.wait()
                if self._closed:
                    return
                data, self._frame = self._frame, None
            try:
                self.proc.stdin.write(data)
                self.proc.stdin.flush()
                self.frames_written += 1
            except (BrokenPipeError, OSError, ValueError):
                log.warning("hls encoder stopped")
                return

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify()
        self._thread.join(5.0)
        with contextlib.suppress(OSError, ValueError):
            self.proc.stdin.close()
        try:
            self.proc.wait(5.0)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5.0)


class HlsOutput:
    """HLS encoders for every role, in a temporary folder removed on close (named by
    :mod:`evasim.fileutil`'s scheme in the system temp folder, so a server killed with
    ``kill -9`` has its segments removed by the next one)."""

    def __init__(self, roles: list[str], width: int, height: int, fps: float):
        self.root = new_folder_beside(Path(tempfile.gettempdir()) / "evasim-hls")
        os.chmod(self.root, 0o700)  # private, like mkdtemp: the temp folder is shared
        self.encoders: dict[str, HlsEncoder] = {}
        for role in roles:
            folder = self.root / role
            folder.mkdir()
            self.encoders[role] = HlsEncoder(folder, width, height, fps)

    def submit(self, role: str, image: np.ndarray) -> None:
        encoder = self.encoders.get(role)
        if encoder is not None:
            encoder.submit(image)

    def file(self, role: str, name: str) -> Path | None:
        """The served file for ``/hls/{role}/{name}``: whitelisted names only, or None."""
        if role not in self.encoders or not FILE_RE.match(name):
            return None
        path = self.root / role / name
        return path if path.is_file() else None

    def close(self) -> None:
        for encoder in self.encoders.values():
            encoder.close()
        shutil.rmtree(self.root, ignore_errors=True)
