"""Where a spacewalker looks, from the task timeline: the ``auto`` look of the helmet camera.

A deterministic schedule, a function of time only (the same look at the same instant whatever
the frame rate). At every instant the crew member has an *intent*, one of the look presets of
:mod:`.camera`:

* inside the airlock, or translating to the next worksite: ``worksite`` (the module they
  are at, or the one they are moving to: along the route);
* at work, a cycle of ``WORK_CYCLE_S`` seconds (:data:`WORK_CYCLE`): mostly the worksite,
  a glance at the partner (when someone else is outside), and the Earth (``limb`` and
  ``nadir`` in alternate cycles) now and then. The cycle is phased by the crew member's
  position in the crew list (``CREW_PHASE_S``) so that the two do not glance together.

The intent changes at known instants (task starts and ends, the end of each transit, hatch
open and close, the cycle's boundaries). At each change the camera turns from where it was to
the new intent over ``TURN_S`` seconds: a spherical interpolation (slerp) of the two camera
rotations, both evaluated at the current instant, with the minimum-jerk profile
s(u) = 10 u^3 - 15 u^4 + 6 u^5 (Flash and Hogan 1985, the smooth profile of human reaching
movements: zero velocity and acceleration at both ends). Changes closer than ``TURN_S`` chain
(each turn starts from the previous, still moving, orientation), so the motion is continuous.

Figures (all est): in a pressurised suit the head turns inside a helmet fixed to the torso, so
a helmet camera turns only as the whole body does, on the handrails or the foot restraint: a
turn of ``TURN_S`` = 2.5 s (within 1.5-3 s); glances of 8-10 s; an optional head jitter of
a fraction of a degree (``jitter_deg``: a sum of three slow sines, 0.07-0.4 Hz, phases from
``seed``), off by default.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..attitude.quaternion import from_matrix_one, to_matrix

TURN_S = 2.5
WORK_CYCLE_S = 120.0
WORK_CYCLE: tuple[tuple[float, str], ...] = (
    (0.0, "worksite"),
    (62.0, "partner"),
    (70.0, "worksite"),
    (100.0, "earth"),
    (110.0, "worksite"),
)
"""(start within the cycle (s), intent); ``earth`` is ``limb`` in even cycles, ``nadir`` in odd
ones. ``partner`` falls back to ``worksite`` when nobody else is outside."""
CREW_PHASE_S = 45.0
JITTER_HZ = (0.07, 0.19, 0.41)
MAX_CHAIN = 4  # turns followed back; older ones finished TURN_S before (or are cut)


def min_jerk(u: float) -> float:
    """Minimum-jerk profile on [0, 1] (0 below, 1 above)."""
    u = min(max(u, 0.0), 1.0)
    return u * u * u * (10.0 + u * (-15.0 + 6.0 * u))


def slerp_rotation(a: np.ndarray, b: np.ndarray, s: float) -> np.ndarray:
    """Rotation matrix a fraction ``s`` of the way from ``a`` to ``b`` along the shortest
    rotation (quaternion slerp)."""
    if s <= 0.0:
        return a
    if s >= 1.0:
        return b
    qa, qb = from_matrix_one(np.ascontiguousarray(a)), from_matrix_one(np.ascontiguousarray(b))
    dot = float(qa @ qb)
    if dot < 0:
        qb, dot = -qb, -dot
    if dot > 0.9995:
        q = qa + s * (qb - qa)
    else:
        omega = np.arccos(dot)
        q = (np.sin((1 - s) * omega) * qa + np.sin(s * omega) * qb) / np.sin(omega)
    return to_matrix(q / np.linalg.norm(q))


@dataclass(frozen=True)
class LookSchedule:
    """The auto look of one crew member: ``changes_s`` are the instants (seconds on any fixed
    time axis) where their activity may change; ``activity(t_s)`` returns (activity:
    ``inside``/``transit``/``work``, whether a partner is outside to look at); ``phase_s``
    shifts their work cycle."""

    changes_s: Sequence[float]
    activity: Callable[[float], tuple[str, bool]]
    phase_s: float = 0.0

    def intent(self, t_s: float) -> str:
        """The look preset wanted at ``t_s`` (module doc)."""
        activity, partner = self.activity(t_s)
        if activity != "work":
            return "worksite"
        cycle, within = divmod(t_s - self.phase_s, WORK_CYCLE_S)
        starts = [c[0] for c in WORK_CYCLE]
        name = WORK_CYCLE[bisect.bisect_right(starts, within) - 1][1]
        if name == "earth":
            return "limb" if int(cycle) % 2 == 0 else "nadir"
        if name == "partner" and not partner:
            return "worksite"
        return name

    def _boundaries(self, t0_s: float, t1_s: float) -> list[float]:
        """Instants in [t0_s, t1_s] where the intent may change."""
        out = [c for c in self.changes_s if t0_s <= c <= t1_s]
        first = np.floor((t0_s - self.phase_s) / WORK_CYCLE_S)
        last = np.floor((t1_s - self.phase_s) / WORK_CYCLE_S)
        for cycle in range(int(first), int(last) + 1):
            for start, _ in WORK_CYCLE:
                c = self.phase_s + cycle * WORK_CYCLE_S + start
                if t0_s <= c <= t1_s:
                    out.append(c)
        return sorted(set(out))

    def turns(self, t_s: float) -> list[tuple[str, float]]:
        """The chain of looks in effect at ``t_s``: [(intent, weight)], the first with weight 1
        (the look held before the turns), each next one blended over the result so far with
        the min-jerk weight of its turn."""
        horizon = MAX_CHAIN * TURN_S
        eps = 1e-3
        # the instants where the intent does change, the latest first
        changes = [
            (c, self.intent(c + eps))
            for c in reversed(self._boundaries(t_s - horizon, t_s))
            if self.intent(c - eps) != self.intent(c + eps)
        ]
        # keep the turns still in progress, chained back while each started within TURN_S of
        # the next (the earlier turn is then still moving when the next begins)
        chain: list[tuple[float, str]] = []
        for c, wanted in changes:
            if t_s - c >= TURN_S if not chain else chain[-1][0] - c >= TURN_S:
                break
            chain.append((c, wanted))
            if len(chain) == MAX_CHAIN:
                break
        if not chain:
            return [(self.intent(t_s), 1.0)]
        chain.reverse()
        out = [(self.intent(chain[0][0] - eps), 1.0)]
        out += [(wanted, min_jerk((t_s - c) / TURN_S)) for c, wanted in chain]
        return out


def jitter_angles_rad(t_s: float, jitter_deg: float, seed: int) -> tuple[float, float]:
    """Small head jitter (yaw, pitch, rad) at ``t_s``: three slow sines per axis with seeded
    phases, amplitude ``jitter_deg`` (their sum's RMS)."""
    if jitter_deg <= 0:
        return 0.0, 0.0
    phases = np.random.default_rng(seed).uniform(0, 2 * np.pi, (2, len(JITTER_HZ)))
    amp = np.radians(jitter_deg) / np.sqrt(len(JITTER_HZ) / 2.0)  # RMS of the sum: jitter_deg
    waves = np.sin(2 * np.pi * np.array(JITTER_HZ) * t_s + phases)
    return float(amp * waves[0].sum()), float(amp * waves[1].sum())


def jittered(rotation: np.ndarray, yaw_rad: float, pitch_rad: float) -> np.ndarray:
    """``rotation`` (columns: image right, down, forward) turned by yaw about image down and
    pitch about image right."""
    cy, sy, cp, sp = np.cos(yaw_rad), np.sin(yaw_rad), np.cos(pitch_rad), np.sin(pitch_rad)
    yaw = np.array([[cy, 0.0, sy], [0.0, 1.0, 0.0], [-sy, 0.0, cy]])
    pitch = np.array([[1.0, 0.0, 0.0], [0.0, cp, -sp], [0.0, sp, cp]])
    return rotation @ yaw @ pitch
