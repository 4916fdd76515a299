"""Which solids can shadow a point: a grid in the plane across the Sun's direction (numba).

A shadow ray from a point on the station toward the Sun can only meet a solid whose bounding
sphere it passes through, i.e. whose disc, projected along the Sun's direction onto a plane
across it, holds the point's projection. :func:`build` projects every solid's bounding sphere
onto that plane once per frame and lists, per cell of a square grid over the discs, the solids
whose disc reaches into the cell; :func:`candidates` gives a point's cell. The shadow test
(:func:`.solids.in_shadow`) then tries only those solids instead of every solid of the station
(and its 500-odd handrails): the same solids it would have found by their bounding spheres,
since a disc's cell list holds every cell the disc touches (grown by DISC_MARGIN_KM).
"""

from __future__ import annotations

import numpy as np
from numba import njit

GRID_CELLS = 64
"""Cells per side of the grid over the projected discs' extent (a 110 m station: ~1.7 m
cells, handrails in one to four cells, a solar array in a few hundred)."""
DISC_MARGIN_KM = 1e-9
"""Discs are grown by 1 micrometre: the grid never loses a solid to rounding."""
P_E1, P_E2, P_U0, P_V0, P_INV_CELL, P_NU, P_NV = 0, 3, 6, 7, 8, 9, 10
N_PARAMS = 11


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def _basis(sun):
    """Two unit vectors across the unit vector ``sun`` (and across each other)."""
    ax, ay, az = (1.0, 0.0, 0.0) if abs(sun[0]) < 0.9 else (0.0, 1.0, 0.0)
    e1x = ay * sun[2] - az * sun[1]
    e1y = az * sun[0] - ax * sun[2]
    e1z = ax * sun[1] - ay * sun[0]
    n = np.sqrt(e1x * e1x + e1y * e1y + e1z * e1z)
    e1x, e1y, e1z = e1x / n, e1y / n, e1z / n
    e2x = sun[1] * e1z - sun[2] * e1y
    e2y = sun[2] * e1x - sun[0] * e1z
    e2z = sun[0] * e1y - sun[1] * e1x
    return e1x, e1y, e1z, e2x, e2y, e2z


@njit(cache=True)
def build(centres, radii, sun):
    """The grid for solids with bounding spheres ``centres`` (n, 3) and ``radii`` (n,) (km) and
    the unit vector ``sun``: ``(params, cell_start, items)``: ``params`` (N_PARAMS,) the plane's
    axes, the grid's origin (km), 1 / cell size (1/km) and cells along each axis; the solids of
    cell (iu, iv) are ``items[cell_start[c]:cell_start[c + 1]]``, c = iv * nu + iu."""
    n = centres.shape[0]
    params = np.zeros(N_PARAMS)
    e1x, e1y, e1z, e2x, e2y, e2z = _basis(sun)
    params[0], params[1], params[2] = e1x, e1y, e1z
    params[3], params[4], params[5] = e2x, e2y, e2z
    pu = np.empty(n)
    pv = np.empty(n)
    pr = np.empty(n)
    u0, v0, u1, v1 = 1e300, 1e300, -1e300, -1e300
    for q in range(n):
        pu[q] = centres[q, 0] * e1x + centres[q, 1] * e1y + centres[q, 2] * e1z
        pv[q] = centres[q, 0] * e2x + centres[q, 1] * e2y + centres[q, 2] * e2z
        pr[q] = radii[q] * (1.0 + 1e-9) + DISC_MARGIN_KM
        u0, u1 = min(u0, pu[q] - pr[q]), max(u1, pu[q] + pr[q])
        v0, v1 = min(v0, pv[q] - pr[q]), max(v1, pv[q] + pr[q])
    if n == 0:
        return params, np.zeros(1, np.int64), np.zeros(0, np.int64)
    cell = max(u1 - u0, v1 - v0, 1e-9) / GRID_CELLS
    nu = min(int((u1 - u0) / cell) + 1, GRID_CELLS)
    nv = min(int((v1 - v0) / cell) + 1, GRID_CELLS)
    params[P_U0], params[P_V0], params[P_INV_CELL] = u0, v0, 1.0 / cell
    params[P_NU], params[P_NV] = nu, nv
    counts = np.zeros(nu * nv + 1, np.int64)
    empty = np.zeros(0, np.int64)
    for q in range(n):  # count the discs per cell
        _disc_cells(pu[q], pv[q], pr[q], u0, v0, cell, nu, nv, q, counts, empty, empty)
    for c in range(nu * nv):
        counts[c + 1] += counts[c]
    items = np.empty(counts[nu * nv], np.int64)
    fill = counts[:-1].copy()
    for q in range(n):  # and list them
        _disc_cells(pu[q], pv[q], pr[q], u0, v0, cell, nu, nv, q, counts, items, fill)
    return params, counts, items


@njit(cache=True)
def _disc_cells(pu, pv, pr, u0, v0, cell, nu, nv, q, counts, items, fill):
    """Count solid q's disc (centre (pu, pv), radius pr, km) in ``counts[c + 1]`` of every cell
    c it reaches, or, when ``items`` is not empty, write q there at ``fill[c]``."""
    ia = max(int((pu - pr - u0) / cell), 0)
    ib = min(int((pu + pr - u0) / cell), nu - 1)
    ja = max(int((pv - pr - v0) / cell), 0)
    jb = min(int((pv + pr - v0) / cell), nv - 1)
    for j in range(ja, jb + 1):
        # the disc against the cell: distance from its centre to the cell's rectangle
        dv = max(v0 + j * cell - pv, 0.0, pv - (v0 + (j + 1) * cell))
        for i in range(ia, ib + 1):
            du = max(u0 + i * cell - pu, 0.0, pu - (u0 + (i + 1) * cell))
            if du * du + dv * dv > pr * pr:
                continue
            c = j * nu + i
            if items.shape[0] == 0:
                counts[c + 1] += 1
            else:
                items[fill[c]] = q
                fill[c] += 1


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def cell_of(hx, hy, hz, params):
    """The grid cell of point h (ITRS km), -1 outside the grid (no solid can shadow it)."""
    u = hx * params[0] + hy * params[1] + hz * params[2]
    v = hx * params[3] + hy * params[4] + hz * params[5]
    fu = (u - params[P_U0]) * params[P_INV_CELL]
    fv = (v - params[P_V0]) * params[P_INV_CELL]
    if fu < 0.0 or fv < 0.0:
        return -1
    i, j = int(fu), int(fv)
    nu = int(params[P_NU])
    if i >= nu or j >= int(params[P_NV]):
        return -1
    return j * nu + i
