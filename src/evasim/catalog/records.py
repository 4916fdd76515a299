"""The spacewalk record: one row of the bundled ISS spacewalk list, typed.

The bundled file is ``data/catalog/iss_spacewalks_1998-2025.csv`` (see ``data/SOURCES.md``):
all 277 ISS spacewalks in NASA's running count. Times are UTC; ``time_convention`` says what a
start means (``battery``: NASA counts from suit battery power; ``hatch``: Roscosmos counts from
hatch open; ``unknown``: the source does not say). ``airlock_from`` says whether a source named
the airlock or it was inferred from the date and crew. ``crew`` holds the English names
(``data/catalog/crew_names.csv`` maps the German transliterations of rows 1-199),
``crew_as_source`` the names as the source spelled them.
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from importlib import resources

from ..errors import EvasimInputError
from .crew_names import with_english_crew

BUNDLED_SPACEWALKS = "iss_spacewalks_1998-2025.csv"

SEGMENTS = ("US", "RS", "Shuttle")
"""``Shuttle``: from a docked Shuttle's airlock or a Shuttle mission's crew (STS-...);
``RS``: Orlan suits (Russian segment airlocks); ``US``: EMU suits from the station (Quest)."""


def parse_utc_minute(text: str, *, source: str, line: int, field: str) -> datetime | None:
    """``2021-09-03T14:41Z`` (or with seconds) as an aware UTC datetime; blank gives None."""
    text = text.strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise EvasimInputError(
            f"{field}: expected a UTC time like 2021-09-03T14:41Z, got {text!r}",
            source=source,
            line=line,
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


@dataclass(frozen=True)
class SpacewalkRecord:
    """One ISS spacewalk. ``number`` is NASA's running count of ISS-supporting spacewalks."""

    number: int
    date: date
    start_utc: datetime | None
    end_utc: datetime | None
    duration_min: int | None
    crew: tuple[str, ...]
    mission: str
    airlock: str
    airlock_from: str  # "source" or "inferred from date and crew"
    suit: str  # "EMU" or "Orlan"
    purpose: str
    purpose_de: str
    time_convention: str  # "battery" | "hatch" | "unknown"
    confidence: str  # H | M | L | "" (not rated)
    sources: str
    notes: str
    scenario: str = ""  # the built-in detailed scenario of this spacewalk (vkd-49), if any
    origin: str = "bundled"  # "bundled" or the name of the file it was imported from
    crew_as_source: tuple[str, ...] = ()  # the crew as the source spelled them (crew_names.csv)

    @property
    def crew_text(self) -> str:
        """The crew, comma-separated, each with the source's spelling where it differs:
        ``Valery Korzun (source: Waleri Korsun), Peggy Whitson``."""
        spelled = self.crew_as_source or self.crew
        return ", ".join(
            name if name == as_source else f"{name} (source: {as_source})"
            for name, as_source in zip(self.crew, spelled, strict=False)
        )

    @property
    def segment(self) -> str:
        if self.mission.startswith("STS-"):
            return "Shuttle"
        return "RS" if self.suit == "Orlan" else "US"

    @property
    def name(self) -> str:
        return f"eva-{self.number}"

    def _repr_html_(self) -> str:
        """Jupyter: the row's figures, their confidence and sources."""
        from ..htmltable import html_table

        times = " / ".join(
            f"{t:%H:%M}" if t else "not known" for t in (self.start_utc, self.end_utc)
        )
        rows = [
            ("date", self.date.isoformat()),
            ("start / end (UTC)", times),
            ("duration", f"{self.duration_min} min" if self.duration_min else "not known"),
            ("crew", self.crew_text),
            ("mission", self.mission),
            ("airlock", f"{self.airlock} ({self.airlock_from})"),
            ("suit / segment", f"{self.suit} / {self.segment}"),
            ("purpose", self.purpose),
            ("times are", self.time_convention),
            ("confidence", self.confidence or "not rated"),
            ("sources", self.sources),
        ]
        return html_table(rows, f"ISS spacewalk {self.number} ({self.name})")

    def to_json(self) -> dict:
        out = asdict(self)
        out["date"] = self.date.isoformat()
        for key in ("start_utc", "end_utc"):
            value = out[key]
            out[key] = value.strftime("%Y-%m-%dT%H:%MZ") if value else None
        out["crew"] = list(self.crew)
        out["crew_as_source"] = list(self.crew_as_source or self.crew)
        out["segment"] = self.segment
        return out


def record_from_row(row: dict[str, str], *, source: str, line: int) -> SpacewalkRecord:
    """Validate one CSV row (header names as in the bundled file); errors name row and field."""

    def need(field: str) -> str:
        value = (row.get(field) or "").strip()
        if not value:
            raise EvasimInputError(
                f"{field}: expected a value, got nothing", source=source, line=line
            )
        return value

    try:
        number = int(need("iss_eva_seq"))
    except ValueError:
        raise EvasimInputError(
            f"iss_eva_seq: expected a whole number, got {row.get('iss_eva_seq')!r}",
            source=source,
            line=line,
        ) from None
    try:
        day = date.fromisoformat(need("date"))
    except ValueError:
        raise EvasimInputError(
            f"date: expected YYYY-MM-DD, got {row.get('date')!r}", source=source, line=line
        ) from None
    start = parse_utc_minute(
        row.get("start_utc") or "", source=source, line=line, field="start_utc"
    )
    end = parse_utc_minute(row.get("end_utc") or "", source=source, line=line, field="end_utc")
    if start and end and end <= start:
        raise EvasimInputError(
            f"end_utc: expected a time after start_utc {start:%Y-%m-%dT%H:%MZ}",
            source=source,
            line=line,
        )
    duration_text = (row.get("duration_min") or "").strip()
    try:
        duration = int(duration_text) if duration_text else None
    except ValueError:
        raise EvasimInputError(
            f"duration_min: expected whole minutes, got {duration_text!r}", source=source, line=line
        ) from None
    if duration is not None and not 0 < duration < 24 * 60:
        raise EvasimInputError(
            f"duration_min: expected 1..1439 minutes, got {duration}", source=source, line=line
        )
    suit = need("suit")
    if suit not in ("EMU", "Orlan"):
        raise EvasimInputError(
            f"suit: expected EMU or Orlan, got {suit!r}", source=source, line=line
        )
    convention = (row.get("time_convention") or "unknown").strip() or "unknown"
    if convention not in ("battery", "hatch", "unknown"):
        raise EvasimInputError(
            f"time_convention: expected battery, hatch or unknown, got {convention!r}",
            source=source,
            line=line,
        )
    confidence = (row.get("confidence") or "").strip()
    if confidence not in ("H", "M", "L", ""):
        raise EvasimInputError(
            f"confidence: expected H, M, L or blank, got {confidence!r}", source=source, line=line
        )
    crew = tuple(c.strip() for c in need("crew").split(";") if c.strip())
    record = SpacewalkRecord(
        number=number,
        date=day,
        start_utc=start,
        end_utc=end,
        duration_min=duration,
        crew=crew,
        mission=(row.get("mission") or "").strip(),
        airlock=need("airlock"),
        airlock_from=(row.get("airlock_from") or "").strip(),
        suit=suit,
        purpose=(row.get("purpose_en") or "").strip(),
        purpose_de=(row.get("purpose_de") or "").strip(),
        time_convention=convention,
        confidence=confidence,
        sources=(row.get("source") or "").strip(),
        notes=(row.get("notes") or "").strip(),
    )
    return with_english_crew(record)


def read_csv_records(text: str, source: str) -> list[SpacewalkRecord]:
    """All records of a CSV text in the bundled file's layout ('#' comment lines allowed)."""
    lines = text.splitlines()
    numbered = [(i + 1, ln) for i, ln in enumerate(lines) if ln.strip() and not ln.startswith("#")]
    if not numbered:
        raise EvasimInputError("expected a header line and rows, got nothing", source=source)
    reader = csv.DictReader(ln for _, ln in numbered)
    out: list[SpacewalkRecord] = []
    # DictReader may join physical lines for quoted newlines; the bundled file has none.
    for k, row in enumerate(reader, start=1):
        line = numbered[k][0] if k < len(numbered) else numbered[-1][0]
        out.append(record_from_row(row, source=source, line=line))
    return out


def bundled_records() -> list[SpacewalkRecord]:
    """The 277 bundled spacewalks, in running-number order."""
    path = resources.files("evasim") / "data" / "catalog" / BUNDLED_SPACEWALKS
    return read_csv_records(path.read_text(encoding="utf-8"), BUNDLED_SPACEWALKS)
