"""Bilinear lookup in an equirectangular mip pyramid: the one sampler the Blue Marble and the
city-light maps share.

A pyramid is every level's texels in one flat array and, per level, its first texel, height and
width (``levels``, shape (L, 3)). The level is the one whose texels match the ray's footprint.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def bilinear_taps(levels, lat, lon, footprint_km, texel0_km):
    """The four texel indices (into the flat array, in texels) and bilinear weights at geodetic
    ``lat``, ``lon`` (rad), in the level whose texels match ``footprint_km`` (``texel0_km``: the
    finest level's texel). Longitude wraps; latitude clamps at the poles."""
    ratio = footprint_km / texel0_km
    level = 0
    while ratio >= 2.0 and level < levels.shape[0] - 1:
        ratio *= 0.5
        level += 1
    base, h_tex, w_tex = levels[level, 0], levels[level, 1], levels[level, 2]
    fu = (lon + np.pi) / (2 * np.pi) * w_tex - 0.5
    fv = (np.pi / 2 - lat) / np.pi * h_tex - 0.5
    c0, r0 = int(np.floor(fu)), int(np.floor(fv))
    au, av = fu - c0, fv - r0
    c1 = c0 + 1
    if c0 < 0:
        c0 += w_tex
    if c1 >= w_tex:
        c1 -= w_tex
    r1 = min(r0 + 1, h_tex - 1)
    r0 = max(r0, 0)
    return (
        base + r0 * w_tex + c0,
        base + r0 * w_tex + c1,
        base + r1 * w_tex + c0,
        base + r1 * w_tex + c1,
        (1 - av) * (1 - au),
        (1 - av) * au,
        av * (1 - au),
        av * au,
    )
