"""Render helmet-camera frames for a replay: :class:`HelmetCamera`.

One object per replay and image size holds what is reused between frames (textures, stars, the
atmosphere table, the station's solids, frame rotations); ``frame(role, utc)`` renders one image.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from itertools import islice

import numpy as np

from ..errors import EvasimInputError
from ..instant import Instants, InstantStates
from ..replay import Replay
from ..station import Station
from ..station.airlock import HULL_OFFSET_M
from ..station.layout import layout
from ..station.mass import mass_properties
from . import culling, flare, raycast, shadowgrid
from . import fittings as fit
from . import people as ppl
from .airglow import ground_table, limb_table
from .atmosphere import build_lut, slice_at_sun_zenith
from .camera import (
    TRANSIT_S,
    CameraPose,
    Lens,
    camera_pose,
    crew_state_body,
    crew_windows,
    hull_normal_body,
)
from .exposure import ExposureState, adapt, metered_luminances, metered_target
from .lamps import lamp_table, lamps_for_suit
from .lens import project as lens_project
from .look import CREW_PHASE_S, LookSchedule, jitter_angles_rad, jittered, slerp_rotation
from .materials import material_for, material_id, material_table
from .materials import materials as all_materials
from .nightlights import NightLights
from .overlay import blend_text, text_masks
from .stars import StarCatalog, add_stars
from .textures import EarthTexture

SUN_MAGNITUDE = -26.74
VISIBLE_STAR = (8 / 255) ** 2.2  # tone value that maps to 8/255 after the gamma curve
MIN_FITTING_PX = 0.5
"""Handrails, booms and arms (:mod:`.fittings`) whose diameter spans less than this many pixels
at their nearest point are not drawn in that frame (sub-pixel bars would alias and make every
block they cross be traced pixel by pixel); they cast no shadow then either."""
FRAME_BATCH = 32
"""A video's frames have their states evaluated this many at a time (:meth:`HelmetCamera.frames`):
one vectorised evaluation costs about what one instant's does (~1.7 ms of Python a frame)."""
MAST_DIAMETER_M = 1.1  # est: the wing's mast between its two blankets, drawn as a cylinder


@dataclass(frozen=True)
class StationSet:
    """The station's solids in the body frame: centres (m), rotations, half sizes (km), kinds
    (0 cylinder, 1 box), colours (the materials' base albedo), bounding radii (km), id-buffer
    values, material ids (:mod:`.materials`), names."""

    centres_m: np.ndarray
    rotations: np.ndarray
    halves_km: np.ndarray
    kinds: np.ndarray
    colours: np.ndarray
    radii_km: np.ndarray
    idents: np.ndarray
    materials: np.ndarray
    names: tuple[str, ...]
    group_of: np.ndarray  # per solid: its group of thin solids (one module's fittings), or -1

    @classmethod
    def of(cls, names: list[str], solids: list, material_names: list[str], plain=False,
           groups: list[str] | None = None):  # fmt: skip
        """From :class:`.people.Solid` objects and their material names; ``plain``: material 0
        (the base albedo as a plain colour) for all; ``groups``: a group name per solid
        (solids of one group must be consecutive), None: no groups."""
        labels = sorted(set(groups or []))
        group_of = [labels.index(g) for g in groups] if groups else [-1] * len(solids)
        halves = np.array([s.size_m for s in solids], float).reshape(-1, 3) / 2000.0
        mats = np.array([material_id(m) for m in material_names], np.int64)
        table = all_materials()
        return cls(
            np.array([s.centre_m for s in solids], float).reshape(-1, 3),
            np.array([s.rotation for s in solids], float).reshape(-1, 3, 3),
            halves,
            np.array([s.kind for s in solids], np.int64),
            np.array([table[m].albedo_rgb for m in mats], float).reshape(-1, 3),
            np.linalg.norm(halves, axis=1) * 1.0001,
            np.array([s.ident for s in solids], np.int8),
            np.zeros_like(mats) if plain else mats,
            tuple(names),
            np.array(group_of, np.int64),
        )

    def plus(self, other: StationSet) -> StationSet:
        return StationSet(
            *(np.concatenate([a, b]) for a, b in zip(self.astuple()[:8], other.astuple()[:8],
                                                     strict=True)),
            self.names + other.names,
            np.concatenate([self.group_of, other.group_of]),
        )  # fmt: skip

    def astuple(self) -> tuple:
        return (self.centres_m, self.rotations, self.halves_km, self.kinds, self.colours,
                self.radii_km, self.idents, self.materials, self.names, self.group_of)  # fmt: skip

    def take(self, keep: np.ndarray) -> StationSet:
        """The solids where the bool array ``keep`` is true."""
        arrays = [a[keep] for a in self.astuple()[:8]]
        names = tuple(n for n, k in zip(self.names, keep, strict=True) if k)
        return StationSet(*arrays, names, self.group_of[keep])


@dataclass
class Frame:
    image: np.ndarray  # (H, W, 3) uint8, overlay included
    radiance: np.ndarray  # (H, W, 3) float32 linear radiance (units of solar irradiance)
    ids: np.ndarray  # (H, W) uint8: 0 space, 1 Earth, 2 station, 3 Sun, 4 partner, 5 tether,
    # 6 the wearer's arms (:mod:`.people`)
    exposure: float
    pose: CameraPose
    utc: datetime
    role: str
    stars_drawn: int
    exposure_state: ExposureState  # pass to the next frame's ``exposure_state``


class HelmetCamera:
    def __init__(
        self,
        replay: Replay,
        width: int = 1280,
        height: int = 720,
        lens: Lens | None = None,
        look: str = "limb",
        overlay: bool = True,
        atmosphere: bool = True,
        station: bool = True,
        night_lights: bool = True,
        airglow: bool = True,
        lamps: bool = True,
        people: bool = True,
        fittings: bool = True,
        materials: bool = True,
        flare: bool = True,
        head_jitter_deg: float = 0.0,
        head_jitter_seed: int = 0,
    ):
        """``night_lights``, ``airglow`` and ``lamps`` (the helmet lamps of each crew member's
        suit) switch those effects off for comparisons and benchmarks; ``atmosphere`` the
        scattering; ``station`` the station's solids; ``people`` the partner, their tether and
        the wearer's arms (:mod:`.people`; off too without the station); ``fittings`` the
        handrails, booms and arms (:mod:`.fittings`); ``materials`` False draws every solid
        in its material's base albedo, without patterns or gloss (:mod:`.materials`);
        ``flare`` the Sun's bloom, ghosts and veiling glare (:mod:`.flare`). ``look`` ``auto``
        follows the task timeline (:mod:`.look`), with an optional head jitter of
        ``head_jitter_deg`` (RMS, 0..5 deg) from ``head_jitter_seed``."""
        if not 0.0 <= head_jitter_deg <= 5.0:
            raise EvasimInputError(f"head jitter {head_jitter_deg:g} deg: expected 0..5 deg")
        self.use_materials = materials
        self.airlock = replay.require_spacewalk("the helmet camera").airlock
        if not (16 <= width <= 7680 and 16 <= height <= 4320):
            raise EvasimInputError("--width/--height: expected 16..7680 x 16..4320 pixels")
        self.replay = replay
        self.width, self.height = width, height
        self.lens = lens or Lens()
        self.look = look
        self.overlay = overlay
        self.atmosphere = atmosphere
        self.use_night_lights, self.use_airglow, self.use_lamps = night_lights, airglow, lamps
        self.use_people = people and station  # they stand on the station's hull
        self.use_flare = flare
        self.head_jitter_deg, self.head_jitter_seed = float(head_jitter_deg), int(head_jitter_seed)
        self._schedules: dict[str, LookSchedule] = {}
        config = Station().at(replay.scenario.station_date)
        placements = layout(config)
        self.placements = {p.name: p for p in placements}
        self.com_body_m = mass_properties(config, placements=placements).center_of_mass_m
        self.instants = Instants.from_replay(replay)
        solids = station_solids(placements, config.utc) if station else []
        self._static = StationSet.of(
            [p.name for p in solids],
            [ppl.Solid(p.centre_m, p.rotation, p.size_m, 0 if p.shape == "cylinder" else 1,
                       (0.0, 0.0, 0.0), raycast.ID_STATION) for p in solids],
            [material_for(p.name, p.kind) for p in solids],
            plain=not materials,
        )  # fmt: skip
        self.fittings: list[fit.Fitting] = []
        if station and fittings:
            grid = replay.grid
            lo, hi = self.instants.span_s
            self.fittings = fit.fittings(placements, grid.datetime_at(lo), grid.datetime_at(hi))
        self._presence = fit.Presence(self.fittings)
        self._sets: dict[bytes, StationSet] = {}
        self._kept: dict[tuple[int, bytes], StationSet] = {}
        self._people: dict[bytes, list[ppl.Solid]] = {}
        self._windows: dict[str, list] = {}
        self._text_cache: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]] = {}
        self._crew_states: dict[tuple[str, datetime], tuple[np.ndarray, str, str]] = {}

    @cached_property
    def texture(self) -> EarthTexture:
        return EarthTexture.load()

    @cached_property
    def stars(self) -> StarCatalog:
        return StarCatalog.load()

    @cached_property
    def night_lights(self) -> NightLights:
        return NightLights.load()

    @cached_property
    def _night(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not self.use_night_lights:
            return np.zeros(1, np.float32), np.array([[0, 1, 1]], np.int64), np.zeros(3)
        n = self.night_lights
        return n.texels, n.levels, n.radiance_rgb

    @cached_property
    def _glow(self) -> tuple[np.ndarray, np.ndarray]:
        limb, ground = limb_table(), ground_table()
        if not self.use_airglow:
            limb, ground = np.zeros_like(limb), np.zeros_like(ground)
        return limb, ground

    def lamps_of(self, role: str, forward_itrs: np.ndarray) -> np.ndarray:
        """The helmet-lamp table (:func:`.lamps.lamp_table`) of crew member ``role``'s suit,
        pointing along ``forward_itrs``; empty when lamps are off or the suit is unknown."""
        member = next(m for m in self.replay.scenario.crew if m.role == role)
        lamps = lamps_for_suit(member.suit) if self.use_lamps else ()
        return lamp_table(lamps, forward_itrs)

    @cached_property
    def lut(self):
        return build_lut(float(np.mean(self.replay.track.altitude_km)))

    def role_of(self, crew: str) -> str:
        """A crew member by role (EV1) or by any part of the name (dubrov)."""
        for m in self.replay.scenario.crew:
            if crew.lower() in (m.role.lower(), m.name.lower()) or crew.lower() in m.name.lower():
                return m.role
        names = ", ".join(f"{m.role} {m.name}" for m in self.replay.scenario.crew)
        raise EvasimInputError(f"--crew {crew!r}: expected one of {names}")

    def states_at(self, when: datetime) -> InstantStates:
        """The replay's states at ``when`` (UTC), true at that instant (:mod:`evasim.instant`):
        every frame of a 30 fps video shows the station where it is at its own time."""
        return self.instants.at(np.array([self._seconds_in_span(when)]))

    def states_over(self, times: list[datetime]) -> InstantStates:
        """:meth:`states_at` for several instants at once (one vectorised evaluation: a
        video's frames take them from here, :meth:`InstantStates.take` gives each its own)."""
        return self.instants.at(np.array([self._seconds_in_span(w) for w in times]))

    def _seconds_in_span(self, when: datetime) -> float:
        """``when`` (UTC) in seconds on the replay's time axis, checked to be in its span."""
        lo, hi = self.instants.span_s
        s = self.instants.seconds_of(when)
        if not lo - 1e-6 <= s <= hi + 1e-6:
            grid = self.replay.grid
            raise EvasimInputError(
                f"--at {when:%Y-%m-%dT%H:%M:%SZ}: expected a time inside the replay span "
                f"{grid.t0_utc:%H:%M}-{grid.datetime_at(hi):%H:%M} UTC"
            )
        return min(max(s, lo), hi)

    def pose(
        self, role: str, when: datetime, states: InstantStates | None = None
    ) -> tuple[CameraPose, InstantStates]:
        """Crew member ``role``'s camera pose at ``when`` and the states it was computed from
        (``states``, the states at ``when`` if the caller has them, else evaluated here).
        With the ``auto`` look, the orientation follows the task timeline (:mod:`.look`)."""
        st = self.states_at(when) if states is None else states
        if self.look != "auto":
            return self._pose_for(self.look, role, when, st), st
        t_s = self.instants.seconds_of(when)
        poses: dict[str, CameraPose] = {}
        rotation = None
        for look, weight in self.look_schedule(role).turns(t_s):
            if look not in poses:
                poses[look] = self._pose_for(look, role, when, st)
            r = poses[look].rotation_itrs
            rotation = r if rotation is None else slerp_rotation(rotation, r, weight)
        seed = self.head_jitter_seed + [m.role for m in self.replay.scenario.crew].index(role)
        rotation = jittered(rotation, *jitter_angles_rad(t_s, self.head_jitter_deg, seed))
        return CameraPose(poses[look].position_itrs_km, rotation), st

    def _pose_for(self, look: str, role: str, when: datetime, st: InstantStates) -> CameraPose:
        """The pose of one look preset (:mod:`.camera`) at ``when``, from the states ``st``."""
        r_ig = st.itrs_from_gcrs[0]
        pos, module, _ = self.crew_state(role, when)
        target = self.placements[module].centre_m
        if look == "partner":
            partner = self.partners_body(role, when)
            target = partner[0][1] if partner else target
        v_itrs = st.v_itrs_km_s[:, 0]  # Earth-fixed: "forward" is along the ground track
        return camera_pose(
            pos,
            target,
            look,
            st.attitude.q_gcrs[0],
            r_ig,
            st.r_itrs_km[:, 0],
            v_itrs,
            self.com_body_m,
        )

    def look_schedule(self, role: str) -> LookSchedule:
        """The ``auto`` look's schedule of crew member ``role`` (:mod:`.look`), on the time axis
        of :attr:`instants` (seconds)."""
        if role not in self._schedules:
            sc = self.replay.scenario
            when = [sc.eva.hatch_open_utc, sc.eva.hatch_close_utc]
            for task in sc.tasks:
                start, end = sc.task_window(task)
                transit = min(TRANSIT_S, (end - start).total_seconds())
                when += [start, end, start + timedelta(seconds=transit)]
            changes = sorted({float(self.instants.seconds_of(w)) for w in when})
            t0 = self.instants.t0_utc

            def activity(t_s: float, role=role) -> tuple[str, bool]:
                moment = t0 + timedelta(seconds=t_s)
                _, _, doing = self.crew_state(role, moment)
                return doing, bool(self.partners_body(role, moment))

            index = [m.role for m in sc.crew].index(role)
            self._schedules[role] = LookSchedule(changes, activity, index * CREW_PHASE_S)
        return self._schedules[role]

    def crew_state(self, role: str, when: datetime) -> tuple[np.ndarray, str, str]:
        """:func:`.camera.crew_state_body` of crew member ``role`` at ``when`` (body-frame
        position (m), module, activity), kept for the next calls: one frame asks it for each
        crew member several times (pose, partners, people, arms, the look's schedule), and
        each answer walks the task list."""
        key = (role, when)
        hit = self._crew_states.get(key)
        if hit is None:
            if len(self._crew_states) > 256:
                self._crew_states.clear()
            if role not in self._windows:
                self._windows[role] = crew_windows(
                    self.replay.scenario, self.placements, role, self.airlock
                )
            hit = crew_state_body(self.replay.scenario, self.placements, role, when, self.airlock,
                                  self._windows[role])  # fmt: skip
            self._crew_states[key] = hit
        return hit[0].copy(), hit[1], hit[2]

    def partners_body(self, role: str, when: datetime) -> list[tuple[object, np.ndarray, str]]:
        """The crew members other than ``role`` who are outside the airlock at ``when`` and not
        at the camera (:mod:`.people`): (member, body-frame waist position (m), module)."""
        sc = self.replay.scenario
        mine, _, _ = self.crew_state(role, when)
        out = []
        for m in sc.crew:
            if m.role == role:
                continue
            pos, module, activity = self.crew_state(m.role, when)
            if activity != "inside" and np.linalg.norm(pos - mine) >= ppl.MIN_PARTNER_DISTANCE_M:
                out.append((m, pos, module))
        return out

    def people_body(self, role: str, when: datetime) -> list[ppl.Solid]:
        """The partners' suits and tethers (body frame, m) in crew ``role``'s view at ``when``."""
        if not self.use_people:
            return []
        mine, _, _ = self.crew_state(role, when)
        out: list[ppl.Solid] = []
        for m, pos, module in self.partners_body(role, when):
            up = hull_normal_body(self.placements, module)
            facing = mine - pos  # the crew face each other along the worksite
            facing = facing - np.dot(facing, up) * up
            if np.linalg.norm(facing) < 1e-6:
                facing = self.placements[module].axis
            key = b"".join((pos.tobytes(), up.tobytes(), facing.tobytes(), m.suit.encode(),
                            m.marking.encode()))  # fmt: skip
            solids = self._people.get(key)  # a partner at work stands still: frames share them
            if solids is None:
                if len(self._people) > 64:
                    self._people.clear()
                solids = ppl.suit_solids(pos, up, facing, m.suit, m.marking)
                solids.append(ppl.tether_solid(pos, up, facing, HULL_OFFSET_M)[0])
                self._people[key] = solids
            out += solids
        return out

    def arms_visible(self, role: str, when: datetime) -> bool:
        """Are the wearer's own forearms and gloves in the view (:mod:`.people`): looking at
        the worksite while at work there."""
        if not self.use_people or self.look not in ("worksite", "auto"):
            return False
        if self.look == "auto":  # mostly turned to the worksite
            intent, weight = self.look_schedule(role).turns(self.instants.seconds_of(when))[-1]
            if intent != "worksite" or weight < 0.5:
                return False
        _, _, activity = self.crew_state(role, when)
        return activity == "work"

    def body_to_itrs_km(self, st: InstantStates, points_body_m: np.ndarray) -> np.ndarray:
        """ITRS positions (km) of station body-frame points (m) at the instant of ``st``."""
        from ..attitude.quaternion import matrices

        r_ib = st.itrs_from_gcrs[0] @ matrices(st.attitude.q_gcrs[:1])[0]
        return st.r_itrs_km[:, 0] + (np.asarray(points_body_m) - self.com_body_m) @ r_ib.T / 1000.0

    def station_set(self, when: datetime) -> StationSet:
        """The station's solids at ``when`` (UTC): the layout's, and the handrails, booms and
        arms on the station at that instant (:mod:`.fittings`; one set per combination of
        present fittings, kept for the next frames)."""
        if not self.fittings:
            return self._static
        mask = self._presence.at(when)
        key = mask.tobytes()
        out = self._sets.get(key)
        if out is None:
            extra = [f for f, on in zip(self.fittings, mask, strict=True) if on]
            out = self._static.plus(
                StationSet.of([f.name for f in extra], [f.solid for f in extra],
                              [f.material for f in extra], plain=not self.use_materials,
                              groups=[f.group for f in extra])
            )  # fmt: skip
            self._sets[key] = out
        return out

    def _solids_itrs(self, st: InstantStates, extra_body=(), extra_camera=(), pose=None,
                     when: datetime | None = None):  # fmt: skip
        """The station's solids (:meth:`station_set` at ``when``, by default the instant of
        ``st``) in ITRS at the instant of ``st``, with ``extra_body`` solids
        (:class:`.people.Solid`, body frame, m) and ``extra_camera`` ones (camera frame of
        ``pose``, m): centres (km), rotations, half sizes (km), kinds, colours, bounding radii
        (km), id-buffer values, material ids (:mod:`.materials`; 0 for the extra solids: their
        own colour), and the :class:`StationSet` drawn. With a ``pose``, fittings thinner than
        :data:`MIN_FITTING_PX` in its image are left out (:mod:`.fittings`)."""
        from ..attitude.quaternion import matrices

        base = self.station_set(when if when is not None else self._utc_of(st))
        r_ib = st.itrs_from_gcrs[0] @ matrices(st.attitude.q_gcrs[:1])[0]
        r_com = st.r_itrs_km[:, 0]
        if pose is not None and (base.group_of >= 0).any():
            c = r_com + (base.centres_m - self.com_body_m) @ r_ib.T / 1000.0
            near_km = np.linalg.norm(c - pose.position_itrs_km, axis=1) - base.halves_km[:, 0]
            width_px = 2 * base.halves_km[:, 1] * self.lens.focal_px(self.width)
            keep = (base.group_of < 0) | (width_px >= MIN_FITTING_PX * np.maximum(near_km, 1e-9))
            if not keep.all():
                key = (id(base), keep.tobytes())  # the sets of station_set are all kept
                kept = self._kept.get(key)
                if kept is None:
                    if len(self._kept) > 64:
                        self._kept.clear()
                    kept = self._kept[key] = base.take(keep)
                base = kept
        extra = list(extra_body) + list(extra_camera)
        body_c = np.array([s.centre_m for s in extra_body]).reshape(-1, 3)
        body_r = np.array([s.rotation for s in extra_body]).reshape(-1, 3, 3)
        centres = r_com + (np.vstack([base.centres_m, body_c]) - self.com_body_m) @ r_ib.T / 1000.0
        rots = np.einsum("ij,njk->nik", r_ib, np.concatenate([base.rotations, body_r]))
        if extra_camera:
            r_ic = pose.rotation_itrs
            cam_c = np.array([s.centre_m for s in extra_camera])
            cam_r = np.array([s.rotation for s in extra_camera])
            centres = np.vstack([centres, pose.position_itrs_km + cam_c @ r_ic.T / 1000.0])
            rots = np.concatenate([rots, np.einsum("ij,njk->nik", r_ic, cam_r)])
        if not extra:
            return (centres, rots, base.halves_km, base.kinds, base.colours, base.radii_km,
                    base.idents, base.materials, base)  # fmt: skip
        halves = np.array([s.size_m for s in extra], float) / 2000.0
        return (
            centres,
            rots,
            np.vstack([base.halves_km, halves]),
            np.concatenate([base.kinds, [s.kind for s in extra]]).astype(np.int64),
            np.vstack([base.colours, [s.colour for s in extra]]),
            np.concatenate([base.radii_km, np.linalg.norm(halves, axis=1) * 1.0001]),
            np.concatenate([base.idents, [s.ident for s in extra]]).astype(np.int8),
            np.concatenate([base.materials, np.zeros(len(extra), np.int64)]),
            base,
        )

    def _utc_of(self, st: InstantStates) -> datetime:
        return self.replay.grid.datetime_at(float(st.seconds[0]))

    def _screen_bounds(self, pose: CameraPose, centres, rots, halves, kinds, focal):
        """Culling data for the ray caster (:mod:`evasim.render.culling`): each solid's centre
        and local axes in the camera frame ((n, 4, 3), km), its screen rectangle (n, 4) and its
        convex hull on the screen, for the rectilinear or the fisheye lens."""
        n = len(centres)
        frames = np.empty((n, 4, 3))
        frames[:, 0] = (centres - pose.position_itrs_km) @ pose.rotation_itrs
        frames[:, 1:] = np.einsum("ji,njk->nki", pose.rotation_itrs, rots)
        rects = np.tile([-1e9, -1e9, 1e9, 1e9], (n, 1))
        if self.lens.fisheye:
            hulls = np.zeros((n, culling.FISHEYE_SLICES, culling.DOP_SIDES + 1, 2))
            n_hull = np.zeros((n, culling.FISHEYE_SLICES), np.int64)
        else:
            hulls = np.zeros((n, 1, culling.MAX_POINTS + 1, 2))
            n_hull = np.zeros((n, 1), np.int64)
        if n:
            w2, h2 = self.width / 2, self.height / 2
            if self.lens.fisheye:
                culling.fisheye_bounds(
                    frames, halves, kinds, focal, w2, h2, rects, hulls, n_hull, self.lens.code
                )
            else:
                culling.screen_bounds(frames, halves, kinds, focal, w2, h2, rects, hulls, n_hull)
        return rects, frames, hulls, n_hull

    def frames(
        self,
        role: str,
        times: Iterable[datetime],
        exposure_state: ExposureState | None = None,
    ) -> Iterator[Frame]:
        """Frames at successive ``times``, each exposed from the previous one's exposure
        state (the camera adapts over :data:`.exposure.TIME_CONSTANT_S`), the first from
        ``exposure_state`` (None: settled): for videos."""
        state = exposure_state
        pending = iter(times)
        while chunk := list(islice(pending, FRAME_BATCH)):
            batch = self.states_over(chunk)
            for k, when in enumerate(chunk):
                f = self.frame(role, when, exposure_state=state, states=batch.take(k))
                state = f.exposure_state
                yield f

    def frame(
        self,
        role: str,
        when: datetime,
        adaptive: bool = True,
        exposure_state: ExposureState | None = None,
        states: InstantStates | None = None,
    ) -> Frame:
        """Render crew member ``role``'s helmet camera at ``when`` (UTC). ``adaptive`` False
        traces every pixel (the reference the adaptive sampling is tested against).
        ``exposure_state``: the previous frame's (:attr:`Frame.exposure_state`), from which the
        auto-exposure adapts; None: the exposure is the settled metered value. ``states``:
        the replay's states at ``when`` (one instant, :meth:`states_at`) when the caller has
        them; None: evaluated here."""
        pose, st = self.pose(role, when, states)
        r_ig = st.itrs_from_gcrs[0]
        sun_itrs = st.sun_itrs_km[:, 0]
        sun = sun_itrs - pose.position_itrs_km
        sun /= np.linalg.norm(sun)
        sun_frac = float(st.sunlit_fraction[0])
        focal = self.lens.focal_px(self.width)
        ins = self._atmosphere_slice(pose, sun_itrs)
        tra, params = self.lut.transmittance, self.lut.params
        if not self.atmosphere:
            ins = np.zeros_like(ins)
            tra = np.ones_like(tra)
        earth = (
            *self.texture.mips,
            self.texture.linear,
            ins,
            tra,
            params,
            *self._night,
            *self._glow,
        )
        arms = ppl.arm_solids() if self.arms_visible(role, when) else []
        solids = self._solids_itrs(st, self.people_body(role, when), arms, pose, when)
        grid = shadowgrid.build(solids[0], solids[5], sun)
        solids = (
            *solids[:6],
            *self._screen_bounds(pose, *solids[:4], focal),
            self.lamps_of(role, pose.rotation_itrs[:, 2]),
            solids[6],
            grid[0],
            solids[7],
            material_table(),
            grid[1],
            grid[2],
        )
        scene = (
            self.width,
            self.height,
            self.lens.code,
            focal,
            pose.position_itrs_km,
            pose.rotation_itrs,
            sun,
            sun_frac,
            earth,
            solids,
        )
        samples = raycast.trace_corners(*scene)
        target = self._metered(samples[4], samples[5], sun_frac)
        exposure = adapt(target, exposure_state, when)
        radiance = np.empty((self.height, self.width, 3), np.float32)  # the kernel writes all
        ids = np.empty((self.height, self.width), np.uint8)
        image = np.empty((self.height, self.width, 3), np.uint8)
        sun_xy = self._sun_xy(pose, sun, focal) if self.use_flare and sun_frac > 0 else None
        # with the Sun in view the flare re-tones every pixel: the renderer's tone pass is
        # left to it (flare.apply tones the image even when it adds nothing)
        toned = sun_xy is None
        raycast.fill_blocks(*scene, samples, adaptive, exposure, radiance, ids,
                            image if toned else np.empty((0, 0, 3), np.uint8))  # fmt: skip
        drawn = self._draw_stars(radiance, ids, image, pose, r_ig, focal, exposure)
        if self.use_flare and sun_frac > 0:
            flare.apply(radiance, image, exposure, sun_xy, samples[4], toned=toned)
        if self.overlay:
            self._overlay(image, role, when, st)
        state = ExposureState(exposure, when)
        return Frame(image, radiance, ids, exposure, pose, when, role, drawn, state)

    def _sun_xy(self, pose: CameraPose, sun_itrs: np.ndarray, focal: float):
        """The Sun's centre on the image (continuous pixel coordinates) when its disc may be
        in the frame, else None. ``sun_itrs``: unit direction to the Sun."""
        x, y, ok = lens_project(
            pose.rotation_itrs.T @ sun_itrs, self.lens.code, focal, self.width, self.height
        )
        margin = 4.0
        if ok[0] and -margin < x[0] < self.width + margin and -margin < y[0] < self.height + margin:
            return float(x[0]), float(y[0])
        return None

    def _metered(self, corner_radiance, corner_ids, sun_frac: float) -> float:
        """The metered exposure (:mod:`.exposure`) on the 99th percentile of the block-corner
        pixels (every 4th pixel in x and y) other than the Sun's disc."""
        step = raycast.BLOCK
        ny, nx = -(-self.height // step), -(-self.width // step)
        lum = np.empty(ny * nx, np.float32)
        n = metered_luminances(corner_radiance, corner_ids, ny, nx, raycast.ID_SUN, lum)
        p99 = _percentile(lum[:n], 99.0) / 3.0 if n else 0.0
        return metered_target(p99, sun_frac)

    def _atmosphere_slice(self, pose: CameraPose, sun_itrs_km: np.ndarray) -> np.ndarray:
        """The in-scatter table at this frame's Sun zenith cosine (constant over a frame): a
        small, cache-friendly (n_mu, n_nu, 3) table. ``sun_itrs_km``: the Sun's position."""
        sun_itrs = sun_itrs_km
        zen = pose.position_itrs_km / np.linalg.norm(pose.position_itrs_km)
        mus = float(zen @ (sun_itrs / np.linalg.norm(sun_itrs)))
        return slice_at_sun_zenith(self.lut.inscatter, mus)

    def _draw_stars(self, radiance, ids, image, pose: CameraPose, r_ig, focal, exposure) -> int:
        """Add the Hipparcos stars to ``radiance`` on sky pixels and tone-map those pixels of
        ``image`` again (:func:`.stars.add_stars`); returns how many are visible at this
        exposure."""
        cat = self.stars
        m = np.ascontiguousarray(pose.rotation_itrs.T @ r_ig)  # ICRS (~GCRS) -> camera frame
        n_max = len(cat.magnitude)
        px, py = np.empty(n_max, np.int64), np.empty(n_max, np.int64)
        n, drawn = add_stars(m, cat.directions_icrs, self._star_flux, self.lens.code, focal,
                             self.width, self.height, ids, radiance, exposure, VISIBLE_STAR, px,
                             py)  # fmt: skip
        px, py = px[:n], py[:n]
        if n:
            image[py, px] = raycast.tone_values(radiance[py, px], exposure)
        return int(drawn)

    @cached_property
    def _star_flux(self) -> np.ndarray:
        """Each star's irradiance in units of the Sun's."""
        return 10.0 ** (-0.4 * (self.stars.magnitude - SUN_MAGNITUDE))

    def _overlay(self, image: np.ndarray, role: str, when: datetime, st: InstantStates) -> None:
        """Draw the overlay into ``image``: UTC and EVA elapsed time, crew member, suit and
        stripe colour (top left), latitude/longitude below and day/night (bottom left)."""
        sc = self.replay.scenario
        member = next(m for m in sc.crew if m.role == role)
        elapsed = (when - sc.eva.hatch_open_utc).total_seconds()
        sign = "-" if elapsed < 0 else ""
        el = timedelta(seconds=round(abs(elapsed)))
        size = max(12, self.height // 36)
        stripe = (
            (220, 40, 40)
            if "red" in member.marking
            else ((40, 90, 230) if "blue" in member.marking else (200, 200, 200))
        )
        lines = [
            f"{when:%Y-%m-%d %H:%M:%S} UTC   EVA {sign}{el}",
            f"{member.role} {member.name}  {member.suit} ({member.marking})",
        ]
        y = size // 2
        for line in lines:
            self._text(image, (size + size // 2, y), line, size)
            y += int(size * 1.3)
        image[size // 2 : y + 1, size // 2 : size + 1] = stripe
        lat, lon = float(st.latitude_deg[0]), float(st.longitude_deg[0])
        below = f"{abs(lat):.2f}{'N' if lat >= 0 else 'S'} {abs(lon):.2f}{'E' if lon >= 0 else 'W'}"
        day = "day" if st.sunlit_fraction[0] > 0.5 else "night"
        self._text(image, (size, self.height - int(size * 1.8)), f"below: {below}   {day}", size)

    def _text(self, image: np.ndarray, xy: tuple[int, int], text: str, size: int) -> None:
        """White text with a 1-pixel dark drop shadow, blended into ``image`` in place. The
        text's coverage masks are drawn once per string (PIL) and kept for the next frames."""
        key = (text, size)
        masks = self._text_cache.get(key)
        if masks is None:
            masks = text_masks(text, size)
            if len(self._text_cache) > 64:
                self._text_cache.clear()
            self._text_cache[key] = masks
        blend_text(image, *masks, *xy)


def _percentile(values: np.ndarray, q: float) -> float:
    """``np.percentile(values, q)`` (linear interpolation) by a partial sort: twice as fast."""
    n = values.size
    pos = q / 100.0 * (n - 1)
    k = int(pos)
    k1 = min(k + 1, n - 1)
    part = np.partition(values, [k, k1])
    return float(part[k] + (pos - k) * (part[k1] - part[k]))


def station_solids(placements, utc: datetime | None = None) -> list:
    """The layout's solids the camera draws (every placement with a length), plus each solar
    array wing's mast: a cylinder (:data:`MAST_DIAMETER_M`, est) along the wing's centre line
    between its two blankets (STS-120 press kit: two blankets on either side of a telescoping
    mast). iROSA blankets roll out without a central mast and get none. With ``utc``, also the
    radiators and dish antennas on the station then (:func:`.radiators.radiators_at` of
    :mod:`evasim.station`)."""
    from ..station.layout import Placement
    from ..station.radiators import radiators_at

    out = [p for p in placements if p.size_m[0] > 0]
    if utc is not None:
        out += radiators_at(utc, placements)
    for p in placements:
        if p.kind == "array" and "iROSA" not in p.name and p.size_m[0] > 0:
            out.append(
                Placement(f"{p.name} mast", p.element, "mast", "cylinder", p.centre_m,
                          p.rotation, (p.size_m[0], MAST_DIAMETER_M, MAST_DIAMETER_M), 0.0)
            )  # fmt: skip
    return out
