"""Auto-exposure of the helmet camera: what exposure a real camera picks, and how fast.

Radiance unit: the renderer's radiance is in units of the Sun's irradiance per sr, so a value
of 1 is ``SOLAR_ILLUMINANCE_LX`` cd/m^2 of luminance (``evasim.constants``). The image is
``1 - exp(-E L)`` through a 1/2.2 gamma (:mod:`.raycast`); ``E`` is the exposure.

Camera (est: a GoPro-class action camera, as flown on EVA helmets; the parameters are typical
published specifications of such cameras, not of a particular unit): f/2.8, shutter 1/8000 s
to 1/30 s (a 30 fps video cannot expose longer than a frame), ISO 100 to 6400. By the ISO
12232 saturation-based speed, a sensor saturates at the luminance ``78 N^2 / (t S)`` cd/m^2
(N the f-number, t the shutter time, S the ISO speed); the renderer's curve is 95 % white at
``E L = 3`` (``SATURATION_EXPOSED``), so the exposure range is
``E = 3 / L_sat``: ``EXPOSURE_MIN`` (1/8000 s, ISO 100: L_sat = 48,900 cd/m^2) to
``EXPOSURE_MAX`` (1/30 s, ISO 6400: L_sat = 2.87 cd/m^2). At ``EXPOSURE_MAX`` a magnitude 0
star on one pixel of the 120 deg lens at 720p shows at ~150/255, magnitude 6 at ~13/255, a
city core at ~125/255 and the airglow's limb band at ~15/255.

Metering (as before this module): the 99th percentile of the block-corner pixels' luminance
(the Sun's disc excluded) is placed at ``E L = EXPOSURE_KEY`` (0.8, 76 % of white), clipped to
the range above; in sunlight the exposure is also capped at ``EXPOSURE_DAY_CAP`` (blended in
log by the sunlit fraction), because a helmet camera in daylight meters on the sunlit suit and
hull around it even when the frame shows black sky, so stars never show by day.

Adaptation (``TIME_CONSTANT_S``, est: action cameras settle in about a second): the log of the
exposure relaxes toward the metered target exponentially, ``log E <- log E_t + (log E -
log E_t) exp(-dt / tau)``, from the previous frame's :class:`ExposureState`, which the caller
passes in explicitly (no state is kept anywhere else). Without a previous state, or when it is
older than ``MAX_GAP_S`` or from the future, the camera is taken as settled (the target).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from numba import njit

from ..constants import SOLAR_ILLUMINANCE_LX

F_NUMBER = 2.8
SHUTTER_S = (1 / 8000, 1 / 30)
ISO = (100.0, 6400.0)
SATURATION_CONSTANT = 78.0
"""ISO 12232:2006 saturation-based speed: L_sat = 78 N^2 / (t S) cd/m^2."""
SATURATION_EXPOSED = 3.0
"""Exposed value E L at which the renderer's tone curve reaches 95 % of white."""


def saturation_luminance_cd_m2(shutter_s: float, iso: float, f_number: float = F_NUMBER) -> float:
    """Luminance (cd/m^2) that saturates the sensor at these settings (ISO 12232)."""
    return SATURATION_CONSTANT * f_number**2 / (shutter_s * iso)


def exposure_for(shutter_s: float, iso: float, f_number: float = F_NUMBER) -> float:
    """The renderer's exposure E for these camera settings."""
    l_sat = saturation_luminance_cd_m2(shutter_s, iso, f_number) / SOLAR_ILLUMINANCE_LX
    return SATURATION_EXPOSED / l_sat


EXPOSURE_MIN = exposure_for(SHUTTER_S[0], ISO[0])  # ~7.9
EXPOSURE_MAX = exposure_for(SHUTTER_S[1], ISO[1])  # ~1.3e5
EXPOSURE_DAY_CAP = 60.0
EXPOSURE_KEY = 0.8
TIME_CONSTANT_S = 1.0
MAX_GAP_S = 30.0


@dataclass(frozen=True)
class ExposureState:
    """The camera's exposure after a frame, and that frame's time: pass it to the next
    frame (``HelmetCamera.frame(..., exposure_state=...)``)."""

    exposure: float
    utc: datetime


def metered_target(p99_luminance: float, sun_fraction: float) -> float:
    """The exposure the meter asks for: ``EXPOSURE_KEY`` over the 99th-percentile luminance
    (renderer unit, mean of R, G, B), within the camera's range and the daylight cap."""
    cap = math.exp(
        math.log(EXPOSURE_MAX)
        + sun_fraction * (math.log(EXPOSURE_DAY_CAP) - math.log(EXPOSURE_MAX))
    )
    target = EXPOSURE_KEY / max(p99_luminance, 1e-30)
    return min(max(target, EXPOSURE_MIN), cap)


def adapt(target: float, previous: ExposureState | None, utc: datetime) -> float:
    """The exposure at ``utc`` given the metered ``target`` and the previous frame's state."""
    if previous is None:
        return target
    dt = (utc - previous.utc).total_seconds()
    if dt < 0 or dt > MAX_GAP_S:
        return target
    keep = math.exp(-dt / TIME_CONSTANT_S)
    return math.exp(math.log(target) + (math.log(previous.exposure) - math.log(target)) * keep)


@njit(cache=True, error_model="numpy")
def metered_luminances(radiance, ids, ny, nx, skip_id, out):
    """The luminances (sum of the three channels) of samples ``[:ny, :nx]`` of ``radiance``
    (h, w, 3) whose ``ids`` are not ``skip_id`` (the Sun's disc), into ``out``; returns how
    many."""
    n = 0
    for j in range(ny):
        for i in range(nx):
            if ids[j, i] != skip_id:
                out[n] = radiance[j, i, 0] + radiance[j, i, 1] + radiance[j, i, 2]
                n += 1
    return n
