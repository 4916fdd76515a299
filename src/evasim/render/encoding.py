"""The ffmpeg arguments every evasim encoder shares: raw RGB (or YUV 4:2:0) frames on stdin,
H.264 out.

One place for the input description and the H.264 settings, so the MP4 writer
(:mod:`evasim.render.video`) and the live HLS encoder (:mod:`evasim.broadcast.hls`) cannot drift.
"""

from __future__ import annotations


def raw_rgb_input(width: int, height: int, fps: float, pix_fmt: str = "rgb24") -> list[str]:
    """Arguments that make ffmpeg read packed 8-bit RGB frames of ``width`` x ``height`` at
    ``fps`` frames per second from stdin; ``pix_fmt`` ``yuv420p``: planar YUV 4:2:0 frames
    instead (:mod:`.yuv`, even sides only)."""
    if pix_fmt not in ("rgb24", "yuv420p"):
        raise ValueError(f"pix_fmt {pix_fmt!r}: expected rgb24 or yuv420p")
    return [
        "-f",
        "rawvideo",
        "-pix_fmt",
        pix_fmt,
        "-s",
        f"{width}x{height}",
        "-r",
        f"{fps:.6g}",
        "-i",
        "-",
        "-an",
    ]


def h264_output(
    width: int,
    height: int,
    *,
    crf: int | None = None,
    live: bool = False,
    b_frames: bool = True,
    threads: int | None = None,
) -> list[str]:
    """H.264 in yuv420p (which needs even sides: odd ones are scaled up by one pixel).

    ``crf`` sets constant quality (file output); ``live`` tunes for low latency (broadcast);
    ``b_frames`` False for pieces that are joined later without re-encoding (with B-frames each
    piece's decoding times start before zero and the joined stream's timing is off);
    ``threads`` the encoder's threads (None: x264's own choice from the machine's cores; a
    fixed number also makes the stream the same on any machine)."""
    even = []
    if width % 2 or height % 2:
        even = ["-vf", f"scale={width + width % 2}:{height + height % 2}"]
    quality = ["-crf", str(crf)] if crf is not None else []
    tune = ["-tune", "zerolatency"] if live else []
    bf = [] if b_frames else ["-bf", "0"]
    th = [] if threads is None else ["-threads", str(threads)]
    return [*even, "-c:v", "libx264", *quality, "-preset", "veryfast", *tune, *bf, *th,
            "-pix_fmt", "yuv420p"]  # fmt: skip
