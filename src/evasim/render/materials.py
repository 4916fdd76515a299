"""Surface materials of the station's solids: albedo, seams and grids, gloss.

The table (``data/render/materials.csv``, one row per material, every figure with its source
and confidence) gives each material a base albedo (linear, per channel), a line colour (seams,
cell grid lines, truss bars), a Blinn-Phong specular lobe and a procedural *pattern* evaluated
on the solid's surface coordinates (``u`` along its local x axis, ``v`` across or around it, in
metres; :func:`evasim.render.solids.surface_uv`):

* ``plain``: the base albedo;
* ``quilt``: rectangular panels (``period_u_m`` x ``period_v_m``) with seams ``line_m`` wide
  in the line colour, and a +/-4 % brightness per panel (thermal blankets, MMOD covers);
* ``rs_panels``: panels alternating the base and the line colour along the axis, with dark
  seams (the Russian modules' white and grey-green blankets);
* ``cells``: a grid of square solar cells in the base colour with grid lines in the line colour;
* ``lattice``: truss bays: bars (line width) along the bay edges and one diagonal per bay in the
  base colour over the dark interior (the line colour).

Patterns are filtered by the pixel's footprint on the surface ``w`` (m): a seam thinner than a
pixel covers its share of it, and a pattern whose period spans fewer than 8 pixels fades to its
mean (gone at 4), so that distant surfaces do not alias. A plate's back face (+z, the ``face``
code 8 of :func:`evasim.render.solids.hit_solid`) takes the ``back`` material (solar arrays:
cells in front, Kapton behind). Material 0 (``person``) is plain with the solid's own colour.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
from numba import njit

from ..errors import EvasimInputError

PATTERNS = {"plain": 0, "quilt": 1, "rs_panels": 2, "cells": 3, "lattice": 4}
COLUMNS = 15
"""Table columns: base r g b, line r g b, specular, shininess, pattern, period u, period v,
line width (m), back material index (-1: none), 1 / period u, 1 / period v."""

SEAM_SHADE = 0.55  # est (artistic): RS panel seams as a darker shade of the panel's colour
RS_MODULES = ("Zvezda", "Zarya", "Poisk", "Pirs", "MRM-2")
RS_WHITE_MODULES = ("Nauka", "Rassvet", "Prichal", "MRM-1", "MLM")
SOYUZ_VEHICLES = ("Soyuz", "Progress")
US_MODULES = (
    "Destiny", "Unity", "Harmony", "Tranquility", "Quest", "Columbus", "Kibo", "Leonardo",
    "PMA", "BEAM", "Bishop", "Node", "Cygnus", "HTV", "ATV", "Dream", "Shuttle",
)  # fmt: skip


@dataclass(frozen=True)
class Material:
    name: str
    albedo_rgb: tuple[float, float, float]
    line_rgb: tuple[float, float, float]
    specular: float
    shininess: float
    pattern: str
    period_u_m: float
    period_v_m: float
    line_m: float
    back: str
    source: str
    confidence: str


@cache
def materials() -> tuple[Material, ...]:
    """Every material of the packaged table, in its order (index = material id)."""
    path = resources.files("evasim") / "data" / "render" / "materials.csv"
    text = path.read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    out = []
    for k, row in enumerate(csv.DictReader(io.StringIO("\n".join(lines)))):
        try:
            out.append(
                Material(
                    row["material"],
                    (float(row["albedo_r"]), float(row["albedo_g"]), float(row["albedo_b"])),
                    (float(row["line_r"]), float(row["line_g"]), float(row["line_b"])),
                    float(row["specular"]),
                    float(row["shininess"]),
                    row["pattern"],
                    float(row["period_u_m"]),
                    float(row["period_v_m"]),
                    float(row["line_m"]),
                    row["back"],
                    row["source"],
                    row["confidence"],
                )
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise EvasimInputError(f"materials.csv row {k + 2}: {exc}") from None
        if min(out[-1].period_u_m, out[-1].period_v_m) <= 0 or out[-1].line_m < 0:
            raise EvasimInputError(f"materials.csv row {k + 2}: periods > 0, line_m >= 0")
        if out[-1].pattern not in PATTERNS:
            raise EvasimInputError(f"materials.csv row {k + 2}: pattern expected {PATTERNS}")
    return tuple(out)


def material_id(name: str) -> int:
    """Index of material ``name`` in :func:`materials` (the solids' material ids)."""
    for k, m in enumerate(materials()):
        if m.name == name:
            return k
    raise KeyError(name)


@cache
def material_table() -> np.ndarray:
    """(n, COLUMNS) float64 table of :func:`materials` for the ray caster."""
    mats = materials()
    table = np.zeros((len(mats), COLUMNS))
    for k, m in enumerate(mats):
        back = material_id(m.back) if m.back else -1
        table[k] = (*m.albedo_rgb, *m.line_rgb, m.specular, m.shininess, PATTERNS[m.pattern],
                    m.period_u_m, m.period_v_m, m.line_m, back, 1 / m.period_u_m,
                    1 / m.period_v_m)  # fmt: skip
    table.setflags(write=False)
    return table


def material_for(name: str, kind: str) -> str:
    """The material of the layout's solid ``name`` of ``kind`` (module, truss, vehicle, array,
    and the drawing-only kinds mast, handrail_rs, handrail_us, boom, radiator, antenna)."""
    if kind == "array":
        return "irosa_front" if "iROSA" in name else "array_front"
    if kind == "radiator":  # evasim.station.radiators
        return "radiator_rs" if "RTOd" in name else "radiator"
    if kind == "antenna":
        return "boom"
    if kind in ("truss", "mast", "handrail_rs", "handrail_us", "boom"):
        return kind
    if any(s in name for s in RS_WHITE_MODULES):
        return "rs_white"
    if any(s in name for s in RS_MODULES):
        return "rs_green"
    if any(s in name for s in SOYUZ_VEHICLES):
        return "soyuz_green"
    if "Dragon" in name:
        return "dragon_white"
    if any(s in name for s in US_MODULES):
        return "us_blanket"
    if name == "Cupola":
        return "aluminium"
    return "us_blanket" if kind in ("module", "vehicle") else "aluminium"


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def surface_material(table, m, face):
    """The material seen on ``face`` of a solid of material ``m``: a box's +z face takes the
    back material when there is one."""
    if face == 8 and m > 0:
        back = int(table[m, 12])
        if back >= 0:
            return back
    return m


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def pattern_visible(table, m, w):
    """Does material ``m`` show any pattern detail with a pixel footprint of ``w`` m? (Not for
    ``plain`` nor once the finest period spans fewer than 4 footprints: :func:`_line_cover`
    has faded it to its mean.)"""
    if m == 0 or table[m, 8] == 0:
        return False
    return min(table[m, 9], table[m, 10]) > 4.0 * w


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def _line_cover(x, period, inv_period, width, inv_w):
    """Share of a pixel (footprint ``1 / inv_w`` m, box filter) covered by lines ``width`` m
    wide every ``period`` m (centred on multiples of it), fading to the mean ``width /
    period`` once the period spans fewer than 8 footprints (gone below 4); and the index of
    the panel (between lines k and k + 1: k) the point is in."""
    mean = width * inv_period
    panel = np.floor(x * inv_period)
    d = x - period * panel  # from the line below, 0 .. period
    d = min(d, period - d)  # from the nearest line
    cov = min(max((0.5 * width - d) * inv_w + 0.5, 0.0), 1.0) * min(1.0, width * inv_w)
    detail = min(max(period * inv_w * 0.25 - 1.0, 0.0), 1.0)
    return mean + (cov - mean) * detail, detail, int(panel)


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def _line_within(lo, hi, period, inv_period):
    """Is a line (a multiple of ``period``) in [lo, hi]?"""
    return np.floor(hi * inv_period) * period >= lo


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def uniform_over(table, m, u_lo, u_hi, v_lo, v_hi, w_max):
    """Is material ``m``'s albedo one value over a patch whose surface coordinates lie in
    [u_lo, u_hi] x [v_lo, v_hi] (m), seen with pixel footprints at most ``w_max`` m? True for
    ``plain``, and for a seamed or celled pattern (``quilt``, ``rs_panels``, ``cells``) with
    its detail whole (the period spans 8 footprints or more: no fading with the footprint) and
    no line within half a line width and half a footprint of the patch (:func:`_line_cover`
    gives 0 there, and the panel indices, which change only at lines, are the same): the
    albedo :func:`surface_albedo` gives at any point of the patch is then the one at its
    corners. Lattices (their diagonals) are never taken as uniform."""
    row = table[m]
    pattern = int(row[8])
    if m == 0 or pattern == 0:
        return True
    if pattern == 4 or 8.0 * w_max > min(row[9], row[10]):
        return False
    reach = 0.5 * row[11] + 0.5 * w_max
    if _line_within(u_lo - reach, u_hi + reach, row[9], row[13]):
        return False
    return not _line_within(v_lo - reach, v_hi + reach, row[10], row[14])


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def _cell_hash(i, j):
    """A repeatable pseudo-random number in [0, 1) for panel (i, j)."""
    h = (i * 73856093) ^ (j * 19349663)
    h = (h ^ (h >> 13)) * 1274126177
    return ((h ^ (h >> 16)) & 0xFFFF) / 65536.0


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def surface_albedo(table, m, u, v, w, base_r, base_g, base_b):
    """Albedo (r, g, b) of material ``m`` at surface coordinates ``(u, v)`` (m) seen with a
    pixel footprint of ``w`` m; ``base_*`` is the solid's own colour (used by material 0)."""
    if m == 0:
        return base_r, base_g, base_b
    row = table[m]
    pattern = int(row[8])
    r, g, b = row[0], row[1], row[2]
    if pattern == 0:
        return r, g, b
    lr, lg, lb = row[3], row[4], row[5]
    pu, pv, lw = row[9], row[10], row[11]
    inv_w = 1.0 / max(w, 1e-6)
    cu, du, iu = _line_cover(u, pu, row[13], lw, inv_w)
    cv, dv, iv = _line_cover(v, pv, row[14], lw, inv_w)
    if pattern == 1 or pattern == 2:  # quilted panels / alternating RS panels
        if pattern == 2:  # every other ring of panels along the axis in the line colour
            odd = (iu & 1) * du + 0.5 * (1.0 - du)  # fades to the mean of the two colours
            r, g, b = r + (lr - r) * odd, g + (lg - g) * odd, b + (lb - b) * odd
            lr, lg, lb = SEAM_SHADE * r, SEAM_SHADE * g, SEAM_SHADE * b
        k = 1.0 + 0.08 * (_cell_hash(iu, iv) - 0.5) * du * dv
        r, g, b = r * k, g * k, b * k
        c = cu + cv - cu * cv
        return r + (lr - r) * c, g + (lg - g) * c, b + (lb - b) * c
    if pattern == 3:  # solar cells: grid lines between square cells
        c = cu + cv - cu * cv
        return r + (lr - r) * c, g + (lg - g) * c, b + (lb - b) * c
    # lattice: bars along the bay edges and one diagonal per bay over the dark interior
    fu = u * row[13] - np.floor(u * row[13])
    fv = v * row[14] - np.floor(v * row[14])
    cd, _, _ = _line_cover((fu - fv) * pu * 0.7071, 1e9, 1e-9, lw, inv_w * 1.4142)
    bar = cu + cv - cu * cv
    bar = bar + cd - bar * cd
    # seen from afar the lattice is its mean: bars cover ~3 widths per bay
    mean = min(3.0 * lw / pu, 1.0)
    detail = du * dv
    bar = mean + (bar - mean) * detail
    return lr + (r - lr) * bar, lg + (g - lg) * bar, lb + (b - lb) * bar
