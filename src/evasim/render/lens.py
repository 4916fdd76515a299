"""The helmet camera's lens: one projection model used by the ray caster (pixel -> ray,
:func:`ray`), the culling bounds (:func:`radius_px`, :mod:`.culling`) and everything drawn
after the trace (stars, the Sun's ghosts, projecting a point: :func:`project`).

Three projections, by code (``Lens.code``):

* ``0`` **rectilinear** (pinhole): r = f tan(theta);
* ``1`` **equidistant** fisheye: r = f theta;
* ``2`` **action** camera, "as flown": r = f (theta + ACTION_K3 theta^3), a radial polynomial
  fitted to the field of view measured for the GoPro HERO3 Black (below).

What flew (sources in docs/render.md, "The lens"): NASA's helmet cameras since STS-97 (2000) were
small built-in helmet cams; a GoPro sent up by Roscosmos in 2013 flew on US EVAs in 2015 (Air &
Space/Smithsonian, "New Eyes on the ISS", 2015) and Roscosmos published GoPro footage of
Russian spacewalks (Padalka and Kornienko, 2015-08-10; Yurchikhin and Ryazanskiy in Orlan-MKS,
2017-08-17). No lens data for those cameras is published. The action lens is the GoPro HERO3
Black's as measured against a grid by R. Cunniff (2012): 121 deg horizontal, 93 deg vertical,
146 deg diagonal on its 4:3 frame (+/- 1.5 deg), 2.77 mm f/2.8 (EXIF), distortion "stronger
toward the corners", close to an equidistant projection. An equidistant lens through those
three figures misses the vertical and diagonal by 2 and 5 deg; adding a cubic term,
f (theta + k theta^3) with k = 0.056 fitted to the horizontal and vertical figures, gives 147.1
deg diagonal (est: a two-parameter fit to one hobbyist measurement; confidence M for the kind of
projection, L for k). Between equidistant (k = 0) and rectilinear, it keeps straight lines near
the centre straighter than a fisheye and bends them at the edges, as GoPro footage does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from ..errors import EvasimInputError

RECTILINEAR, EQUIDISTANT, ACTION = 0, 1, 2
PROJECTIONS = {"rectilinear": RECTILINEAR, "equidistant": EQUIDISTANT, "action": ACTION}
ACTION_K3 = 0.056
"""Cubic coefficient of the action lens, r = f (theta + k theta^3) (est, fitted: module doc)."""
ACTION_FOV_DEG = 121.0
"""The GoPro HERO3 Black's measured horizontal field of view (Cunniff 2012, +/- 1.5 deg, M)."""
MAX_FOV_DEG = {RECTILINEAR: 170.0, EQUIDISTANT: 360.0, ACTION: 200.0}


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def _theta_of_radius(rho, lens):
    """Angle from the axis (rad) of an image radius ``rho`` in focal lengths (radial lenses)."""
    if lens == 1:
        return rho
    # k t^3 + t - rho = 0 (one real root for k > 0): three Newton steps from rho / (1 + k rho^2)
    # agree with Cardano's formula within 2e-14 rad up to rho = 2 (~150 deg off the axis) and
    # 1.1e-7 rad up to 3.6, at a fifth of the cost of its two cube roots
    k = ACTION_K3
    t = rho / (1.0 + k * rho * rho)
    for _ in range(3):
        t -= (t + k * t * t * t - rho) / (1.0 + 3.0 * k * t * t)
    return t


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def radius_px(theta, lens, focal):
    """Image radius (pixels) of a direction ``theta`` (rad) off the axis, radial lenses."""
    if lens == 1:
        return focal * theta
    return focal * (theta + ACTION_K3 * theta * theta * theta)


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def ray(px, py, width, height, lens, focal):
    """Camera-frame unit direction (x right, y down, z forward) of a pixel centre (px + 0.5,
    py + 0.5) and whether there is one (a radial lens has none beyond 180 deg off the axis)."""
    u = px + 0.5 - width / 2.0
    v = py + 0.5 - height / 2.0
    if lens == 0:
        x, y, z = u, v, focal
    else:
        r = np.sqrt(u * u + v * v)
        theta = _theta_of_radius(r / focal, lens)
        if theta > np.pi:
            return 0.0, 0.0, 0.0, False
        s = np.sin(theta) / r if r > 0 else 0.0
        x, y, z = u * s, v * s, np.cos(theta)
    n = np.sqrt(x * x + y * y + z * z)
    return x / n, y / n, z / n, True


RAY_TABLE_STEPS = 16
"""Samples per pixel of image radius in the radial lenses' ray table (:func:`ray_table`)."""


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def ray_table_row(k, lens, focal, out):
    """Row ``k`` of :func:`ray_table`: at image radius r = k / RAY_TABLE_STEPS pixels,
    sin(theta) / r, cos(theta) and 1 where theta <= pi (else 0)."""
    r = k / RAY_TABLE_STEPS
    theta = _theta_of_radius(r / focal, lens)
    out[k, 0] = np.sin(theta) / r if r > 0 else 1.0 / focal
    out[k, 1] = np.cos(theta)
    out[k, 2] = 1.0 if theta <= np.pi else 0.0


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def ray_fast(px, py, width, height, lens, focal, table):
    """:func:`ray` for the radial lenses from the table of :func:`ray_table_row` (linear in
    the radius between samples 1/16 pixel apart: within 1e-9 rad of the exact inverse, a
    millionth of a pixel), an eighth of the cost of its Newton steps and trigonometry; exact
    beyond the table and for the rectilinear lens."""
    if lens == 0:
        return ray(px, py, width, height, lens, focal)
    u = px + 0.5 - width / 2.0
    v = py + 0.5 - height / 2.0
    f = np.sqrt(u * u + v * v) * RAY_TABLE_STEPS
    i = int(f)
    if i + 1 >= table.shape[0] or table[i + 1, 2] == 0.0:
        return ray(px, py, width, height, lens, focal)
    a = f - i
    s = table[i, 0] + (table[i + 1, 0] - table[i, 0]) * a
    z = table[i, 1] + (table[i + 1, 1] - table[i, 1]) * a
    x, y = u * s, v * s
    n = np.sqrt(x * x + y * y + z * z)
    return x / n, y / n, z / n, True


def radius_of(theta: np.ndarray, lens: int) -> np.ndarray:
    """Image radius in focal lengths of directions ``theta`` (rad) off the axis (numpy)."""
    theta = np.asarray(theta, float)
    if lens == RECTILINEAR:
        return np.tan(theta)
    if lens == EQUIDISTANT:
        return theta
    return theta + ACTION_K3 * theta**3


def project(dirs_cam: np.ndarray, lens: int, focal: float, width: int, height: int):
    """Image coordinates (x, y: pixel index + 0.5 at a pixel centre, i.e. continuous with the
    pixel (i, j) covering [i, i + 1)) of camera-frame directions ``dirs_cam`` (n, 3; x right,
    y down, z forward) and whether each is in front of the lens (rectilinear: z > 0; radial:
    less than 180 deg off the axis). The inverse of :func:`ray`."""
    d = np.asarray(dirs_cam, float).reshape(-1, 3)
    if lens == RECTILINEAR:
        visible = d[:, 2] > 1e-9
        z = np.where(visible, d[:, 2], 1.0)
        x, y = focal * d[:, 0] / z, focal * d[:, 1] / z
    else:
        rho = np.hypot(d[:, 0], d[:, 1])
        theta = np.arctan2(rho, d[:, 2])
        ok = rho > 0
        scale = np.where(ok, focal * radius_of(theta, lens) / np.where(ok, rho, 1.0), 0.0)
        x, y = d[:, 0] * scale, d[:, 1] * scale
        visible = theta < np.pi
    return x + width / 2.0, y + height / 2.0, visible


@dataclass(frozen=True)
class Lens:
    """A helmet-camera lens: horizontal field of view (deg, across the image width) and
    projection (``rectilinear``, ``equidistant`` or ``action``, the as-flown model). The older
    ``fisheye=True`` means ``equidistant``; after construction ``fisheye`` is True for every
    radial (non-rectilinear) projection."""

    fov_deg: float = 120.0
    fisheye: bool = False
    projection: str = ""

    def __post_init__(self):
        name = self.projection or ("equidistant" if self.fisheye else "rectilinear")
        if name not in PROJECTIONS:
            raise EvasimInputError(f"--lens {name!r}: expected one of {', '.join(PROJECTIONS)}")
        limit = MAX_FOV_DEG[PROJECTIONS[name]]
        if not 1.0 <= self.fov_deg <= limit:
            raise EvasimInputError(f"--fov {self.fov_deg:g}: expected 1..{limit:g} deg for {name}")
        object.__setattr__(self, "projection", name)
        object.__setattr__(self, "fisheye", name != "rectilinear")

    @property
    def code(self) -> int:
        """The projection's code for the numba kernels (module doc)."""
        return PROJECTIONS[self.projection]

    def focal_px(self, width: int) -> float:
        """Focal length (pixels) that puts the half field of view at the image's side edge."""
        half = np.radians(self.fov_deg) / 2
        return float((width / 2) / radius_of(half, self.code))

    def half_angle_rad(self, width: int, height: int) -> float:
        """Largest angle off the axis (rad) that reaches the image (its corners)."""
        r = np.hypot(width, height) / 2 / self.focal_px(width)
        if self.code == RECTILINEAR:
            return float(np.arctan(r))
        if self.code == EQUIDISTANT:
            return float(r)
        return float(_theta_of_radius(r, ACTION))


def action_lens(fov_deg: float = ACTION_FOV_DEG) -> Lens:
    """The as-flown helmet-camera lens model (module doc)."""
    return Lens(fov_deg, projection="action")


VIDEO_FOV_DEG = 120.0
"""The videos' field of view for the rectilinear and equidistant lenses (deg, est: VKD-49's
camera lens is not published; docs/render.md, "The lens")."""


def video_lens(projection: str, option: str = "--lens") -> Lens:
    """The lens a video uses for ``projection``: ``rectilinear`` or ``equidistant`` at
    :data:`VIDEO_FOV_DEG`, ``action`` the as-flown lens (:func:`action_lens`); a name not in
    :data:`PROJECTIONS` is an input error naming ``option``."""
    if projection not in PROJECTIONS:
        raise EvasimInputError(f"{option} {projection!r}: expected one of {', '.join(PROJECTIONS)}")
    return action_lens() if projection == "action" else Lens(VIDEO_FOV_DEG, projection=projection)
