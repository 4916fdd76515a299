"""Quaternions, scalar first (w, x, y, z), Hamilton product, numba-compiled.

``q_ab`` rotates vectors from frame b into frame a: ``v_a = rotate(q_ab, v_b)``;
``q_ac = mul(q_ab, q_bc)``.
"""

from __future__ import annotations

import numpy as np
from numba import njit


def _hamilton(a0, a1, a2, a3, b0, b1, b2, b3):
    """The Hamilton product a * b of two quaternions given component by component (scalars
    or arrays): the one copy of the formula, used by every product below and by the kernel."""
    return (
        a0 * b0 - a1 * b1 - a2 * b2 - a3 * b3,
        a0 * b1 + a1 * b0 + a2 * b3 - a3 * b2,
        a0 * b2 - a1 * b3 + a2 * b0 + a3 * b1,
        a0 * b3 + a1 * b2 - a2 * b1 + a3 * b0,
    )


mul_components = njit(cache=True, inline="always")(_hamilton)
"""numba: the Hamilton product on 4 + 4 scalars, returning a 4-tuple (for the kernels)."""


@njit(cache=True)
def mul(p, q):
    """Hamilton product of two quaternions (4,) (numba)."""
    return np.array(mul_components(p[0], p[1], p[2], p[3], q[0], q[1], q[2], q[3]))


@njit(cache=True)
def conj(q):
    return np.array([q[0], -q[1], -q[2], -q[3]])


def qmul(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Hamilton product, vectorised over a leading axis: (N, 4) or (4,) each -> (N, 4)."""
    p, q = np.atleast_2d(p), np.atleast_2d(q)
    return np.stack(_hamilton(*p.T, *q.T), axis=1)


def qconj(q: np.ndarray) -> np.ndarray:
    """Conjugate (the inverse of a unit quaternion), vectorised: -> (N, 4)."""
    return np.atleast_2d(q) * np.array([1.0, -1, -1, -1])


def _matrix_entries(w, x, y, z):
    """The nine entries (row by row) of the rotation matrix R_ab of a unit q_ab = (w, x, y, z)
    (scalars or arrays): the one copy of the formula, used below and by the kernel."""
    return (
        1 - 2 * (y * y + z * z),
        2 * (x * y - w * z),
        2 * (x * z + w * y),
        2 * (x * y + w * z),
        1 - 2 * (x * x + z * z),
        2 * (y * z - w * x),
        2 * (x * z - w * y),
        2 * (y * z + w * x),
        1 - 2 * (x * x + y * y),
    )


matrix_components = njit(cache=True, inline="always")(_matrix_entries)
"""numba: the nine entries of R_ab from the four components of q_ab (for the kernels)."""


@njit(cache=True)
def to_matrix(q):
    """Rotation matrix R_ab of q_ab (v_a = R_ab @ v_b)."""
    return np.array(matrix_components(q[0], q[1], q[2], q[3])).reshape(3, 3)


@njit(cache=True)
def rotate(q, v):
    return to_matrix(q) @ v


@njit(cache=True)
def from_matrix_one(m):
    """Quaternion (w >= 0) of one rotation matrix (Shepperd's method: the largest of the four
    diagonal combinations under the square root, for accuracy) (numba)."""
    tr = m[0, 0] + m[1, 1] + m[2, 2]
    if tr > 0 and tr >= m[0, 0] and tr >= m[1, 1] and tr >= m[2, 2]:
        w = np.sqrt(1.0 + tr) * 2
        q = np.array(
            [0.25 * w, (m[2, 1] - m[1, 2]) / w, (m[0, 2] - m[2, 0]) / w, (m[1, 0] - m[0, 1]) / w]
        )
    elif m[0, 0] >= m[1, 1] and m[0, 0] >= m[2, 2]:
        w = np.sqrt(1.0 + m[0, 0] - m[1, 1] - m[2, 2]) * 2
        q = np.array(
            [(m[2, 1] - m[1, 2]) / w, 0.25 * w, (m[0, 1] + m[1, 0]) / w, (m[0, 2] + m[2, 0]) / w]
        )
    elif m[1, 1] >= m[2, 2]:
        w = np.sqrt(1.0 + m[1, 1] - m[0, 0] - m[2, 2]) * 2
        q = np.array(
            [(m[0, 2] - m[2, 0]) / w, (m[0, 1] + m[1, 0]) / w, 0.25 * w, (m[1, 2] + m[2, 1]) / w]
        )
    else:
        w = np.sqrt(1.0 + m[2, 2] - m[0, 0] - m[1, 1]) * 2
        q = np.array(
            [(m[1, 0] - m[0, 1]) / w, (m[0, 2] + m[2, 0]) / w, (m[1, 2] + m[2, 1]) / w, 0.25 * w]
        )
    if q[0] < 0:
        q = -q
    return q


@njit(cache=True)
def _from_matrices(m):
    out = np.empty((m.shape[0], 4))
    for i in range(m.shape[0]):
        out[i] = from_matrix_one(m[i])
    return out


def from_matrix(m: np.ndarray) -> np.ndarray:
    """Quaternion (w >= 0) of a rotation matrix; vectorised over a leading axis."""
    m = np.ascontiguousarray(m, dtype=float)
    q = _from_matrices(m.reshape(-1, 3, 3))
    return q[0] if m.ndim == 2 else q


def matrices(q: np.ndarray) -> np.ndarray:
    """Rotation matrices (N, 3, 3) of quaternions (N, 4)."""
    q = np.asarray(q, float)
    return np.stack(_matrix_entries(*q.T), axis=-1).reshape(-1, 3, 3)


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
