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
  width; share of the excess energy; tint), soft-edged discs.

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


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def _bilinear(img, fx, fy, ch):
    h, w = img.shape[0], img.shape[1]
    fx = min(max(fx, 0.0), w - 1.0)
    fy = min(max(fy, 0.0), h - 1.0)
    x0, y0 = int(fx), int(fy)
    x1, y1 = min(x0 + 1, w - 1), min(y0 + 1, h - 1)
    ax, ay = fx - x0, fy - y0
    top = img[y0, x0, ch] + (img[y0, x1, ch] - img[y0, x0, ch]) * ax
    bottom = img[y1, x0, ch] + (img[y1, x1, ch] - img[y1, x0, ch]) * ax
    return top + (bottom - top) * ay


@njit(cache=True, parallel=True, fastmath=True, error_model="numpy")
def _composite(radiance, exposure, narrow, wide, veil, ghosts, image):
    """Re-tone ``image`` from ``radiance`` plus the flare (exposed units): the narrow and wide
    bloom images (their pixel (i, j) centred on full-resolution pixel ((i + 0.5) d - 0.5)),
    the veil and the ghosts (rows: x, y, radius (px), value r, g, b)."""
    height, width = radiance.shape[0], radiance.shape[1]
    table = TONE_TABLE
    n = table.shape[0] - 1
    scale = n / TONE_SQRT_MAX
    dn = width / narrow.shape[1]
    dw = width / wide.shape[1]
    for y in prange(height):
        fyn = (y + 0.5) / dn - 0.5
        fyw = (y + 0.5) / dw - 0.5
        for x in range(width):
            fxn = (x + 0.5) / dn - 0.5
            fxw = (x + 0.5) / dw - 0.5
            g0, g1, g2 = 0.0, 0.0, 0.0
            for k in range(ghosts.shape[0]):
                ddx, ddy = x + 0.5 - ghosts[k, 0], y + 0.5 - ghosts[k, 1]
                d = np.sqrt(ddx * ddx + ddy * ddy) / ghosts[k, 2]
                if d < 1.0:
                    edge = 1.0 if d < 0.8 else (1.0 - d) / 0.2
                    g0 += ghosts[k, 3] * edge
                    g1 += ghosts[k, 4] * edge
                    g2 += ghosts[k, 5] * edge
            for ch in range(3):
                add = veil + _bilinear(narrow, fxn, fyn, ch) + _bilinear(wide, fxw, fyw, ch)
                add += g0 if ch == 0 else (g1 if ch == 1 else g2)
                e = exposure * radiance[y, x, ch] + add
                i = int(np.sqrt(e) * scale + 0.5) if e > 0 else 0
                image[y, x, ch] = table[min(i, n)]


def apply(
    radiance: np.ndarray,
    image: np.ndarray,
    exposure: float,
    sun_xy: tuple[float, float] | None,
    corner_radiance: np.ndarray,
) -> bool:
    """Add the flare to ``image`` (H, W, 3 uint8, re-toned in place from ``radiance``, H, W, 3
    linear) at ``exposure``. ``sun_xy``: the Sun's centre on the image (pixels, continuous) if
    it is in view, else None; ``corner_radiance``: the block-corner samples (one pixel in 16),
    a cheap first look for highlights. Returns whether anything was added (False: ``image``
    untouched)."""
    height, width = radiance.shape[:2]
    if sun_xy is None and not np.any(corner_radiance * exposure > WHITE_POINT):
        return False
    hh, ww = -(-height // DOWN), -(-width // DOWN)
    excess = np.empty((hh, ww, 3), np.float32)
    total = _excess(radiance, np.float32(exposure), np.float32(WHITE_POINT), DOWN, excess)
    if total <= 0.0:
        return False
    narrow = gaussian_filter(
        excess, (BLOOM_SIGMA_NARROW * width / DOWN,) * 2 + (0,), mode="constant", truncate=3.0
    )
    h2, w2 = max(hh // DOWN_WIDE, 1), max(ww // DOWN_WIDE, 1)
    if hh < DOWN_WIDE or ww < DOWN_WIDE:  # a tiny image: no wide level, its mean instead
        excess_wide = np.broadcast_to(excess.mean(axis=(0, 1)), (DOWN_WIDE, DOWN_WIDE, 3))
    else:
        excess_wide = excess
    coarse = excess_wide[: h2 * DOWN_WIDE, : w2 * DOWN_WIDE]
    coarse = coarse.reshape(h2, DOWN_WIDE, w2, DOWN_WIDE, 3).mean(axis=(1, 3))
    sigma_wide = BLOOM_SIGMA_WIDE * width / (DOWN * DOWN_WIDE)
    wide = gaussian_filter(coarse, (sigma_wide,) * 2 + (0,), mode="constant", truncate=3.0)
    narrow *= BLOOM_FRACTION * (1.0 - BLOOM_WIDE_SHARE)
    wide *= BLOOM_FRACTION * BLOOM_WIDE_SHARE
    veil = VEIL_FRACTION * total / (width * height)
    rows = []
    if sun_xy is not None:
        cx, cy = width / 2.0, height / 2.0
        for along, radius, share, tint in GHOSTS:
            r_px = radius * width
            value = share * total / (np.pi * r_px * r_px)
            x, y = cx + along * (sun_xy[0] - cx), cy + along * (sun_xy[1] - cy)
            rows.append([x, y, r_px, *(value * np.array(tint))])
    ghosts = np.array(rows, float).reshape(-1, 6)
    _composite(
        radiance,
        float(exposure),
        narrow.astype(np.float32),
        wide.astype(np.float32),
        float(veil),
        ghosts,
        image,
    )
    return True
