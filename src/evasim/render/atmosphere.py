"""Single-scattering Earth atmosphere seen from low Earth orbit (precomputed lookup tables).

Physical model
--------------
Spherical Earth, radius ``R = 6360 km``, atmosphere top ``R_TOP = 6420 km``. Constants are
the reference values of E. Bruneton, "A qualitative and quantitative evaluation of 8 clear
sky models" (2017) / "Precomputed atmospheric scattering: a new implementation" (2017,
https://ebruneton.github.io/precomputed_atmospheric_scattering/), converted to km^-1:

* Rayleigh: scattering = extinction = (5.802, 13.558, 33.1) e-3 km^-1 (R, G, B at 680, 550,
  440 nm), density ``exp(-h / 8 km)``, phase ``P_R(nu) = 3/(16 pi) (1 + nu^2)``.
* Mie (aerosols): scattering 3.996e-3 km^-1, extinction 4.40e-3 km^-1 (grey), density
  ``exp(-h / 1.2 km)``, Cornette-Shanks phase with ``g = 0.8``::

      P_M(nu) = 3/(8 pi) (1 - g^2)(1 + nu^2) / ((2 + g^2)(1 + g^2 - 2 g nu)^1.5)

* Ozone: absorption only, (0.650, 1.881, 0.085) e-3 km^-1, tent profile centred at 25 km,
  total width 30 km (density 1 at 25 km, 0 below 10 km and above 40 km); the vertical column
  is 15 km-equivalent. Enabled by default (``ozone=True`` in :func:`build_lut`).

Only single scattering is modelled (no multiple scattering, no ground bounce light in the air).

Radiometric convention
----------------------
Radiance is expressed in units where the solar irradiance at the top of the atmosphere is 1
in each of the three channels (so a Lambertian ground of albedo ``a`` lit by an overhead Sun
with no atmosphere has radiance ``a / pi``). The in-scattered radiance along a view ray is::

    L_in = sum_s beta_s P_s(nu) * integral rho_s(h(x)) T_view(camera -> x) T_sun(x) ds

The renderer composes a pixel as::

    ground rays:  L = T_view * T_sun(ground) * albedo * max(mu_s_ground, 0) / pi + L_in
    other rays:   L = T_view * L_behind (stars, Sun disc, station...) + L_in

where ``T_view`` and ``L_in`` come from :func:`lookup` and ``T_sun(ground)`` from
:func:`sun_transmittance` at ``r = R``.

Geometry and table parameterisation
-----------------------------------
The camera sits at radius ``r_c = R + h_cam`` (``h_cam`` must exceed 60 km, i.e. the camera is
above the atmosphere). A view ray is described by three cosines, all in the camera's local
frame:

* ``mu``  = cos(view direction, local zenith at the camera),
* ``mu_s`` = cos(local zenith at the camera, Sun direction),
* ``nu``  = cos(view direction, Sun direction).

``mu`` axis (``n_mu`` samples) is split in two branches that are never interpolated across:

* indices ``[0, n_g)``, ``n_g = n_mu // 2``: rays hitting the ground (``-1 <= mu < mu_g``),
  linear in the distance from the camera to the ground hit point ``d_g`` between
  ``r_c - R`` (nadir) and ``sqrt(r_c^2 - R^2)`` (ground limb). This gives a square-root-like
  refinement toward the limb ``mu_g = -sqrt(1 - (R / r_c)^2)``.
* indices ``[n_g, n_mu)``: rays above the ground limb (``mu_g <= mu <= mu_top``), linear in the
  tangent altitude ``h_t = r_c sqrt(1 - mu^2) - R`` from 0 to 60 km, with
  ``mu_top = -sqrt(1 - (R_TOP / r_c)^2)``.

Rays with ``mu > mu_top`` miss the atmosphere: ``L_in = 0, T = 1``.

There is a *physical* discontinuity at the ground limb: a ray just below it ends on the
ground at the tangent point (it crosses half the limb), a ray just above it crosses the whole
limb. So across ``mu_g`` the transmittance drops from ``T_half`` to ``~T_half^2`` and the
in-scatter gains the (attenuated) far half. The renderer should anti-alias the limb by
supersampling, not by interpolating the table across it.

``mu_s`` axis: linear in ``[-1, 1]``. ``nu`` axis: ``u = sqrt((1 - nu) / 2) = sin(theta / 2)``
linear in ``[0, 1]`` (``theta`` is the scattering angle), which refines the forward Mie peak.
Because the phase functions are baked into the table, this refinement matters. The constraint
``|nu - mu mu_s| <= sqrt((1 - mu^2)(1 - mu_s^2))`` is handled at build time by clamping ``nu``
into the valid interval, so table nodes outside the valid domain hold the value of the nearest
valid geometry; :func:`lookup` simply clamps its inputs to the table ranges.

The Sun transmittance ``T_sun(r, mu_s)`` (to the top of the atmosphere, zero below the geometric
horizon, Sun treated as a point) is a 2-D table in Bruneton's ``(x_r, x_mu)`` parameterisation.
It is stored flattened *inside* ``params`` so that :func:`sun_transmittance` and :func:`lookup`
need only plain arrays and floats.

``params`` layout (float64): see the ``_P_*`` index constants below; the Sun transmittance
table starts at ``params[_P_TR_OFFSET]`` with layout ``[i_r, i_mu, channel]``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

__all__ = [
    "BETA_MIE_EXT",
    "BETA_MIE_SCA",
    "BETA_OZONE",
    "BETA_RAYLEIGH",
    "H_MIE_KM",
    "H_RAYLEIGH_KM",
    "MIE_G",
    "R_EARTH_KM",
    "R_TOP_KM",
    "AtmosphereLUT",
    "build_lut",
    "lookup",
    "lookup_slice",
    "mu_limb",
    "mu_top",
    "slice_at_sun_zenith",
    "sun_transmittance",
]

# --- Physical constants (Bruneton 2017 reference values, km and km^-1) -------------------------
R_EARTH_KM = 6360.0
"""Radius of the scattering model's spherical ground (km): Bruneton's reference planet, not a
second Earth model. The rendered ground is the WGS84 ellipsoid (``evasim.constants``); the
table is built for the camera's altitude above it, and a ground hit sits at this radius
(altitude 0). docs/render.md ("One Earth") gives the resulting horizon difference."""
R_TOP_KM = 6420.0
"""Radius of the top of the atmosphere (km)."""
BETA_RAYLEIGH = np.array([5.802e-3, 13.558e-3, 33.1e-3])
"""Rayleigh scattering (= extinction) coefficients at sea level, R/G/B (km^-1)."""
H_RAYLEIGH_KM = 8.0
"""Rayleigh scale height (km)."""
BETA_MIE_SCA = 3.996e-3
"""Mie scattering coefficient at sea level, grey (km^-1)."""
BETA_MIE_EXT = 4.40e-3
"""Mie extinction coefficient at sea level, grey (km^-1)."""
H_MIE_KM = 1.2
"""Mie scale height (km)."""
MIE_G = 0.8
"""Cornette-Shanks asymmetry parameter."""
BETA_OZONE = np.array([0.650e-3, 1.881e-3, 0.085e-3])
"""Ozone absorption coefficients at the peak of the tent profile, R/G/B (km^-1)."""
OZONE_CENTER_KM = 25.0
OZONE_HALF_WIDTH_KM = 15.0

# --- params layout --------------------------------------------------------------------------
_P_R = 0  # planet radius (km)
_P_RTOP = 1  # atmosphere top radius (km)
_P_RC = 2  # camera radius (km)
_P_MU_TOP = 3  # cos view-zenith tangent to the atmosphere top
_P_MU_G = 4  # cos view-zenith of the ground limb
_P_NG = 5  # number of ground-branch mu samples
_P_NS = 6  # number of sky-branch mu samples
_P_DG_MIN = 7  # nadir distance to the ground (km)
_P_DG_MAX = 8  # distance to the ground limb (km)
_P_HT_MAX = 9  # tangent-altitude range of the sky branch (km)
_P_NMUS = 10
_P_NNU = 11
_P_NTR = 12  # transmittance table: number of r samples
_P_NTM = 13  # transmittance table: number of mu samples
_P_H = 14  # sqrt(R_top^2 - R^2) (km)
_P_TR_OFFSET = 15  # offset of the flattened transmittance table
_P_HEADER = 16

_N_TR = 64
_N_TM = 256


@dataclass(frozen=True)
class AtmosphereLUT:
    """Precomputed single-scattering tables for one camera altitude.

    Attributes
    ----------
    camera_altitude_km:
        Camera altitude above the ``R_EARTH_KM`` sphere (km).
    inscatter:
        float32 ``(n_mu, n_mus, n_nu, 3)``: in-scattered radiance ``L_in`` (R, G, B) per unit
        top-of-atmosphere solar irradiance (sr^-1), phase functions included.
    transmittance:
        float32 ``(n_mu, 3)``: view transmittance from the camera to the ground hit point or to
        space (depends on ``mu`` only).
    hits_ground:
        bool ``(n_mu,)``: True for the ground branch.
    params:
        float64 1-D: mapping constants plus the flattened Sun transmittance table.
    """

    camera_altitude_km: float
    inscatter: np.ndarray
    transmittance: np.ndarray
    hits_ground: np.ndarray
    params: np.ndarray


# --- densities and phase functions ----------------------------------------------------------
@njit(cache=True, inline="always")
def _ozone_density(h: float) -> float:
    x = 1.0 - abs(h - OZONE_CENTER_KM) / OZONE_HALF_WIDTH_KM
    return x if x > 0.0 else 0.0


@njit(cache=True, inline="always")
def _phase_rayleigh(nu: float) -> float:
    return 3.0 / (16.0 * math.pi) * (1.0 + nu * nu)


@njit(cache=True, inline="always")
def _phase_mie(nu: float) -> float:
    g = MIE_G
    k = 3.0 / (8.0 * math.pi) * (1.0 - g * g) / (2.0 + g * g)
    return k * (1.0 + nu * nu) / (1.0 + g * g - 2.0 * g * nu) ** 1.5


# --- Sun transmittance table (Bruneton parameterisation) --------------------------------------
@njit(cache=True)
def _optical_depth(r: float, mu: float, length: float, n: int, b_r, b_m: float, b_o) -> tuple:
    """Optical depth (R, G, B) along a straight path of ``length`` km from radius ``r``."""
    R = R_EARTH_KM
    ds = length / n
    tr = 0.0
    tm = 0.0
    to = 0.0
    for i in range(n + 1):
        s = i * ds
        w = 0.5 * ds if (i == 0 or i == n) else ds
        rx = math.sqrt(max(r * r + s * s + 2.0 * r * s * mu, R * R))
        h = rx - R
        tr += w * math.exp(-h / H_RAYLEIGH_KM)
        tm += w * math.exp(-h / H_MIE_KM)
        to += w * _ozone_density(h)
    return (
        b_r[0] * tr + b_m * tm + b_o[0] * to,
        b_r[1] * tr + b_m * tm + b_o[1] * to,
        b_r[2] * tr + b_m * tm + b_o[2] * to,
    )


@njit(cache=True)
def _fill_sun_table(params, b_r, b_m, b_o):
    R = params[_P_R]
    Rt = params[_P_RTOP]
    H = params[_P_H]
    n_r = int(params[_P_NTR])
    n_m = int(params[_P_NTM])
    off = int(params[_P_TR_OFFSET])
    for i in range(n_r):
        rho = H * i / (n_r - 1)
        r = math.sqrt(rho * rho + R * R)
        d_min = Rt - r
        d_max = rho + H
        for j in range(n_m):
            d = d_min + (d_max - d_min) * j / (n_m - 1)
            if d <= 0.0:
                mu = 1.0
            else:
                mu = (H * H - rho * rho - d * d) / (2.0 * r * d)
                mu = min(max(mu, -1.0), 1.0)
            t = _optical_depth(r, mu, d, 400, b_r, b_m, b_o)
            k = off + (i * n_m + j) * 3
            params[k] = math.exp(-t[0])
            params[k + 1] = math.exp(-t[1])
            params[k + 2] = math.exp(-t[2])


@njit(cache=True, inline="always")
def _sun_table(params, r: float, mu: float) -> tuple:
    """Bilinear T_sun for ``R <= r <= R_top`` and ``mu`` above the horizon (no checks)."""
    R = params[_P_R]
    Rt = params[_P_RTOP]
    H = params[_P_H]
    n_r = int(params[_P_NTR])
    n_m = int(params[_P_NTM])
    off = int(params[_P_TR_OFFSET])
    rho = math.sqrt(max(r * r - R * R, 0.0))
    d = -r * mu + math.sqrt(max(r * r * (mu * mu - 1.0) + Rt * Rt, 0.0))
    d_min = Rt - r
    d_max = rho + H
    xm = (d - d_min) / (d_max - d_min) if d_max > d_min else 0.0
    xr = rho / H
    fr = min(max(xr, 0.0), 1.0) * (n_r - 1)
    fm = min(max(xm, 0.0), 1.0) * (n_m - 1)
    ir = min(int(fr), n_r - 2)
    im = min(int(fm), n_m - 2)
    ar = fr - ir
    am = fm - im
    k00 = off + (ir * n_m + im) * 3
    k01 = k00 + 3
    k10 = k00 + n_m * 3
    k11 = k10 + 3
    w00 = (1.0 - ar) * (1.0 - am)
    w01 = (1.0 - ar) * am
    w10 = ar * (1.0 - am)
    w11 = ar * am
    return (
        w00 * params[k00] + w01 * params[k01] + w10 * params[k10] + w11 * params[k11],
        w00 * params[k00 + 1]
        + w01 * params[k01 + 1]
        + w10 * params[k10 + 1]
        + w11 * params[k11 + 1],
        w00 * params[k00 + 2]
        + w01 * params[k01 + 2]
        + w10 * params[k10 + 2]
        + w11 * params[k11 + 2],
    )


@njit(cache=True, error_model="numpy")
def sun_transmittance(params, r_km, mu_s):
    """Transmittance (R, G, B) from a point at radius ``r_km`` toward the Sun.

    ``mu_s`` is the cosine between the point's local zenith and the Sun direction. Returns 0 if
    the Sun is below the point's geometric horizon (ray toward the Sun hits the ``R`` sphere),
    1 if the ray misses the atmosphere. Valid for any ``r_km >= R_EARTH_KM`` (points above the
    atmosphere, e.g. the station, get the transmittance of the whole limb chord the Sun ray
    crosses, which reddens and dims the Sun near orbital sunrise/sunset).
    """
    R = params[_P_R]
    Rt = params[_P_RTOP]
    r = max(r_km, R)
    mu = min(max(mu_s, -1.0), 1.0)
    s2 = 1.0 - mu * mu
    p2 = r * r * s2  # squared impact parameter of the Sun ray
    if mu < 0.0 and p2 < R * R:
        return 0.0, 0.0, 0.0
    if r <= Rt:
        return _sun_table(params, r, mu)
    # Above the atmosphere.
    if mu >= 0.0 or p2 >= Rt * Rt:
        return 1.0, 1.0, 1.0
    # The Sun ray dips into the atmosphere and comes out: chord transmittance seen from its
    # entry point at R_top, where the ray points downward with cos = -sqrt(1 - p^2 / Rt^2).
    mu_e = -math.sqrt(max(1.0 - p2 / (Rt * Rt), 0.0))
    return _sun_table(params, Rt, mu_e)


# --- in-scatter table -------------------------------------------------------------------------
@njit(cache=True, inline="always")
def _branch_mu(params, i: int) -> float:
    """View ``mu`` of table row ``i``."""
    R = params[_P_R]
    rc = params[_P_RC]
    n_g = int(params[_P_NG])
    n_s = int(params[_P_NS])
    if i < n_g:
        dg = params[_P_DG_MIN] + (params[_P_DG_MAX] - params[_P_DG_MIN]) * i / (n_g - 1)
        # |c + d v| = R  ->  mu = (R^2 - rc^2 - d^2) / (2 rc d)
        return (R * R - rc * rc - dg * dg) / (2.0 * rc * dg)
    ht = params[_P_HT_MAX] * (i - n_g) / (n_s - 1)
    p = R + ht
    return -math.sqrt(max(1.0 - (p / rc) ** 2, 0.0))


@njit(cache=True)
def _build_kernel(params, samples, b_r, b_m_sca, b_m_ext, b_o, inscatter, transmittance, hits):
    R = params[_P_R]
    Rt = params[_P_RTOP]
    rc = params[_P_RC]
    H = params[_P_H]
    n_mu = inscatter.shape[0]
    n_mus = inscatter.shape[1]
    n_nu = inscatter.shape[2]
    n_g = int(params[_P_NG])
    n_r = int(params[_P_NTR])
    n_m = int(params[_P_NTM])
    off = int(params[_P_TR_OFFSET])
    S = samples
    n_sub = 8
    ds_pos = np.empty(S)
    w = np.empty(S)
    rs = np.empty(S)
    rho_r = np.empty(S)
    rho_m = np.empty(S)
    tv = np.empty((S, 3))
    # Per-sample Sun-table r interpolation (depends on the view ray only).
    ir_s = np.empty(S, dtype=np.int64)
    ar_s = np.empty(S)
    dmin_s = np.empty(S)
    dmax_s = np.empty(S)
    muhor_s = np.empty(S)
    for i in range(n_mu):
        mu = _branch_mu(params, i)
        ground = i < n_g
        hits[i] = ground
        b = rc * mu
        disc_top = b * b - rc * rc + Rt * Rt
        if disc_top <= 0.0:
            inscatter[i] = 0.0
            transmittance[i] = 1.0
            continue
        sq = math.sqrt(disc_top)
        d_in = -b - sq
        if ground:
            d_end = -b - math.sqrt(max(b * b - rc * rc + R * R, 0.0))
        else:
            d_end = -b + sq
        length = d_end - d_in
        # Sample positions: ground rays are refined toward the ground (quadratic map),
        # sky rays are uniform (symmetric around the tangent point).
        for k in range(S):
            t = k / (S - 1)
            if ground:
                ds_pos[k] = d_in + length * (1.0 - (1.0 - t) * (1.0 - t))
            else:
                ds_pos[k] = d_in + length * t
        for k in range(S):
            lo = ds_pos[k - 1] if k > 0 else ds_pos[k]
            hi = ds_pos[k + 1] if k < S - 1 else ds_pos[k]
            w[k] = 0.5 * (hi - lo)
        # View optical depth, accumulated with n_sub sub-steps between samples.
        t0 = 0.0
        t1 = 0.0
        t2 = 0.0
        for k in range(S):
            if k > 0:
                seg = (ds_pos[k] - ds_pos[k - 1]) / n_sub
                for q in range(n_sub + 1):
                    d = ds_pos[k - 1] + q * seg
                    wq = 0.5 * seg if (q == 0 or q == n_sub) else seg
                    rx = math.sqrt(max(rc * rc + d * d + 2.0 * rc * d * mu, R * R))
                    h = rx - R
                    er = wq * math.exp(-h / H_RAYLEIGH_KM)
                    em = wq * math.exp(-h / H_MIE_KM) * b_m_ext
                    eo = wq * _ozone_density(h)
                    t0 += b_r[0] * er + em + b_o[0] * eo
                    t1 += b_r[1] * er + em + b_o[1] * eo
                    t2 += b_r[2] * er + em + b_o[2] * eo
            d = ds_pos[k]
            rx = math.sqrt(max(rc * rc + d * d + 2.0 * rc * d * mu, R * R))
            rx = min(rx, Rt)
            h = rx - R
            rs[k] = rx
            rho_r[k] = math.exp(-h / H_RAYLEIGH_KM)
            rho_m[k] = math.exp(-h / H_MIE_KM)
            tv[k, 0] = math.exp(-t0)
            tv[k, 1] = math.exp(-t1)
            tv[k, 2] = math.exp(-t2)
            rho = math.sqrt(max(rx * rx - R * R, 0.0))
            fr = min(rho / H, 1.0) * (n_r - 1)
            ir = min(int(fr), n_r - 2)
            ir_s[k] = ir
            ar_s[k] = fr - ir
            dmin_s[k] = Rt - rx
            dmax_s[k] = rho + H
            muhor_s[k] = -math.sqrt(max(1.0 - (R / rx) ** 2, 0.0))
        transmittance[i, 0] = tv[S - 1, 0]
        transmittance[i, 1] = tv[S - 1, 1]
        transmittance[i, 2] = tv[S - 1, 2]
        sin_v = math.sqrt(max(1.0 - mu * mu, 0.0))
        for j in range(n_mus):
            mus = -1.0 + 2.0 * j / (n_mus - 1)
            sin_s = math.sqrt(max(1.0 - mus * mus, 0.0))
            nu_lo = mu * mus - sin_v * sin_s
            nu_hi = mu * mus + sin_v * sin_s
            for kk in range(n_nu):
                u = kk / (n_nu - 1)
                nu = 1.0 - 2.0 * u * u
                nu = min(max(nu, nu_lo), nu_hi)
                ir0 = 0.0
                ir1 = 0.0
                ir2 = 0.0
                im0 = 0.0
                im1 = 0.0
                im2 = 0.0
                for k in range(S):
                    rx = rs[k]
                    mux = (rc * mus + ds_pos[k] * nu) / rx
                    if mux < muhor_s[k]:
                        continue
                    mux = min(mux, 1.0)
                    dt = -rx * mux + math.sqrt(max(rx * rx * (mux * mux - 1.0) + Rt * Rt, 0.0))
                    span = dmax_s[k] - dmin_s[k]
                    xm = (dt - dmin_s[k]) / span if span > 0.0 else 0.0
                    fm = min(max(xm, 0.0), 1.0) * (n_m - 1)
                    im = min(int(fm), n_m - 2)
                    am = fm - im
                    ar = ar_s[k]
                    k00 = off + (ir_s[k] * n_m + im) * 3
                    k10 = k00 + n_m * 3
                    w00 = (1.0 - ar) * (1.0 - am)
                    w01 = (1.0 - ar) * am
                    w10 = ar * (1.0 - am)
                    w11 = ar * am
                    s0 = (
                        w00 * params[k00]
                        + w01 * params[k00 + 3]
                        + w10 * params[k10]
                        + w11 * params[k10 + 3]
                    )
                    s1 = (
                        w00 * params[k00 + 1]
                        + w01 * params[k00 + 4]
                        + w10 * params[k10 + 1]
                        + w11 * params[k10 + 4]
                    )
                    s2 = (
                        w00 * params[k00 + 2]
                        + w01 * params[k00 + 5]
                        + w10 * params[k10 + 2]
                        + w11 * params[k10 + 5]
                    )
                    a0 = w[k] * tv[k, 0] * s0
                    a1 = w[k] * tv[k, 1] * s1
                    a2 = w[k] * tv[k, 2] * s2
                    ir0 += a0 * rho_r[k]
                    ir1 += a1 * rho_r[k]
                    ir2 += a2 * rho_r[k]
                    im0 += a0 * rho_m[k]
                    im1 += a1 * rho_m[k]
                    im2 += a2 * rho_m[k]
                pr = _phase_rayleigh(nu)
                pm = _phase_mie(nu) * b_m_sca
                inscatter[i, j, kk, 0] = b_r[0] * pr * ir0 + pm * im0
                inscatter[i, j, kk, 1] = b_r[1] * pr * ir1 + pm * im1
                inscatter[i, j, kk, 2] = b_r[2] * pr * ir2 + pm * im2


def _make_params(camera_altitude_km: float, n_mu: int, n_mus: int, n_nu: int) -> np.ndarray:
    R = R_EARTH_KM
    Rt = R_TOP_KM
    rc = R + float(camera_altitude_km)
    n_g = n_mu // 2
    n_s = n_mu - n_g
    params = np.zeros(_P_HEADER + _N_TR * _N_TM * 3)
    params[_P_R] = R
    params[_P_RTOP] = Rt
    params[_P_RC] = rc
    params[_P_MU_TOP] = -math.sqrt(1.0 - (Rt / rc) ** 2)
    params[_P_MU_G] = -math.sqrt(1.0 - (R / rc) ** 2)
    params[_P_NG] = n_g
    params[_P_NS] = n_s
    params[_P_DG_MIN] = rc - R
    params[_P_DG_MAX] = math.sqrt(rc * rc - R * R)
    params[_P_HT_MAX] = Rt - R
    params[_P_NMUS] = n_mus
    params[_P_NNU] = n_nu
    params[_P_NTR] = _N_TR
    params[_P_NTM] = _N_TM
    params[_P_H] = math.sqrt(Rt * Rt - R * R)
    params[_P_TR_OFFSET] = _P_HEADER
    return params


def build_lut(
    camera_altitude_km: float = 420.0,
    n_mu: int = 256,
    n_mus: int = 64,
    n_nu: int = 64,
    samples: int = 64,
    *,
    ozone: bool = True,
) -> AtmosphereLUT:
    """Precompute the single-scattering tables for a camera at ``camera_altitude_km`` (km).

    ``n_mu`` (>= 4, split evenly between the ground and sky branches), ``n_mus``, ``n_nu``
    (>= 2) are the table sizes; ``samples`` (>= 2) is the number of integration points per view
    ray (the view optical depth uses 8 sub-steps per interval). ``ozone`` toggles the ozone
    absorption. Takes about 1 s on one core for the defaults (plus numba compilation the first
    time; compiled code is cached on disk).
    """
    if camera_altitude_km <= R_TOP_KM - R_EARTH_KM:
        raise ValueError("camera must be above the atmosphere top (60 km)")
    if n_mu < 4 or n_mus < 2 or n_nu < 2 or samples < 2:
        raise ValueError("table sizes too small")
    params = _make_params(camera_altitude_km, n_mu, n_mus, n_nu)
    b_r = BETA_RAYLEIGH.astype(np.float64)
    b_o = BETA_OZONE.astype(np.float64) if ozone else np.zeros(3)
    _fill_sun_table(params, b_r, BETA_MIE_EXT, b_o)
    inscatter = np.zeros((n_mu, n_mus, n_nu, 3))
    transmittance = np.ones((n_mu, 3))
    hits = np.zeros(n_mu, dtype=np.bool_)
    _build_kernel(
        params, int(samples), b_r, BETA_MIE_SCA, BETA_MIE_EXT, b_o, inscatter, transmittance, hits
    )
    return AtmosphereLUT(
        camera_altitude_km=float(camera_altitude_km),
        inscatter=inscatter.astype(np.float32),
        transmittance=transmittance.astype(np.float32),
        hits_ground=hits,
        params=params,
    )


@njit(cache=True, inline="always", error_model="numpy")
def _mu_row(params, mu):
    """Table row below the view cosine ``mu`` (within its ground or sky branch) and the
    fraction toward the next row."""
    R = params[_P_R]
    rc = params[_P_RC]
    n_g = int(params[_P_NG])
    n_s = int(params[_P_NS])
    mu = max(mu, -1.0)
    p2 = rc * rc * (1.0 - mu * mu)
    if mu < params[_P_MU_G]:
        dg = -rc * mu - math.sqrt(max(R * R - p2, 0.0))
        x = (dg - params[_P_DG_MIN]) / (params[_P_DG_MAX] - params[_P_DG_MIN]) * (n_g - 1)
        x = min(max(x, 0.0), n_g - 1.0)
        i0 = min(int(x), n_g - 2)
        return i0, x - i0
    ht = math.sqrt(p2) - R
    x = ht / params[_P_HT_MAX] * (n_s - 1)
    x = min(max(x, 0.0), n_s - 1.0)
    i0 = min(int(x), n_s - 2)
    return i0 + n_g, x - i0


@njit(cache=True, error_model="numpy")
def lookup(inscatter, transmittance, params, mu, mus, nu):
    """Return ``(Lr, Lg, Lb, Tr, Tg, Tb)`` for a view ray from the camera.

    ``L`` is the in-scattered radiance (per unit TOA solar irradiance, sr^-1), ``T`` the view
    transmittance to the ground hit point (``mu < mu_g``) or to space. Trilinear in ``inscatter``
    (within one ``mu`` branch), linear in ``transmittance``. Rays with ``mu >= mu_top`` return
    ``(0, 0, 0, 1, 1, 1)``. Inputs are clamped to ``[-1, 1]``; ``nu`` should satisfy the
    geometric constraint (it is not checked). Allocation-free; callable from other ``@njit``
    code.
    """
    if mu >= params[_P_MU_TOP]:
        return 0.0, 0.0, 0.0, 1.0, 1.0, 1.0
    n_mus = inscatter.shape[1]
    n_nu = inscatter.shape[2]
    i0, fa = _mu_row(params, mu)
    y = (min(max(mus, -1.0), 1.0) + 1.0) * 0.5 * (n_mus - 1)
    j0 = min(int(y), n_mus - 2)
    fb = y - j0
    z = math.sqrt(max(0.5 * (1.0 - nu), 0.0)) * (n_nu - 1)
    z = min(z, n_nu - 1.0)
    k0 = min(int(z), n_nu - 2)
    fc = z - k0
    l0 = 0.0
    l1 = 0.0
    l2 = 0.0
    for a in range(2):
        wa = fa if a == 1 else 1.0 - fa
        for b in range(2):
            wb = fb if b == 1 else 1.0 - fb
            for c in range(2):
                wgt = wa * wb * (fc if c == 1 else 1.0 - fc)
                l0 += wgt * inscatter[i0 + a, j0 + b, k0 + c, 0]
                l1 += wgt * inscatter[i0 + a, j0 + b, k0 + c, 1]
                l2 += wgt * inscatter[i0 + a, j0 + b, k0 + c, 2]
    t0 = (1.0 - fa) * transmittance[i0, 0] + fa * transmittance[i0 + 1, 0]
    t1 = (1.0 - fa) * transmittance[i0, 1] + fa * transmittance[i0 + 1, 1]
    t2 = (1.0 - fa) * transmittance[i0, 2] + fa * transmittance[i0 + 1, 2]
    return l0, l1, l2, t0, t1, t2


@njit(cache=True, inline="always", fastmath=True, error_model="numpy")
def lookup_slice(inscatter_mus, transmittance, params, mu, nu):
    """:func:`lookup` in a table already interpolated at one Sun zenith cosine
    (:func:`slice_at_sun_zenith`, shape ``(n_mu, n_nu, 3)``): bilinear in (mu, nu), the same
    values, a quarter of the memory reads. Inlined into the ray caster."""
    if mu >= params[_P_MU_TOP]:
        return 0.0, 0.0, 0.0, 1.0, 1.0, 1.0
    n_nu = inscatter_mus.shape[1]
    i0, fa = _mu_row(params, mu)
    z = math.sqrt(max(0.5 * (1.0 - nu), 0.0)) * (n_nu - 1)
    z = min(z, n_nu - 1.0)
    k0 = min(int(z), n_nu - 2)
    fc = z - k0
    w00, w01 = (1.0 - fa) * (1.0 - fc), (1.0 - fa) * fc
    w10, w11 = fa * (1.0 - fc), fa * fc
    t = inscatter_mus
    l0 = (
        w00 * t[i0, k0, 0]
        + w01 * t[i0, k0 + 1, 0]
        + w10 * t[i0 + 1, k0, 0]
        + w11 * t[i0 + 1, k0 + 1, 0]
    )
    l1 = (
        w00 * t[i0, k0, 1]
        + w01 * t[i0, k0 + 1, 1]
        + w10 * t[i0 + 1, k0, 1]
        + w11 * t[i0 + 1, k0 + 1, 1]
    )
    l2 = (
        w00 * t[i0, k0, 2]
        + w01 * t[i0, k0 + 1, 2]
        + w10 * t[i0 + 1, k0, 2]
        + w11 * t[i0 + 1, k0 + 1, 2]
    )
    t0 = (1.0 - fa) * transmittance[i0, 0] + fa * transmittance[i0 + 1, 0]
    t1 = (1.0 - fa) * transmittance[i0, 1] + fa * transmittance[i0 + 1, 1]
    t2 = (1.0 - fa) * transmittance[i0, 2] + fa * transmittance[i0 + 1, 2]
    return l0, l1, l2, t0, t1, t2


def slice_at_sun_zenith(inscatter, mus: float) -> np.ndarray:
    """The in-scatter table linearly interpolated at one Sun zenith cosine ``mus`` (the same
    for every ray of a frame): shape ``(n_mu, n_nu, 3)``, for :func:`lookup_slice`."""
    n = inscatter.shape[1]
    y = (min(max(mus, -1.0), 1.0) + 1.0) * 0.5 * (n - 1)
    j = min(int(y), n - 2)
    f = y - j
    layer = (1 - f) * inscatter[:, j] + f * inscatter[:, j + 1]
    return np.ascontiguousarray(layer, dtype=np.float32)


def mu_limb(params: np.ndarray) -> float:
    """Cosine of the view-zenith angle of the ground limb seen from the camera (< 0)."""
    return float(params[_P_MU_G])


def mu_top(params: np.ndarray) -> float:
    """Cosine of the view-zenith angle of the atmosphere-top limb (rays above miss the air)."""
    return float(params[_P_MU_TOP])
