"""Scenario files (TOML): schema, loading, validation, one-line errors with file and line.

The format is documented, with every field commented, in ``docs/scenario-format.md`` and in
the built-in scenarios ``evasim/data/scenarios/*.toml``. Pydantic checks types and shapes;
:func:`_check_consistency` checks what relates fields to each other (times in order, crew
references, which ephemeris fields go with which source). Either way the user gets one
:class:`EvasimInputError` naming the file, the line and the dotted field.
"""

from __future__ import annotations

import difflib
import math
import re
import tomllib
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
)

from .errors import EvasimInputError
from .textfile import read_text

ELAPSED_RE = re.compile(r"^(\d{1,2}):([0-5]\d)(?::([0-5]\d))?$")
EFFECT_RE = re.compile(
    r"^(connect|disconnect)\s+(power|ethernet|tv|kurs)\s+(\S+)\s*->\s*(\S+)(?:\s+at\s+(.+))?$"
)
BUILTIN_SCENARIOS = ("vkd-49", "vkd-50", "nauka-2021-07-29")

# Bounds on what a scenario may ask for (each message names its limit).
MAX_SAMPLES = 2_000_000
"""Telemetry samples (span / step_s) and attitude steps (span / dt_s). One million samples
take ~1.3 GB of memory and ~300 MB on disk."""
MAX_TASKS = 1000
MAX_FACTS = 1000
MAX_EVA_HOURS = 24.0
"""No suit supports a longer spacewalk; longer than ``eva.suit_autonomy_h`` is flagged."""

# Physical bounds on the attitude parameters (docs/scenario-format.md says why). Beyond them the
# integrator (explicit, steps of at most 1 s) meets rates and torques it cannot follow.
MAX_THRUST_N = 100_000.0
"""A thruster (or a group acting as one): above any engines that have fired at the station
(Zvezda's two main engines 2 x 2.9 kN; a docked Shuttle's OMS engines 2 x 26.7 kN)."""
MAX_PROPELLANT_KG = 20_000.0
"""Above the largest propellant load docked to the station (ATV: ~7 t with its refuelling load)."""
ISP_RANGE_S = (10.0, 500.0)
"""Chemical thrusters: cold gas ~60-70 s, hydrazine ~220 s, bipropellant ~290-320 s,
hydrogen-oxygen ~450 s."""
MAX_TORQUE_N_M = 100_000.0
"""CMG and thruster-control torque limits: the CMGs give ~258 N m, Russian-segment thruster
control a few thousand N m (~130 N thrusters at up to ~30 m)."""
MAX_BANDWIDTH_RAD_S = 1.0
"""Controller bandwidth (the station's are ~0.01-0.02 rad/s); the 4th-order integrator at steps of
up to 1 s follows a controller only up to ~2.8 rad/s."""
MAX_RATE_DEG_S = 10.0
"""Slew-rate limit: the station turns at ~0.1-0.5 deg/s (0.56 deg/s in the Nauka event)."""
MAX_ARM_M = 200.0
"""Positions relative to the centre of mass: the station is ~109 m x 73 m."""
MAX_AREA_M2 = 10_000.0
"""Drag area Cd x A: the station's projected area is ~2,000-4,000 m^2 (solar arrays included)."""

Metres = Annotated[float, Field(ge=-MAX_ARM_M, le=MAX_ARM_M)]
Degrees = Annotated[float, Field(ge=-360.0, le=360.0)]
Component = Annotated[float, Field(ge=-1000.0, le=1000.0)]


def parse_elapsed(text: str) -> timedelta:
    """'H:MM' or 'H:MM:SS' -> timedelta."""
    m = ELAPSED_RE.match(text.strip())
    if not m:
        raise ValueError(f"expected H:MM or H:MM:SS, got {text!r}")
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    return timedelta(hours=h, minutes=mi, seconds=s)


def _elapsed(value: str) -> str:
    parse_elapsed(value)
    return value


Elapsed = Annotated[str, Field(description="H:MM or H:MM:SS")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Effect(_Model):
    """A link change a task makes, e.g. ``connect power MRM-2 -> MLM at PMA-1/FGB panel``."""

    action: Literal["connect", "disconnect"]
    kind: Literal["power", "ethernet", "tv", "kurs"]
    source: str
    target: str
    place: str | None = None

    @classmethod
    def parse(cls, text: str) -> Effect:
        m = EFFECT_RE.match(text.strip())
        if not m:
            raise ValueError(
                f"expected 'connect|disconnect power|ethernet|tv|kurs A -> B [at PLACE]', "
                f"got {text!r}"
            )
        return cls(action=m[1], kind=m[2], source=m[3], target=m[4], place=m[5])

    def __str__(self) -> str:
        at = f" at {self.place}" if self.place else ""
        return f"{self.action} {self.kind} {self.source} -> {self.target}{at}"


class Span(_Model):
    start_utc: AwareDatetime
    end_utc: AwareDatetime
    step_s: float = Field(1.0, gt=0.0, le=60.0)


class Eva(_Model):
    designation: str = ""
    airlock: str
    depress_start_utc: AwareDatetime | None = None
    hatch_open_utc: AwareDatetime
    hatch_close_utc: AwareDatetime
    repress_end_utc: AwareDatetime | None = None
    planned_duration: str | None = None
    suit_autonomy_h: float = Field(8.0, gt=0.0, le=24.0)
    iv_crew: list[str] = Field([], max_length=4)
    """Names of the crew members inside who support the spacewalk (intravehicular, IV): suit-up,
    depress and repress, the procedures read to the spacewalkers. Shown in reports; no helmet
    camera."""
    time_convention: Literal["hatch", "battery", "unknown"] = "hatch"
    """What ``hatch_open_utc`` / ``hatch_close_utc`` mark: ``hatch`` the hatch opening and
    closing (Roscosmos's count), ``battery`` the suits on and off battery power (NASA's count,
    minutes from the hatch), ``unknown`` the source does not say."""

    _check_planned = field_validator("planned_duration")(
        lambda v: None if v is None else _elapsed(v)
    )


class CrewMember(_Model):
    name: str = Field(min_length=1)
    role: Literal["EV1", "EV2", "EV3"]
    suit: str = ""
    marking: str = ""


class Ephemeris(_Model):
    source: Literal["bundled", "tle", "omm", "archive"] = "bundled"
    """``archive``: the set nearest hatch open in the bundled 1998-2026 ISS archive
    (:meth:`evasim.catalog.Catalog.nearest_element_set`); ``set`` is not used with it."""
    set: str = "iss_2021"
    tle: str | None = None
    omm_file: str | None = None
    omm: dict[str, Any] | None = None
    allow_stale: bool = False  # use element sets > 14 days from the span (warned)


class Task(_Model):
    crew: list[str] = Field(min_length=1)
    name: str = Field(min_length=1)
    start_utc: AwareDatetime | None = None
    start_elapsed: str | None = None
    end_utc: AwareDatetime | None = None
    end_elapsed: str | None = None
    duration_min: float | None = Field(None, gt=0.0)
    worksite: str = ""
    effects: list[str] = Field([], max_length=50)
    estimated: bool = True
    note: str = ""

    _check_elapsed = field_validator("start_elapsed", "end_elapsed")(
        lambda v: None if v is None else _elapsed(v)
    )

    @field_validator("effects")
    @classmethod
    def _check_effects(cls, value: list[str]) -> list[str]:
        for text in value:
            Effect.parse(text)
        return value

    @property
    def parsed_effects(self) -> list[Effect]:
        return [Effect.parse(t) for t in self.effects]


class ThrusterSpec(_Model):
    """A thruster (or a group acting as one) with an on/off schedule and a propellant load."""

    name: str
    module: str
    point: Literal["far_end", "centre"] | list[Metres] = "far_end"
    direction: list[Component] = Field(min_length=3, max_length=3)
    thrust_n: float = Field(gt=0.0, le=MAX_THRUST_N)
    start_utc: AwareDatetime
    stop_utc: AwareDatetime | None = None
    propellant_kg: float | None = Field(None, gt=0.0, le=MAX_PROPELLANT_KG)
    isp_s: float = Field(300.0, ge=ISP_RANGE_S[0], le=ISP_RANGE_S[1])
    fit: list[Literal["thrust_n", "propellant_kg", "isp_s"]] = []
    note: str = ""


class ControllerSpec(_Model):
    """Russian-segment thruster attitude control joining at ``start_utc`` with a torque limit."""

    name: str
    start_utc: AwareDatetime
    max_torque_n_m: float = Field(gt=0.0, le=MAX_TORQUE_N_M)
    fit: list[Literal["max_torque_n_m", "start_utc"]] = []
    note: str = ""


class TargetSpec(_Model):
    """A published figure the simulation is compared with (and fitted to)."""

    quantity: Literal[
        "peak_rate_deg_s", "total_attitude_change_deg", "error_deg_at", "control_regained_utc"
    ]
    value: float | AwareDatetime
    at_utc: AwareDatetime | None = None
    sigma: float = Field(ge=1e-6)  # a weight 1/sigma in the fit: not vanishingly small
    source: str = ""
    confidence: Literal["H", "M", "L", "est"] = "M"


class FigurePrior(_Model):
    """A documented prior on a simulated figure (not a published value): a one-sided bound the
    fit respects, e.g. which branch of a bifurcation the published account implies. In the fit
    it is a penalty (excess beyond the bound) / ``sigma``, zero inside the bound."""

    quantity: Literal["total_attitude_change_deg", "peak_rate_deg_s"]
    max: float | None = None
    min: float | None = None
    sigma: float = Field(ge=1e-6)  # as TargetSpec.sigma
    reason: str = Field(min_length=1)


class AttitudeSpec(_Model):
    dt_s: float = Field(0.1, gt=0.0, le=1.0)
    control_sampling: Literal["continuous", "step"] = "continuous"  # evasim.attitude.model
    initial: Literal["tea", "lvlh"] = "tea"
    initial_rpy_deg: list[Degrees] = Field([0.0, 0.0, 0.0], min_length=3, max_length=3)
    gravity_gradient: bool = True
    cmg: bool = True
    cmg_max_torque_n_m: float = Field(258.0, gt=0.0, le=MAX_TORQUE_N_M)
    cmg_handover_s: float = Field(-1.0, ge=-1.0, le=86_400.0)  # -1: never
    desat_fraction: float = Field(0.0, ge=0.0, lt=1.0)
    rs_bandwidth_rad_s: float = Field(0.01, gt=0.0, le=MAX_BANDWIDTH_RAD_S)
    rs_max_rate_deg_s: float = Field(0.0, ge=0.0, le=MAX_RATE_DEG_S)
    aero: bool = False
    aero_cd_area_m2: float = Field(0.0, ge=0.0, le=MAX_AREA_M2)
    aero_cp_minus_cm_m: list[Metres] = Field([0.0, 0.0, 0.0], min_length=3, max_length=3)
    thrusters: list[ThrusterSpec] = []
    controllers: list[ControllerSpec] = []
    targets: list[TargetSpec] = []
    priors: list[FigurePrior] = []


class Fact(_Model):
    label: str
    value: str
    source: str
    confidence: Literal["H", "M", "L", "est"]


class Scenario(_Model):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=100)  # a folder name
    kind: Literal["eva", "attitude"] = "eva"
    title: str
    description: str = ""
    station_date_utc: AwareDatetime | None = None
    catalog_number: int | None = Field(None, ge=1, le=10_000)
    """The spacewalk's number in NASA's running count of ISS spacewalks (the catalogue's
    ``eva-N``): ``evasim replay eva-N`` replays this scenario; checked against the catalogue's
    date and start time in the tests."""
    generic_timeline: bool = False
    """True when the tasks are a generic outline (egress, the purpose as one work block, ingress)
    standing in for a timeline nobody has compiled; every product says so."""
    notes: list[str] = Field([], max_length=50)
    """Assumptions and derivations of the scenario itself, shown in summary.json and the report."""
    span: Span
    eva: Eva | None = None
    crew: list[CrewMember] = []
    attitude: AttitudeSpec | None = None
    ephemeris: Ephemeris = Ephemeris()
    tasks: list[Task] = Field([], max_length=MAX_TASKS)
    facts: list[Fact] = Field([], max_length=MAX_FACTS)

    # Filled by load: where the scenario came from (for messages and the report).
    origin: str = ""
    _text: str = PrivateAttr("")  # the TOML text, for line numbers in later messages

    def allowing_stale_elements(self) -> Scenario:
        """This scenario with element sets far from its span allowed (warned, not refused)."""
        eph = self.ephemeris.model_copy(update={"allow_stale": True})
        copy = self.model_copy(update={"ephemeris": eph})
        copy._text = self._text
        return copy

    def first_line_of_text(self, loc: tuple) -> int | None:
        """The file line where the text of string field ``loc`` starts (None if unknown)."""
        line = locate_line(self._text, loc) if self._text else None
        if line is None:
            return None
        rest = self._text.splitlines()[line - 1].split("=", 1)[-1].strip()
        return line + 1 if rest in ('"""', "'''") else line

    def error(self, loc: tuple, message: str) -> EvasimInputError:
        """An input error about field ``loc`` of this scenario, with its file and line."""
        line = locate_line(self._text, loc) if self._text else None
        return EvasimInputError(f"{_dotted(loc)}: {message}", source=self.origin, line=line)

    @property
    def reference_utc(self) -> datetime:
        """Hatch open for a spacewalk, else the span's start: picks the element set."""
        return self.eva.hatch_open_utc if self.eva else self.span.start_utc

    @property
    def station_date(self) -> datetime:
        return self.station_date_utc or self.reference_utc

    def crew_by_ref(self, ref: str) -> CrewMember | None:
        for member in self.crew:
            if ref in (member.role, member.name):
                return member
        return None

    def task_window(self, task: Task) -> tuple[datetime, datetime]:
        """Absolute (start, end) of a task; relative times count from hatch open."""
        open_ = self.eva.hatch_open_utc
        start = task.start_utc or open_ + parse_elapsed(task.start_elapsed or "0:00")
        if task.end_utc is not None:
            end = task.end_utc
        elif task.end_elapsed is not None:
            end = open_ + parse_elapsed(task.end_elapsed)
        else:
            end = start + timedelta(minutes=task.duration_min or 0.0)
        return start, end

    def task_crew(self, task: Task) -> list[CrewMember]:
        if task.crew == ["all"]:
            return list(self.crew)
        return [m for ref in task.crew if (m := self.crew_by_ref(ref)) is not None]


# --------------------------------------------------------------------------- locating lines


def _table_path(header: str) -> tuple[str, ...]:
    return tuple(part.strip().strip('"') for part in header.split("."))


def locate_line(text: str, loc: tuple) -> int | None:
    """Best line number in TOML ``text`` for a pydantic-style ``loc`` path, or None."""
    keys: dict[tuple, int] = {}
    counts: dict[tuple, int] = {}
    current: tuple = ()
    in_multiline = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if in_multiline:
            if line.count('"""') % 2 == 1 or line.count("'''") % 2 == 1:
                in_multiline = False
            continue
        if line.startswith("[["):
            path = _table_path(line[2 : line.find("]]")])
            counts[path] = counts.get(path, -1) + 1
            current = (*path, counts[path])
            keys.setdefault(current, number)
        elif line.startswith("["):
            current = _table_path(line[1 : line.find("]")])
            keys.setdefault(current, number)
        else:
            m = re.match(r'^([A-Za-z0-9_"\'-]+)\s*=', line)
            if m:
                keys.setdefault((*current, m.group(1).strip("\"'")), number)
                rest = line[m.end() :]
                if rest.count('"""') == 1 or rest.count("'''") == 1:
                    in_multiline = True
    for k in range(len(loc), 0, -1):
        hit = keys.get(tuple(loc[:k]))
        if hit is not None:
            return hit
    return None


def _dotted(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _model_at(loc: tuple) -> type[BaseModel] | None:
    model: Any = Scenario
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if model else None
        if field is None:
            return None
        ann = field.annotation
        args = getattr(ann, "__args__", ())
        candidates = [ann, *args]
        model = next(
            (c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None
        )
    return model


def _friendly(error: dict) -> str:
    kind = error["type"]
    loc = tuple(error["loc"])
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        parent = _model_at(loc[:-1])
        known = [f for f in (parent.model_fields if parent else {}) if f != "origin"]
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return f"unknown field; {hint}expected one of: {', '.join(known)}"
    if kind == "finite_number":
        return f"expected a finite number, got {error.get('input')!r}"
    if kind == "too_long":
        ctx = error.get("ctx", {})
        return (
            f"{ctx.get('actual_length', 'too many')} entries; "
            f"expected at most {ctx.get('max_length')} (the limit)"
        )
    if kind in ("datetime_parsing", "datetime_type", "datetime_from_date_parsing"):
        return "expected a UTC date-time like 2021-09-03T14:41:00Z"
    if kind == "timezone_aware":
        return "expected a UTC date-time with a zone, like 2021-09-03T14:41:00Z"
    if kind == "literal_error":
        return f"expected {error['ctx']['expected']}, got {error.get('input')!r}"
    msg = str(error["msg"])
    msg = msg.removeprefix("Value error, ")
    got = error.get("input")
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return f"{msg[0].lower()}{msg[1:]} (the limit), got {got!r}"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return f"{msg[0].lower()}{msg[1:]}, got {type(got).__name__} {got!r}"
    return msg[0].lower() + msg[1:]


# --------------------------------------------------------------------------- consistency


def _check_consistency(sc: Scenario) -> list[tuple[tuple, str]]:
    """Cross-field problems as (loc, message), first problem first."""
    problems: list[tuple[tuple, str]] = []
    eva, span = sc.eva, sc.span

    def fmt(t: datetime) -> str:
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")

    if sc.kind == "eva":
        if eva is None:
            return [(("eva",), "required for kind = 'eva' (a spacewalk)")]
        if not sc.crew:
            return [(("crew",), "expected at least one [[crew]] member for a spacewalk")]
    else:
        if sc.attitude is None:
            return [(("attitude",), "required for kind = 'attitude'")]
        if eva is not None:
            return [(("eva",), "not used with kind = 'attitude'")]
        return _check_attitude(sc, fmt)
    if span.end_utc <= span.start_utc:
        problems.append(
            (("span", "end_utc"), f"expected a time after span.start_utc ({fmt(span.start_utc)})")
        )
    if eva.hatch_close_utc <= eva.hatch_open_utc:
        problems.append(
            (
                ("eva", "hatch_close_utc"),
                f"expected a time after hatch_open_utc ({fmt(eva.hatch_open_utc)})",
            )
        )
    if eva.depress_start_utc and eva.depress_start_utc > eva.hatch_open_utc:
        problems.append((("eva", "depress_start_utc"), "expected a time before hatch_open_utc"))
    if eva.repress_end_utc and eva.repress_end_utc < eva.hatch_close_utc:
        problems.append((("eva", "repress_end_utc"), "expected a time after hatch_close_utc"))
    if not (span.start_utc <= eva.hatch_open_utc and eva.hatch_close_utc <= span.end_utc):
        problems.append(
            (
                ("span",),
                f"expected the span to contain the hatch times "
                f"({fmt(eva.hatch_open_utc)} .. {fmt(eva.hatch_close_utc)})",
            )
        )
    if (span.end_utc - span.start_utc) > timedelta(days=3):
        problems.append((("span", "end_utc"), "expected a span of at most 3 days"))
    elif problem := _check_samples(span.end_utc - span.start_utc, span.step_s, ("span", "step_s")):
        problems.append(problem)
    duration = eva.hatch_close_utc - eva.hatch_open_utc
    if duration > timedelta(hours=MAX_EVA_HOURS):
        problems.append(
            (
                ("eva", "hatch_close_utc"),
                f"a spacewalk of {_hm(duration)}; expected at most {MAX_EVA_HOURS:g} h "
                f"(no suit supports longer)",
            )
        )
    roles = [m.role for m in sc.crew]
    for i, member in enumerate(sc.crew):
        if roles.count(member.role) > 1:
            problems.append((("crew", i, "role"), f"role {member.role} is given twice"))
            break
    eph = sc.ephemeris
    wanted = {"bundled": set(), "archive": set(), "tle": {"tle"}, "omm": {"omm_file", "omm"}}[
        eph.source
    ]
    given = {k for k in ("tle", "omm_file", "omm") if getattr(eph, k) is not None}
    if eph.source == "omm" and len(given) != 1:
        problems.append((("ephemeris", "source"), "expected exactly one of omm_file or omm"))
    elif eph.source != "omm" and given != wanted:
        extra = given - wanted
        if extra:
            field = sorted(extra)[0]
            problems.append((("ephemeris", field), f"not used with source = {eph.source!r}"))
        else:
            problems.append((("ephemeris", "tle"), "expected the two TLE lines"))
    for i, task in enumerate(sc.tasks):
        loc = ("tasks", i)
        if "all" in task.crew and len(task.crew) > 1:
            problems.append(((*loc, "crew"), 'expected ["all"] alone, or roles and names'))
        roles = [m.role for ref in task.crew if (m := sc.crew_by_ref(ref)) is not None]
        twice = sorted({r for r in roles if roles.count(r) > 1})
        if twice:
            problems.append(((*loc, "crew"), f"{twice[0]} is listed twice"))
        for ref in task.crew:
            if ref != "all" and sc.crew_by_ref(ref) is None:
                names = ", ".join([*(m.role for m in sc.crew), "all"])
                problems.append(
                    (
                        (*loc, "crew"),
                        f"unknown crew member {ref!r}; expected one of {names} or a crew name",
                    )
                )
        if task.start_utc is not None and task.start_elapsed is not None:
            problems.append(((*loc, "start_elapsed"), "give start_utc or start_elapsed, not both"))
        if task.start_utc is None and task.start_elapsed is None:
            problems.append(((*loc,), "expected start_utc or start_elapsed"))
        ends = [
            k for k in ("end_utc", "end_elapsed", "duration_min") if getattr(task, k) is not None
        ]
        if len(ends) != 1:
            problems.append(
                (
                    (*loc, ends[1] if len(ends) > 1 else "name"),
                    "expected exactly one of end_utc, end_elapsed, duration_min",
                )
            )
        if problems:
            continue
        start, end = sc.task_window(task)
        if end <= start:
            field = ends[0]
            problems.append(
                ((*loc, field), f"expected the task to end after it starts ({fmt(start)})")
            )
        elif start < span.start_utc or end > span.end_utc:
            problems.append(((*loc,), f"task {fmt(start)} .. {fmt(end)} lies outside the span"))
    return problems


def _check_attitude(sc: Scenario, fmt) -> list[tuple[tuple, str]]:
    span, att = sc.span, sc.attitude
    problems: list[tuple[tuple, str]] = []
    if span.end_utc <= span.start_utc:
        problems.append((("span", "end_utc"), "expected a time after span.start_utc"))
    if (span.end_utc - span.start_utc) > timedelta(days=1):
        problems.append((("span", "end_utc"), "expected an attitude span of at most 1 day"))
    else:
        length = span.end_utc - span.start_utc
        for problem in (
            _check_samples(length, span.step_s, ("span", "step_s")),
            _check_samples(length, att.dt_s, ("attitude", "dt_s"), "attitude steps"),
        ):
            if problem:
                problems.append(problem)
    for i, t in enumerate(att.thrusters):
        loc = ("attitude", "thrusters", i)
        if not span.start_utc <= t.start_utc <= span.end_utc:
            problems.append(((*loc, "start_utc"), "expected a time inside the span"))
        if t.stop_utc is not None and t.stop_utc <= t.start_utc:
            problems.append(((*loc, "stop_utc"), f"expected a time after {fmt(t.start_utc)}"))
        if math.hypot(*t.direction) < 1e-6:  # normalised: a subnormal one has length 0
            problems.append(((*loc, "direction"), "expected a non-zero vector (length >= 1e-6)"))
        if "propellant_kg" in t.fit and t.propellant_kg is None:
            problems.append(((*loc, "fit"), "propellant_kg must be given to be fitted"))
    for i, t in enumerate(att.targets):
        loc = ("attitude", "targets", i)
        wants_time = t.quantity == "control_regained_utc"
        if wants_time != isinstance(t.value, datetime):
            kind = "a UTC date-time" if wants_time else "a number"
            problems.append(((*loc, "value"), f"expected {kind} for {t.quantity}"))
        if t.quantity == "error_deg_at" and t.at_utc is None:
            problems.append(((*loc, "at_utc"), "required for error_deg_at"))
    for i, p in enumerate(att.priors):
        if p.min is None and p.max is None:
            problems.append((("attitude", "priors", i), "expected min, max or both"))
    return problems


def _hm(length: timedelta) -> str:
    minutes = round(length.total_seconds() / 60.0)
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _check_samples(
    length: timedelta, step_s: float, loc: tuple, what: str = "samples"
) -> tuple[tuple, str] | None:
    """A problem if ``length / step_s`` exceeds :data:`MAX_SAMPLES`, else None."""
    seconds = length.total_seconds()
    if step_s * MAX_SAMPLES > seconds:  # no division first: a tiny step overflows it
        return None
    ratio = seconds / step_s  # may be inf (step_s = 5e-324)
    count = f"{int(ratio) + 1:,}" if ratio < 1e15 else f"over {min(ratio, 1.7e308):.3g}"
    least = seconds / (MAX_SAMPLES - 1)
    return (
        loc,
        f"{step_s:g} s over {seconds:g} s is {count} {what}; expected at most "
        f"{MAX_SAMPLES:,} (the limit), i.e. a step of at least {least:.3g} s",
    )


def _check_station(sc: Scenario) -> list[tuple[tuple, str]]:
    """Task worksites against the station on the scenario's date (outside the compiled
    history, 2021, the station is not modelled and the replay says so)."""
    if sc.kind != "eva" or not any(t.worksite for t in sc.tasks):
        return []
    from .station import StationError
    from .station.catalog import ALIASES, canonical

    try:
        config = _station().at(sc.station_date)
    except StationError:
        return []
    elements = list(config.elements)
    for i, task in enumerate(sc.tasks):
        if task.worksite and canonical(task.worksite) not in config.elements:
            names = [*elements, *(a for a, e in ALIASES.items() if e in config.elements)]
            close = difflib.get_close_matches(task.worksite, names, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}? " if close else ""
            aliases: dict[str, str] = {}
            for alias, element in ALIASES.items():
                aliases.setdefault(element, alias)
            known = ", ".join(f"{e} ({aliases[e]})" if e in aliases else e for e in elements)
            return [
                (
                    ("tasks", i, "worksite"),
                    f"{task.worksite!r} is not on the station on "
                    f"{sc.station_date:%Y-%m-%d}; {hint}expected one of: {known}",
                )
            ]
    return []


_STATION = None


def _station():
    """The station history, built once (it reads the bundled tables)."""
    global _STATION
    if _STATION is None:
        from .station import Station

        _STATION = Station()
    return _STATION


# --------------------------------------------------------------------------- loading


def validate_model(
    model: type[BaseModel],
    raw: dict,
    text: str,
    source: str,
    friendly,
    max_tasks: int | None = None,
    reserved: tuple[str, ...] = ("origin",),
    extra: dict | None = None,
    locate=None,
):
    """``raw`` (a file's TOML table) validated as ``model``, or one :class:`EvasimInputError`
    naming the file, line and field: the one validation path of scenario, plan and campaign
    files. ``friendly(error)`` words a pydantic error. Fields in ``reserved`` are filled in
    here (``origin`` = ``source``, and ``extra``) and refused in the file; a ``tasks`` list
    longer than ``max_tasks`` is refused before each task is validated (the limit in the
    message). ``locate(text, loc)``: the line of a field (default :func:`locate_line`)."""
    locate = locate or locate_line
    for name in reserved:
        if name in raw:
            raise EvasimInputError(
                f"{name}: unknown field", source=source, line=locate(text, (name,))
            )
    tasks = raw.get("tasks")
    if max_tasks is not None and isinstance(tasks, list) and len(tasks) > max_tasks:
        raise EvasimInputError(
            f"tasks: {len(tasks)} tasks; expected at most {max_tasks} (the limit)",
            source=source,
            line=locate(text, ("tasks", max_tasks)),
        )
    try:
        return model.model_validate({**raw, "origin": source, **(extra or {})})
    except ValidationError as exc:
        errors = exc.errors()
        # A misspelt field is also a missing one: name the misspelling, it is the cause.
        first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        loc = tuple(first["loc"])
        raise EvasimInputError(
            f"{_dotted(loc) or 'file'}: {friendly(first)}",
            source=source,
            line=locate(text, loc),
        ) from None


def read_toml(text: str, source: str) -> dict:
    """TOML ``text`` as a dict, or an input error naming ``source`` and the line (also for
    TOML nested too deeply to parse). The one reader of scenario, plan, campaign and dispersion
    files."""
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise EvasimInputError("invalid TOML: nested too deeply", source=source) from None
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        line = int(m.group(1)) if m else None
        raise EvasimInputError(f"invalid TOML: {message}", source=source, line=line) from None


def parse_scenario(text: str, source: str) -> Scenario:
    """Validate TOML ``text``; ``source`` names the file in error messages."""
    raw = read_toml(text, source)
    scenario = validate_model(Scenario, raw, text, source, _friendly, max_tasks=MAX_TASKS)
    scenario._text = text
    return check_scenario(scenario)


def check_scenario(scenario: Scenario) -> Scenario:
    """``scenario`` if its fields agree with each other and with the station of its date, else
    the first problem as an input error (file and line where the scenario has a text)."""
    problems = _check_consistency(scenario) or _check_station(scenario)
    if problems:
        loc, message = problems[0]
        raise scenario.error(loc, message)
    return scenario


def builtin_text(name: str) -> str:
    """The TOML text of built-in scenario ``name`` (one of :data:`BUILTIN_SCENARIOS`)."""
    ref = resources.files("evasim") / "data" / "scenarios" / f"{name}.toml"
    return ref.read_text(encoding="utf-8")


def load_scenario(path_or_name: str | Path) -> Scenario:
    """A built-in scenario by name (``vkd-49``), any ISS spacewalk of the catalogue by its
    number (``eva-100``: :func:`evasim.catalog.scenario.eva_scenario`) or a TOML file by path."""
    text_arg = str(path_or_name)
    if text_arg in BUILTIN_SCENARIOS:
        return parse_scenario(builtin_text(text_arg), f"evasim:{text_arg}")
    path = Path(text_arg)
    if not path.exists() and text_arg.lower().startswith("eva-"):
        from .catalog.scenario import eva_scenario

        return eva_scenario(text_arg)
    if not path.exists():
        names = ", ".join(BUILTIN_SCENARIOS)
        raise EvasimInputError(
            f"no such file, nor a built-in scenario; expected one of {names}, "
            "eva-1 .. eva-277 (any ISS spacewalk) or a path to a .toml file",
            source=text_arg,
        )
    if path.is_dir():
        raise EvasimInputError("is a folder; expected a scenario .toml file", source=text_arg)
    return parse_scenario(read_text(path, "scenario file"), text_arg)


def builtin_scenarios() -> list[Scenario]:
    return [load_scenario(name) for name in BUILTIN_SCENARIOS]
