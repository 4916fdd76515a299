"""Screen-space bounds of the station's solids, for culling in the ray caster (numba).

Each solid (a box, or a cylinder enclosed in its circumscribed octagonal prism) is clipped at a
plane just in front of the camera and its edges projected with the rectilinear lens; the convex
hull of the projected points bounds everything of the solid the camera can see. The ray caster
uses the hull's bounding rectangle to skip solids per tile and per pixel, and the hull itself
(a separating-axis test) to prove that a block of pixels cannot see a solid at all.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .lens import ACTION_K3, radius_px

NEAR_KM = 1e-6  # clipping plane 1 mm in front of the camera
PRISM_SIDES = 8
MAX_POINTS = 3 * PRISM_SIDES + 2 * PRISM_SIDES  # vertices + edge cuts of the prism
MARGIN_PX = 1.0  # rectangles and hulls are grown by this much


@njit(cache=True)
def _solid_vertices(u, c, half, kind, verts):
    """Camera-frame vertices of the solid's enclosing polytope; returns their number.
    ``u`` rows are the solid's local axes and ``c`` its centre, in the camera frame."""
    if kind == 0:
        big = half[1] / np.cos(np.pi / PRISM_SIDES)
        for end in range(2):
            sx = -half[0] if end == 0 else half[0]
            for k in range(PRISM_SIDES):
                a = 2.0 * np.pi * k / PRISM_SIDES
                ly, lz = big * np.cos(a), big * np.sin(a)
                m = end * PRISM_SIDES + k
                for d in range(3):
                    verts[m, d] = c[d] + sx * u[0, d] + ly * u[1, d] + lz * u[2, d]
        return 2 * PRISM_SIDES
    for m in range(8):
        sx = half[0] if m & 4 else -half[0]
        sy = half[1] if m & 2 else -half[1]
        sz = half[2] if m & 1 else -half[2]
        for d in range(3):
            verts[m, d] = c[d] + sx * u[0, d] + sy * u[1, d] + sz * u[2, d]
    return 8


@njit(cache=True)
def _edge(kind, e):
    """Vertex indices of edge ``e`` of the polytope (box: 12 edges, prism: 3 x sides)."""
    if kind == 0:
        n = PRISM_SIDES
        if e < n:
            return e, (e + 1) % n
        if e < 2 * n:
            return e, n + (e + 1) % n
        return e - 2 * n, e - n
    a = e // 3
    bit = 1 << (e % 3)
    lo = (a // bit) * 2 * bit + a % bit  # the a-th corner with this bit clear
    return lo, lo | bit


@njit(cache=True)
def _hull(pts, n, out):
    """Convex hull (counter-clockwise in screen x right, y down: clockwise on screen) of
    ``pts[:n]`` by the monotone chain; writes it to ``out`` and returns its size."""
    order = np.argsort(pts[:n, 0] + 1e-9 * pts[:n, 1])
    p = pts[order]
    k = 0
    for i in range(n):  # lower chain
        while k >= 2 and _cross(out[k - 2], out[k - 1], p[i]) <= 0:
            k -= 1
        out[k] = p[i]
        k += 1
    t = k + 1
    for i in range(n - 2, -1, -1):  # upper chain
        while k >= t and _cross(out[k - 2], out[k - 1], p[i]) <= 0:
            k -= 1
        out[k] = p[i]
        k += 1
    return max(k - 1, 1)


@njit(cache=True, inline="always")
def _cross(o, a, b):
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


@njit(cache=True)
def screen_bounds(frames, halves, kinds, focal, w_half, h_half, rects, hulls, n_hull):
    """Fill ``rects`` (n, 4: x0, y0, x1, y1 pixels), ``hulls`` (n, 1, MAX_POINTS + 1, 2) and
    ``n_hull`` (n, 1) (one hull per solid: straight edges image straight) for solids given by
    ``frames`` (n, 4, 3: centre and local axes in the camera
    frame, km), ``halves`` (km) and ``kinds`` (0 cylinder, 1 box). A solid wholly behind the
    camera gets an empty rectangle and no hull."""
    verts = np.empty((2 * PRISM_SIDES, 3))
    pts = np.empty((MAX_POINTS, 2))
    for s in range(frames.shape[0]):
        nv = _solid_vertices(frames[s, 1:], frames[s, 0], halves[s], kinds[s], verts)
        n_edges = 3 * PRISM_SIDES if kinds[s] == 0 else 12
        m = 0
        for v in range(nv):
            if verts[v, 2] >= NEAR_KM:
                pts[m, 0] = focal * verts[v, 0] / verts[v, 2] + w_half
                pts[m, 1] = focal * verts[v, 1] / verts[v, 2] + h_half
                m += 1
        for e in range(n_edges):
            a, b = _edge(kinds[s], e)
            za, zb = verts[a, 2], verts[b, 2]
            if (za - NEAR_KM) * (zb - NEAR_KM) < 0:
                f = (NEAR_KM - za) / (zb - za)
                x = verts[a, 0] + f * (verts[b, 0] - verts[a, 0])
                y = verts[a, 1] + f * (verts[b, 1] - verts[a, 1])
                pts[m, 0] = focal * x / NEAR_KM + w_half
                pts[m, 1] = focal * y / NEAR_KM + h_half
                m += 1
        if m == 0:
            rects[s, 0], rects[s, 1], rects[s, 2], rects[s, 3] = 1e9, 1e9, -1e9, -1e9
            n_hull[s, 0] = 0
            continue
        nh = _hull(pts, m, hulls[s, 0])
        n_hull[s, 0] = nh
        x0, y0, x1, y1 = 1e30, 1e30, -1e30, -1e30
        for k in range(nh):
            x0, x1 = min(x0, hulls[s, 0, k, 0]), max(x1, hulls[s, 0, k, 0])
            y0, y1 = min(y0, hulls[s, 0, k, 1]), max(y1, hulls[s, 0, k, 1])
        rects[s, 0], rects[s, 1] = x0 - MARGIN_PX, y0 - MARGIN_PX
        rects[s, 2], rects[s, 3] = x1 + MARGIN_PX, y1 + MARGIN_PX


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def square_misses_hull(x0, y0, x1, y1, hull, nh):
    """True when the screen rectangle [x0, x1] x [y0, y1] lies wholly outside one edge of the
    convex polygon ``hull[:nh]`` (grown by MARGIN_PX): a separating axis. (The rectangle's own
    axes are the bounding-rectangle test, made before.)"""
    if nh < 3:
        return False
    for k in range(nh):
        ax, ay = hull[k, 0], hull[k, 1]
        bx, by = hull[(k + 1) % nh, 0], hull[(k + 1) % nh, 1]
        ex, ey = bx - ax, by - ay
        norm = np.sqrt(ex * ex + ey * ey)
        if norm < 1e-6:  # (near-)duplicate vertices: no usable direction, not a separating axis
            continue
        # outward side of a counter-clockwise (in x right, y up terms) chain: cross < 0
        lim = -MARGIN_PX * norm
        c00 = ex * (y0 - ay) - ey * (x0 - ax)
        c10 = ex * (y0 - ay) - ey * (x1 - ax)
        c01 = ex * (y1 - ay) - ey * (x0 - ax)
        c11 = ex * (y1 - ay) - ey * (x1 - ax)
        if c00 < lim and c10 < lim and c01 < lim and c11 < lim:
            return True
    return False


FISHEYE_EDGE_SAMPLES = 128  # at most, per edge
FISHEYE_POINTS = 3 * PRISM_SIDES * FISHEYE_EDGE_SAMPLES
FISHEYE_MARGIN_PX = 2.0
FISHEYE_SLICES = 4
"""Through a radial lens a long solid's image is curved (a truss across the view bends into an
arc) and its convex hull holds much empty sky, where blocks are then traced pixel by pixel:
each solid is bounded as FISHEYE_SLICES slices along its longest axis, each with its own hull
(a block is clear of the solid when it misses every slice's hull)."""
DOP_SIDES = 32
"""Each slice's image (hundreds of sampled points) is bounded by the polygon of its supporting
lines in DOP_SIDES evenly spaced directions (a discrete oriented polytope): it contains their
convex hull, is at most 1 / cos(pi / DOP_SIDES) - 1 = 0.5 % of its radius larger, and costs
the block test DOP_SIDES edges."""


_HALF_DOP = np.array(
    [
        [np.cos(2 * np.pi * k / DOP_SIDES), np.sin(2 * np.pi * k / DOP_SIDES)]
        for k in range(DOP_SIDES // 2)
    ]
)
DOP_NORMALS = np.vstack([_HALF_DOP, -_HALF_DOP])  # normal k + DOP_SIDES / 2 = -normal k


@njit(cache=True)
def _bounding_dop(pts, n, out, grow):
    """Write the supports of the points ``pts[:n]`` along DOP_NORMALS, plus ``grow`` (pixels),
    to ``out[:, 0]`` (the polygon {p: n_k . p <= out[k, 0]}); returns DOP_SIDES. Kept as
    supports, not corners: the corners of a thin solid's polygon nearly coincide and the
    directions between them would be numerical noise. Opposite normals share one projection
    (its maximum and its minimum)."""
    half = DOP_SIDES // 2
    for k in range(half):
        nx, ny = DOP_NORMALS[k, 0], DOP_NORMALS[k, 1]
        hi, lo = -1e300, 1e300
        for v in range(n):
            q = nx * pts[v, 0] + ny * pts[v, 1]
            hi = max(hi, q)
            lo = min(lo, q)
        out[k, 0] = hi + grow
        out[k + half, 0] = -lo + grow
        out[k, 1] = 0.0
        out[k + half, 1] = 0.0
    return DOP_SIDES


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def square_misses_dop(x0, y0, x1, y1, supports, nh):
    """True when the rectangle [x0, x1] x [y0, y1] lies wholly beyond one of the supporting
    lines of a slice's polygon (:func:`_bounding_dop`, grown by MARGIN_PX); ``nh`` < 3: no
    polygon (nothing can be proved)."""
    if nh < 3:
        return False
    for k in range(DOP_SIDES):
        nx, ny = DOP_NORMALS[k, 0], DOP_NORMALS[k, 1]
        m = min(nx * x0, nx * x1) + min(ny * y0, ny * y1)  # the rectangle's least n . p
        if m > supports[k, 0] + MARGIN_PX:
            return True
    return False


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def square_misses_bound(x0, y0, x1, y1, hull, nh, radial):
    """:func:`square_misses_dop` for a radial lens's slices, else :func:`square_misses_hull`."""
    if radial:
        return square_misses_dop(x0, y0, x1, y1, hull, nh)
    return square_misses_hull(x0, y0, x1, y1, hull, nh)


@njit(cache=True)
def _camera_sees_backward_or_inside(u, c, half, kind):
    """True if the camera (the origin) is inside the box enclosing the solid, or the ray
    straight backward (-z) from it meets that box: the solid's image may then wrap round the
    fisheye's lens circle, and no hull bounds it."""
    big = half[1] / np.cos(np.pi / PRISM_SIDES) if kind == 0 else half[1]
    ext = (half[0], big, big if kind == 0 else half[2])
    t_in, t_out = -1e30, 1e30
    inside = True
    for k in range(3):
        o = -(c[0] * u[k, 0] + c[1] * u[k, 1] + c[2] * u[k, 2])  # the camera, local coords
        d = -u[k, 2]  # the backward direction, local coords
        inside = inside and abs(o) <= ext[k]
        if abs(d) < 1e-12:
            if abs(o) > ext[k]:
                t_out = -1.0
            continue
        t1, t2 = (-ext[k] - o) / d, (ext[k] - o) / d
        t_in, t_out = max(t_in, min(t1, t2)), min(t_out, max(t1, t2))
    return inside or (t_out >= max(t_in, 0.0))


@njit(cache=True, parallel=True)
def fisheye_bounds(frames, halves, kinds, focal, w_half, h_half, rects, hulls, n_hull, lens):
    """Screen rectangles and convex hulls for the radial lenses (:mod:`.lens` code ``lens``:
    1 the equidistant fisheye, r = focal * theta; 2 the action lens).

    A straight edge images as a curve, so each edge of the enclosing polytope of each of the
    solid's FISHEYE_SLICES slices is sampled evenly in the angle it subtends at the camera
    (densely enough that the curve between samples stays within FISHEYE_MARGIN_PX of them, at
    most FISHEYE_EDGE_SAMPLES, :func:`_edge_samples`) and the samples bounded by their
    DOP_SIDES-gon (which contains their convex hull), grown by FISHEYE_MARGIN_PX, which covers
    the curve between samples (as are the rectangles). The convex hull of a slice's image
    contains the (not always convex) image itself. A slice around the camera or behind it on the
    backward axis (its image may wrap round the lens circle) has no hull and gives the solid the
    whole screen. A slice whose bounding sphere images wholly off the screen (more than
    SCREEN_REACH_PX beyond it, :func:`_sphere_off_screen`) is not sampled: its polygon is empty
    (every block misses it) and it adds nothing to the rectangle (a solid with every slice off
    the screen gets an empty one and is no tile's candidate). A thin slice (a handrail's, a
    mast's: its cross-section's circumradius at most TUBE_MAX_RATIO of its half length) is
    bounded instead, far more cheaply, as a tube round its axis, with its own rigorous margin
    (:func:`_tube_samples`). ``hulls`` (n, FISHEYE_SLICES, DOP_SIDES + 1, 2), ``n_hull`` (n,
    FISHEYE_SLICES).
    """
    m_px = MARGIN_PX  # the samples' own margin (grow) is in the polygons and the rectangles
    for s in prange(frames.shape[0]):  # solids in parallel, each with its own buffers
        verts = np.empty((2 * PRISM_SIDES, 3))
        pts = np.empty((FISHEYE_POINTS, 2))
        sub_half = np.empty(3)
        sub_c = np.empty(3)
        u, c = frames[s, 1:], frames[s, 0]
        # slice along the cylinder's axis, or the box's longest axis
        axis = 0
        if kinds[s] == 1:
            if halves[s, 1] > halves[s, axis]:
                axis = 1
            if halves[s, 2] > halves[s, axis]:
                axis = 2
        x0, y0, x1, y1 = 1e30, 1e30, -1e30, -1e30
        wraps = False
        for sl in range(FISHEYE_SLICES):
            n_hull[s, sl] = 0
            for d in range(3):
                sub_half[d] = halves[s, d]
            sub_half[axis] = halves[s, axis] / FISHEYE_SLICES
            offset = -halves[s, axis] + (2 * sl + 1) * sub_half[axis]
            for d in range(3):
                sub_c[d] = c[d] + offset * u[axis, d]
            # the cross-section's circumradius: a thin slice is bounded as a tube
            if kinds[s] == 0:
                rho = halves[s, 1]
            else:
                rho = np.sqrt(sub_half[0] ** 2 + sub_half[1] ** 2 + sub_half[2] ** 2
                              - sub_half[axis] ** 2)  # fmt: skip
            if _sphere_off_screen(sub_c, np.sqrt(sub_half[axis] ** 2 + rho * rho), focal, lens,
                                  w_half, h_half):  # fmt: skip
                _empty_dop(hulls[s, sl])  # no ray the ray caster casts can meet this slice
                n_hull[s, sl] = DOP_SIDES
                continue
            grow = 0.0
            if rho <= TUBE_MAX_RATIO * sub_half[axis]:
                m, grow = _tube_samples(u[axis], sub_c, sub_half[axis], rho, focal, lens, pts,
                                        w_half, h_half)  # fmt: skip
                if m == 0:
                    wraps = True
                    continue
            else:
                if _camera_sees_backward_or_inside(u, sub_c, sub_half, kinds[s]):
                    wraps = True
                    continue
                m, grow = _edge_samples(u, sub_c, sub_half, kinds[s], focal, lens, verts, pts,
                                        w_half, h_half)  # fmt: skip
                if m == 0:
                    wraps = True
                    continue
            for k in range(m):
                x0, x1 = min(x0, pts[k, 0] - grow), max(x1, pts[k, 0] + grow)
                y0, y1 = min(y0, pts[k, 1] - grow), max(y1, pts[k, 1] + grow)
            nh = _bounding_dop(pts, m, hulls[s, sl], grow)
            n_hull[s, sl] = nh
        if wraps:
            for sl in range(FISHEYE_SLICES):
                n_hull[s, sl] = 0
            rects[s, 0], rects[s, 1], rects[s, 2], rects[s, 3] = -1e9, -1e9, 1e9, 1e9
        else:
            rects[s, 0], rects[s, 1] = x0 - m_px, y0 - m_px
            rects[s, 2], rects[s, 3] = x1 + m_px, y1 + m_px


SCREEN_REACH_PX = 64.0
"""Radial lenses' bounds are made for what images within this many pixels of the screen's
edges (the ray caster casts rays at most BLOCK + 1 pixels beyond them); a slice imaging
wholly farther off is left out (:func:`_sphere_off_screen`)."""


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def _sphere_off_screen(c, radius, focal, lens, w_half, h_half):
    """True when the sphere (centre ``c`` in the camera frame, ``radius``, km) images wholly
    more than SCREEN_REACH_PX beyond the screen through the radial lens: its directions lie
    within alpha = asin(radius / distance) of the centre's (theta_c off the axis, azimuth
    phi_c), so at image radii between those of theta_c -/+ alpha and, when that cap holds
    neither the lens axis nor its backward axis, at azimuths within asin(sin alpha / sin
    theta_c) of phi_c: a sector of an annulus, whose bounding box is tested against the
    screen. False whenever that cannot be shown (the camera inside the sphere, the cap
    reaching round to the backward axis)."""
    d = np.sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2])
    if d <= radius * 1.000001 + 1e-12:
        return False
    alpha = np.arcsin(radius / d)
    r_xy = np.sqrt(c[0] * c[0] + c[1] * c[1])
    theta_c = np.arctan2(r_xy, c[2])
    if theta_c + alpha >= np.pi - WRAP_RAD or theta_c <= alpha:
        return False  # (the cap holds the axis: its image holds the screen's centre)
    xa, xb = w_half + SCREEN_REACH_PX, h_half + SCREEN_REACH_PX  # the screen's half sizes
    r_lo = radius_px(theta_c - alpha, lens, focal)
    r_hi = radius_px(theta_c + alpha, lens, focal)
    if r_lo * r_lo > xa * xa + xb * xb:
        return True
    phi_c = np.arctan2(c[1], c[0])
    dphi = np.arcsin(min(np.sin(alpha) / np.sin(theta_c), 1.0))
    x0, y0, x1, y1 = 1e30, 1e30, -1e30, -1e30
    for k in range(4):  # the sector's corners
        phi = phi_c - dphi if k < 2 else phi_c + dphi
        r = r_lo if k % 2 == 0 else r_hi
        x, y = r * np.cos(phi), r * np.sin(phi)
        x0, x1, y0, y1 = min(x0, x), max(x1, x), min(y0, y), max(y1, y)
    for k in range(4):  # the outer arc's extreme points, where it crosses an axis
        cardinal = 0.5 * np.pi * k
        gap = (cardinal - phi_c + np.pi) % (2.0 * np.pi) - np.pi
        if abs(gap) <= dphi:
            x, y = r_hi * np.cos(cardinal), r_hi * np.sin(cardinal)
            x0, x1, y0, y1 = min(x0, x), max(x1, x), min(y0, y), max(y1, y)
    return x0 > xa or x1 < -xa or y0 > xb or y1 < -xb


@njit(cache=True, inline="always")
def _empty_dop(out):
    """A slice polygon that every rectangle misses (:func:`square_misses_dop`)."""
    for k in range(DOP_SIDES):
        out[k, 0] = -1e30
        out[k, 1] = 0.0


TUBE_MAX_RATIO = 1.0
"""A slice whose cross-section's circumradius is at most this share of its half length is
bounded as a tube (:func:`_tube_samples`): the tube's round ends reach beyond the slice by
that radius, so it is as tight as the polytope only for thin slices."""
WRAP_RAD = 1e-3
"""A bound whose directions come within this angle (rad) of the lens's backward axis is not
made (the lens stretches angles without limit there): the solid gets the whole screen."""
TUBE_SAMPLE_PX = 2.0  # image spacing (pixels) of the samples along a tube's axis, at most


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def _lens_scale(theta, lens):
    """The radial lens's largest image scale (pixels per radian, over ``focal``) at ``theta``
    off the axis: max(dr/dtheta, r / sin theta), both growing with theta below pi."""
    if lens == 1:
        return theta / np.sin(theta) if theta > 1e-9 else 1.0
    k = ACTION_K3
    radial = 1.0 + 3.0 * k * theta * theta
    tangential = (theta + k * theta * theta * theta) / np.sin(theta) if theta > 1e-9 else 1.0
    return max(radial, tangential)


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def _arc_max_theta(ax, ay, az, bx, by, bz):
    """Largest angle off the lens axis (+z, rad) of the directions on the shorter great-circle
    arc between the directions of (ax, ay, az) and (bx, by, bz): at an end, or where the arc
    passes closest to the backward axis -z."""
    theta = max(
        np.arctan2(np.sqrt(ax * ax + ay * ay), az), np.arctan2(np.sqrt(bx * bx + by * by), bz)
    )
    nx, ny, nz = ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx  # the arc's pole
    nn = np.sqrt(nx * nx + ny * ny + nz * nz)
    if nn < 1e-15:
        return theta
    nx, ny, nz = nx / nn, ny / nn, nz / nn
    px, py, pz = nz * nx, nz * ny, -1.0 + nz * nz  # -z minus its component along the pole
    # p between a and b on the arc: (a x p) . n >= 0 and (p x b) . n >= 0
    s1 = (ay * pz - az * py) * nx + (az * px - ax * pz) * ny + (ax * py - ay * px) * nz
    s2 = (py * bz - pz * by) * nx + (pz * bx - px * bz) * ny + (px * by - py * bx) * nz
    if s1 >= 0 and s2 >= 0:
        theta = max(theta, np.pi - np.arcsin(min(abs(nz), 1.0)))
    return theta


@njit(cache=True)
def _tube_samples(e, c, half_len, rho, focal, lens, pts, w_half, h_half):
    """Image points of the axis of a slice (centre ``c``, unit axis ``e``, half length
    ``half_len``, camera frame, km) sampled evenly in the angle it subtends at the camera, and
    the margin (pixels) that grows their polygon into a bound of every point within ``rho``
    (km) of the axis: ``(m, margin)``, m = 0 when the tube holds the camera or reaches round
    to the lens's backward axis (no bound).

    Rigorous, not sampled: every point P of the tube lies within ``rho`` of an axis point Q,
    so its direction is within alpha = asin(rho / d_min) of Q's (d_min: the axis's least
    distance from the camera), and Q's within half the samples' angular spacing delta of a
    sample's; every direction on the way is at most theta_hi = alpha + the axis arc's largest
    angle off the lens axis (:func:`_arc_max_theta`), where the lens stretches angles by at
    most ``focal`` * :func:`_lens_scale` (theta_hi): P's image is within that times (alpha +
    delta / 2) of a sample's."""
    ax, ay, az = c[0] - half_len * e[0], c[1] - half_len * e[1], c[2] - half_len * e[2]
    bx, by, bz = c[0] + half_len * e[0], c[1] + half_len * e[1], c[2] + half_len * e[2]
    ex, ey, ez = bx - ax, by - ay, bz - az
    length = 2.0 * half_len
    f = min(max(-(ax * ex + ay * ey + az * ez) / (length * length), 0.0), 1.0)
    qx, qy, qz = ax + f * ex, ay + f * ey, az + f * ez
    d_min = np.sqrt(qx * qx + qy * qy + qz * qz)
    if d_min <= rho * 1.000001 + 1e-12:
        return 0, 0.0
    alpha = np.arcsin(rho / d_min)
    na, span, angle_a = _arc_angles(ax, ay, az, bx, by, bz, ex, ey, ez, length)
    theta_hi = _arc_max_theta(ax, ay, az, bx, by, bz) + alpha  # bounds theta on the tube
    if theta_hi >= np.pi - WRAP_RAD:
        return 0, 0.0
    scale = focal * _lens_scale(theta_hi, lens)
    k_n = min(FISHEYE_EDGE_SAMPLES, max(2, int(span * scale / TUBE_SAMPLE_PX) + 2))
    _sample_arc(ax, ay, az, ex, ey, ez, na, length, span, angle_a, k_n, lens, focal, pts, 0,
                w_half, h_half)  # fmt: skip
    return k_n, scale * (alpha + 0.5 * span / (k_n - 1)) * 1.0001


@njit(cache=True, inline="always")
def _arc_angles(ax, ay, az, bx, by, bz, ex, ey, ez, length):
    """``(na, span, angle_a)`` of the segment from A to B (camera frame; E = B - A, ``length``
    = abs(E)): abs(A), the angle the segment subtends at the camera, and the angle at A between
    the camera and B (radians)."""
    na = np.sqrt(ax * ax + ay * ay + az * az)
    nb = np.sqrt(bx * bx + by * by + bz * bz)
    cos_ab = (ax * bx + ay * by + az * bz) / (na * nb)
    span = np.arccos(max(min(cos_ab, 1.0), -1.0))
    cos_alpha = -(ax * ex + ay * ey + az * ez) / (na * length)
    return na, span, np.arccos(max(min(cos_alpha, 1.0), -1.0))


@njit(cache=True, inline="always")
def _sample_arc(ax, ay, az, ex, ey, ez, na, length, span, angle_a, k_n, lens, focal, pts, start,
                w_half, h_half):  # fmt: skip
    """The images of ``k_n`` points of the segment from A (along E) evenly spaced in the angle
    it subtends at the camera (:func:`_arc_angles`), into ``pts[start:start + k_n]`` (pixels)."""
    for k in range(k_n):
        psi = span * k / (k_n - 1)
        # law of sines in (camera, A, P): |AP| = |A| sin(psi) / sin(angle_a + psi)
        sn = np.sin(angle_a + psi)
        g = 1.0 if (k == k_n - 1 or sn <= 1e-12) else min(na * np.sin(psi) / sn / length, 1.0)
        x, y, z = ax + g * ex, ay + g * ey, az + g * ez
        r_xy = np.sqrt(x * x + y * y)
        theta = np.arctan2(r_xy, z)
        s = radius_px(theta, lens, focal) / r_xy if r_xy > 0 else 0.0
        pts[start + k, 0] = w_half + x * s
        pts[start + k, 1] = h_half + y * s


@njit(cache=True)
def _edge_samples(u, c, half, kind, focal, lens, verts, pts, w_half, h_half):
    """Image points of the edges of the polytope (centre ``c``, axes ``u``, ``half``) sampled
    evenly in the angle each subtends at the camera: ``(m, grow)``, their number and the
    margin (pixels) to add to their polygon; m = 0 when an edge reaches round to the lens's
    backward axis (no bound).

    Each edge is sampled so that its every point's image is within FISHEYE_MARGIN_PX of a
    sample's: a point is within half the samples' angular spacing delta of one, and the lens
    stretches angles by at most ``focal`` * :func:`_lens_scale` (theta) along the edge's arc
    (theta: its largest angle off the axis, :func:`_arc_max_theta`); ``grow`` is that margin,
    or more where FISHEYE_EDGE_SAMPLES cannot reach it."""
    _solid_vertices(u, c, half, kind, verts)
    n_edges = 3 * PRISM_SIDES if kind == 0 else 12
    m = 0
    grow = FISHEYE_MARGIN_PX
    for e in range(n_edges):
        ia, ib = _edge(kind, e)
        ax, ay, az = verts[ia, 0], verts[ia, 1], verts[ia, 2]
        bx, by, bz = verts[ib, 0], verts[ib, 1], verts[ib, 2]
        ex, ey, ez = bx - ax, by - ay, bz - az
        length = np.sqrt(ex * ex + ey * ey + ez * ez)
        na, span, alpha = _arc_angles(ax, ay, az, bx, by, bz, ex, ey, ez, length)
        theta_hi = _arc_max_theta(ax, ay, az, bx, by, bz)
        if theta_hi >= np.pi - WRAP_RAD:
            return 0, 0.0
        scale = focal * _lens_scale(theta_hi, lens)
        k_n = min(FISHEYE_EDGE_SAMPLES, max(2, int(span * scale / (2.0 * FISHEYE_MARGIN_PX)) + 2))
        grow = max(grow, scale * 0.5 * span / (k_n - 1) * 1.0001)
        _sample_arc(ax, ay, az, ex, ey, ez, na, length, span, alpha, k_n, lens, focal, pts, m,
                    w_half, h_half)  # fmt: skip
        m += k_n
    return m, grow
