"""A station configuration: a graph of elements joined at ports, with validated operations.

Operations return a new :class:`Configuration` (the old one is unchanged) or raise
:class:`StationError` with a clear message and change nothing.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace
from datetime import datetime

from ..errors import EvasimInputError
from . import catalog
from .catalog import ElementSpec, PortSpec, canonical

SSVP_G_ADAPTERS = ("SSVPA-GM", "SSPA-GM")
IDSS_ADAPTERS = ("IDA-2", "IDA-3")
OUTBOARD_PORT_ONLY = ("PMA-2", "PMA-3")
"""Elements with one docking port, on their outboard end: of their rows in ports.csv only the one
whose direction is the element's own attach direction exists on a date (PMA-3 faced nadir, port
or zenith as it moved)."""


class StationError(EvasimInputError):
    """An operation that the station's structure does not allow."""


def compatible(active: str, passive: str, adapter: str | None) -> bool:
    """Can an element with the ``active`` docking system join a port ``passive``?"""
    if active.startswith("SSVP-G4000"):
        return passive.startswith("SSVP-G4000") or (
            passive.startswith("SSVP-M")
            and adapter is not None
            and adapter.split()[0] in SSVP_G_ADAPTERS
        )
    if active.startswith("SSVP-M"):
        return passive.startswith("SSVP-M") and adapter is None
    if active.startswith("IDSS"):
        return passive.startswith("IDSS") or (
            passive.startswith("APAS-95") and adapter is not None and adapter in IDSS_ADAPTERS
        )
    if active.startswith("APAS-95"):
        return passive.startswith("APAS-95") and adapter is None
    if active.startswith("CBM"):
        return passive.startswith("CBM")
    return False


@dataclass(frozen=True)
class Port:
    module: str
    port: str
    docking_system: str
    adapter: str | None
    occupant: str | None
    occupant_kind: str | None = None  # module | truss | vehicle
    occupant_known: bool = True  # False: the port's visiting vehicle is not compiled for the date

    @property
    def soyuz_progress_capable(self) -> bool:
        """A Soyuz or Progress could use it: compatible docking system (with any adapter), and
        not taken by a module (a module joined there is permanent)."""
        if self.occupant_kind in ("module", "truss"):
            return False
        return compatible("SSVP-G4000 active", self.docking_system, self.adapter)

    @property
    def effective_docking_system(self) -> str:
        return f"{self.docking_system} + {self.adapter}" if self.adapter else self.docking_system

    def to_json(self) -> dict:
        return {
            "module": self.module,
            "port": self.port,
            "docking_system": self.effective_docking_system,
            "soyuz_progress_capable": self.soyuz_progress_capable,
            "occupant": self.occupant,
            "occupant_known": self.occupant_known,
        }

    @property
    def occupant_text(self) -> str:
        """The occupant for people: its name, '-' when known to be free, 'not known'."""
        if not self.occupant_known:
            return "not known"
        return self.occupant or "-"


@dataclass(frozen=True)
class Configuration:
    """Elements on station at ``utc`` and how they hang together.

    ``attachments`` maps each attached element to its (parent, parent_port); the root (Zarya)
    has none. ``elements`` holds the specs of everything present, vehicles included.
    """

    utc: datetime | None
    elements: dict[str, ElementSpec]
    attachments: dict[str, tuple[str, str]]
    port_specs: dict[tuple[str, str], PortSpec]
    adapters: dict[tuple[str, str], str] = field(default_factory=dict)

    # ------------------------------------------------------------------ queries

    def _repr_html_(self) -> str:
        """Jupyter: date, modules, vehicles and truss, compactly."""
        from ..htmltable import html_table

        when = f"{self.utc:%Y-%m-%d %H:%M} UTC" if self.utc else "not known"
        rows = [
            ("date", when),
            (f"modules ({len(self.modules)})", ", ".join(self.modules)),
            (f"vehicles ({len(self.vehicles)})", ", ".join(self.vehicles) or "none known"),
            (f"truss ({len(self.truss)})", ", ".join(self.truss) or "none"),
        ]
        return html_table(rows, "ISS configuration")

    @property
    def modules(self) -> list[str]:
        return [n for n, e in self.elements.items() if e.kind == "module"]

    @property
    def vehicles(self) -> list[str]:
        return [n for n, e in self.elements.items() if e.kind == "vehicle"]

    @property
    def truss(self) -> list[str]:
        return [n for n, e in self.elements.items() if e.kind == "truss"]

    def occupant(self, module: str, port: str) -> str | None:
        module = canonical(module)
        for child, (parent, parent_port) in self.attachments.items():
            if parent == module and parent_port == port:
                return child
        return None

    def ports(
        self, *, capability: str | None = None, free: bool | None = None, segment: str | None = None
    ) -> list[Port]:
        """Ports of elements on station, filtered by capability ("soyuz_progress"), occupancy
        and segment ("russian" or "us")."""
        out = []
        occupied = {v: k for k, v in self.attachments.items()}
        compiled = self.utc is None or catalog.vehicles_compiled(self.utc)
        for (module, port), spec in self.port_specs.items():
            if module not in self.elements or not self._port_exists(module, port):
                continue
            if segment == "russian" and module not in catalog.RUSSIAN_SEGMENT:
                continue
            if segment == "us" and module not in catalog.US_SEGMENT:
                continue
            occupant = occupied.get((module, port))
            p = Port(
                module,
                port,
                spec.docking_system,
                self.adapters.get((module, port)),
                occupant,
                self.elements[occupant].kind if occupant else None,
                occupant_known=compiled or occupant is not None,
            )
            if capability == "soyuz_progress" and not p.soyuz_progress_capable:
                continue
            if capability not in (None, "soyuz_progress"):
                raise StationError(f"unknown capability {capability!r}; expected soyuz_progress")
            if free is not None and (p.occupant is None) != free:
                continue
            out.append(p)
        return out

    def _port_exists(self, module: str, port: str) -> bool:
        """A PMA's only port is the one on its outboard end (its attach direction)."""
        if module in OUTBOARD_PORT_ONLY and module in self.attachments:
            return self.attachments[module][1] == port
        return True

    def neighbours(self, name: str) -> list[str]:
        name = canonical(name)
        out = [c for c, (p, _) in self.attachments.items() if p == name]
        if name in self.attachments:
            out.append(self.attachments[name][0])
        return out

    def path(self, a: str, b: str) -> list[str]:
        """Elements along the structural path from ``a`` to ``b`` (inclusive)."""
        a, b = canonical(a), canonical(b)
        for x in (a, b):
            if x not in self.elements:
                raise StationError(f"{x!r} is not on station at {self._when()}")
        prev: dict[str, str | None] = {a: None}
        queue = deque([a])
        while queue:
            cur = queue.popleft()
            if cur == b:
                break
            for nxt in self.neighbours(cur):
                if nxt not in prev:
                    prev[nxt] = cur
                    queue.append(nxt)
        if b not in prev:
            raise StationError(f"no structural path from {a} to {b}")
        out, cur = [], b
        while cur is not None:
            out.append(cur)
            cur = prev[cur]
        return out[::-1]

    def dependents(self, name: str) -> list[str]:
        """Everything that hangs from ``name`` (children, grandchildren, ...)."""
        out, queue = [], deque([canonical(name)])
        while queue:
            cur = queue.popleft()
            for child, (parent, _) in self.attachments.items():
                if parent == cur:
                    out.append(child)
                    queue.append(child)
        return out

    def _when(self) -> str:
        return f"{self.utc:%Y-%m-%d %H:%M} UTC" if self.utc else "this configuration"

    # ------------------------------------------------------------------ operations

    def _check_port(self, module: str, port: str) -> PortSpec:
        if module not in self.elements:
            raise StationError(f"{module} is not on station at {self._when()}")
        spec = self.port_specs.get((module, port))
        if spec is not None and not self._port_exists(module, port):
            spec = None
        if spec is None:
            known = (
                ", ".join(
                    p for (m, p) in self.port_specs if m == module and self._port_exists(m, p)
                )
                or "none"
            )
            raise StationError(f"{module} has no port {port!r}; its ports: {known}")
        occupant = self.occupant(module, port)
        if occupant is not None:
            raise StationError(f"{module} {port} is occupied by {occupant} at {self._when()}")
        return spec

    def attach(
        self,
        element: ElementSpec,
        module: str,
        port: str,
        active: str | None = None,
        utc: datetime | None = None,
    ) -> Configuration:
        """Dock or berth ``element`` at ``module``'s ``port``.

        ``active`` is the element's docking system; modules and truss joined by their own
        structural interfaces may pass None (no docking-system check).
        """
        module = canonical(module)
        if element.name in self.elements:
            raise StationError(f"{element.name} is already on station at {self._when()}")
        spec = self._check_port(module, port) if (module, port) in self.port_specs else None
        if spec is None:
            if module not in self.elements:
                raise StationError(f"{module} is not on station at {self._when()}")
            if (module, port) in self.attachments.values():
                raise StationError(f"{module} {port} is occupied at {self._when()}")
        active = active or element.docking_system or None
        if spec is not None and active is not None:
            adapter = self.adapters.get((module, port))
            if not compatible(active, spec.docking_system, adapter):
                have = spec.docking_system + (f" + {adapter}" if adapter else "")
                raise StationError(
                    f"{element.name} ({active}) cannot dock at {module} {port}: the port is {have}"
                )
        return replace(
            self,
            utc=utc or self.utc,
            elements={**self.elements, element.name: element},
            attachments={**self.attachments, element.name: (module, port)},
        )

    def detach(
        self, name: str, *, carry: bool = False, utc: datetime | None = None
    ) -> Configuration:
        """Undock ``name``. With ``carry`` its dependents leave with it; without, an element
        that others hang from cannot leave."""
        name = canonical(name)
        if name not in self.elements:
            raise StationError(f"{name} is not on station at {self._when()}")
        if name not in self.attachments:
            raise StationError(f"{name} is the root of the station and cannot be detached")
        hanging = self.dependents(name)
        if hanging and not carry:
            raise StationError(
                f"cannot detach {name}: {', '.join(hanging)} hang from it "
                "(detach them first, or move them together)"
            )
        gone = {name, *hanging}
        return replace(
            self,
            utc=utc or self.utc,
            elements={k: v for k, v in self.elements.items() if k not in gone},
            attachments={k: v for k, v in self.attachments.items() if k not in gone},
            adapters={k: v for k, v in self.adapters.items() if k[0] not in gone},
        )

    def move(self, name: str, module: str, port: str, utc: datetime | None = None) -> Configuration:
        """Relocate ``name`` (with everything that hangs from it) to ``module``'s ``port``."""
        name, module = canonical(name), canonical(module)
        if name not in self.attachments:
            raise StationError(f"{name} is not attached at {self._when()}")
        if module == name or module in self.dependents(name):
            raise StationError(f"cannot move {name} onto itself or what hangs from it ({module})")
        if module not in self.elements:
            raise StationError(f"{module} is not on station at {self._when()}")
        if self.occupant(module, port) is not None:
            raise StationError(
                f"{module} {port} is occupied by {self.occupant(module, port)} at {self._when()}"
            )
        spec = replace(self.elements[name], parent=module, parent_port=port)
        return replace(
            self,
            utc=utc or self.utc,
            elements={**self.elements, name: spec},
            attachments={**self.attachments, name: (module, port)},
        )

    def fit_adapter(
        self, module: str, port: str, adapter: str, utc: datetime | None = None
    ) -> Configuration:
        module = canonical(module)
        self._check_port(module, port)
        if (module, port) in self.adapters:
            raise StationError(f"{module} {port} already has {self.adapters[(module, port)]}")
        return replace(
            self, utc=utc or self.utc, adapters={**self.adapters, (module, port): adapter}
        )

    def remove_adapter(self, module: str, port: str, utc: datetime | None = None) -> Configuration:
        module = canonical(module)
        if (module, port) not in self.adapters:
            raise StationError(f"{module} {port} has no adapter at {self._when()}")
        occupant = self.occupant(module, port)
        if occupant is not None:
            raise StationError(
                f"cannot remove the adapter at {module} {port}: {occupant} is docked to it"
            )
        return replace(
            self,
            utc=utc or self.utc,
            adapters={k: v for k, v in self.adapters.items() if k != (module, port)},
        )

    def subassembly(self, root: str) -> Configuration:
        """The configuration made of ``root`` and what hangs from it, ``root`` as new root."""
        root = canonical(root)
        keep = {root, *self.dependents(root)}
        return replace(
            self,
            elements={k: v for k, v in self.elements.items() if k in keep},
            attachments={k: v for k, v in self.attachments.items() if k in keep and k != root},
            adapters={k: v for k, v in self.adapters.items() if k[0] in keep},
        )
