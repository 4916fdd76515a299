"""Where a spacewalker's helmet camera is and where it looks, at any instant of a replay.

Position: on the exterior of the task's worksite module in the 3-D layout (1 m off the hull on
its zenith side, or its starboard side for modules hanging along Z), EV1 and EV2 1.5 m apart
along the module; between tasks the crew member translates in a straight line to the next
worksite during the first ``TRANSIT_S`` of the task (routes along handrails and the Strela boom
are not modelled). Before hatch open and after hatch close: at the hatch of the scenario's
airlock (Poisk, Quest, Pirs...: ``station.airlock``), which is also the worksite of tasks that
name none.

Orientation presets (``look``): ``worksite`` (toward the worksite module's centre), ``limb``
(forward along the velocity, tilted down to the Earth's limb), ``nadir`` (straight down),
``free:YAW,PITCH`` (degrees, relative to the LVLH forward direction; pitch positive down),
``partner`` (toward the other spacewalker's waist, :mod:`.people`).
Image "up" is the local zenith as far as the look direction allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from ..attitude.quaternion import matrices
from ..errors import EvasimInputError
from ..sky.orbit import wgs84_radius_km
from ..station import worksite
from ..station.airlock import hatch_point
from ..station.layout import Placement
from .lens import Lens, project

__all__ = ["CameraPose", "Lens", "camera_pose", "crew_state_body", "project_px"]

TRANSIT_S = 10 * 60.0


@dataclass(frozen=True)
class CameraPose:
    position_itrs_km: np.ndarray
    rotation_itrs: np.ndarray  # columns: image right, image down, forward (ITRS)


worksite_point = worksite.worksite_point  # one model of a worksite: station.worksite


def crew_position_body(
    sc, placements: dict[str, Placement], role: str, when: datetime, airlock: str
) -> tuple[np.ndarray, str]:
    """Body-frame position (m) and the module being looked at, for crew ``role``; ``airlock``
    is the element whose hatch the spacewalk starts and ends at."""
    pos, module, _ = crew_state_body(sc, placements, role, when, airlock)
    return pos, module


def crew_windows(
    sc, placements: dict[str, Placement], role: str, airlock: str
) -> list[tuple[datetime, datetime, str]]:
    """Crew member ``role``'s tasks as (start, end, worksite module) in time order (UTC); the
    airlock where a task names no worksite on this station."""
    from ..station.catalog import canonical

    if role not in [m.role for m in sc.crew]:
        names = ", ".join(f"{m.role} {m.name}" for m in sc.crew)
        raise EvasimInputError(f"crew role {role!r}: expected one of {names}")
    windows = []
    for task in sc.tasks:
        if role in [m.role for m in sc.task_crew(task)]:
            module = canonical(task.worksite) if task.worksite else airlock
            if module not in placements:
                module = airlock
            start, end = sc.task_window(task)
            windows.append((start, end, module))
    return sorted(windows)


def crew_state_body(
    sc,
    placements: dict[str, Placement],
    role: str,
    when: datetime,
    airlock: str,
    windows: list[tuple[datetime, datetime, str]] | None = None,
) -> tuple[np.ndarray, str, str]:
    """As :func:`crew_position_body`, plus what the crew member is doing: ``inside`` (before
    hatch open or after hatch close, at the hatch), ``transit`` (moving to the next worksite)
    or ``work`` (at the worksite of a task, or waiting between tasks). ``windows``: the
    member's :func:`crew_windows` if the caller keeps them (a video asks every frame)."""
    if windows is None:
        windows = crew_windows(sc, placements, role, airlock)
    index = [m.role for m in sc.crew].index(role)
    hatch = hatch_point(placements, airlock)
    inside = bool(sc.eva and (when < sc.eva.hatch_open_utc or when > sc.eva.hatch_close_utc))
    previous, previous_module = hatch, airlock
    for start, end, module in windows:
        target = worksite_point(placements, module, index)
        if when < start:
            break
        if when <= end:
            f = min(
                1.0, (when - start).total_seconds() / min(TRANSIT_S, (end - start).total_seconds())
            )
            moving = f < 1.0 and np.linalg.norm(target - previous) > 1e-6
            activity = "inside" if inside else ("transit" if moving else "work")
            return previous + (target - previous) * f, module, activity
        previous, previous_module = target, module
    if inside:
        return hatch, airlock, "inside"
    return previous, previous_module, "work"


def hull_normal_body(placements: dict[str, Placement], module: str) -> np.ndarray:
    """Unit outward normal (body frame) of the side of ``module`` that :func:`worksite_point`
    puts the crew on: the local "up" of a spacewalker working there."""
    return worksite.hull_normal_body(placements, module)


def project_px(
    pose: CameraPose,
    point_itrs_km: np.ndarray,
    width: int,
    height: int,
    focal: float,
    lens: int = 0,
):
    """Pixel coordinates (x, y; the pixel index whose centre is nearest) of an ITRS point
    through the lens of code ``lens`` (:mod:`.lens`; 0 rectilinear), or None where the lens
    does not see it: the inverse of :func:`.lens.ray`."""
    d = (np.asarray(point_itrs_km) - pose.position_itrs_km) @ pose.rotation_itrs
    x, y, ok = project(d[None], lens, focal, width, height)
    if not ok[0]:
        return None
    return float(x[0]) - 0.5, float(y[0]) - 0.5


def _orthonormal(forward: np.ndarray, up: np.ndarray) -> np.ndarray:
    f = forward / np.linalg.norm(forward)
    u = up - np.dot(up, f) * f
    if np.linalg.norm(u) < 1e-6:
        u = np.array([0.0, 0.0, 1.0]) - f[2] * f
        if np.linalg.norm(u) < 1e-6:
            u = np.array([0.0, 1.0, 0.0]) - f[1] * f
    u /= np.linalg.norm(u)
    right = np.cross(f, u)  # right = forward x up (image x), image down = -up
    return np.column_stack([right, -u, f])


def look_direction(
    look: str,
    r_itrs_km: np.ndarray,
    v_itrs_km_s: np.ndarray,
    target_itrs_km: np.ndarray,
    cam_itrs_km: np.ndarray,
) -> np.ndarray:
    zenith = r_itrs_km / np.linalg.norm(r_itrs_km)
    forward_h = v_itrs_km_s - np.dot(v_itrs_km_s, zenith) * zenith
    forward_h /= np.linalg.norm(forward_h)
    if look in ("worksite", "partner"):
        d = target_itrs_km - cam_itrs_km
        return d / np.linalg.norm(d) if np.linalg.norm(d) > 1e-9 else -zenith
    if look == "nadir":
        return -zenith
    if look == "limb":
        dip = np.arccos(wgs84_radius_km(r_itrs_km) / np.linalg.norm(r_itrs_km))
        return np.cos(dip) * forward_h - np.sin(dip) * zenith
    if look.startswith("free:"):
        try:
            yaw, pitch = (np.radians(float(x)) for x in look[5:].split(","))
        except ValueError:
            raise EvasimInputError(f"--look {look!r}: expected free:YAW,PITCH in degrees") from None
        left = np.cross(zenith, forward_h)
        h = np.cos(yaw) * forward_h - np.sin(yaw) * left
        return np.cos(pitch) * h - np.sin(pitch) * zenith
    raise EvasimInputError(
        f"--look {look!r}: expected worksite, limb, nadir, partner or free:YAW,PITCH"
    )


def camera_pose(
    position_body_m: np.ndarray,
    target_body_m: np.ndarray,
    look: str,
    q_gcrs_body: np.ndarray,
    r_itrs_gcrs: np.ndarray,
    r_com_itrs_km: np.ndarray,
    v_itrs_km_s: np.ndarray,
    com_body_m: np.ndarray,
) -> CameraPose:
    r_itrs_body = r_itrs_gcrs @ matrices(q_gcrs_body[None])[0]
    cam = r_com_itrs_km + r_itrs_body @ (position_body_m - com_body_m) / 1000.0
    target = r_com_itrs_km + r_itrs_body @ (target_body_m - com_body_m) / 1000.0
    forward = look_direction(look, r_com_itrs_km, v_itrs_km_s, target, cam)
    zenith = r_com_itrs_km / np.linalg.norm(r_com_itrs_km)
    return CameraPose(cam, _orthonormal(forward, zenith))
