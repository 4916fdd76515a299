"""RGB frames to the planar YUV 4:2:0 (``yuv420p``) that the H.264 encoder takes, on both cores.

ffmpeg converts the rendered RGB frames to yuv420p before libx264 in any case (its software
scaler, one core, inside the encoder's process); doing it here, in a parallel loop, sends half the
bytes through the pipe (12 bits a pixel against 24) and leaves the encoder only the encoding.

The conversion is the one ffmpeg applies to untagged RGB: ITU-R BT.601 coefficients, limited
("TV") range (Y 16..235, Cb and Cr 16..240), chroma the mean of each 2 x 2 pixel square (ffmpeg's
scaler filters chroma with a few more taps: its chroma differs from this by a level or two at
sharp colour edges, the luma by at most one level of rounding; `docs/render.md`).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

# ITU-R BT.601 luma and colour-difference weights, scaled to limited range (219 and 224 levels)
KR, KB = 0.299, 0.114
KG = 1.0 - KR - KB
Y_SCALE, C_SCALE = 219.0 / 255.0, 224.0 / 255.0


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def _chroma_row(image, out, j):
    """Row j of the chroma planes (and the two luma rows over it) of :func:`yuv420p`: ``image``
    (H, W, 3) uint8 RGB with even H and W to ``out`` (H W 3 / 2,) uint8: the Y plane, then Cb,
    then Cr (each H / 2 x W / 2)."""
    height, width = image.shape[0], image.shape[1]
    ch, cw = height // 2, width // 2
    cb0 = height * width
    cr0 = cb0 + ch * cw
    yr, yg, yb = KR * Y_SCALE, KG * Y_SCALE, KB * Y_SCALE
    ub = 0.5 * C_SCALE
    ur, ug = -0.5 * C_SCALE * KR / (1.0 - KB), -0.5 * C_SCALE * KG / (1.0 - KB)
    vr = 0.5 * C_SCALE
    vg, vb = -0.5 * C_SCALE * KG / (1.0 - KR), -0.5 * C_SCALE * KB / (1.0 - KR)
    for i in range(cw):
        sr, sg, sb = 0.0, 0.0, 0.0
        for dy in range(2):
            y = 2 * j + dy
            for dx in range(2):
                x = 2 * i + dx
                r, g, b = float(image[y, x, 0]), float(image[y, x, 1]), float(image[y, x, 2])
                out[y * width + x] = np.uint8(16.5 + yr * r + yg * g + yb * b)
                sr += r
                sg += g
                sb += b
        sr, sg, sb = 0.25 * sr, 0.25 * sg, 0.25 * sb
        out[cb0 + j * cw + i] = np.uint8(128.5 + ur * sr + ug * sg + ub * sb)
        out[cr0 + j * cw + i] = np.uint8(128.5 + vr * sr + vg * sg + vb * sb)


@njit(cache=True, parallel=True, nogil=True, fastmath=True, error_model="numpy")
def _rgb_to_yuv420p(image, out):
    """:func:`yuv420p` on both cores."""
    for j in prange(image.shape[0] // 2):
        _chroma_row(image, out, j)


@njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
def _rgb_to_yuv420p_serial(image, out):
    """:func:`yuv420p` on the calling thread alone, without the GIL (the video's feeder thread
    converts a frame while the renderer makes the next)."""
    for j in range(image.shape[0] // 2):
        _chroma_row(image, out, j)


def yuv420p(image: np.ndarray, out: np.ndarray | None = None, parallel: bool = True) -> np.ndarray:
    """The yuv420p bytes (flat uint8, H W 3 / 2) of an RGB frame (H, W, 3) uint8 with even sides;
    ``out`` is reused when given; ``parallel`` False: on the calling thread alone."""
    height, width = image.shape[:2]
    if height % 2 or width % 2 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"yuv420p: expected (even H, even W, 3), got {image.shape}")
    size = height * width * 3 // 2
    if out is None or out.shape != (size,):
        out = np.empty(size, np.uint8)
    kernel = _rgb_to_yuv420p if parallel else _rgb_to_yuv420p_serial
    kernel(np.ascontiguousarray(image, dtype=np.uint8), out)
    return out
