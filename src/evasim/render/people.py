"""People in the helmet camera's view: the partner's suit and tether, the wearer's own arms.

Everything is built from the ray caster's two primitives (:mod:`.solids`: cylinders along their
local x, boxes), so the people are lit, shadowed and lamp-lit like the station.

**The partner** (every other EV crew member): a suit of 16 solids whose *waist* is at the crew
position :func:`.camera.crew_state_body` gives (the worksite point, ``HULL_OFFSET_M`` = 1 m off
the hull), upright along the worksite module's outward hull normal (feet toward the hull, as in
a foot restraint), facing along the module toward the crew member before them in the crew
order (EV2 faces EV1, EV1 faces EV2). The suit's dimensions, :data:`SUITS`, are estimates (est)
for a suit fitted to a ~1.8 m crew member (the Orlan-MKS fits 165-190 cm body heights: Anatoly
Zak, russianspaceweb.com/orlan_mks.html, M); no dimension drawing of the Orlan-MKS or the EMU was
found; the only public figures used are qualitative (Orlan: rear-entry door carrying the life
support "backpack", gold-tinted visor; EMU: PLSS backpack on the hard upper torso). Suits are
white; the scenario's ``marking`` ("red stripes", "blue stripes") puts bands of that colour on
both thighs and both upper arms; any other marking gives none. The partner is not drawn while
inside the airlock (before hatch open, after hatch close) nor within ``MIN_PARTNER_DISTANCE_M``
of the camera (both crew at the hatch).

**The tether**: one straight cylinder (radius ``TETHER_RADIUS_M``, est) from the partner's hip
(``TETHER_HIP_SIDE_M`` to the left of the waist) to an anchor on the worksite module's hull
``TETHER_ANCHOR_BACK_M`` behind their feet
(simplification: no sag, no route along handrails to the airlock; the anchor stands for the
nearest handrail, which the layout does not hold).

**The wearer's arms**: two forearm cylinders and two glove boxes at fixed offsets in the camera
frame (:data:`ARMS_CAMERA_M`: below and ahead of the helmet camera, hands ~0.55 m ahead as when
working at a handrail, est), drawn only when the camera looks at the worksite and the crew
member is at work there (not inside, not in transit, not looking at the limb, nadir or the
partner). They enter the frame from its lower edge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ID_PARTNER, ID_TETHER, ID_ARMS = 4, 5, 6
"""Id-buffer values of the partner's suit, their tether and the wearer's own arms (the station
is 2, :mod:`.shading`)."""

SUIT_WHITE = (0.85, 0.85, 0.83)  # est: white beta-cloth outer layer
VISOR_GOLD = (0.55, 0.42, 0.15)  # est: gold-coated sun visor
GLOVE_GREY = (0.62, 0.62, 0.60)  # est
TETHER_WHITE = (0.80, 0.80, 0.75)  # est
STRIPES = {"red": (0.70, 0.08, 0.06), "blue": (0.10, 0.20, 0.70)}
MIN_PARTNER_DISTANCE_M = 1.2
TETHER_RADIUS_M = 0.008  # est: a ~16 mm safety tether (webbing or cable with its sheath)
TETHER_ANCHOR_BACK_M = 0.8  # est
TETHER_HIP_SIDE_M = 0.32  # est: the tether's clip on the suit's left hip, from the waist centre
STRIPE_WIDTH_M = 0.08  # est


@dataclass(frozen=True)
class SuitSize:
    """Sizes (m, all est) of the simple suit model; heights along the suit's up axis from the
    waist."""

    leg_length_m: float
    leg_radius_m: float
    hip_half_width_m: float
    torso_height_m: float
    torso_width_m: float
    torso_depth_m: float
    helmet_radius_m: float
    helmet_height_m: float
    pack_height_m: float
    pack_width_m: float
    pack_depth_m: float
    arm_radius_m: float
    upper_arm_m: float
    forearm_m: float


SUITS = {
    "orlan": SuitSize(0.85, 0.095, 0.12, 0.65, 0.56, 0.36, 0.19, 0.32, 0.78, 0.56, 0.30,
                      0.075, 0.45, 0.35),
    "emu": SuitSize(0.85, 0.09, 0.12, 0.62, 0.58, 0.34, 0.18, 0.30, 0.80, 0.58, 0.22,
                    0.075, 0.45, 0.35),
}  # fmt: skip
"""Suit model sizes (est, see the module docstring; the EMU's PLSS is modelled thinner and the
Orlan's backpack door deeper, as photographs show)."""

ARMS_CAMERA_M = (
    # (elbow end, wrist end) in the camera frame: x right, y down, z forward (m), est
    ((0.22, 0.42, 0.10), (0.13, 0.29, 0.50)),
    ((-0.22, 0.42, 0.10), (-0.13, 0.29, 0.50)),
)
FOREARM_RADIUS_M = 0.065  # est
GLOVE_SIZE_M = (0.16, 0.10, 0.06)  # est: length along the forearm, width, thickness


@dataclass(frozen=True)
class Solid:
    """One solid in the frame of its parent (body frame, m): centre, rotation whose columns are
    its local axes, full sizes (cylinder: length, diameter, diameter), kind (0 cylinder,
    1 box), colour, id-buffer value."""

    centre_m: np.ndarray
    rotation: np.ndarray
    size_m: tuple[float, float, float]
    kind: int
    colour: tuple[float, float, float]
    ident: int


def suit_family(suit: str) -> str:
    return "emu" if "emu" in suit.lower() else "orlan"


def stripe_colour(marking: str) -> tuple[float, float, float] | None:
    for name, colour in STRIPES.items():
        if name in marking.lower():
            return colour
    return None


def _cross(a, b) -> np.ndarray:
    """The cross product of two 3-vectors (np.cross's arithmetic, without its per-call cost of
    tens of microseconds: a frame with a partner in view takes two dozen)."""
    return np.array([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2],
                     a[0] * b[1] - a[1] * b[0]])  # fmt: skip


def _frame(axis: np.ndarray, hint: np.ndarray) -> np.ndarray:
    """Rotation whose first column is ``axis`` (unit) and second is ``hint`` made orthogonal."""
    x = axis / np.linalg.norm(axis)
    y = hint - np.dot(hint, x) * x
    if np.linalg.norm(y) < 1e-9:
        y = _cross(x, [1.0, 0.0, 0.0] if abs(x[0]) < 0.9 else [0.0, 1.0, 0.0])
    y /= np.linalg.norm(y)
    return np.column_stack([x, y, _cross(x, y)])


def segment(a, b, radius_m: float, colour, ident: int) -> Solid:
    """A cylinder from point a to point b (m)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    d = b - a
    length = float(np.linalg.norm(d))
    return Solid((a + b) / 2, _frame(d, np.array([0.0, 0.0, 1.0])), (length, 2 * radius_m,
                 2 * radius_m), 0, colour, ident)  # fmt: skip


def suit_solids(
    waist_m: np.ndarray, up: np.ndarray, facing: np.ndarray, suit: str, marking: str
) -> list[Solid]:
    """The partner's suit (body frame, m): waist at ``waist_m``, head along the unit ``up``,
    chest toward ``facing`` (made orthogonal to ``up``)."""
    s = SUITS[suit_family(suit)]
    u = up / np.linalg.norm(up)
    f = facing - np.dot(facing, u) * u
    f /= np.linalg.norm(f)
    left = _cross(u, f)
    rot = np.column_stack([f, left, u])  # local x forward, y left, z up

    def at(x, y, z):
        return waist_m + rot @ np.array([x, y, z])

    def box(c, size, colour):
        return Solid(at(*c), rot, size, 1, colour, ID_PARTNER)

    stripe = stripe_colour(marking)
    out = []
    torso_top = s.torso_height_m - 0.05
    for side in (-1.0, 1.0):
        hy = side * s.hip_half_width_m
        out.append(segment(at(0, hy, -0.02), at(0, hy, -s.leg_length_m), s.leg_radius_m,
                           SUIT_WHITE, ID_PARTNER))  # fmt: skip
        ay = side * (s.torso_width_m / 2 + s.arm_radius_m)
        shoulder = torso_top - s.arm_radius_m
        elbow = shoulder - s.upper_arm_m
        out.append(segment(at(0, ay, shoulder), at(0, ay, elbow), s.arm_radius_m, SUIT_WHITE,
                           ID_PARTNER))  # fmt: skip
        out.append(segment(at(0, ay, elbow), at(s.forearm_m, ay, elbow), s.arm_radius_m * 0.9,
                           SUIT_WHITE, ID_PARTNER))  # fmt: skip
        out.append(box((s.forearm_m + 0.07, ay, elbow), (0.14, 0.09, 0.11), GLOVE_GREY))
        if stripe is not None:
            z = -0.35 * s.leg_length_m
            out.append(segment(at(0, hy, z + STRIPE_WIDTH_M / 2), at(0, hy, z - STRIPE_WIDTH_M / 2),
                               s.leg_radius_m + 0.006, stripe, ID_PARTNER))  # fmt: skip
            z = shoulder - 0.4 * s.upper_arm_m
            out.append(segment(at(0, ay, z + STRIPE_WIDTH_M / 2), at(0, ay, z - STRIPE_WIDTH_M / 2),
                               s.arm_radius_m + 0.006, stripe, ID_PARTNER))  # fmt: skip
    out.append(box((0, 0, torso_top / 2 - 0.025), (s.torso_depth_m, s.torso_width_m,
                   torso_top + 0.05), SUIT_WHITE))  # fmt: skip
    helmet_z = torso_top + s.helmet_height_m / 2 - 0.02
    out.append(segment(at(0.03, 0, helmet_z - s.helmet_height_m / 2),
                       at(0.03, 0, helmet_z + s.helmet_height_m / 2), s.helmet_radius_m,
                       SUIT_WHITE, ID_PARTNER))  # fmt: skip
    out.append(box((0.03 + s.helmet_radius_m, 0, helmet_z), (0.04, 0.24, 0.15), VISOR_GOLD))
    pack_x = -(s.torso_depth_m + s.pack_depth_m) / 2
    out.append(box((pack_x, 0, torso_top - s.pack_height_m / 2 + 0.05),
                   (s.pack_depth_m, s.pack_width_m, s.pack_height_m), SUIT_WHITE))  # fmt: skip
    return out


def tether_solid(waist_m: np.ndarray, up: np.ndarray, facing: np.ndarray, hull_offset_m: float):
    """The partner's tether (body frame, m): from the left hip to the hull
    ``TETHER_ANCHOR_BACK_M`` behind the feet. Returns the solid and its two end points."""
    u = up / np.linalg.norm(up)
    f = facing - np.dot(facing, u) * u
    f /= np.linalg.norm(f)
    left = _cross(u, f)
    hip = waist_m + TETHER_HIP_SIDE_M * left  # clipped at the left hip, beside the torso box
    anchor = hip - u * (hull_offset_m - 0.02) - f * TETHER_ANCHOR_BACK_M
    return segment(hip, anchor, TETHER_RADIUS_M, TETHER_WHITE, ID_TETHER), hip, anchor


def arm_solids() -> list[Solid]:
    """The wearer's forearms and gloves in the camera frame (m; x right, y down, z forward)."""
    out = []
    for elbow, wrist in ARMS_CAMERA_M:
        e, w = np.array(elbow), np.array(wrist)
        out.append(segment(e, w, FOREARM_RADIUS_M, SUIT_WHITE, ID_ARMS))
        d = (w - e) / np.linalg.norm(w - e)
        c = w + d * (GLOVE_SIZE_M[0] / 2 - 0.01)
        rot = _frame(d, np.array([1.0, 0.0, 0.0]))
        out.append(Solid(c, rot, GLOVE_SIZE_M, 1, GLOVE_GREY, ID_ARMS))
    return out
