"""The helmet-camera ray caster (numba, both cores), with adaptive sampling.

Everything is in ITRS kilometres. A ray sees the station's solids (cylinders and boxes from the
3-D layout, with their shadows), else the WGS84 Earth or the sky (:mod:`.shading`). Output is
linear radiance in units of the Sun's irradiance, an object-id buffer (0 space, 1 Earth,
2 station, 3 Sun, 4-6 the people of :mod:`.people`) and, when asked, the tone-mapped 8-bit
image.

Two passes over BLOCK x BLOCK pixel blocks (:func:`trace_corners`, then :func:`fill_blocks`;
:func:`render` runs both):

1. one ray at every block corner, i.e. the exact value of pixels (BLOCK i, BLOCK j);
2. each block is then
   * interpolated bilinearly from its four corners when it is *smooth*: the corners all saw
     the Earth, with ground points at most one Blue Marble texel apart (the texture holds no
     detail the interpolation could lose there) and no station solid able to reach the block;
     or the same face of the same solid in the same station-shadow state, with no other solid
     able to come in front; or open sky more than 3 deg from the Sun and above the airglow
     layer. A convex object seen at all four corners covers the whole block, so ids stay
     exact. "Able to reach the block" is decided exactly and conservatively from each solid's
     convex hull on the screen (:mod:`.culling`);
   * shaded once per 2 x 2 pixels along the central ray when it is Earth whose ground points
     are more than a texel apart (toward the limb);
   * traced pixel by pixel otherwise (the limb, station edges, shadow edges, the Sun).

Solids are culled per 16 x 16 tile (screen rectangle, bounding sphere against the tile's cone),
tested in order of the near side of their bounding spheres with early exit, and skipped per
pixel by their screen rectangles. Rows are handed to the threads in a scattered order so that
the static split of a parallel loop gives each core a fair share of the costly rows.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..constants import EARTH_MEAN_RADIUS_KM
from .airglow import AIRGLOW_TOP_KM
from .culling import square_misses_bound
from .lens import RAY_TABLE_STEPS, ray_fast, ray_table_row
from .materials import pattern_visible, surface_albedo, surface_material, uniform_over
from .shading import (
    A_KM,
    ID_EARTH,
    ID_SPACE,
    ID_STATION,
    ID_SUN,
    earth_t,
    shade_sky_or_earth,
)
from .solids import blocks_sun, hit_solid, in_shadow, nearest_solid, shade_solid, surface_uv

__all__ = [
    "ID_EARTH",
    "ID_SPACE",
    "ID_STATION",
    "ID_SUN",
    "fill_blocks",
    "render",
    "tone_values",
    "trace_corners",
]

TILE = 16  # pixels per side of the tiles over which solids are culled
BLOCK = 4  # pixels per side of the adaptive-sampling blocks (TILE must be a multiple)
COS_SMOOTH_SUN = float(np.cos(np.radians(3.0)))
SMOOTH_SKY_RADIUS_KM = EARTH_MEAN_RADIUS_KM + AIRGLOW_TOP_KM
"""Sky is interpolated between block corners only more than 3 deg from the Sun (the glare
varies as 1 / angle^2) and where rays pass above the airglow layer (and so above the
atmosphere table's 60 km top): there it is smooth at the scale of a block."""

NO_REFCOUNTING = {"_nrt": False}
"""numba option for the per-row workers, which allocate nothing: without it, every array taken
out of the scene tuples inside the per-pixel code is reference-counted (atomic increments and
decrements per pixel), which made the kernels ~1.6x slower. numba refuses, at compile time, to
compile an allocation in a function built this way, so the option cannot silently go wrong."""

DEPTH_MARGIN = 1e-3
"""Relative depth margin when a solid is judged to lie behind a block's face from the corner
rays: covers the bulge of a cylinder between two rays 4 pixels apart (sagitta ~ 1e-4 of the
distance for a 120 deg lens and a 2 m radius at 10 m)."""

MAX_BLOCK_ARC_RAD = 0.3
"""A block on a cylinder's side is interpolated only when its corners lie within this angle
around the axis: bilinear light across an arc of angle a errs by up to about a^2 / 8 of the
lit level (a diffuse lamp or Sun term goes as the cosine of the incidence), 1 % at 0.3 rad;
wider arcs are the thin handrails and tethers near the camera and the modules' limbs, traced
per pixel."""

UV_JUMP_PX = 32.0
"""A station block is interpolated only when its corners' surface coordinates differ by less
than this many pixel footprints (4 would be a flat face seen square on; a cylinder's arc-length
coordinate jumps by its circumference where the angle wraps)."""

TONE_SQRT_MAX = 3.6  # sqrt of the exposed radiance beyond which the curve is white
TONE_TABLE = np.round(
    255.0 * (1.0 - np.exp(-(np.linspace(0.0, TONE_SQRT_MAX, 8193) ** 2))) ** (1 / 2.2)
).astype(np.uint8)
"""Filmic curve 1 - exp(-E L) and gamma 1/2.2 in one table, indexed by sqrt(E L): fine steps in
the shadows (the first step is E L = 2e-7), no exp or pow per pixel."""


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def _tile_candidates(tx0, ty0, geom, solids, cand, near):
    """Solids that may be seen in the TILE x TILE pixels from (tx0, ty0): screen rectangle
    overlap, then the bounding sphere against the tile's cone of rays. Fills ``cand`` sorted by
    the near side of the bounding sphere (``near``) and returns their number."""
    width, height, lens, focal, cam, rot, table = geom
    centres, radii, rects = solids[0], solids[5], solids[6]
    ox, oy, oz = cam[0], cam[1], cam[2]
    cx, cy, cz, ok = ray_fast(
        tx0 + TILE / 2.0 - 0.5, ty0 + TILE / 2.0 - 0.5, width, height, lens, focal, table
    )
    cos_cone = 1.0
    for corner in range(4):
        qx, qy, qz, ok2 = ray_fast(
            tx0 + (corner % 2) * TILE - 0.5,
            ty0 + (corner // 2) * TILE - 0.5,
            width,
            height,
            lens,
            focal,
            table,
        )
        if ok2:
            cos_cone = min(cos_cone, cx * qx + cy * qy + cz * qz)
    cone_w = np.arccos(max(min(cos_cone, 1.0), -1.0)) + 1e-3
    if not ok:  # a fisheye tile centred outside the lens circle: no cone test
        cone_w = np.pi
    cos_cone_w, sin_cone_w = np.cos(cone_w), np.sin(cone_w)
    wcx = rot[0, 0] * cx + rot[0, 1] * cy + rot[0, 2] * cz
    wcy = rot[1, 0] * cx + rot[1, 1] * cy + rot[1, 2] * cz
    wcz = rot[2, 0] * cx + rot[2, 1] * cy + rot[2, 2] * cz
    nc = 0
    tx1, ty1 = tx0 + TILE, ty0 + TILE
    for p in range(centres.shape[0]):
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
    return nc


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def _world_ray(px, py, geom):
    """ITRS unit direction of the ray through pixel coordinate (px, py), its camera-frame z
    component, and whether it exists (a fisheye has none outside its circle)."""
    width, height, lens, focal, _, rot, table = geom
    lx, ly, lz, ok = ray_fast(px, py, width, height, lens, focal, table)
    dx = rot[0, 0] * lx + rot[0, 1] * ly + rot[0, 2] * lz
    dy = rot[1, 0] * lx + rot[1, 1] * ly + rot[1, 2] * lz
    dz = rot[2, 0] * lx + rot[2, 1] * ly + rot[2, 2] * lz
    return dx, dy, dz, lz, ok


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def _sky_or_earth(dx, dy, dz, lz, step, geom, view, sun, sun_frac, earth):
    """Radiance, id and Earth hit distance (-1: none) of a ray that meets no station solid;
    ``step`` (pixels) is the spacing of the neighbouring samples, for the texture's mip level."""
    lens, focal, cam = geom[2], geom[3], geom[4]
    zx, zy, zz, rc, mus = view
    texels, mip_levels, lin, inscatter, transmit, params = earth[:6]
    night, glow = (earth[6], earth[7], earth[8]), (earth[9], earth[10])
    te = earth_t(cam[0], cam[1], cam[2], dx, dy, dz)
    r, g, b, ident = shade_sky_or_earth(
        cam[0], cam[1], cam[2], dx, dy, dz, zx, zy, zz, rc, mus, sun, sun_frac,
        (texels, mip_levels), lin, inscatter, transmit, params, te,
        _spacing(lens, focal, lz, step), night, glow,
    )  # fmt: skip
    return r, g, b, ident, te


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def _trace(px, py, step, geom, view, sun, sun_frac, earth, solids, tl):
    """Everything one ray through pixel coordinate (px, py) sees; ``step`` (pixels): the
    spacing of the neighbouring rays, for the Earth texture's mip level.

    Returns ``(r, g, b, ident, prim, face, depth, shadowed, smooth_sky, gx, gy, gz, light,
    spec, u, v, w)``:
    radiance, object id (-1 outside a fisheye's circle), the station solid and face hit (-1 if
    none), the hit's depth along the camera axis (km, station hits), whether a station hit is in
    a station shadow (False on a face turned from the Sun, which no shadow changes: no shadow
    ray is cast there), whether a sky ray is far from the Sun and above the airglow layer (so
    the sky is smooth there), the Earth hit point (ITRS km), and for a station hit the light on
    the surface (:func:`.solids.shade_solid`: diffuse, specular), its surface coordinates (m)
    and the pixel's footprint there (m) (:mod:`.materials`). ``view`` = (unit zenith x, y, z at
    the camera, its radius (km), the cosine of the Sun's zenith angle there); ``tl`` = the
    tile's (candidates, their near distances, their number); ``geom`` = (width, height, lens,
    focal, camera position (ITRS km), camera rotation, the radial lens's ray table
    (:func:`.lens.ray_fast`)).
    """
    cam = geom[4]
    ox, oy, oz = cam[0], cam[1], cam[2]
    zx, zy, zz, rc, _ = view
    centres, rots, halves, kinds, _, radii, rects = solids[:7]
    cand, near, nc = tl
    dx, dy, dz, lz, ok = _world_ray(px, py, geom)
    if not ok:
        return 0.0, 0.0, 0.0, -1, -1, -1, 0.0, False, False, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
    best, n0, n1, n2, bp, face = nearest_solid(
        ox,
        oy,
        oz,
        dx,
        dy,
        dz,
        px + 0.5,
        py + 0.5,
        cand,
        near,
        nc,
        centres,
        rots,
        halves,
        kinds,
        rects,
    )
    if bp >= 0:
        shadowed = False
        s0, s1, s2 = n0, n1, n2
        if s0 * dx + s1 * dy + s2 * dz > 0:
            s0, s1, s2 = -s0, -s1, -s2
        # a face turned from the Sun gets no sunlight either way: no shadow ray (and the
        # flag stays False, so such a face's blocks interpolate across station shadows)
        if sun_frac > 0 and s0 * sun[0] + s1 * sun[1] + s2 * sun[2] > 0:
            shadowed = in_shadow(
                ox + best * dx + s0 * 1e-6,
                oy + best * dy + s1 * 1e-6,
                oz + best * dz + s2 * 1e-6,
                bp,
                sun,
                centres,
                rots,
                halves,
                kinds,
                radii,
                (solids[12], solids[15], solids[16]),
            )
        r, g, b, light, spec, u, v, w = _shade_hit(
            ox, oy, oz, dx, dy, dz, lz, n0, n1, n2, bp, face, best, geom, sun, sun_frac, shadowed,
            solids,
        )  # fmt: skip
        ident = solids[11][bp]
        return (r, g, b, ident, bp, face, best * lz, shadowed, False, 0.0, 0.0, 0.0, light, spec,
                u, v, w)  # fmt: skip
    r, g, b, ident, te = _sky_or_earth(dx, dy, dz, lz, step, geom, view, sun, sun_frac, earth)
    if ident == ID_EARTH:
        gx, gy, gz = ox + te * dx, oy + te * dy, oz + te * dz
        return r, g, b, ident, -1, -1, 0.0, False, False, gx, gy, gz, 0.0, 0.0, 0.0, 0.0, 0.0
    smooth = False
    if ident == ID_SPACE:
        mu = zx * dx + zy * dy + zz * dz
        nu = sun[0] * dx + sun[1] * dy + sun[2] * dz
        if nu < COS_SMOOTH_SUN:
            smooth = mu >= 0.0 or rc * rc * (1.0 - mu * mu) > SMOOTH_SKY_RADIUS_KM**2
    return r, g, b, ident, -1, -1, 0.0, False, smooth, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def _shade_hit(ox, oy, oz, dx, dy, dz, lz, n0, n1, n2, bp, face, t, geom, sun, sun_frac, shadowed,
               solids):  # fmt: skip
    """Radiance of solid ``bp`` hit on ``face`` at ``t`` km along the unit ray, with its
    material (:mod:`.materials`): ``(r, g, b, diffuse light, specular, u, v, footprint)``."""
    colours, mats, table = solids[4], solids[13], solids[14]
    m = surface_material(table, mats[bp], face)
    light, spec = shade_solid(
        dx, dy, dz, n0, n1, n2, sun, sun_frac, shadowed, solids[10], t, table[m, 6], table[m, 7]
    )
    u, v = surface_uv(ox, oy, oz, dx, dy, dz, t, solids[0][bp], solids[1][bp], solids[2][bp],
                      solids[3][bp], face)  # fmt: skip
    cos_v = max(abs(n0 * dx + n1 * dy + n2 * dz), 0.05)
    w = t * 1000.0 * _spacing(geom[2], geom[3], lz, 1.0) / cos_v
    ar, ag, ab = surface_albedo(table, m, u, v, w, colours[bp, 0], colours[bp, 1], colours[bp, 2])
    return ar * light + spec, ag * light + spec, ab * light + spec, light, spec, u, v, w


@njit(cache=True, inline="always")
def _spacing(lens, focal, lz, step):
    """Angle (rad) between a ray (camera-frame z component lz) and its neighbours ``step``
    pixels away: cos(theta) / focal across a rectilinear image, 1 / focal for the radial
    lenses (the action lens's is up to a third smaller toward its edge: a slightly coarser mip
    level there)."""
    return step * (lz if lens == 0 else 1.0) / focal


@njit(cache=True, inline="always")
def _coprime_step(n):
    """A stride near n / golden ratio with gcd(stride, n) = 1: k -> k * stride mod n visits
    every row once and spreads any contiguous run of k over the whole image."""
    s = max(int(n * 0.6180339887), 1)
    while True:
        a, b = s, n
        while b:
            a, b = b, a % b
        if a == 1:
            return s
        s += 1


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def _least_depth(p, frames, halves, kinds):
    """Least camera-axis depth (km) of any point of solid p (exact for boxes and cylinders);
    ``frames[p]`` holds the solid's centre and its three local axes in the camera frame."""
    u = frames[p]
    if kinds[p] == 0:  # cylinder: the nearer end disc
        a0 = u[1, 2]
        return u[0, 2] - halves[p, 0] * abs(a0) - halves[p, 1] * np.sqrt(max(1.0 - a0 * a0, 0.0))
    s = halves[p, 0] * abs(u[1, 2]) + halves[p, 1] * abs(u[2, 2]) + halves[p, 2] * abs(u[3, 2])
    return u[0, 2] - s


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def _behind_at_corners(q, x0, y0, geom, solids, z_max):
    """Solid q is hit by all four corner rays of the block through one and the same face, each
    time deeper than ``z_max`` (km, plus a margin for a curved face's bulge): then, its face's
    depth across the block lying between its corner depths, q is behind what the corners saw.
    ``geom`` = (width, height, lens, focal, cam, rot, ray table)."""
    cam = geom[4]
    centres, rots, halves, kinds = solids[0], solids[1], solids[2], solids[3]
    face0 = -2
    for e in range(4):
        dx, dy, dz, lz, ok = _world_ray(x0 + BLOCK * (e % 2), y0 + BLOCK * (e // 2), geom)
        if not ok:
            return False
        t, _, _, _, face = hit_solid(
            cam[0], cam[1], cam[2], dx, dy, dz, centres[q], rots[q], halves[q], kinds[q]
        )
        if t <= 0 or (face0 != -2 and face != face0):
            return False
        face0 = face
        if t * lz <= z_max * (1.0 + DEPTH_MARGIN) + 1e-6:
            return False
    return True


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def _block_clear(x0, y0, geom, solids, tl, skip, z_max, sun, lit):
    """True when no candidate solid other than ``skip`` can be seen, nearer than the camera
    depth ``z_max`` (km), in the block whose corner rays pass through pixel centres x0 + 0.5 ..
    x0 + BLOCK + 0.5 (and the same in y).

    A solid is ruled out by its screen rectangle, by its least depth, by a separating axis
    between the block and the solid's convex hull on the screen, or (station blocks) by lying
    behind the seen face at all four corners through one face of its own; one these
    conservative bounds cannot rule out is probed at every pixel of the block
    (:func:`_probe_clear`: its image and, on a sunlit face, its shadow).
    """
    halves, kinds, rects, frames, hulls, n_hull = (
        solids[2], solids[3], solids[6], solids[7], solids[8], solids[9]
    )  # fmt: skip
    cand, _, nc = tl
    radial = geom[2] != 0
    # the square holding the block's sample points (pixel centres x0 + 0.5 .. x0 + BLOCK + 0.5);
    # a radial lens's polygons and rectangles carry their own sampling margin (.culling)
    xa, xb = float(x0), x0 + BLOCK + 1.0
    ya, yb = float(y0), y0 + BLOCK + 1.0
    for j in range(nc):
        p = cand[j]
        if p == skip:
            continue
        if rects[p, 0] > xb or rects[p, 2] < xa or rects[p, 1] > yb or rects[p, 3] < ya:
            continue
        if _least_depth(p, frames, halves, kinds) >= z_max:
            continue
        misses = True  # every slice's hull (one for the rectilinear lens) misses the block
        for k in range(n_hull.shape[1]):
            if not square_misses_bound(xa, ya, xb, yb, hulls[p, k], n_hull[p, k], radial):
                misses = False
                break
        if misses:
            continue
        if skip >= 0 and _behind_at_corners(p, x0, y0, geom, solids, z_max):
            continue
        if _probe_clear(p, x0, y0, geom, solids, skip, sun, lit):
            continue
        return False
    return True


@njit(cache=True, fastmath=True, error_model="numpy", **NO_REFCOUNTING)
def _probe_clear(p, x0, y0, geom, solids, skip, sun, lit):
    """True when solid p changes none of the block's pixels from (x0, y0) (the corner sample
    at (x0, y0) excepted): each pixel's ray, as :func:`_trace` casts it, passes outside p's
    screen rectangle, misses p, or (``skip`` >= 0, a station block) meets p only behind solid
    ``skip``; and, when the corners saw ``skip`` ``lit`` by the Sun, p casts no shadow on
    ``skip`` where the pixel's ray meets it (the thin shadow a handrail casts beside itself).

    Exact where the bounds of :func:`_block_clear` are conservative: most blocks they cannot
    prove clear are clear (a solid's margin reaching over the block), and this costs a ray and
    two or three solid tests per pixel where tracing costs the whole candidate list, a shadow
    ray through the shadow grid and the shading. Compiled as its own function, not inlined
    into the block pass: it runs for few blocks, and inlined it made ``_block_row``'s compile
    about a third longer (BENCHMARKS.md, session 23)."""
    cam = geom[4]
    centres, rots, halves, kinds, rects = solids[0], solids[1], solids[2], solids[3], solids[6]
    ox, oy, oz = cam[0], cam[1], cam[2]
    for e in range(1, BLOCK * BLOCK):
        x, y = x0 + e % BLOCK, y0 + e // BLOCK
        sx, sy = x + 0.5, y + 0.5
        on_rect = not (sx < rects[p, 0] or sx > rects[p, 2] or sy < rects[p, 1] or sy > rects[p, 3])
        if not (on_rect or lit):
            continue
        dx, dy, dz, _, ok = _world_ray(x, y, geom)
        if not ok:
            return False
        t = -1.0
        if on_rect:
            t = hit_solid(ox, oy, oz, dx, dy, dz, centres[p], rots[p], halves[p], kinds[p])[0]
            if t > 0 and skip < 0:
                return False
        if skip < 0 or not (t > 0 or lit):
            continue
        t_skip, n0, n1, n2, _ = hit_solid(ox, oy, oz, dx, dy, dz, centres[skip], rots[skip],
                                          halves[skip], kinds[skip])  # fmt: skip
        if t_skip <= 0 or (t > 0 and t < t_skip):
            return False
        if lit:  # as _trace casts the shadow ray (from the face turned to the camera)
            if n0 * dx + n1 * dy + n2 * dz > 0:
                n0, n1, n2 = -n0, -n1, -n2
            if n0 * sun[0] + n1 * sun[1] + n2 * sun[2] > 0 and blocks_sun(
                ox + t_skip * dx + n0 * 1e-6, oy + t_skip * dy + n1 * 1e-6,
                oz + t_skip * dz + n2 * 1e-6, p, sun, centres, rots, halves, kinds, solids[5],
            ):  # fmt: skip
                return False
    return True


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def _dist2(g, ja, ia, jb, ib):
    """Squared distance (km^2) between the ground points of two block corners."""
    dx, dy, dz = (
        g[ja, ia, 0] - g[jb, ib, 0],
        g[ja, ia, 1] - g[jb, ib, 1],
        g[ja, ia, 2] - g[jb, ib, 2],
    )
    return dx * dx + dy * dy + dz * dz


@njit(cache=True, inline="always")
def _view(cam, sun):
    ox, oy, oz = cam[0], cam[1], cam[2]
    rc = np.sqrt(ox * ox + oy * oy + oz * oz)
    zx, zy, zz = ox / rc, oy / rc, oz / rc
    return zx, zy, zz, rc, zx * sun[0] + zy * sun[1] + zz * sun[2]


@njit(cache=True, fastmath=True, error_model="numpy", **NO_REFCOUNTING)
def _corner_row(j, geom, view, sun, sun_frac, earth, solids, samples):
    """Trace the corner samples of row j (one thread's unit of work in pass 1)."""
    tiles_x, s_rad, s_id, s_prim, s_face, s_depth, s_shadow, s_smooth, s_g = samples[3:12]
    s_mat = samples[12]
    py = j * BLOCK
    for i in range(s_id.shape[1]):
        px = i * BLOCK
        tile = (py // TILE) * tiles_x + px // TILE
        tl = _tile_list(samples, tile)
        r, g, b, ident, prim, face, depth, shadowed, smooth, gx, gy, gz, lt, sp, u, v, w = _trace(
            px, py, 1.0, geom, view, sun, sun_frac, earth, solids, tl
        )
        s_mat[j, i, 0], s_mat[j, i, 1], s_mat[j, i, 2] = lt, sp, u
        s_mat[j, i, 3], s_mat[j, i, 4] = v, w
        s_rad[j, i, 0], s_rad[j, i, 1], s_rad[j, i, 2] = r, g, b
        s_id[j, i], s_prim[j, i], s_face[j, i] = ident, prim, face
        s_depth[j, i], s_shadow[j, i], s_smooth[j, i] = depth, shadowed, smooth
        s_g[j, i, 0], s_g[j, i, 1], s_g[j, i, 2] = gx, gy, gz


@njit(cache=True)
def _tile_offsets(rects, tiles_x, tiles_y):
    """Where each tile's candidate list starts in the flat candidate arrays (n_tiles + 1,
    the last the total): room for every solid whose screen rectangle (n, 4) comes within a
    tile of it (a 2-D difference array: a few operations per solid, not per solid and tile),
    which holds the tile's candidates (:func:`_tile_candidates`) and is a few per tile where
    room for every solid in every tile was tens of megabytes a frame."""
    diff = np.zeros((tiles_y + 1, tiles_x + 1), np.int64)
    for p in range(rects.shape[0]):
        if rects[p, 0] > rects[p, 2] or rects[p, 1] > rects[p, 3]:
            continue  # nothing on the screen
        ia = max(int(np.floor(max(rects[p, 0], -1e9) / TILE)) - 1, 0)
        ib = min(int(np.floor(min(rects[p, 2], 1e9) / TILE)) + 1, tiles_x - 1)
        ja = max(int(np.floor(max(rects[p, 1], -1e9) / TILE)) - 1, 0)
        jb = min(int(np.floor(min(rects[p, 3], 1e9) / TILE)) + 1, tiles_y - 1)
        if ia > ib or ja > jb:
            continue
        diff[ja, ia] += 1
        diff[ja, ib + 1] -= 1
        diff[jb + 1, ia] -= 1
        diff[jb + 1, ib + 1] += 1
    n_tiles = tiles_x * tiles_y
    off = np.zeros(n_tiles + 1, np.int64)
    for j in range(tiles_y):
        run = 0
        for i in range(tiles_x):
            if j > 0:
                diff[j, i] += diff[j - 1, i]
            run += diff[j, i]
            off[j * tiles_x + i + 1] = run
    for t in range(n_tiles):
        off[t + 1] += off[t]
    return off


@njit(cache=True, inline="always")
def _tile_list(samples, tile):
    """Tile ``tile``'s (candidates, their near distances, their number) from the samples of
    :func:`trace_corners` (views into the flat arrays, nothing allocated)."""
    a, b = samples[14][tile], samples[14][tile + 1]
    return samples[0][a:b], samples[1][a:b], samples[2][tile]


@njit(cache=True, parallel=True, nogil=True, fastmath=True, error_model="numpy")
def trace_corners(width, height, lens, focal, cam, rot, sun, sun_frac, earth, solids):
    """Pass 1: tile candidate lists and one ray per block corner.

    ``earth`` = (texture mip levels' RGBA texels (flat uint8), their first texel, height and
    width (n, 3), sRGB -> linear table, in-scatter table sliced at
    the Sun zenith cosine, transmittance table,
    atmosphere params, city-light texels (flat float32), their mip levels (n, 3), their
    radiance (3,), the airglow's limb table (n, 3), its per-layer ground table);
    ``solids`` = (centres (n, 3) ITRS km, rotations (n, 3, 3), half sizes
    (n, 3) km, kinds (0 cylinder, 1 box), colours (n, 3), bounding radii (km), screen rectangles
    (n, 4), camera-frame centres and axes (n, 4, 3), screen hulls, hull sizes, helmet lamps
    (:func:`.lamps.lamp_table`, (n, 5)), id-buffer values (n,) int8: 2 station,
    :data:`.people.ID_PARTNER`...), the shadow-ray grid's parameters (:func:`.shadowgrid.build`),
    material ids (n,) int64, the material table (:func:`.materials.material_table`), and the
    shadow-ray grid's cell starts and items (flat: numba's parallel loops take no nested tuple)).
    Returns the
    samples tuple :func:`fill_blocks` reads.
    """
    view = _view(cam, sun)
    gw = (width + BLOCK - 1) // BLOCK + 1
    gh = (height + BLOCK - 1) // BLOCK + 1
    tiles_x = ((gw - 1) * BLOCK) // TILE + 1
    tiles_y = ((gh - 1) * BLOCK) // TILE + 1
    n_tiles = tiles_x * tiles_y
    # the radial lenses' pixel -> ray table, to every tile corner (a few pixels beyond the image)
    reach = np.sqrt((width / 2.0 + 2 * TILE) ** 2 + (height / 2.0 + 2 * TILE) ** 2)
    table = np.empty((int(reach * RAY_TABLE_STEPS) + 2 if lens != 0 else 1, 3))
    if lens != 0:
        for k in prange(table.shape[0]):
            ray_table_row(k, lens, focal, table)
    geom = (width, height, lens, focal, cam, rot, table)
    toff = _tile_offsets(solids[6], tiles_x, tiles_y)
    tcand = np.empty(toff[n_tiles], np.int64)
    tnear = np.empty(toff[n_tiles])
    tnc = np.empty(n_tiles, np.int64)
    for tile in prange(n_tiles):
        tx0, ty0 = (tile % tiles_x) * TILE, (tile // tiles_x) * TILE
        a, b = toff[tile], toff[tile + 1]
        tnc[tile] = _tile_candidates(tx0, ty0, geom, solids, tcand[a:b], tnear[a:b])
    s_rad = np.empty((gh, gw, 3), np.float32)
    s_id = np.empty((gh, gw), np.int8)
    s_prim = np.empty((gh, gw), np.int32)
    s_face = np.empty((gh, gw), np.int8)
    s_depth = np.empty((gh, gw))
    s_shadow = np.empty((gh, gw), np.bool_)
    s_smooth = np.empty((gh, gw), np.bool_)
    s_g = np.empty((gh, gw, 3))
    s_mat = np.empty((gh, gw, 5), np.float32)
    samples = (
        tcand,
        tnear,
        tnc,
        tiles_x,
        s_rad,
        s_id,
        s_prim,
        s_face,
        s_depth,
        s_shadow,
        s_smooth,
        s_g,
        s_mat,
        table,
        toff,
    )
    step = _coprime_step(gh)
    for k in prange(gh):
        _corner_row((k * step) % gh, geom, view, sun, sun_frac, earth, solids, samples)
    return samples


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def _block_mode(j, i, x0, y0, geom, samples, solids, tl, texel_lat_km, texel_lon_km, sun, sun_frac):
    """0: trace per pixel, 1: interpolate the corners, 2: Earth shaded per 2 x 2 pixels."""
    s_id, s_prim, s_face, s_depth, s_shadow, s_smooth, s_g, s_mat = samples[5:13]
    c = s_id[j, i]
    same = c >= 0 and c != ID_SUN
    for e in range(1, 4):
        same = same and s_id[j + e // 2, i + e % 2] == c
    if not same:
        return 0
    skip, z_max = -1, 1e30
    if c == ID_SPACE:
        for e in range(4):
            if not s_smooth[j + e // 2, i + e % 2]:
                return 0
    elif c == ID_STATION or c > ID_SUN:  # the station's or the people's solids
        skip, z_max = s_prim[j, i], 0.0
        arc = 0.0
        if solids[3][skip] == 0 and s_face[j, i] == 0:
            arc = MAX_BLOCK_ARC_RAD * solids[2][skip, 1] * 1000.0
        for e in range(4):
            jj, ii = j + e // 2, i + e % 2
            if s_prim[jj, ii] != skip or s_face[jj, ii] != s_face[j, i]:
                return 0
            if s_shadow[jj, ii] != s_shadow[j, i]:
                return 0
            # surface coordinates continuous across the block (not across a cylinder's v seam)
            jump = UV_JUMP_PX * s_mat[j, i, 4]
            if abs(s_mat[jj, ii, 2] - s_mat[j, i, 2]) > jump:
                return 0
            if abs(s_mat[jj, ii, 3] - s_mat[j, i, 3]) > jump:
                return 0
            # on a cylinder's side, the light is interpolated over at most MAX_BLOCK_ARC_RAD
            # of its circumference (v is arc length, m): a handrail a few pixels wide is traced
            if arc and abs(s_mat[jj, ii, 3] - s_mat[j, i, 3]) > arc:
                return 0
            z_max = max(z_max, s_depth[jj, ii])
    lit = skip >= 0 and sun_frac > 0 and not s_shadow[j, i]
    if not _block_clear(x0, y0, geom, solids, tl, skip, z_max, sun, lit):
        return 0
    if c == ID_EARTH:
        foot = max(
            _dist2(s_g, j, i, j, i + 1),
            _dist2(s_g, j + 1, i, j + 1, i + 1),
            _dist2(s_g, j, i, j + 1, i),
            _dist2(s_g, j, i + 1, j + 1, i + 1),
        )
        gx, gy, gz = s_g[j, i, 0], s_g[j, i, 1], s_g[j, i, 2]
        coslat = np.sqrt((gx * gx + gy * gy) / (gx * gx + gy * gy + gz * gz))
        texel = min(texel_lat_km, texel_lon_km * coslat)
        if foot > texel * texel:
            return 2
    return 1


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def _patterned(j, i, samples, solids):
    """Does the material of the solid face seen at block (j, i)'s corners show a pattern at
    this distance (:func:`.materials.pattern_visible`) inside the block? Else its albedo is
    uniform over the block (no pattern, or no seam or grid line inside it:
    :func:`.materials.uniform_over`) and the corners' radiance, the albedo times the light
    plus the specular, is interpolated like any smooth block's."""
    s_prim, s_face, s_mat = samples[6], samples[7], samples[12]
    mtab = solids[14]
    m = surface_material(mtab, solids[13][s_prim[j, i]], s_face[j, i])
    w00, w01, w10, w11 = _corners(s_mat, j, i, 4)
    if not pattern_visible(mtab, m, min(min(w00, w01), min(w10, w11))):
        return False
    u00, u01, u10, u11 = _corners(s_mat, j, i, 2)
    v00, v01, v10, v11 = _corners(s_mat, j, i, 3)
    return not uniform_over(
        mtab,
        m,
        min(min(u00, u01), min(u10, u11)),
        max(max(u00, u01), max(u10, u11)),
        min(min(v00, v01), min(v10, v11)),
        max(max(v00, v01), max(v10, v11)),
        max(max(w00, w01), max(w10, w11)),
    )


@njit(cache=True, inline="always")
def _corners(a, j, i, k):
    """Item k of block (j, i)'s four corners in the (gh, gw, n) array ``a``."""
    return a[j, i, k], a[j, i + 1, k], a[j + 1, i, k], a[j + 1, i + 1, k]


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def _solid_block(j, i, x0, y0, x_end, y_end, samples, solids, exposure, out, ids, image):
    """Fill a smooth block on one face of one solid: the light on the surface, its coordinates
    and the footprint are interpolated bilinearly from the four corners, the material's albedo
    (:mod:`.materials`: seams, cell grids) is evaluated at every pixel."""
    s_id, s_prim, s_face, s_mat = samples[5], samples[6], samples[7], samples[12]
    colours, mats, mtab = solids[4], solids[13], solids[14]
    p = s_prim[j, i]
    m = surface_material(mtab, mats[p], s_face[j, i])
    c0, c1, c2 = colours[p, 0], colours[p, 1], colours[p, 2]
    ident = s_id[j, i]
    tone = image.shape[0] > 0
    table = TONE_TABLE
    n_tab = table.shape[0] - 1
    scale = n_tab / TONE_SQRT_MAX
    inv = 1.0 / BLOCK
    # the four corners' light, specular, u, v and footprint, read once (the writes to out and
    # image below could alias s_mat for all the compiler knows: it would reload them per pixel)
    lt00, lt01, lt10, lt11 = _corners(s_mat, j, i, 0)
    sp00, sp01, sp10, sp11 = _corners(s_mat, j, i, 1)
    u00, u01, u10, u11 = _corners(s_mat, j, i, 2)
    v00, v01, v10, v11 = _corners(s_mat, j, i, 3)
    f00, f01, f10, f11 = _corners(s_mat, j, i, 4)
    for y in range(y0, y_end):
        fy = (y - y0) * inv
        for x in range(x0, x_end):
            fx = (x - x0) * inv
            w00, w01 = (1.0 - fx) * (1.0 - fy), fx * (1.0 - fy)
            w10, w11 = (1.0 - fx) * fy, fx * fy
            lt = w00 * lt00 + w01 * lt01 + w10 * lt10 + w11 * lt11
            sp = w00 * sp00 + w01 * sp01 + w10 * sp10 + w11 * sp11
            u = w00 * u00 + w01 * u01 + w10 * u10 + w11 * u11
            v = w00 * v00 + w01 * v01 + w10 * v10 + w11 * v11
            w = w00 * f00 + w01 * f01 + w10 * f10 + w11 * f11
            ar, ag, ab = surface_albedo(mtab, m, u, v, w, c0, c1, c2)
            r = np.float32(ar * lt + sp)
            g = np.float32(ag * lt + sp)
            b = np.float32(ab * lt + sp)
            out[y, x, 0], out[y, x, 1], out[y, x, 2] = r, g, b
            ids[y, x] = ident
            if tone:
                image[y, x, 0] = _tone(r, exposure, table, scale, n_tab)
                image[y, x, 1] = _tone(g, exposure, table, scale, n_tab)
                image[y, x, 2] = _tone(b, exposure, table, scale, n_tab)


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def _tone(value, exposure, table, scale, n):
    e = exposure * value
    i = int(np.sqrt(e) * scale + 0.5) if e > 0 else 0
    return table[min(i, n)]


@njit(cache=True, parallel=True, nogil=True, fastmath=True, error_model="numpy")
def fill_blocks(
    width, height, lens, focal, cam, rot, sun, sun_frac, earth, solids, samples, adaptive,
    exposure, out, ids, image,
):  # fmt: skip
    """Pass 2: fill ``out`` (H, W, 3) radiance and ``ids`` (H, W) block by block from the
    corner ``samples`` of :func:`trace_corners`, and ``image`` (H, W, 3) uint8 tone-mapped with
    ``exposure`` unless it is empty. ``adaptive`` False traces every pixel (a reference)."""
    geom = (width, height, lens, focal, cam, rot, samples[13])
    view = _view(cam, sun)
    nby = samples[5].shape[0] - 1
    step = _coprime_step(nby)
    for k in prange(nby):
        _block_row(
            (k * step) % nby, geom, view, sun, sun_frac, earth, solids, samples, adaptive,
            exposure, out, ids, image,
        )  # fmt: skip


@njit(cache=True, fastmath=True, error_model="numpy", **NO_REFCOUNTING)
def _block_row(
    j, geom, view, sun, sun_frac, earth, solids, samples, adaptive, exposure, out, ids, image
):
    """Fill the blocks of block row j (one thread's unit of work in pass 2)."""
    width, height = geom[0], geom[1]
    mip_levels = earth[1]
    tiles_x, s_rad, s_id, s_prim = samples[3:7]
    gw = s_id.shape[1]
    tone = image.shape[0] > 0
    table = TONE_TABLE
    n_tab = table.shape[0] - 1
    scale = n_tab / TONE_SQRT_MAX
    texel_lat_km = np.pi * A_KM / mip_levels[0, 1]
    texel_lon_km = 2.0 * np.pi * A_KM / mip_levels[0, 2]
    y0 = j * BLOCK
    tile_row = (y0 // TILE) * tiles_x
    y_end = min(y0 + BLOCK, height)
    for i in range(gw - 1):
        x0 = i * BLOCK
        x_end = min(x0 + BLOCK, width)
        tile = tile_row + x0 // TILE
        tl = _tile_list(samples, tile)
        mode = 0
        if adaptive:
            mode = _block_mode(j, i, x0, y0, geom, samples, solids, tl, texel_lat_km, texel_lon_km,
                               sun, sun_frac)  # fmt: skip
        if mode == 1 and s_prim[j, i] >= 0 and _patterned(j, i, samples, solids):
            _solid_block(j, i, x0, y0, x_end, y_end, samples, solids, exposure, out, ids, image)
            continue
        if mode == 1:
            ident = s_id[j, i]
            for y in range(y0, y_end):
                fb = np.float32((y - y0) * (1.0 / BLOCK))
                for ch in range(3):
                    left = s_rad[j, i, ch] + (s_rad[j + 1, i, ch] - s_rad[j, i, ch]) * fb
                    right = (
                        s_rad[j, i + 1, ch] + (s_rad[j + 1, i + 1, ch] - s_rad[j, i + 1, ch]) * fb
                    )
                    step_x = (right - left) * np.float32(1.0 / BLOCK)
                    for x in range(x0, x_end):
                        v = left + step_x * np.float32(x - x0)
                        out[y, x, ch] = v
                        if tone:
                            image[y, x, ch] = _tone(v, exposure, table, scale, n_tab)
                for x in range(x0, x_end):
                    ids[y, x] = ident
            continue
        # mode 0: trace every pixel; mode 2: the Earth, one ray through the middle of each
        # 2 x 2 pixels (a clear block: no solid to test). One loop, so that the tracer is
        # inlined here once, not twice (the kernel's compile time)
        st = 2 if mode == 2 else 1
        off = 0.5 if mode == 2 else 0.0
        nc = tl[2] if mode == 0 else 0
        for y in range(y0, y_end, st):
            for x in range(x0, x_end, st):
                if mode == 0 and x == x0 and y == y0:  # the corner sample itself
                    r, g, b = s_rad[j, i, 0], s_rad[j, i, 1], s_rad[j, i, 2]
                    ident = s_id[j, i]
                else:
                    res = _trace(x + off, y + off, float(st), geom, view, sun, sun_frac, earth,
                                 solids, (tl[0], tl[1], nc))  # fmt: skip
                    r, g, b, ident = res[0], res[1], res[2], res[3]
                if mode == 2:
                    ident = ID_EARTH
                elif ident < 0:
                    ident = ID_SPACE
                for yy in range(y, min(y + st, y_end)):
                    for xx in range(x, min(x + st, x_end)):
                        out[yy, xx, 0], out[yy, xx, 1], out[yy, xx, 2] = r, g, b
                        ids[yy, xx] = ident
        if tone:
            for y in range(y0, y_end):
                for x in range(x0, x_end):
                    for ch in range(3):
                        image[y, x, ch] = _tone(out[y, x, ch], exposure, table, scale, n_tab)


def render(
    width, height, lens, focal, cam, rot, sun, sun_frac, earth, solids, out, ids, adaptive=True
):
    """Both passes, radiance and ids only (no tone mapping); returns the corner samples."""
    samples = trace_corners(width, height, lens, focal, cam, rot, sun, sun_frac, earth, solids)
    empty = np.empty((0, 0, 3), np.uint8)
    fill_blocks(
        width, height, lens, focal, cam, rot, sun, sun_frac, earth, solids, samples, adaptive,
        1.0, out, ids, empty,
    )  # fmt: skip
    return samples


def tone_values(radiance: np.ndarray, exposure: float) -> np.ndarray:
    """The tone curve of :func:`fill_blocks` for any array of radiances (numpy), as uint8."""
    n = len(TONE_TABLE) - 1
    e = np.maximum(exposure * np.asarray(radiance, np.float64), 0.0)
    return TONE_TABLE[np.minimum((np.sqrt(e) * (n / TONE_SQRT_MAX) + 0.5).astype(np.int64), n)]
