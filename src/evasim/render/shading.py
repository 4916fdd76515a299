"""Shading of the rays that miss the station: the WGS84 Earth with Blue Marble, lit through
the atmosphere, with ocean glint and, on the night side, city lights (:mod:`.nightlights`);
the sky's single scattering; the Sun's disc and glare; airglow (:mod:`.airglow`) (numba; ITRS
kilometres; radiance in units of the Sun's irradiance).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..constants import EARTH_MEAN_RADIUS_KM, SUN_ANGULAR_RADIUS_AT_1AU_RAD, WGS84_E2
from ..constants import WGS84_A_KM as A_KM
from ..constants import WGS84_B_KM as B_KM
from .airglow import ground_glow, sky_glow
from .atmosphere import R_EARTH_KM, lookup_slice, sun_transmittance
from .lens import ray  # noqa: F401  (re-exported: the pixel -> ray map of every lens)
from .mipmap import bilinear_taps
from .nightlights import intensity, switched_on

E2 = WGS84_E2
SUN_RADIUS_RAD = SUN_ANGULAR_RADIUS_AT_1AU_RAD
"""The Sun's disc is drawn at its mean angular radius (its distance changes it by +/-1.7 %)."""
COS_SUN_RADIUS = float(np.cos(SUN_RADIUS_RAD))
ID_SPACE, ID_EARTH, ID_STATION, ID_SUN = 0, 1, 2, 3


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def earth_t(ox, oy, oz, dx, dy, dz):
    """Distance to the WGS84 ellipsoid along a ray (z scaled to a sphere), or -1."""
    k = A_KM / B_KM
    sz, dsz = oz * k, dz * k
    a2 = dx * dx + dy * dy + dsz * dsz
    b2 = ox * dx + oy * dy + sz * dsz
    c2 = ox * ox + oy * oy + sz * sz - A_KM * A_KM
    disc = b2 * b2 - a2 * c2
    if disc >= 0 and b2 < 0:
        return (-b2 - np.sqrt(disc)) / a2
    return -1.0


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def shade_earth(
    t, ox, oy, oz, dx, dy, dz, sun, mips, lin, params, lr, lg, lb, tr, tg, tb, spacing, night
):
    """Radiance of the ground hit at distance t: Blue Marble (``mips`` = (texels, levels): all
    mip levels' uint8 RGBA texels (sRGB + ocean mask) in one flat array and, per level, its
    first texel, height and width; linearised by the 256-entry table ``lin``; bilinear in the
    level whose texels match the ray's footprint), lit by the Sun through the atmosphere, with
    ocean glint, seen through the view path (``l*``, ``t*``). ``spacing`` (rad) is the angle
    between this ray and its neighbouring samples. ``night`` = (city-light texels, their mip
    levels, radiance of intensity 1 (R, G, B)): the lights, switched on through twilight, seen
    through the view path. The Blue Marble texels are read only where the Sun is up (the
    reflected light is zero elsewhere)."""
    tex, levels = mips
    x, y, z = ox + t * dx, oy + t * dy, oz + t * dz
    nx, ny, nz = x / (A_KM * A_KM), y / (A_KM * A_KM), z / (B_KM * B_KM)
    nn = np.sqrt(nx * nx + ny * ny + nz * nz)
    nx, ny, nz = nx / nn, ny / nn, nz / nn
    # footprint on the ground (km, the longer axis) against the finest texel (km)
    cos_i = max(abs(nx * dx + ny * dy + nz * dz), 0.02)
    footprint = t * spacing / cos_i
    lat = np.arctan2(z, (1.0 - E2) * np.sqrt(x * x + y * y))
    lon = np.arctan2(y, x)
    mu_g = nx * sun[0] + ny * sun[1] + nz * sun[2]
    if mu_g <= 0.0:  # night and twilight ground: no reflected sunlight, the city lights
        night_tex, night_levels, night_rgb = night
        on = switched_on(mu_g)
        if on <= 0.0 or night_rgb[1] <= 0.0:
            return lr, lg, lb
        v = on * intensity(
            night_tex, night_levels, lat, lon, footprint, np.pi * A_KM / night_levels[0, 1]
        )
        return lr + v * night_rgb[0] * tr, lg + v * night_rgb[1] * tg, lb + v * night_rgb[2] * tb
    i00, i01, i10, i11, w00, w01, w10, w11 = bilinear_taps(
        levels, lat, lon, footprint, np.pi * A_KM / levels[0, 1]
    )
    i00, i01, i10, i11 = i00 * 4, i01 * 4, i10 * 4, i11 * 4  # RGBA texels
    # The ground point is on the ellipsoid: altitude 0, the bottom of the atmosphere's shell.
    sr, sg, sb = sun_transmittance(params, R_EARTH_KM, mu_g)
    direct = mu_g / np.pi
    glint = 0.0
    oc = (w00 * tex[i00 + 3] + w01 * tex[i01 + 3] + w10 * tex[i10 + 3] + w11 * tex[i11 + 3]) * (
        1.0 / 255.0
    )
    if oc > 0:
        hx, hy, hz = sun[0] - dx, sun[1] - dy, sun[2] - dz
        hn = np.sqrt(hx * hx + hy * hy + hz * hz)
        ndh = (nx * hx + ny * hy + nz * hz) / hn
        if ndh > 0.95:
            glint = oc * 0.02 * ndh**300 * (300 + 8) / (8 * np.pi)
    a0 = w00 * lin[tex[i00 + 0]] + w01 * lin[tex[i01 + 0]]
    a0 += w10 * lin[tex[i10 + 0]] + w11 * lin[tex[i11 + 0]]
    a1 = w00 * lin[tex[i00 + 1]] + w01 * lin[tex[i01 + 1]]
    a1 += w10 * lin[tex[i10 + 1]] + w11 * lin[tex[i11 + 1]]
    a2 = w00 * lin[tex[i00 + 2]] + w01 * lin[tex[i01 + 2]]
    a2 += w10 * lin[tex[i10 + 2]] + w11 * lin[tex[i11 + 2]]
    return (
        (a0 * direct + glint) * sr * tr + lr,
        (a1 * direct + glint) * sg * tg + lg,
        (a2 * direct + glint) * sb * tb + lb,
    )


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def shade_sky_or_earth(
    ox, oy, oz, dx, dy, dz, zx, zy, zz, rc, mus, sun, sun_frac, tex, ocean, inscatter,
    transmit, params, t_earth, spacing, night, glow,
):  # fmt: skip
    """Radiance and id of a ray that hits no station solid (``t_earth`` from :func:`earth_t`;
    ``spacing``, rad, the angle to the neighbouring samples, picks the texture's mip level;
    ``night`` the city lights (:func:`shade_earth`); ``glow`` = (the airglow's limb table, its
    per-layer ground table), :mod:`.airglow`)."""
    mu = zx * dx + zy * dy + zz * dz
    nu = sun[0] * dx + sun[1] * dy + sun[2] * dz
    lr, lg, lb, tr, tg, tb = lookup_slice(inscatter, transmit, params, mu, nu)
    impact2 = rc * rc * max(1.0 - mu * mu, 0.0)  # squared distance of the ray's line (km^2)
    if t_earth > 0:
        r, g, b = shade_earth(
            t_earth, ox, oy, oz, dx, dy, dz, sun, tex, ocean, params, lr, lg, lb, tr, tg, tb,
            spacing, night,
        )  # fmt: skip
        gr, gg, gb = ground_glow(glow[1], impact2)
        return r + gr, g + gg, b + gb, ID_EARTH  # the layers lie above the air: unattenuated
    if nu > COS_SUN_RADIUS and sun_frac > 0:
        v = sun_frac / (np.pi * SUN_RADIUS_RAD * SUN_RADIUS_RAD)
        return v * tr, v * tg, v * tb, ID_SUN
    ang2 = 2.0 * (1.0 - nu)  # small-angle: angle^2 from the Sun
    glare = sun_frac * 2e-6 / (ang2 + 1e-5)
    gr, gg, gb = 0.0, 0.0, 0.0
    if mu < 0:  # airglow: thin emitting layers, seen edge-on above the limb
        h_t = np.sqrt(impact2) - EARTH_MEAN_RADIUS_KM
        gr, gg, gb = sky_glow(glow[0], h_t, tr, tg, tb)
    return lr + glare + gr, lg + glare + gg, lb + glare + gb, ID_SPACE
