"""The helmet-camera ray caster (numba, parallel over image tiles on all cores).

Everything is in ITRS kilometres. Per pixel: the station's solids (cylinders and boxes from the
3-D layout, culled per 16 x 16 tile by bounding spheres), the WGS84 ellipsoid textured with Blue
Marble (bilinear) and lit by the Sun through the atmosphere, ocean sun glint, the atmosphere's
single scattering from a precomputed table (:mod:`evasim.render.atmosphere`), the Sun's disc and
glare. Output is linear radiance in units of the Sun's irradiance (tone mapping is separate) and
an object-id buffer (0 space, 1 Earth, 2 station, 3 Sun).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .atmosphere import lookup, sun_transmittance

A_KM = 6378.137
B_KM = A_KM * (1.0 - 1.0 / 298.257223563)
E2 = 1.0 - (B_KM / A_KM) ** 2
SUN_RADIUS_RAD = 4.65e-3
TILE = 16
ID_SPACE, ID_EARTH, ID_STATION, ID_SUN = 0, 1, 2, 3
EARTHSHINE = 0.02  # ambient light on the station's shadowed sides from the sunlit Earth
AIRGLOW = 3e-5
AIRGLOW_KM = 95.0
AIRGLOW_WIDTH_KM = 6.0
"""Airglow (O 557.7 nm, ~95 km): a visual approximation, not a radiometric model; its peak is
set to be just visible at the night-time exposure limit, as it is in ISS night imagery."""


@njit(cache=True, inline="always")
def _ray(px, py, width, height, lens, focal):
    """Camera-frame direction (x right, y down, z forward) of a pixel centre."""
    u = px + 0.5 - width / 2.0
    v = py + 0.5 - height / 2.0
    if lens == 0:
        x, y, z = u, v, focal
    else:  # equidistant fisheye: r = f * theta
        r = np.sqrt(u * u + v * v)
        theta = r / focal
        if theta > np.pi:
            return 0.0, 0.0, 0.0, False
        s = np.sin(theta) / r if r > 0 else 0.0
        x, y, z = u * s, v * s, np.cos(theta)
    n = np.sqrt(x * x + y * y + z * z)
    return x / n, y / n, z / n, True


@njit(cache=True, inline="always")
def _hit_prim(ox, oy, oz, dx, dy, dz, c, rot, half, kind):
    """Nearest positive hit distance and local-frame normal of one solid, or -1."""
    qx, qy, qz = ox - c[0], oy - c[1], oz - c[2]
    lx = rot[0, 0] * qx + rot[1, 0] * qy + rot[2, 0] * qz
    ly = rot[0, 1] * qx + rot[1, 1] * qy + rot[2, 1] * qz
    lz = rot[0, 2] * qx + rot[1, 2] * qy + rot[2, 2] * qz
    ex = rot[0, 0] * dx + rot[1, 0] * dy + rot[2, 0] * dz
    ey = rot[0, 1] * dx + rot[1, 1] * dy + rot[2, 1] * dz
    ez = rot[0, 2] * dx + rot[1, 2] * dy + rot[2, 2] * dz
    best, nx, ny, nz = -1.0, 0.0, 0.0, 0.0
    if kind == 0:  # cylinder along local x: radius half[1], half length half[0]
        a = ey * ey + ez * ez
        r2 = half[1] * half[1]
        if a > 1e-30:
            b = ly * ey + lz * ez
            cc = ly * ly + lz * lz - r2
            disc = b * b - a * cc
            if disc >= 0:
                sq = np.sqrt(disc)
                for t in ((-b - sq) / a, (-b + sq) / a):
                    if t > 1e-9 and abs(lx + t * ex) <= half[0]:
                        best, nx, ny, nz = t, 0.0, ly + t * ey, lz + t * ez
                        break
        if abs(ex) > 1e-30:
            for side in (-1.0, 1.0):
                t = (side * half[0] - lx) / ex
                if t > 1e-9 and (best < 0 or t < best):
                    yy, zz = ly + t * ey, lz + t * ez
                    if yy * yy + zz * zz <= r2:
                        best, nx, ny, nz = t, side, 0.0, 0.0
    else:  # box: slabs
        tmin, tmax = -1e30, 1e30
        axis, sign = 0, 1.0
        for k in range(3):
            o = lx if k == 0 else (ly if k == 1 else lz)
            d = ex if k == 0 else (ey if k == 1 else ez)
            if abs(d) < 1e-30:
                if abs(o) > half[k]:
                    return -1.0, 0.0, 0.0, 0.0
                continue
            t1, t2 = (-half[k] - o) / d, (half[k] - o) / d
            s = -1.0
            if t1 > t2:
                t1, t2 = t2, t1
                s = 1.0
            if t1 > tmin:
                tmin, axis, sign = t1, k, s
            tmax = min(tmax, t2)
            if tmin > tmax:
                return -1.0, 0.0, 0.0, 0.0
        if tmin > 1e-9:
            best = tmin
            nx = sign if axis == 0 else 0.0
            ny = sign if axis == 1 else 0.0
            nz = sign if axis == 2 else 0.0
    if best < 0:
        return -1.0, 0.0, 0.0, 0.0
    wx = rot[0, 0] * nx + rot[0, 1] * ny + rot[0, 2] * nz
    wy = rot[1, 0] * nx + rot[1, 1] * ny + rot[1, 2] * nz
    wz = rot[2, 0] * nx + rot[2, 1] * ny + rot[2, 2] * nz
    n = np.sqrt(wx * wx + wy * wy + wz * wz)
    return best, wx / n, wy / n, wz / n


@njit(cache=True, inline="always")
def _texel(tex, row, col, h, w, k):
    return tex[min(max(row, 0), h - 1), col % w, k]


@njit(cache=True, parallel=True)
def render(
    width,
    height,
    lens,
    focal,
    cam,
    rot,
    sun,
    sun_frac,
    tex,
    ocean,
    centres,
    rots,
    halves,
    kinds,
    colours,
    radii,
    inscatter,
    transmit,
    params,
    out,
    ids,
):
    """Fill ``out`` (H, W, 3) radiance and ``ids`` (H, W)."""
    h_tex, w_tex = tex.shape[0], tex.shape[1]
    n_prim = centres.shape[0]
    ox, oy, oz = cam[0], cam[1], cam[2]
    rc = np.sqrt(ox * ox + oy * oy + oz * oz)
    zx, zy, zz = ox / rc, oy / rc, oz / rc
    mus = zx * sun[0] + zy * sun[1] + zz * sun[2]
    k = A_KM / B_KM
    tiles_x = (width + TILE - 1) // TILE
    tiles_y = (height + TILE - 1) // TILE
    for tile in prange(tiles_x * tiles_y):
        tx0 = (tile % tiles_x) * TILE
        ty0 = (tile // tiles_x) * TILE
        # tile cone: centre ray and the widest corner angle
        cx, cy, cz, ok = _ray(
            tx0 + TILE / 2.0 - 0.5, ty0 + TILE / 2.0 - 0.5, width, height, lens, focal
        )
        cos_cone = 1.0
        for corner in range(4):
            qx, qy, qz, ok2 = _ray(
                tx0 + (corner % 2) * TILE - 0.5,
                ty0 + (corner // 2) * TILE - 0.5,
                width,
                height,
                lens,
                focal,
            )
            if ok2:
                cos_cone = min(cos_cone, cx * qx + cy * qy + cz * qz)
        cone = np.arccos(max(min(cos_cone, 1.0), -1.0)) + 1e-3
        wcx = rot[0, 0] * cx + rot[0, 1] * cy + rot[0, 2] * cz
        wcy = rot[1, 0] * cx + rot[1, 1] * cy + rot[1, 2] * cz
        wcz = rot[2, 0] * cx + rot[2, 1] * cy + rot[2, 2] * cz
        cand = np.empty(n_prim, np.int64)
        nc = 0
        for p in range(n_prim):
            vx, vy, vz = centres[p, 0] - ox, centres[p, 1] - oy, centres[p, 2] - oz
            dist = np.sqrt(vx * vx + vy * vy + vz * vz)
            if dist <= radii[p]:
                cand[nc] = p
                nc += 1
                continue
            ang = np.arccos(max(min((vx * wcx + vy * wcy + vz * wcz) / dist, 1.0), -1.0))
            if ang - np.arcsin(radii[p] / dist) <= cone:
                cand[nc] = p
                nc += 1
        for py in range(ty0, min(ty0 + TILE, height)):
            for px in range(tx0, min(tx0 + TILE, width)):
                lx, ly, lz, ok = _ray(px, py, width, height, lens, focal)
                if not ok:
                    out[py, px, 0] = 0.0
                    out[py, px, 1] = 0.0
                    out[py, px, 2] = 0.0
                    ids[py, px] = ID_SPACE
                    continue
                dx = rot[0, 0] * lx + rot[0, 1] * ly + rot[0, 2] * lz
                dy = rot[1, 0] * lx + rot[1, 1] * ly + rot[1, 2] * lz
                dz = rot[2, 0] * lx + rot[2, 1] * ly + rot[2, 2] * lz
                # station
                best, bn0, bn1, bn2, bp = 1e30, 0.0, 0.0, 0.0, -1
                for j in range(nc):
                    p = cand[j]
                    t, n0, n1, n2 = _hit_prim(
                        ox, oy, oz, dx, dy, dz, centres[p], rots[p], halves[p], kinds[p]
                    )
                    if t > 0 and t < best:
                        best, bn0, bn1, bn2, bp = t, n0, n1, n2, p
                if bp >= 0:
                    if bn0 * dx + bn1 * dy + bn2 * dz > 0:
                        bn0, bn1, bn2 = -bn0, -bn1, -bn2
                    lam = max(bn0 * sun[0] + bn1 * sun[1] + bn2 * sun[2], 0.0) * sun_frac
                    # shadow from the station's own solids
                    if lam > 0:
                        hx = ox + best * dx + bn0 * 1e-6
                        hy = oy + best * dy + bn1 * 1e-6
                        hz = oz + best * dz + bn2 * 1e-6
                        for q in range(n_prim):
                            if q == bp:
                                continue
                            vx = centres[q, 0] - hx
                            vy = centres[q, 1] - hy
                            vz = centres[q, 2] - hz
                            tca = vx * sun[0] + vy * sun[1] + vz * sun[2]
                            d2 = vx * vx + vy * vy + vz * vz - tca * tca
                            if d2 > radii[q] * radii[q] or (
                                tca < 0 and vx * vx + vy * vy + vz * vz > radii[q] * radii[q]
                            ):
                                continue
                            ts, _, _, _ = _hit_prim(
                                hx,
                                hy,
                                hz,
                                sun[0],
                                sun[1],
                                sun[2],
                                centres[q],
                                rots[q],
                                halves[q],
                                kinds[q],
                            )
                            if ts > 0:
                                lam = 0.0
                                break
                    light = lam / np.pi + EARTHSHINE * sun_frac
                    for c in range(3):
                        out[py, px, c] = colours[bp, c] * light
                    ids[py, px] = ID_STATION
                    continue
                # atmosphere along the view ray (spherical shell model)
                mu = zx * dx + zy * dy + zz * dz
                nu = sun[0] * dx + sun[1] * dy + sun[2] * dz
                lr, lg, lb, tr, tg, tb = lookup(inscatter, transmit, params, mu, mus, nu)
                # Earth: ellipsoid scaled to a sphere
                sz, dsz = oz * k, dz * k
                a2 = dx * dx + dy * dy + dsz * dsz
                b2 = ox * dx + oy * dy + sz * dsz
                c2 = ox * ox + oy * oy + sz * sz - A_KM * A_KM
                disc = b2 * b2 - a2 * c2
                if disc >= 0 and b2 < 0:
                    t = (-b2 - np.sqrt(disc)) / a2
                    x, y, z = ox + t * dx, oy + t * dy, oz + t * dz
                    nx, ny, nz = x / (A_KM * A_KM), y / (A_KM * A_KM), z / (B_KM * B_KM)
                    nn = np.sqrt(nx * nx + ny * ny + nz * nz)
                    nx, ny, nz = nx / nn, ny / nn, nz / nn
                    lat = np.arctan2(z, (1.0 - E2) * np.sqrt(x * x + y * y))
                    lon = np.arctan2(y, x)
                    fu = (lon + np.pi) / (2 * np.pi) * w_tex - 0.5
                    fv = (np.pi / 2 - lat) / np.pi * h_tex - 0.5
                    c0, r0 = int(np.floor(fu)), int(np.floor(fv))
                    au, av = fu - c0, fv - r0
                    mu_g = nx * sun[0] + ny * sun[1] + nz * sun[2]
                    rg = np.sqrt(x * x + y * y + z * z)
                    sr, sg, sb = sun_transmittance(params, rg * 6360.0 / A_KM, mu_g)
                    direct = max(mu_g, 0.0) / np.pi
                    oc = (1 - av) * (
                        (1 - au) * ocean[min(max(r0, 0), h_tex - 1), c0 % w_tex]
                        + au * ocean[min(max(r0, 0), h_tex - 1), (c0 + 1) % w_tex]
                    ) + av * (
                        (1 - au) * ocean[min(max(r0 + 1, 0), h_tex - 1), c0 % w_tex]
                        + au * ocean[min(max(r0 + 1, 0), h_tex - 1), (c0 + 1) % w_tex]
                    )
                    glint = 0.0
                    if oc > 0 and mu_g > 0:
                        hx, hy, hz = sun[0] - dx, sun[1] - dy, sun[2] - dz
                        hn = np.sqrt(hx * hx + hy * hy + hz * hz)
                        ndh = max((nx * hx + ny * hy + nz * hz) / hn, 0.0)
                        glint = oc * 0.02 * ndh**300 * (300 + 8) / (8 * np.pi)
                    tsun = (sr, sg, sb)
                    tview = (tr, tg, tb)
                    lin = (lr, lg, lb)
                    for c in range(3):
                        alb = (1 - av) * (
                            (1 - au) * _texel(tex, r0, c0, h_tex, w_tex, c)
                            + au * _texel(tex, r0, c0 + 1, h_tex, w_tex, c)
                        ) + av * (
                            (1 - au) * _texel(tex, r0 + 1, c0, h_tex, w_tex, c)
                            + au * _texel(tex, r0 + 1, c0 + 1, h_tex, w_tex, c)
                        )
                        out[py, px, c] = (alb * direct + glint) * tsun[c] * tview[c] + lin[c]
                    ids[py, px] = ID_EARTH
                    continue
                # sky: in-scattered light, the Sun's disc and glare (if not eclipsed)
                ang = np.arccos(max(min(nu, 1.0), -1.0))
                if ang < SUN_RADIUS_RAD and sun_frac > 0:
                    v = sun_frac / (np.pi * SUN_RADIUS_RAD * SUN_RADIUS_RAD)
                    out[py, px, 0] = v * tr
                    out[py, px, 1] = v * tg
                    out[py, px, 2] = v * tb
                    ids[py, px] = ID_SUN
                    continue
                glare = sun_frac * 2e-6 / (ang * ang + 1e-5)
                glow = 0.0
                if mu < 0:  # airglow: a thin emitting layer, seen edge-on above the limb
                    h_t = rc * np.sqrt(max(1.0 - mu * mu, 0.0)) - 6371.0
                    glow = AIRGLOW * np.exp(-(((h_t - AIRGLOW_KM) / AIRGLOW_WIDTH_KM) ** 2))
                out[py, px, 0] = lr + glare + 0.45 * glow
                out[py, px, 1] = lg + glare + glow
                out[py, px, 2] = lb + glare + 0.35 * glow
                ids[py, px] = ID_SPACE


GAMMA_TABLE = np.round(255.0 * np.linspace(0.0, 1.0, 4097) ** (1 / 2.2)).astype(np.uint8)


@njit(cache=True, parallel=True)
def tone_map(radiance, exposure, image, table=GAMMA_TABLE):
    """Exposure, filmic curve 1 - exp(-E L), gamma 1/2.2 (4,096-step table), to uint8."""
    h, w = radiance.shape[0], radiance.shape[1]
    n = table.shape[0] - 1
    for y in prange(h):
        for x in range(w):
            for c in range(3):
                v = 1.0 - np.exp(-exposure * radiance[y, x, c])
                image[y, x, c] = table[int(v * n + 0.5)]
