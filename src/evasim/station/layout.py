"""3-D layout: every element placed and oriented in the station body frame.

Body frame (SSACS-like, as in the GNC training manual): +X forward (Zvezda -> Unity -> PMA-2),
+Y starboard, +Z nadir; origin at the centre of the S0 truss segment (before S0 was installed,
2002-04-11, at the centre of Zarya, the root: the frame's origin moves on that date). Port
names are station directions, so a child hangs off its parent along that direction:

* a module, vehicle or truss segment is a cylinder (modules, vehicles) or a box (truss) whose
  axis points along the attach direction; it starts at the parent's port;
* an axial port (the direction parallel to the parent's axis) is at the parent's end; a
  radial port is on the parent's wall, at mid-length, except on Zarya and Zvezda, whose
  radial ports are on their forward spherical compartments (at the +X end, inset
  ``TRANSFER_INSET_M``);
* truss segments keep their long axis along Y; S0 sits on Destiny's zenith on its side;
* each array-carrying segment (P3/P4, S3/S4, P6, S6) carries two wings (plates 35.1 x 10.7 m,
  NASA) spanning 73.2 m tip to tip, rotated about Y by the solar-array (SARJ) angle: at 0 deg
  they extend fore and aft (+/-X) with their faces to zenith and nadir. While P6 sat on Z1
  (2000-12-03 .. 2007-10-30) its wings spanned port and starboard (+/-Y) above the station,
  faces to zenith, with no SARJ (the angle does not apply to them);
* iROSA roll-out arrays (arrays.csv, by installation date) are plates 18.2 x 6.0 m laid along
  the wing they augment, from the mast outward, 1 m in front of its sunward (zenith at 0 deg)
  face: the real ones are canted on their own mast brackets (approximation).

This is a schematic layout from the port graph and the published sizes (approximation: no
standoffs, no docking-mechanism lengths, no truss geometry inside segments), good to about a
metre for the modules, which is what the mass properties and the helmet camera need.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from .config import Configuration

DIRECTIONS = {
    "forward": np.array([1.0, 0.0, 0.0]),
    "aft": np.array([-1.0, 0.0, 0.0]),
    "starboard": np.array([0.0, 1.0, 0.0]),
    "port": np.array([0.0, -1.0, 0.0]),
    "nadir": np.array([0.0, 0.0, 1.0]),
    "zenith": np.array([0.0, 0.0, -1.0]),
}
# modules.csv names Unity's attachment "PMA-1 aft" (Unity's aft CBM mates PMA-1); in the station
# frame Unity lies forward (+X) of PMA-1.
DIRECTION_OVERRIDES = {("PMA-1", "aft"): "forward"}
TRANSFER_INSET_M = 1.5
FORWARD_TRANSFER_MODULES = ("Zarya", "Zvezda")
ARRAY_SEGMENTS = {"P3/P4": -1, "S3/S4": +1, "P6": -1, "S6": +1}  # sign of Y outboard
WING_LENGTH_M = 35.1
WING_WIDTH_M = 10.7
ARRAY_SPAN_M = 73.2
IROSA_LENGTH_M = 18.2  # NASA via Seradata / The Independent, 2023-06-15: 18.2 x 6 m
IROSA_WIDTH_M = 6.0
IROSA_STANDOFF_M = 1.0  # drawn in front of the wing it augments (approximation)
DEFAULT_TRUSS_SIZE_M = (13.7, 4.6)  # P6/S6 have no published length; like S1/P1 (approx.)


@dataclass(frozen=True)
class Placement:
    """One solid in the body frame.

    ``shape`` is ``cylinder`` (size = length, diameter), ``box`` or ``plate`` (size = length
    along the axis, width, thickness). ``rotation`` maps local axes (x = axis) to body axes.
    ``mass_kg`` is the mass given to this solid (0 for drawing-only solids).
    """

    name: str
    element: str
    kind: str
    shape: str
    centre_m: np.ndarray
    rotation: np.ndarray
    size_m: tuple[float, float, float]
    mass_kg: float

    @property
    def axis(self) -> np.ndarray:
        return self.rotation[:, 0]


def _frame(axis: np.ndarray, up_hint: np.ndarray | None = None) -> np.ndarray:
    x = axis / np.linalg.norm(axis)
    hint = up_hint if up_hint is not None else np.array([0.0, 0.0, 1.0])
    if abs(np.dot(hint, x)) > 0.9:
        hint = np.array([0.0, 1.0, 0.0]) if abs(x[1]) < 0.9 else np.array([1.0, 0.0, 0.0])
    z = hint - np.dot(hint, x) * x
    z /= np.linalg.norm(z)
    y = np.cross(z, x)
    return np.column_stack([x, y, z])


def _size(config: Configuration, name: str) -> tuple[float, float]:
    spec = config.elements[name]
    if spec.kind == "truss":
        default = DEFAULT_TRUSS_SIZE_M
        return (spec.length_m or default[0], spec.diameter_m or default[1])
    return (spec.length_m or 5.0, spec.diameter_m or 3.0)


def _direction(parent: str, port: str) -> np.ndarray:
    return DIRECTIONS[DIRECTION_OVERRIDES.get((parent, port), port)]


def layout(
    config: Configuration, sarj_angle_deg: float = 0.0, with_arrays: bool = True
) -> list[Placement]:
    """Placements of every element of ``config`` (plus array wings), body frame, metres."""
    root = next(n for n in config.elements if n not in config.attachments)
    centre: dict[str, np.ndarray] = {root: np.zeros(3)}
    # A sub-assembly's root keeps the direction it had on the whole station (Nauka: nadir).
    root_port = config.elements[root].parent_port
    axis: dict[str, np.ndarray] = {root: DIRECTIONS.get(root_port, DIRECTIONS["forward"])}
    children: dict[str, list[str]] = {}
    for child, (parent, _port) in config.attachments.items():
        children.setdefault(parent, []).append(child)
    queue = deque([root])
    while queue:
        parent = queue.popleft()
        p_len, p_dia = _size(config, parent)
        for child in children.get(parent, []):
            d = _direction(parent, config.attachments[child][1])
            parallel = abs(np.dot(d, axis[parent])) > 0.99
            if parallel:
                port_pos = centre[parent] + d * p_len / 2
            else:
                port_pos = centre[parent] + d * p_dia / 2
                if parent in FORWARD_TRANSFER_MODULES:
                    end = p_len / 2 - TRANSFER_INSET_M
                    sign = np.sign(np.dot(axis[parent], DIRECTIONS["forward"])) or 1.0
                    port_pos = port_pos + axis[parent] * sign * end
            c_len, c_dia = _size(config, child)
            if config.elements[child].kind == "truss":
                axis[child] = DIRECTIONS["starboard"] if child != "Z1" else d
                along = c_len if abs(np.dot(d, axis[child])) > 0.99 else c_dia
            else:
                axis[child] = d
                along = c_len
            centre[child] = port_pos + d * along / 2
            queue.append(child)
    origin = centre.get("S0", np.zeros(3))
    out: list[Placement] = []
    wing_mass = 0.0
    for name, spec in config.elements.items():
        length, dia = _size(config, name)
        mass = spec.mass_kg or 0.0
        rot = _frame(axis[name])
        if spec.kind == "truss":
            shape, size = "box", (length, dia, dia)
            if with_arrays and name in ARRAY_SEGMENTS:
                wing_mass = _wing_mass()
                mass -= 2 * wing_mass
        else:
            shape, size = "cylinder", (length, dia, dia)
        out.append(Placement(name, name, spec.kind, shape, centre[name] - origin, rot, size, mass))
    if with_arrays:
        out.extend(_wings(config, centre, origin, sarj_angle_deg, wing_mass))
    return out


def _wing_mass() -> float:
    from .catalog import array_wing_mass_kg

    return array_wing_mass_kg()


def _wings(
    config: Configuration, centre: dict, origin: np.ndarray, sarj_angle_deg: float, wing_mass: float
) -> list[Placement]:
    from .catalog import arrays

    out = []
    angle = np.radians(sarj_angle_deg)
    # Rotation about body Y by the SARJ angle: wing axis from +X toward -Z (zenith).
    along = np.array([np.cos(angle), 0.0, -np.sin(angle)])
    gap = (ARRAY_SPAN_M - 2 * WING_LENGTH_M) / 2
    irosa = {
        (a.segment, a.side): a
        for a in arrays()
        if a.kind == "iROSA" and (config.utc is None or a.installed_utc <= config.utc)
    }
    for segment, sign in ARRAY_SEGMENTS.items():
        if segment not in config.elements:
            continue
        length, _ = _size(config, segment)
        c = centre[segment] - origin
        if "/" in segment:  # the array sits on the outboard half (P4, S4)
            c = c + np.array([0.0, sign * length / 4, 0.0])
        on_z1 = config.attachments.get(segment, ("", ""))[0] == "Z1"
        # P6 on Z1: wings along +/-Y (starboard, port), faces to zenith; else fore/aft.
        base = DIRECTIONS["starboard"] if on_z1 else along
        sunward = DIRECTIONS["zenith"] if on_z1 else np.array([np.sin(angle), 0.0, -np.cos(angle)])
        for side, label in ((1.0, "fore"), (-1.0, "aft")):
            wing_axis = side * base
            # width along Y (the truss) for fore/aft wings; along X for P6's wings on Z1
            rot = _frame(wing_axis, DIRECTIONS["nadir"]) if on_z1 else _frame(wing_axis)
            centre_w = c + wing_axis * (gap + WING_LENGTH_M / 2)
            out.append(
                Placement(
                    f"{segment} wing {label}",
                    segment,
                    "array",
                    "plate",
                    centre_w,
                    rot,
                    (WING_LENGTH_M, WING_WIDTH_M, 0.05),
                    wing_mass,
                )
            )
            new = irosa.get((segment, label))
            if new is not None and not on_z1:
                centre_i = c + wing_axis * (gap + IROSA_LENGTH_M / 2) + sunward * IROSA_STANDOFF_M
                out.append(
                    Placement(
                        f"{segment} iROSA {new.channel}",
                        segment,
                        "array",
                        "plate",
                        centre_i,
                        rot,
                        (IROSA_LENGTH_M, IROSA_WIDTH_M, 0.05),
                        0.0,
                    )
                )
    return out
