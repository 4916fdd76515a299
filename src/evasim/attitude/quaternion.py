"""Quaternions, scalar first (w, x, y, z), Hamilton product, numba-compiled.

``q_ab`` rotates vectors from frame b into frame a: ``v_a = rotate(q_ab, v_b)``;
``q_ac = mul(q_ab, q_bc)``.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def mul(p, q):
    return np.array(
        [
            p[0] * q[0] - p[1] * q[1] - p[2] * q[2] - p[3] * q[3],
            p[0] * q[1] + p[1] * q[0] + p[2] * q[3] - p[3] * q[2],
            p[0] * q[2] - p[1] * q[3] + p[2] * q[0] + p[3] * q[1],
            p[0] * q[3] + p[1] * q[2] - p[2] * q[1] + p[3] * q[0],
        ]
    )


@njit(cache=True)
def conj(q):
    return np.array([q[0], -q[1], -q[2], -q[3]])


@njit(cache=True)
def to_matrix(q):
    """Rotation matrix R_ab of q_ab (v_a = R_ab @ v_b)."""
    w, x, y, z = q[0], q[1], q[2], q[3]
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
            [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
        ]
    )


@njit(cache=True)
def rotate(q, v):
    return to_matrix(q) @ v


def from_matrix(m: np.ndarray) -> np.ndarray:
    """Quaternion (w >= 0) of a rotation matrix; vectorised over a leading axis."""
    m = np.asarray(m, float)
    single = m.ndim == 2
    m = m.reshape(-1, 3, 3)
    tr = m[:, 0, 0] + m[:, 1, 1] + m[:, 2, 2]
    q = np.empty((len(m), 4))
    candidates = np.stack([tr, m[:, 0, 0], m[:, 1, 1], m[:, 2, 2]], axis=1)
    pick = np.argmax(candidates, axis=1)
    for k in range(4):
        sel = pick == k
        if not np.any(sel):
            continue
        a = m[sel]
        if k == 0:
            s = np.sqrt(1.0 + a[:, 0, 0] + a[:, 1, 1] + a[:, 2, 2]) * 2
            q[sel] = np.stack(
                [
                    0.25 * s,
                    (a[:, 2, 1] - a[:, 1, 2]) / s,
                    (a[:, 0, 2] - a[:, 2, 0]) / s,
                    (a[:, 1, 0] - a[:, 0, 1]) / s,
                ],
                1,
            )
        elif k == 1:
            s = np.sqrt(1.0 + a[:, 0, 0] - a[:, 1, 1] - a[:, 2, 2]) * 2
            q[sel] = np.stack(
                [
                    (a[:, 2, 1] - a[:, 1, 2]) / s,
                    0.25 * s,
                    (a[:, 0, 1] + a[:, 1, 0]) / s,
                    (a[:, 0, 2] + a[:, 2, 0]) / s,
                ],
                1,
            )
        elif k == 2:
            s = np.sqrt(1.0 + a[:, 1, 1] - a[:, 0, 0] - a[:, 2, 2]) * 2
            q[sel] = np.stack(
                [
                    (a[:, 0, 2] - a[:, 2, 0]) / s,
                    (a[:, 0, 1] + a[:, 1, 0]) / s,
                    0.25 * s,
                    (a[:, 1, 2] + a[:, 2, 1]) / s,
                ],
                1,
            )
        else:
            s = np.sqrt(1.0 + a[:, 2, 2] - a[:, 0, 0] - a[:, 1, 1]) * 2
            q[sel] = np.stack(
                [
                    (a[:, 1, 0] - a[:, 0, 1]) / s,
                    (a[:, 0, 2] + a[:, 2, 0]) / s,
                    (a[:, 1, 2] + a[:, 2, 1]) / s,
                    0.25 * s,
                ],
                1,
            )
    q *= np.where(q[:, :1] < 0, -1.0, 1.0)
    return q[0] if single else q


def matrices(q: np.ndarray) -> np.ndarray:
    """Rotation matrices (N, 3, 3) of quaternions (N, 4)."""
    q = np.asarray(q, float)
    w, x, y, z = q[:, 0], q[:, 1], q[:, 2], q[:, 3]
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], -1),
            np.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], -1),
            np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], -1),
        ],
        1,
    )


def from_euler_321_deg(roll, pitch, yaw) -> np.ndarray:
    """q_ref_body for a yaw-pitch-roll (3-2-1) sequence, degrees."""
    r, p, y = np.radians([roll, pitch, yaw]) / 2
    return np.array(
        [
            np.cos(r) * np.cos(p) * np.cos(y) + np.sin(r) * np.sin(p) * np.sin(y),
            np.sin(r) * np.cos(p) * np.cos(y) - np.cos(r) * np.sin(p) * np.sin(y),
            np.cos(r) * np.sin(p) * np.cos(y) + np.sin(r) * np.cos(p) * np.sin(y),
            np.cos(r) * np.cos(p) * np.sin(y) - np.sin(r) * np.sin(p) * np.cos(y),
        ]
    )


def to_euler_321_deg(q: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Roll, pitch, yaw (deg; 3-2-1 sequence) of q_ref_body, vectorised (N, 4)."""
    q = np.atleast_2d(q)
    w, x, y, z = q[:, 0], q[:, 1], q[:, 2], q[:, 3]
    roll = np.arctan2(2 * (w * x + y * z), 1 - 2 * (x * x + y * y))
    pitch = np.arcsin(np.clip(2 * (w * y - z * x), -1, 1))
    yaw = np.arctan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z))
    return np.degrees(roll), np.degrees(pitch), np.degrees(yaw)
