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
COS_SUN_RADIUS = float(np.cos(SUN_RADIUS_RAD))
TILE = 16
ID_SPACE, ID_EARTH, ID_STATION, ID_SUN = 0, 1, 2, 3
EARTHSHINE = 0.02  # ambient light on the station's shadowed sides from the sunlit Earth
AIRGLOW = 3e-5
AIRGLOW_KM = 95.0
AIRGLOW_WIDTH_KM = 6.0
"""Airglow (O 557.7 nm, ~95 km): a visual approximation, not a radiometric model; its peak is
set to be just visible at the night-time exposure limit, as it is in ISS night imagery."""


@njit(cache=True, inline="always", fastmath=True)
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


@njit(cache=True, inline="always", fastmath=True)
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


@njit(cache=True, inline="always", fastmath=True)
def _earth_t(ox, oy, oz, dx, dy, dz):
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


@njit(cache=True, inline="always", fastmath=True)
def _shade_earth(t, ox, oy, oz, dx, dy, dz, sun, tex, ocean, params, lr, lg, lb, tr, tg, tb):
    h_tex, w_tex = tex.shape[0], tex.shape[1]
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
    c1 = c0 + 1
    if c0 < 0:
        c0 += w_tex
    if c1 >= w_tex:
        c1 -= w_tex
    r1 = min(r0 + 1, h_tex - 1)
    r0 = max(r0, 0)
    w00, w01 = (1 - av) * (1 - au), (1 - av) * au
    w10, w11 = av * (1 - au), av * au
    mu_g = nx * sun[0] + ny * sun[1] + nz * sun[2]
    rg = np.sqrt(x * x + y * y + z * z)
    sr, sg, sb = sun_transmittance(params, rg * 6360.0 / A_KM, mu_g)
    direct = max(mu_g, 0.0) / np.pi
    glint = 0.0
    if mu_g > 0:
        oc = w00 * ocean[r0, c0] + w01 * ocean[r0, c1] + w10 * ocean[r1, c0] + w11 * ocean[r1, c1]
        if oc > 0:
            hx, hy, hz = sun[0] - dx, sun[1] - dy, sun[2] - dz
            hn = np.sqrt(hx * hx + hy * hy + hz * hz)
            ndh = (nx * hx + ny * hy + nz * hz) / hn
            if ndh > 0.95:
                glint = oc * 0.02 * ndh**300 * (300 + 8) / (8 * np.pi)
    a0 = w00 * tex[r0, c0, 0] + w01 * tex[r0, c1, 0] + w10 * tex[r1, c0, 0] + w11 * tex[r1, c1, 0]
    a1 = w00 * tex[r0, c0, 1] + w01 * tex[r0, c1, 1] + w10 * tex[r1, c0, 1] + w11 * tex[r1, c1, 1]
    a2 = w00 * tex[r0, c0, 2] + w01 * tex[r0, c1, 2] + w10 * tex[r1, c0, 2] + w11 * tex[r1, c1, 2]
    return (
        (a0 * direct + glint) * sr * tr + lr,
        (a1 * direct + glint) * sg * tg + lg,
        (a2 * direct + glint) * sb * tb + lb,
    )


@njit(cache=True, inline="always", fastmath=True)
def _nearest_solid(ox, oy, oz, dx, dy, dz, cand, near, nc, centres, rots, halves, kinds):
    """Nearest solid hit; candidates come sorted by the near side of their bounding sphere,
    so the search stops as soon as no remaining solid can be nearer than the best hit."""
    best, bn0, bn1, bn2, bp = 1e30, 0.0, 0.0, 0.0, -1
    for j in range(nc):
        if near[j] > best:
            break
        p = cand[j]
        t, n0, n1, n2 = _hit_prim(ox, oy, oz, dx, dy, dz, centres[p], rots[p], halves[p], kinds[p])
        if t > 0 and t < best:
            best, bn0, bn1, bn2, bp = t, n0, n1, n2, p
    return best, bn0, bn1, bn2, bp


@njit(cache=True, inline="always", fastmath=True)
def _in_shadow(hx, hy, hz, bp, sun, centres, rots, halves, kinds, radii):
    """Does another station solid block the Sun from point h?"""
    for q in range(centres.shape[0]):
        if q == bp:
            continue
        vx, vy, vz = centres[q, 0] - hx, centres[q, 1] - hy, centres[q, 2] - hz
        tca = vx * sun[0] + vy * sun[1] + vz * sun[2]
        dd = vx * vx + vy * vy + vz * vz
        rr = radii[q] * radii[q]
        if dd - tca * tca > rr or (tca < 0 and dd > rr):
            continue
        ts, _, _, _ = _hit_prim(
            hx, hy, hz, sun[0], sun[1], sun[2], centres[q], rots[q], halves[q], kinds[q]
        )
        if ts > 0:
            return True
    return False


@njit(cache=True, inline="always", fastmath=True)
def _shade_solid(dx, dy, dz, bn0, bn1, bn2, bp, sun, sun_frac, shadowed, colours):
    """Lambert shading of a station solid plus earthshine; ``shadowed`` from _in_shadow."""
    if bn0 * dx + bn1 * dy + bn2 * dz > 0:
        bn0, bn1, bn2 = -bn0, -bn1, -bn2
    lam = 0.0 if shadowed else max(bn0 * sun[0] + bn1 * sun[1] + bn2 * sun[2], 0.0) * sun_frac
    light = lam / np.pi + EARTHSHINE * sun_frac
    return colours[bp, 0] * light, colours[bp, 1] * light, colours[bp, 2] * light


@njit(cache=True, inline="always", fastmath=True)
def _shade_ray(
    ox,
    oy,
    oz,
    dx,
    dy,
    dz,
    zx,
    zy,
    zz,
    rc,
    mus,
    sun,
    sun_frac,
    tex,
    ocean,
    inscatter,
    transmit,
    params,
    t_earth,
):
    """Radiance and id of a ray that hits no station solid."""
    mu = zx * dx + zy * dy + zz * dz
    nu = sun[0] * dx + sun[1] * dy + sun[2] * dz
    lr, lg, lb, tr, tg, tb = lookup(inscatter, transmit, params, mu, mus, nu)
    if t_earth > 0:
        r, g, b = _shade_earth(
            t_earth, ox, oy, oz, dx, dy, dz, sun, tex, ocean, params, lr, lg, lb, tr, tg, tb
        )
        return r, g, b, ID_EARTH
    if nu > COS_SUN_RADIUS and sun_frac > 0:
        v = sun_frac / (np.pi * SUN_RADIUS_RAD * SUN_RADIUS_RAD)
        return v * tr, v * tg, v * tb, ID_SUN
    ang2 = 2.0 * (1.0 - nu)  # small-angle: angle^2 from the Sun
    glare = sun_frac * 2e-6 / (ang2 + 1e-5)
    glow = 0.0
    if mu < 0:  # airglow: a thin emitting layer, seen edge-on above the limb
        h_t = rc * np.sqrt(max(1.0 - mu * mu, 0.0)) - 6371.0
        glow = AIRGLOW * np.exp(-(((h_t - AIRGLOW_KM) / AIRGLOW_WIDTH_KM) ** 2))
    return lr + glare + 0.45 * glow, lg + glare + glow, lb + glare + 0.35 * glow, ID_SPACE


@njit(cache=True, parallel=True, fastmath=True)
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
    rects,
    inscatter,
    transmit,
    params,
    out,
    ids,
):
    """Fill ``out`` (H, W, 3) radiance and ``ids`` (H, W).

    Pixels are processed in 2 x 2 blocks: a block whose four rays all hit the Earth (and no
    station solid) is shaded once along its mean ray (the texture is ~7 km per texel, coarser
    than a pixel from orbit); every other pixel is shaded on its own. Object ids are always
    per pixel.
    """
    n_prim = centres.shape[0]
    ox, oy, oz = cam[0], cam[1], cam[2]
    rc = np.sqrt(ox * ox + oy * oy + oz * oz)
    zx, zy, zz = ox / rc, oy / rc, oz / rc
    mus = zx * sun[0] + zy * sun[1] + zz * sun[2]
    tiles_x = (width + TILE - 1) // TILE
    tiles_y = (height + TILE - 1) // TILE
    for tile in prange(tiles_x * tiles_y):
        tx0 = (tile % tiles_x) * TILE
        ty0 = (tile // tiles_x) * TILE
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
        cone_w = np.arccos(max(min(cos_cone, 1.0), -1.0)) + 1e-3
        cos_cone_w, sin_cone_w = np.cos(cone_w), np.sin(cone_w)
        wcx = rot[0, 0] * cx + rot[0, 1] * cy + rot[0, 2] * cz
        wcy = rot[1, 0] * cx + rot[1, 1] * cy + rot[1, 2] * cz
        wcz = rot[2, 0] * cx + rot[2, 1] * cy + rot[2, 2] * cz
        cand = np.empty(n_prim, np.int64)
        near = np.empty(n_prim)
        nc = 0
        tx1, ty1 = tx0 + TILE, ty0 + TILE
        for p in range(n_prim):
            # screen rectangle of the solid (from its projected corners): a cheap first test
            if rects[p, 0] > tx1 or rects[p, 2] < tx0 or rects[p, 1] > ty1 or rects[p, 3] < ty0:
                continue
            vx, vy, vz = centres[p, 0] - ox, centres[p, 1] - oy, centres[p, 2] - oz
            dist = np.sqrt(vx * vx + vy * vy + vz * vz)
            keep = dist <= radii[p]
            if not keep:  # angle(centre, axis) <= cone + asin(r / d), compared as cosines
                sin_a = radii[p] / dist
                cos_a = np.sqrt(1.0 - sin_a * sin_a)
                cos_lim = cos_cone_w * cos_a - sin_cone_w * sin_a
                keep = cone_w + np.arcsin(sin_a) >= np.pi or (
                    (vx * wcx + vy * wcy + vz * wcz) / dist >= cos_lim
                )
            if keep:  # insertion sort by the near side of the bounding sphere
                d_near = dist - radii[p]
                j = nc
                while j > 0 and near[j - 1] > d_near:
                    near[j] = near[j - 1]
                    cand[j] = cand[j - 1]
                    j -= 1
                near[j] = d_near
                cand[j] = p
                nc += 1
        blk = np.empty((4, 4))  # per pixel: dx, dy, dz, t_earth
        hit = np.empty((4, 5))  # per pixel: best, n0, n1, n2, prim (-1: none)
        valid = np.zeros(4, np.bool_)
        for by in range(ty0, min(ty0 + TILE, height), 2):
            for bx in range(tx0, min(tx0 + TILE, width), 2):
                uniform = True
                for j in range(4):
                    px, py = bx + j % 2, by + j // 2
                    valid[j] = False
                    if px >= width or py >= height:
                        uniform = False
                        continue
                    lx, ly, lz, ok = _ray(px, py, width, height, lens, focal)
                    if not ok:
                        out[py, px, 0] = 0.0
                        out[py, px, 1] = 0.0
                        out[py, px, 2] = 0.0
                        ids[py, px] = ID_SPACE
                        uniform = False
                        continue
                    valid[j] = True
                    dx = rot[0, 0] * lx + rot[0, 1] * ly + rot[0, 2] * lz
                    dy = rot[1, 0] * lx + rot[1, 1] * ly + rot[1, 2] * lz
                    dz = rot[2, 0] * lx + rot[2, 1] * ly + rot[2, 2] * lz
                    blk[j, 0], blk[j, 1], blk[j, 2] = dx, dy, dz
                    best, n0, n1, n2, bp = _nearest_solid(
                        ox, oy, oz, dx, dy, dz, cand, near, nc, centres, rots, halves, kinds
                    )
                    hit[j, 0], hit[j, 1], hit[j, 2], hit[j, 3], hit[j, 4] = best, n0, n1, n2, bp
                    te = _earth_t(ox, oy, oz, dx, dy, dz)
                    blk[j, 3] = te
                    if bp >= 0 or te < 0:
                        uniform = False
                if uniform:
                    mx = blk[0, 0] + blk[1, 0] + blk[2, 0] + blk[3, 0]
                    my = blk[0, 1] + blk[1, 1] + blk[2, 1] + blk[3, 1]
                    mz = blk[0, 2] + blk[1, 2] + blk[2, 2] + blk[3, 2]
                    mn = np.sqrt(mx * mx + my * my + mz * mz)
                    mx, my, mz = mx / mn, my / mn, mz / mn
                    te = _earth_t(ox, oy, oz, mx, my, mz)
                    if te > 0:
                        r, g, b, _ = _shade_ray(
                            ox,
                            oy,
                            oz,
                            mx,
                            my,
                            mz,
                            zx,
                            zy,
                            zz,
                            rc,
                            mus,
                            sun,
                            sun_frac,
                            tex,
                            ocean,
                            inscatter,
                            transmit,
                            params,
                            te,
                        )
                        for j in range(4):
                            px, py = bx + j % 2, by + j // 2
                            out[py, px, 0], out[py, px, 1], out[py, px, 2] = r, g, b
                            ids[py, px] = ID_EARTH
                        continue
                # one shadow test per block when its pixels all hit the same solid
                same = valid[0] and hit[0, 4] >= 0
                for j in range(1, 4):
                    if not valid[j] or hit[j, 4] != hit[0, 4]:
                        same = False
                block_shadow = False
                if same and sun_frac > 0:
                    hx = hy = hz = 0.0
                    for j in range(4):
                        hx += ox + hit[j, 0] * blk[j, 0]
                        hy += oy + hit[j, 0] * blk[j, 1]
                        hz += oz + hit[j, 0] * blk[j, 2]
                    n0, n1, n2 = hit[0, 1], hit[0, 2], hit[0, 3]
                    if n0 * blk[0, 0] + n1 * blk[0, 1] + n2 * blk[0, 2] > 0:
                        n0, n1, n2 = -n0, -n1, -n2
                    block_shadow = _in_shadow(
                        hx / 4 + n0 * 1e-6,
                        hy / 4 + n1 * 1e-6,
                        hz / 4 + n2 * 1e-6,
                        int(hit[0, 4]),
                        sun,
                        centres,
                        rots,
                        halves,
                        kinds,
                        radii,
                    )
                for j in range(4):
                    if not valid[j]:
                        continue
                    px, py = bx + j % 2, by + j // 2
                    dx, dy, dz = blk[j, 0], blk[j, 1], blk[j, 2]
                    if hit[j, 4] >= 0:
                        bp = int(hit[j, 4])
                        shadowed = block_shadow
                        if not same and sun_frac > 0:
                            n0, n1, n2 = hit[j, 1], hit[j, 2], hit[j, 3]
                            if n0 * dx + n1 * dy + n2 * dz > 0:
                                n0, n1, n2 = -n0, -n1, -n2
                            shadowed = _in_shadow(
                                ox + hit[j, 0] * dx + n0 * 1e-6,
                                oy + hit[j, 0] * dy + n1 * 1e-6,
                                oz + hit[j, 0] * dz + n2 * 1e-6,
                                bp,
                                sun,
                                centres,
                                rots,
                                halves,
                                kinds,
                                radii,
                            )
                        r, g, b = _shade_solid(
                            dx,
                            dy,
                            dz,
                            hit[j, 1],
                            hit[j, 2],
                            hit[j, 3],
                            bp,
                            sun,
                            sun_frac,
                            shadowed,
                            colours,
                        )
                        out[py, px, 0], out[py, px, 1], out[py, px, 2] = r, g, b
                        ids[py, px] = ID_STATION
                        continue
                    r, g, b, ident = _shade_ray(
                        ox,
                        oy,
                        oz,
                        dx,
                        dy,
                        dz,
                        zx,
                        zy,
                        zz,
                        rc,
                        mus,
                        sun,
                        sun_frac,
                        tex,
                        ocean,
                        inscatter,
                        transmit,
                        params,
                        blk[j, 3],
                    )
                    out[py, px, 0], out[py, px, 1], out[py, px, 2] = r, g, b
                    ids[py, px] = ident


TONE_SQRT_MAX = 3.6  # sqrt of the exposed radiance beyond which the curve is white
TONE_TABLE = np.round(
    255.0 * (1.0 - np.exp(-(np.linspace(0.0, TONE_SQRT_MAX, 8193) ** 2))) ** (1 / 2.2)
).astype(np.uint8)
"""Filmic curve 1 - exp(-E L) and gamma 1/2.2 in one table, indexed by sqrt(E L): fine steps in
the shadows (the first step is E L = 2e-7), no exp or pow per pixel."""


@njit(cache=True, parallel=True, fastmath=True)
def tone_map(radiance, exposure, image, table=TONE_TABLE):
    """Exposure, filmic curve, gamma (one table lookup per value), to uint8."""
    h, w = radiance.shape[0], radiance.shape[1]
    n = table.shape[0] - 1
    scale = n / TONE_SQRT_MAX
    for y in prange(h):
        for x in range(w):
            for c in range(3):
                e = exposure * radiance[y, x, c]
                i = int(np.sqrt(e) * scale + 0.5) if e > 0 else 0
                image[y, x, c] = table[min(i, n)]
