"""The relays and ground sites of the ISS communication networks, read from
``evasim/data/comm/networks.csv`` (copied from ``data/facts/comm_networks.md``; see
``data/SOURCES.md``).

Each row is a :class:`Link`: a geostationary relay slot (TDRS, Luch-5) or a Russian ground
station (approximate town coordinates). Rows are checked as they are read; a bad row is an
:class:`EvasimInputError` naming the file, the line and the field.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

from ..errors import EvasimInputError
from ..textfile import read_text

NETWORKS = ("tdrs", "luch", "ground")
"""The networks ``evasim windows`` knows, in display order."""

NETWORK_TITLES = {
    "tdrs": "NASA Space Network (TDRS)",
    "luch": "Luch-5 relays",
    "ground": "Russian ground stations (direct)",
}

_KINDS = ("geo", "ground")
_ROLES = ("", "primary", "zoe")
_CONFS = ("H", "M", "L", "est")
_COLUMNS = (
    "name",
    "network",
    "kind",
    "role",
    "longitude_deg",
    "latitude_deg",
    "conf",
    "source",
    "note",
    "launched_utc",
)
BUNDLED_NETWORKS = "networks.csv"


@dataclass(frozen=True)
class Link:
    """One relay slot (``kind`` "geo": a point at geostationary radius over the equator at
    ``longitude_deg``) or one ground site (``kind`` "ground": WGS84 geodetic
    ``latitude_deg``/``longitude_deg``, height 0). ``role`` marks the TDRS slots: "primary"
    (East, West) or "zoe" (the zone-of-exclusion slot). ``conf`` is the source's mark."""

    name: str
    network: str
    kind: str
    role: str
    longitude_deg: float
    latitude_deg: float | None
    conf: str
    source: str
    note: str
    launched_utc: date | None = None
    """Launch date where the facts file gives one (None: not given)."""

    @property
    def approximation(self) -> str:
        """What makes this link's geometry approximate, in a few words (never empty: every
        link is idealised somewhere)."""
        if self.kind == "ground":
            return f"town coordinates, not the antenna (conf {self.conf}); height 0 assumed"
        text = "nominal slot longitude; drift and inclination ignored"
        if self.conf != "H":
            text += f"; which satellite holds the slot: conf {self.conf}"
        return text


def _float(value: str, field: str, source: str, line: int, low: float, high: float) -> float:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and low <= number <= high):
        raise EvasimInputError(
            f"{field}: expected a number {low:g}..{high:g}, got {value!r}", source=source, line=line
        )
    return number


def parse_links(text: str, source: str) -> tuple[Link, ...]:
    """The links in CSV ``text`` (``#`` lines are comments); ``source`` names it in errors."""
    rows = [(n, t) for n, t in enumerate(text.splitlines(), 1) if not t.lstrip().startswith("#")]
    rows = [(n, t) for n, t in rows if t.strip()]
    if not rows:
        raise EvasimInputError("expected a header line and rows, found none", source=source)
    header_line, header = rows[0]
    fields = next(csv.reader([header]))
    if tuple(f.strip() for f in fields) != _COLUMNS:
        raise EvasimInputError(
            f"header: expected {','.join(_COLUMNS)}", source=source, line=header_line
        )
    links = []
    names = set()
    for line, text_row in rows[1:]:
        values = next(csv.reader(io.StringIO(text_row)))
        if len(values) != len(_COLUMNS):
            raise EvasimInputError(
                f"expected {len(_COLUMNS)} fields, got {len(values)}", source=source, line=line
            )
        row = dict(zip(_COLUMNS, (v.strip() for v in values), strict=True))
        for key, allowed in (
            ("network", NETWORKS),
            ("kind", _KINDS),
            ("role", _ROLES),
            ("conf", _CONFS),
        ):
            if row[key] not in allowed:
                raise EvasimInputError(
                    f"{key}: expected one of {', '.join(a or '(empty)' for a in allowed)}, "
                    f"got {row[key]!r}",
                    source=source,
                    line=line,
                )
        if not row["name"] or row["name"] in names:
            raise EvasimInputError(
                f"name: expected a unique non-empty name, got {row['name']!r}",
                source=source,
                line=line,
            )
        names.add(row["name"])
        lon = _float(row["longitude_deg"], "longitude_deg", source, line, -180.0, 180.0)
        lat = None
        if row["kind"] == "ground":
            lat = _float(row["latitude_deg"], "latitude_deg", source, line, -90.0, 90.0)
        elif row["latitude_deg"]:
            raise EvasimInputError(
                "latitude_deg: expected empty for a geostationary slot", source=source, line=line
            )
        launched = None
        if row["launched_utc"]:
            try:
                launched = date.fromisoformat(row["launched_utc"])
            except ValueError:
                raise EvasimInputError(
                    f"launched_utc: expected a date like 2014-04-28, got {row['launched_utc']!r}",
                    source=source,
                    line=line,
                ) from None
        if row["role"] and row["network"] != "tdrs":
            raise EvasimInputError("role: only TDRS slots have one", source=source, line=line)
        links.append(
            Link(
                row["name"],
                row["network"],
                row["kind"],
                row["role"],
                lon,
                lat,
                row["conf"],
                row["source"],
                row["note"],
                launched,
            )
        )
    return tuple(links)


def load_links(path: str | Path | None = None) -> tuple[Link, ...]:
    """The bundled links (``data/comm/networks.csv``) or those of the CSV file at ``path``."""
    if path is None:
        ref = resources.files("evasim") / "data" / "comm" / BUNDLED_NETWORKS
        return parse_links(ref.read_text(encoding="utf-8"), f"data/comm/{BUNDLED_NETWORKS}")
    return parse_links(read_text(path, "networks file"), str(path))
