"""Station facts from ``evasim/data/station/*.csv``: elements, ports, adapters, vehicles, links.

Each row keeps its confidence mark and sources. Dates without a time are taken as 00:00 UTC.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources

ALIASES = {
    "FGB": "Zarya",
    "SM": "Zvezda",
    "MRM-1": "Rassvet",
    "MRM-2": "Poisk",
    "MLM": "Nauka",
    "MLM-U": "Nauka",
    "UM": "Prichal",
    "DC-1": "Pirs",
    "Node 1": "Unity",
    "Node 2": "Harmony",
    "Node 3": "Tranquility",
    "US Lab": "Destiny",
    "JEM PM": "Kibo PM",
}
"""Short names used in scenario effects and sources -> element names."""

US_SEGMENT = (
    "PMA-1",
    "Unity",
    "Destiny",
    "Quest",
    "Harmony",
    "Columbus",
    "Kibo PM",
    "Kibo ELM-PS",
    "Tranquility",
    "Cupola",
    "Leonardo",
    "BEAM",
    "Bishop",
    "PMA-2",
    "PMA-3",
)
RUSSIAN_SEGMENT = ("Zarya", "Zvezda", "Pirs", "Poisk", "Rassvet", "Nauka", "Prichal")


def canonical(name: str) -> str:
    return ALIASES.get(name, name)


def parse_utc(text: str) -> datetime | None:
    text = (text or "").strip()
    if not text:
        return None
    text = text.replace("Z", "+00:00")
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _rows(name: str) -> list[dict[str, str]]:
    text = (resources.files("evasim") / "data" / "station" / name).read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


@dataclass(frozen=True)
class ElementSpec:
    """One station element (module, truss segment) or visiting vehicle."""

    name: str
    kind: str  # module | truss | vehicle
    mass_kg: float | None
    length_m: float | None
    diameter_m: float | None
    attached_utc: datetime | None = None
    detached_utc: datetime | None = None
    parent: str = ""
    parent_port: str = ""
    alias: str = ""
    docking_system: str = ""  # the active half it docks with (vehicles)
    conf: str = ""
    sources: str = ""
    notes: str = ""


@dataclass(frozen=True)
class PortSpec:
    module: str
    port: str
    docking_system: str
    conf: str
    sources: str


@dataclass(frozen=True)
class AdapterSpec:
    module: str
    port: str
    adapter: str
    fitted_utc: datetime
    removed_utc: datetime | None


@dataclass(frozen=True)
class LinkSpec:
    kind: str
    source: str
    target: str
    mates: tuple[str, ...]
    initial: str
    conf: str
    sources: str
    notes: str


@dataclass(frozen=True)
class LinkEventSpec:
    """A link change a spacewalk made (link_events.csv): station history, not scenario input."""

    utc: datetime
    action: str  # connect | disconnect
    kind: str
    source: str
    target: str
    place: str | None
    eva: str
    time_conf: str
    conf: str
    sources: str
    notes: str


@dataclass(frozen=True)
class VisitSpec:
    """A vehicle at a port for a period (from ros_ports_2021.csv / usos_visiting_2021.csv)."""

    vehicle: str
    module: str
    port: str
    arrived_utc: datetime
    departed_utc: datetime | None
    conf: str
    notes: str


def _float(text: str) -> float | None:
    text = (text or "").strip()
    return float(text) if text else None


@cache
def modules() -> tuple[ElementSpec, ...]:
    out = []
    for r in _rows("modules.csv"):
        out.append(
            ElementSpec(
                name=r["name"],
                kind="module",
                mass_kg=_float(r["mass_kg"]),
                length_m=_float(r["length_m"]),
                diameter_m=_float(r["diameter_m"]),
                attached_utc=parse_utc(r["attached_utc"]) or parse_utc(r["launched_utc"]),
                detached_utc=parse_utc(r["detached_utc"]),
                parent=r["parent"],
                parent_port=r["parent_port"],
                alias=r["alias"],
                conf=r["conf"],
                sources=r["sources"],
                notes=r["alt"],
            )
        )
    return tuple(out)


@cache
def truss() -> tuple[ElementSpec, ...]:
    return tuple(
        ElementSpec(
            name=r["segment"],
            kind="truss",
            mass_kg=_float(r["mass_kg"]),
            length_m=_float(r["length_m"]),
            diameter_m=_float(r["diameter_m"]),
            attached_utc=parse_utc(r["installed_utc"]),
            parent=r["parent"],
            parent_port=r["parent_port"],
            conf="H",
            sources="NASA Integrated Truss Structure; relocations.csv for P6",
            notes=r["notes"],
        )
        for r in _rows("truss.csv")
    )


@cache
def ports() -> tuple[PortSpec, ...]:
    return tuple(
        PortSpec(r["module"], r["port"], r["docking_system"], r["conf"], r["sources"])
        for r in _rows("ports.csv")
    )


@cache
def adapters() -> tuple[AdapterSpec, ...]:
    return tuple(
        AdapterSpec(
            r["module"],
            r["port"],
            r["adapter"],
            parse_utc(r["fitted_utc"]),
            parse_utc(r["removed_utc"]),
        )
        for r in _rows("adapters.csv")
    )


@cache
def links() -> tuple[LinkSpec, ...]:
    return tuple(
        LinkSpec(
            r["kind"],
            canonical(r["from"]),
            canonical(r["to"]),
            tuple("" if m == "-" else m for m in r["mates"].split("|")),
            r["initial"],
            r["conf"],
            r["sources"],
            r["notes"],
        )
        for r in _rows("links.csv")
    )


@dataclass(frozen=True)
class AirlockSpec:
    """An airlock (airlocks.csv): the scenario's name for it and the element with the hatch.

    ``hatch`` says where the crew is at hatch open/close: ``outboard`` (1 m beyond the
    element's outboard end), ``transfer`` (inside the element's forward transfer compartment)
    or ``orbiter`` (the Shuttle: the element is the PMA the orbiter is docked to on the date).
    """

    airlock: str
    element: str
    aliases: tuple[str, ...]
    segment: str
    conf: str
    sources: str
    notes: str
    hatch: str = "outboard"


@cache
def airlocks() -> tuple[AirlockSpec, ...]:
    return tuple(
        AirlockSpec(
            r["airlock"],
            r["element"],
            tuple(a for a in r["aliases"].split("|") if a),
            r["segment"],
            r["conf"],
            r["sources"],
            r["notes"],
            r["hatch"],
        )
        for r in _rows("airlocks.csv")
    )


@cache
def link_events() -> tuple[LinkEventSpec, ...]:
    """Link changes in time order (the order of the file at equal times)."""
    rows = [
        LinkEventSpec(
            parse_utc(r["utc"]),
            r["action"],
            r["kind"],
            r["from"],
            r["to"],
            r["place"] or None,
            r["eva"],
            r["time_conf"],
            r["conf"],
            r["sources"],
            r["notes"],
        )
        for r in _rows("link_events.csv")
    ]
    return tuple(sorted(rows, key=lambda e: e.utc))


_USOS_PORTS = {
    "Harmony forward (IDA-2)": ("PMA-2", "forward"),
    "Harmony zenith (IDA-3)": ("PMA-3", "zenith"),
    "Unity nadir (berthed)": ("Unity", "nadir"),
}


def vehicle_class(vehicle: str) -> str:
    for prefix in ("Soyuz MS", "Progress MS", "Progress M-UM", "Cygnus"):
        if vehicle.startswith(prefix):
            return prefix
    if vehicle.startswith("Crew Dragon"):
        return "Crew Dragon"
    if vehicle.startswith("Cargo Dragon"):
        return "Cargo Dragon"
    if vehicle.startswith("Space Shuttle"):
        return "Space Shuttle"
    return vehicle


@dataclass(frozen=True)
class RelocationSpec:
    """An element moved (relocations.csv): from ``utc`` on it hangs from ``parent_port``."""

    element: str
    utc: datetime
    parent: str
    parent_port: str
    conf: str
    sources: str
    notes: str


@cache
def relocations() -> tuple[RelocationSpec, ...]:
    return tuple(
        RelocationSpec(
            r["element"],
            parse_utc(r["moved_utc"]),
            r["parent"],
            r["parent_port"],
            r["conf"],
            r["sources"],
            r["notes"],
        )
        for r in _rows("relocations.csv")
    )


@dataclass(frozen=True)
class ArraySpec:
    """A solar-array wing (arrays.csv): an original wing or an iROSA, on a truss segment."""

    wing: str
    segment: str
    kind: str  # original | iROSA
    channel: str
    side: str  # fore | aft (at SARJ angle 0)
    installed_utc: datetime
    conf: str
    sources: str
    notes: str


@cache
def arrays() -> tuple[ArraySpec, ...]:
    return tuple(
        ArraySpec(
            r["wing"],
            r["segment"],
            r["kind"],
            r["channel"],
            r["side"],
            parse_utc(r["installed_utc"]),
            r["conf"],
            r["sources"],
            r["notes"],
        )
        for r in _rows("arrays.csv")
    )


@cache
def vehicle_coverage() -> tuple[tuple[datetime, datetime, str], ...]:
    """Spans (start inclusive, end exclusive, note) in which every port's vehicles are compiled."""
    return tuple(
        (parse_utc(r["from_utc"]), parse_utc(r["to_utc"]), r["notes"])
        for r in _rows("vehicle_coverage.csv")
    )


def vehicles_compiled(utc: datetime) -> bool:
    """Are the visiting vehicles at every port compiled for ``utc``?"""
    return any(a <= utc < b for a, b, _ in vehicle_coverage())


def _until_span_end(arrived: datetime, departed: datetime | None) -> datetime | None:
    """A visit with no departure inside a compiled span is shown until the span ends (after
    it, its port is 'not known' rather than occupied for ever)."""
    if departed is not None:
        return departed
    for a, b, _ in vehicle_coverage():
        if a <= arrived < b:
            return b
    return None


@cache
def visits() -> tuple[VisitSpec, ...]:
    module_names = {m.name for m in modules()}
    out = []
    for r in _rows("shuttle_dockings.csv"):
        out.append(
            VisitSpec(
                r["vehicle"],
                r["module"],
                r["port"],
                parse_utc(r["arrived_utc"]),
                parse_utc(r["departed_utc"]),
                r["conf"],
                r["notes"],
            )
        )
    for r in _rows("ros_ports_2021.csv"):
        occupant = r["occupant"].strip()
        if not occupant or occupant in module_names or "/" in r["port"]:
            continue
        out.append(
            VisitSpec(
                occupant,
                r["module"],
                r["port"],
                parse_utc(r["from_utc"]),
                _until_span_end(parse_utc(r["from_utc"]), parse_utc(r["to_utc"])),
                r["conf"],
                r["notes"],
            )
        )
    for r in _rows("usos_visiting_2021.csv"):
        if r["port"] not in _USOS_PORTS or not r["arrived_utc"]:
            continue  # planned-only entries (Starliner OFT-2) did not dock in 2021
        module, port = _USOS_PORTS[r["port"]]
        out.append(
            VisitSpec(
                r["vehicle"],
                module,
                port,
                parse_utc(r["arrived_utc"]),
                _until_span_end(parse_utc(r["arrived_utc"]), parse_utc(r["departed_utc"])),
                r["conf"],
                r["notes"],
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class VehicleClass:
    vehicle_class: str
    docking_system: str
    mass_kg: float | None
    length_m: float | None
    diameter_m: float | None
    conf: str
    sources: str
    notes: str


@cache
def vehicle_classes() -> dict[str, VehicleClass]:
    return {
        r["vehicle_class"]: VehicleClass(
            r["vehicle_class"],
            r["docking_system"],
            _float(r["mass_kg"]),
            _float(r["length_m"]),
            _float(r["diameter_m"]),
            r["conf"],
            r["sources"],
            r["notes"],
        )
        for r in _rows("vehicles.csv")
    }


@dataclass(frozen=True)
class Estimate:
    name: str
    applies_to: str
    value: float
    host: str
    derivation: str


@cache
def estimates() -> dict[str, Estimate]:
    return {
        r["name"]: Estimate(
            r["name"], r["applies_to"], float(r["mass_kg"]), r["host"], r["derivation"]
        )
        for r in _rows("estimates.csv")
    }


def _estimate_for(applies_to: str, unit: str) -> Estimate | None:
    for e in estimates().values():
        if e.applies_to == applies_to and e.name.endswith(unit):
            return e
    return None


def vehicle_spec(vehicle: str) -> ElementSpec:
    """The spec of a visiting vehicle; missing mass/length filled from ``estimates.csv``."""
    cls = vehicle_class(vehicle)
    row = next((r for k, r in vehicle_classes().items() if k.startswith(cls)), None)
    mass = row.mass_kg if row else None
    length = row.length_m if row else None
    conf = row.conf if row else ""
    notes = cls
    if mass is None and (est := _estimate_for(cls, "mass")):
        mass, conf = est.value, "est"
        notes += f"; mass estimated: {est.derivation}"
    if length is None and (est := _estimate_for(cls, "length")):
        length = est.value
        notes += f"; length estimated: {est.derivation}"
    return ElementSpec(
        name=vehicle,
        kind="vehicle",
        mass_kg=mass,
        length_m=length,
        diameter_m=row.diameter_m if row else None,
        docking_system=row.docking_system if row else "",
        conf=conf,
        sources=row.sources if row else "",
        notes=notes,
    )


@dataclass(frozen=True)
class MassAddOn:
    """Mass carried by a host element: external hardware, racks (point masses)."""

    name: str
    kind: str
    mass_kg: float
    host: str
    installed_utc: datetime | None
    conf: str
    sources: str


@cache
def mass_add_ons() -> tuple[MassAddOn, ...]:
    out = []
    for r in _rows("external_elements.csv"):
        if r["host"] and r["mass_kg"]:
            installed = r["installed_utc"]
            when = parse_utc(installed + "-01" if len(installed) == 7 else installed)
            out.append(
                MassAddOn(
                    r["name"],
                    r["kind"],
                    float(r["mass_kg"]),
                    r["host"],
                    when,
                    r["conf"],
                    r["sources"],
                )
            )
    for e in estimates().values():
        if e.host:
            out.append(MassAddOn(e.name, "estimate", e.value, e.host, None, "est", e.derivation))
    return tuple(out)


def array_wing_mass_kg() -> float:
    """Mass given to each solar-array wing: 0, since no public source gives a wing's mass;
    the arrays' mass stays inside their truss segment (P3/P4, S3/S4, P6, S6 "with solar array
    pair", NASA). Wings are drawn and meshed but carry no separate mass."""
    return 0.0
