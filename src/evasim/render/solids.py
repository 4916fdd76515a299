"""Ray tests against the station's solids (numba, ITRS kilometres).

Each solid is a cylinder (along its local x: half length ``half[0]``, radius ``half[1]``) or a
box (half sizes ``half``), placed by its centre and a rotation whose columns are its local axes.
Hits also report a *face* code (cylinder: 0 side, 1 and 2 the end caps; box: 3 + 2 axis + (sign
> 0)), which the block renderer uses to tell whether four rays saw the same smooth surface.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .lamps import lamp_light
from .shadowgrid import cell_of

EARTHSHINE = 0.02  # ambient light on the station's shadowed sides from the sunlit Earth


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def hit_solid(ox, oy, oz, dx, dy, dz, c, rot, half, kind):
    """Nearest positive hit of one solid: ``(t, nx, ny, nz, face)``, ``t = -1`` on a miss.

    ``(ox, oy, oz)`` and the unit direction ``(dx, dy, dz)`` are in the frame of ``c`` and
    ``rot`` (ITRS, km); the normal is the outward unit normal in that frame.
    """
    qx, qy, qz = ox - c[0], oy - c[1], oz - c[2]
    lx = rot[0, 0] * qx + rot[1, 0] * qy + rot[2, 0] * qz
    ly = rot[0, 1] * qx + rot[1, 1] * qy + rot[2, 1] * qz
    lz = rot[0, 2] * qx + rot[1, 2] * qy + rot[2, 2] * qz
    ex = rot[0, 0] * dx + rot[1, 0] * dy + rot[2, 0] * dz
    ey = rot[0, 1] * dx + rot[1, 1] * dy + rot[2, 1] * dz
    ez = rot[0, 2] * dx + rot[1, 2] * dy + rot[2, 2] * dz
    best, nx, ny, nz, face = -1.0, 0.0, 0.0, 0.0, -1
    if kind == 0:  # cylinder along local x
        a = ey * ey + ez * ez
        r2 = half[1] * half[1]
        if a > 1e-30:
            b = ly * ey + lz * ez
            cc = ly * ly + lz * lz - r2
            disc = b * b - a * cc
            if disc >= 0:
                sq = np.sqrt(disc)
                t = (-b - sq) / a
                if not (t > 1e-9 and abs(lx + t * ex) <= half[0]):
                    t = (-b + sq) / a
                if t > 1e-9 and abs(lx + t * ex) <= half[0]:
                    best, nx, ny, nz, face = t, 0.0, ly + t * ey, lz + t * ez, 0
        if abs(ex) > 1e-30:
            for k in range(2):
                side = -1.0 if k == 0 else 1.0
                t = (side * half[0] - lx) / ex
                if t > 1e-9 and (best < 0 or t < best):
                    yy, zz = ly + t * ey, lz + t * ez
                    if yy * yy + zz * zz <= r2:
                        best, nx, ny, nz, face = t, side, 0.0, 0.0, 1 + k
    else:  # box: slabs
        tmin, tmax = -1e30, 1e30
        axis, sign = 0, 1.0
        for k in range(3):
            o = lx if k == 0 else (ly if k == 1 else lz)
            d = ex if k == 0 else (ey if k == 1 else ez)
            if abs(d) < 1e-30:
                if abs(o) > half[k]:
                    return -1.0, 0.0, 0.0, 0.0, -1
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
                return -1.0, 0.0, 0.0, 0.0, -1
        if tmin > 1e-9:
            best = tmin
            nx = sign if axis == 0 else 0.0
            ny = sign if axis == 1 else 0.0
            nz = sign if axis == 2 else 0.0
            face = 3 + 2 * axis + (1 if sign > 0 else 0)
    if best < 0:
        return -1.0, 0.0, 0.0, 0.0, -1
    wx = rot[0, 0] * nx + rot[0, 1] * ny + rot[0, 2] * nz
    wy = rot[1, 0] * nx + rot[1, 1] * ny + rot[1, 2] * nz
    wz = rot[2, 0] * nx + rot[2, 1] * ny + rot[2, 2] * nz
    n = np.sqrt(wx * wx + wy * wy + wz * wz)
    return best, wx / n, wy / n, wz / n, face


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def nearest_solid(
    ox, oy, oz, dx, dy, dz, sx, sy, cand, near, nc, centres, rots, halves, kinds, rects
):
    """Nearest solid hit among a tile's candidates: ``(t, nx, ny, nz, prim, face)``, prim -1
    on a miss.

    ``(sx, sy)`` is the ray's point on the screen (pixel units): a candidate whose projected
    screen rectangle does not contain it is skipped with four comparisons. Candidates come
    sorted by the near side of their bounding sphere, so the search stops as soon as no
    remaining solid can be nearer than the best hit.
    """
    best, bn0, bn1, bn2, bp, bf = 1e30, 0.0, 0.0, 0.0, -1, -1
    for j in range(nc):
        if near[j] > best:
            break
        p = cand[j]
        if sx < rects[p, 0] or sx > rects[p, 2] or sy < rects[p, 1] or sy > rects[p, 3]:
            continue
        t, n0, n1, n2, f = hit_solid(
            ox, oy, oz, dx, dy, dz, centres[p], rots[p], halves[p], kinds[p]
        )
        if t > 0 and t < best:
            best, bn0, bn1, bn2, bp, bf = t, n0, n1, n2, p, f
    return best, bn0, bn1, bn2, bp, bf


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def _sphere_misses(hx, hy, hz, sun, cx, cy, cz, r):
    """Does the ray from h along the unit ``sun`` miss the sphere (centre c, radius r)?"""
    vx, vy, vz = cx - hx, cy - hy, cz - hz
    tca = vx * sun[0] + vy * sun[1] + vz * sun[2]
    dd = vx * vx + vy * vy + vz * vz
    rr = r * r
    return dd - tca * tca > rr or (tca < 0 and dd > rr)


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def blocks_sun(hx, hy, hz, q, sun, centres, rots, halves, kinds, radii):
    """Does solid q block the Sun (unit vector ``sun``) from point h (its bounding sphere
    first, then exactly)?"""
    if _sphere_misses(hx, hy, hz, sun, centres[q, 0], centres[q, 1], centres[q, 2], radii[q]):
        return False
    ts, _, _, _, _ = hit_solid(
        hx, hy, hz, sun[0], sun[1], sun[2], centres[q], rots[q], halves[q], kinds[q]
    )
    return ts > 0


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def in_shadow(hx, hy, hz, bp, sun, centres, rots, halves, kinds, radii, grid):
    """Does another solid (not bp) block the Sun (unit vector ``sun``) from point h?

    ``grid``: the solids listed by where their bounding spheres project across the Sun's
    direction (:func:`.shadowgrid.build`): only those of h's cell can be met; each is tried
    by its bounding sphere, then exactly."""
    params, cell_start, items = grid
    c = cell_of(hx, hy, hz, params)
    if c < 0:
        return False
    for k in range(cell_start[c], cell_start[c + 1]):
        q = items[k]
        if q != bp and blocks_sun(hx, hy, hz, q, sun, centres, rots, halves, kinds, radii):
            return True
    return False


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def surface_uv(ox, oy, oz, dx, dy, dz, t, c, rot, half, kind, face):
    """Surface coordinates (m) of the hit ``t`` km along the ray on a solid's ``face``
    (:func:`hit_solid`), for the materials' patterns (:mod:`.materials`): cylinder side ``u``
    along the axis, ``v`` the arc length around it; end caps and box faces the two local
    coordinates across the face (the lower-numbered axis first)."""
    qx, qy, qz = ox + t * dx - c[0], oy + t * dy - c[1], oz + t * dz - c[2]
    lx = rot[0, 0] * qx + rot[1, 0] * qy + rot[2, 0] * qz
    ly = rot[0, 1] * qx + rot[1, 1] * qy + rot[2, 1] * qz
    lz = rot[0, 2] * qx + rot[1, 2] * qy + rot[2, 2] * qz
    if kind == 0:
        if face == 0:
            return lx * 1000.0, np.arctan2(lz, ly) * half[1] * 1000.0
        return ly * 1000.0, lz * 1000.0
    axis = (face - 3) // 2
    if axis == 0:
        return ly * 1000.0, lz * 1000.0
    if axis == 1:
        return lx * 1000.0, lz * 1000.0
    return lx * 1000.0, ly * 1000.0


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def shade_solid(dx, dy, dz, bn0, bn1, bn2, sun, sun_frac, shadowed, lamps, t, ks, shininess):
    """Light on a station solid's surface: ``(diffuse, specular)``. ``diffuse`` times the
    albedo (:mod:`.materials`) plus ``specular`` is the radiance (units of the Sun's
    irradiance per sr): Lambert from the Sun (unless ``shadowed``, :func:`in_shadow`) plus
    earthshine plus the helmet ``lamps`` (:mod:`.lamps`) at the camera, the hit being ``t`` km
    along the unit ray (dx, dy, dz); the specular term is a normalised Blinn-Phong lobe
    ``ks (n + 8) / (8 pi) cos^n(h) cos(i)`` of the Sun (white)."""
    cos_v = bn0 * dx + bn1 * dy + bn2 * dz
    if cos_v > 0:
        bn0, bn1, bn2 = -bn0, -bn1, -bn2
    cos_i = 0.0 if shadowed else max(bn0 * sun[0] + bn1 * sun[1] + bn2 * sun[2], 0.0)
    lam = cos_i * sun_frac
    light = lam / np.pi + EARTHSHINE * sun_frac + lamp_light(lamps, dx, dy, dz, abs(cos_v), t)
    spec = 0.0
    if ks > 0 and lam > 0:
        hx, hy, hz = sun[0] - dx, sun[1] - dy, sun[2] - dz
        hn = np.sqrt(hx * hx + hy * hy + hz * hz)
        if hn > 1e-12:
            ch = max((bn0 * hx + bn1 * hy + bn2 * hz) / hn, 0.0)
            spec = ks * (shininess + 8.0) / (8.0 * np.pi) * ch**shininess * lam
    return light, spec
