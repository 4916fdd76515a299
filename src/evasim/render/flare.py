"""Lens flare from the Sun and other over-exposed highlights: bloom, ghosts and veiling glare,
a cheap post-process on the frame's linear radiance (:func:`apply`).

Light brighter than the sensor's white point spreads in a real camera: scattered in the lens
elements and the housing's window (the point-spread function's wide wings: *bloom* and a
*veiling glare* over the whole frame) and reflected between lens surfaces into *ghosts*, discs
along the line from the Sun's image through the image centre. The model (every figure est:
chosen to look like action-camera footage of the Sun, no measured flare of the flown cameras
was found):

* **excess**: per pixel, the exposed radiance above the tone curve's white point
  (``E L > TONE_SQRT_MAX^2``, :mod:`.raycast`); nothing else spreads;
* **bloom**: ``BLOOM_FRACTION`` of the excess energy spread by two Gaussians of sigma
  ``BLOOM_SIGMA_NARROW`` and ``BLOOM_SIGMA_WIDE`` of the image width (weights
  ``BLOOM_WIDE_SHARE``), computed on the excess averaged over 4 x 4 pixels (and 16 x 16 for
  the wide one) and added back bilinearly: the cost is a few small blurs;
* **veiling glare**: ``VEIL_FRACTION`` of the excess energy spread evenly over the frame;
* **ghosts** (only with the Sun's disc in view): ``GHOSTS`` = (position along the line from the
  image centre to the Sun, as a multiple of the Sun's offset; radius as a fraction of the image
  width; share of the excess energy; tint), soft-edged discs drawn on the 4 x 4 grid of the
  bloom (their edges are soft anyway).

Frame radiance (``Frame.radiance``) stays the scene's; only the 8-bit image is re-toned. With
no pixel above the white point the image is left exactly as it was.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange
from scipy.ndimage import gaussian_filter

from .raycast import TONE_SQRT_MAX, TONE_TABLE

WHITE_POINT = TONE_SQRT_MAX**2  # exposed radiance at which the tone curve is white
BLOOM_FRACTION = 0.03
BLOOM_SIGMA_NARROW = 0.004
BLOOM_SIGMA_WIDE = 0.03
BLOOM_WIDE_SHARE = 0.4
VEIL_FRACTION = 0.001
GHOSTS = (
    (-0.35, 0.018, 2.0e-5, (0.55, 1.0, 0.6)),
    (-0.70, 0.035, 3.0e-5, (0.8, 0.55, 1.0)),
    (0.45, 0.010, 1.0e-5, (1.0, 0.75, 0.45)),
    (-1.15, 0.060, 4.0e-5, (0.5, 0.7, 1.0)),
)
DOWN = 4  # pixels per side of the averaged excess
DOWN_WIDE = 4  # further, for the wide bloom


@njit(cache=True, parallel=True, fastmath=True, error_model="numpy")
def _excess(radiance, exposure, white, down, out):
    """``out`` (h, w, 3): mean over down x down pixels of max(E L - white, 0); returns the sum
    over the full image (exposed units x pixels)."""
    hh, ww = out.shape[0], out.shape[1]
    height, width = radiance.shape[0], radiance.shape[1]
    sums = np.zeros(hh)
    for j in prange(hh):
        row = 0.0
        for i in range(ww):
            for ch in range(3):
                acc = 0.0
                for y in range(j * down, min((j + 1) * down, height)):
                    for x in range(i * down, min((i + 1) * down, width)):
                        e = exposure * radiance[y, x, ch] - white
                        if e > 0:
                            acc += e
                out[j, i, ch] = acc / (down * down)
                row += acc
        sums[j] = row
    return sums.sum()


@njit(cache=True, parallel=True, fastmath=True, error_model="numpy")
def _composite(radiance, exposure, flare, veil, image):
    """Re-tone ``image`` from ``radiance`` (both C-contiguous) plus the flare (exposed units):
    ``flare`` (h, w, 3), its pixel (i, j) centred on full-resolution pixel ((i + 0.5) d - 0.5,
    ...), added bilinearly, and the uniform ``veil``. Row by row in three flat passes (the
    flare's row at full width, the tone indices, the table look-ups) that the compiler
    vectorises: a third less CPU than one pass per pixel (session 24)."""
    height, width = radiance.shape[0], radiance.shape[1]
    fh, fw = flare.shape[0], flare.shape[1]
    table = TONE_TABLE
    n = table.shape[0] - 1
    scale = np.float32(n / TONE_SQRT_MAX)
    dy, dx = height / fh, width / fw
    x0s = np.empty(width, np.int64)
    axs = np.empty(width, np.float32)
    for x in range(width):
        fx = min(max((x + 0.5) / dx - 0.5, 0.0), fw - 1.0)
        x0s[x] = min(int(fx), fw - 2) if fw > 1 else 0
        axs[x] = fx - x0s[x]
    e_scale = np.float32(exposure)
    flat_rad = radiance.reshape(height, width * 3)
    flat_img = image.reshape(height, width * 3)
    for y in prange(height):
        fy = min(max((y + 0.5) / dy - 0.5, 0.0), fh - 1.0)
        y0 = int(fy)
        y1 = min(y0 + 1, fh - 1)
        ay = np.float32(fy - y0)
        row = np.empty((fw + 1, 3), np.float32)  # the flare's rows y0, y1 blended, plus veil
        for i in range(fw):
            for ch in range(3):
                row[i, ch] = flare[y0, i, ch] + (flare[y1, i, ch] - flare[y0, i, ch]) * ay + veil
        row[fw] = row[fw - 1]
        add = np.empty(width * 3, np.float32)
        for x in range(width):
            x0 = x0s[x]
            ax = axs[x]
            for ch in range(3):
                add[3 * x + ch] = row[x0, ch] + (row[x0 + 1, ch] - row[x0, ch]) * ax
        idx = np.empty(width * 3, np.int32)
        rad = flat_rad[y]
        for k in range(width * 3):
            e = max(e_scale * rad[k] + add[k], np.float32(0.0))
            idx[k] = min(np.int32(np.sqrt(e) * scale + np.float32(0.5)), n)
        out = flat_img[y]
        for k in range(width * 3):
            out[k] = table[idx[k]]


@njit(cache=True, parallel=True, error_model="numpy")
def _upsampled(img, out):
    """Bilinear resampling of ``img`` (h, w, 3) to ``out``'s shape (pixel centres aligned,
    float64 sums stored as float32): along x on the small image's two rows, then along y."""
    h, w = img.shape[0], img.shape[1]
    oh, ow = out.shape[0], out.shape[1]
    for y in prange(oh):
        fy = min(max((y + 0.5) * h / oh - 0.5, 0.0), h - 1.0)
        y0 = int(fy)
        y1 = min(y0 + 1, h - 1)
        ay = fy - y0
        for x in range(ow):
            fx = min(max((x + 0.5) * w / ow - 0.5, 0.0), w - 1.0)
            x0 = int(fx)
            x1 = min(x0 + 1, w - 1)
            ax = fx - x0
            for ch in range(3):
                top = img[y0, x0, ch] + (img[y0, x1, ch] - img[y0, x0, ch]) * ax
                bottom = img[y1, x0, ch] + (img[y1, x1, ch] - img[y1, x0, ch]) * ax
                out[y, x, ch] = top + (bottom - top) * ay


@njit(cache=True, error_model="numpy")
def _block_means(img, d, out):
    """``out`` (h, w, 3): the means of ``img`` over d x d pixels (its first h d x w d)."""
    inv = 1.0 / (d * d)
    for j in range(out.shape[0]):
        for i in range(out.shape[1]):
            for ch in range(3):
                acc = 0.0
                for y in range(j * d, (j + 1) * d):
                    for x in range(i * d, (i + 1) * d):
                        acc += img[y, x, ch]
                out[j, i, ch] = acc * inv


def _add_ghosts(flare: np.ndarray, width: int, sun_xy, total: float) -> None:
    """Draw the ghosts (soft discs, module doc) into ``flare``, whose pixels are DOWN x DOWN
    image pixels."""
    h, w = flare.shape[:2]
    cx, cy = width / 2.0, h * DOWN / 2.0
    yy, xx = np.mgrid[:h, :w]
    for along, radius, share, tint in GHOSTS:
        r_px = radius * width
        value = share * total / (np.pi * r_px * r_px)
        gx = (cx + along * (sun_xy[0] - cx)) / DOWN - 0.5
        gy = (cy + along * (sun_xy[1] - cy)) / DOWN - 0.5
        r = r_px / DOWN
        x0, x1 = max(int(gx - r) - 1, 0), min(int(gx + r) + 2, w)
        y0, y1 = max(int(gy - r) - 1, 0), min(int(gy + r) + 2, h)
        if x0 >= x1 or y0 >= y1:
            continue
        d = np.hypot(xx[y0:y1, x0:x1] - gx, yy[y0:y1, x0:x1] - gy) / r
        edge = np.clip((1.0 - d) / 0.2, 0.0, 1.0)
        flare[y0:y1, x0:x1] += (value * edge)[..., None] * np.array(tint, np.float32)


def apply(
    radiance: np.ndarray,
    image: np.ndarray,
    exposure: float,
    sun_xy: tuple[float, float] | None,
    corner_radiance: np.ndarray,
    toned: bool = True,
) -> bool:
    """Add the flare to ``image`` (H, W, 3 uint8, re-toned in place from ``radiance``, H, W, 3
    linear) at ``exposure``. ``sun_xy``: the Sun's centre on the image (pixels, continuous) if
    it is in view, else None; ``corner_radiance``: the block-corner samples (one pixel in 16),
    a cheap first look for highlights. ``toned`` False: ``image`` holds nothing yet (the
    renderer left the tone mapping to this re-toning pass, which runs whenever the Sun is in
    view): it is toned here even when no flare is added. Returns whether anything was added
    (False: ``image`` untouched, or only toned)."""
    height, width = radiance.shape[:2]
    if not (radiance.flags.c_contiguous and image.flags.c_contiguous):
        raise ValueError("flare.apply: radiance and image must be C-contiguous (H, W, 3)")
    if sun_xy is None and toned and not np.any(corner_radiance * exposure > WHITE_POINT):
        return False
    hh, ww = -(-height // DOWN), -(-width // DOWN)
    excess = np.empty((hh, ww, 3), np.float32)
    total = _excess(radiance, np.float32(exposure), np.float32(WHITE_POINT), DOWN, excess)
    if total <= 0.0:
        if not toned:
            _composite(radiance, float(exposure), np.zeros((1, 1, 3), np.float32),
                       np.float32(0.0), image)  # fmt: skip
        return False
    narrow = gaussian_filter(
        excess, (BLOOM_SIGMA_NARROW * width / DOWN,) * 2 + (0,), mode="constant", truncate=3.0
    )
    h2, w2 = max(hh // DOWN_WIDE, 1), max(ww // DOWN_WIDE, 1)
    if hh < DOWN_WIDE or ww < DOWN_WIDE:  # a tiny image: no wide level, its mean instead
        excess_wide = np.broadcast_to(excess.mean(axis=(0, 1)), (DOWN_WIDE, DOWN_WIDE, 3))
    else:
        excess_wide = excess
    coarse = np.empty((h2, w2, 3), np.float32)
    _block_means(np.ascontiguousarray(excess_wide), DOWN_WIDE, coarse)
    sigma_wide = BLOOM_SIGMA_WIDE * width / (DOWN * DOWN_WIDE)
    wide = gaussian_filter(coarse, (sigma_wide,) * 2 + (0,), mode="constant", truncate=3.0)
    flare = narrow * np.float32(BLOOM_FRACTION * (1.0 - BLOOM_WIDE_SHARE))
    wide_up = np.empty((hh, ww, 3), np.float32)
    _upsampled(np.ascontiguousarray(wide), wide_up)
    flare += wide_up * np.float32(BLOOM_FRACTION * BLOOM_WIDE_SHARE)
    if sun_xy is not None:
        _add_ghosts(flare, width, sun_xy, total)
    veil = VEIL_FRACTION * total / (width * height)
    _composite(radiance, float(exposure), np.ascontiguousarray(flare), np.float32(veil), image)
    return True
