"""One name per spacewalker: the source's spelling -> the English spelling NASA uses.

Rows 1-199 of the bundled spacewalk list spell the crew as German Wikipedia does ("Waleri
Korsun"), rows 200-277 as English Wikipedia does. ``data/catalog/crew_names.csv`` maps each
German (or otherwise second) spelling to NASA's English one, with the source of the English
spelling and a confidence mark per row; ``tools/crew_names.py`` generates it from the catalogue's
own rows 200-277 and NASA's EVA data set. A record keeps the names as its source spelled them in
``crew_as_source``; ``crew`` holds the English names.
"""

from __future__ import annotations

import csv
from dataclasses import replace
from functools import cache
from importlib import resources

from ..errors import EvasimInputError

CREW_NAMES = "crew_names.csv"
COLUMNS = ("name_in_source", "name", "source", "conf")
CONFIDENCES = ("H", "M", "L", "est")


def read_crew_names(text: str, source: str = CREW_NAMES) -> dict[str, str]:
    """``{name_in_source: name}`` from the mapping's text ('#' comment lines allowed); every
    row names a source and a mark, a spelling is mapped once, and no English name is itself
    mapped (one step always reaches the English name)."""
    numbered = [(i + 1, ln) for i, ln in enumerate(text.splitlines()) if ln.strip()]
    numbered = [(i, ln) for i, ln in numbered if not ln.startswith("#")]
    if not numbered:
        raise EvasimInputError("expected a header line and rows, got nothing", source=source)
    header = next(csv.reader([numbered[0][1]]))
    if tuple(header) != COLUMNS:
        raise EvasimInputError(
            f"header: expected {','.join(COLUMNS)}, got {','.join(header)}",
            source=source,
            line=numbered[0][0],
        )
    out: dict[str, str] = {}
    for line, text_line in numbered[1:]:
        cells = next(csv.reader([text_line]))
        if len(cells) != len(COLUMNS):
            raise EvasimInputError(
                f"expected {len(COLUMNS)} fields ({','.join(COLUMNS)}), got {len(cells)}",
                source=source,
                line=line,
            )
        row = dict(zip(COLUMNS, (c.strip() for c in cells), strict=True))
        for field in ("name_in_source", "name", "source"):
            if not row[field]:
                raise EvasimInputError(
                    f"{field}: expected a value, got nothing", source=source, line=line
                )
        if row["conf"] not in CONFIDENCES:
            raise EvasimInputError(
                f"conf: expected {', '.join(CONFIDENCES)}, got {row['conf']!r}",
                source=source,
                line=line,
            )
        if row["name_in_source"] in out:
            raise EvasimInputError(
                f"name_in_source: {row['name_in_source']!r} is mapped twice",
                source=source,
                line=line,
            )
        out[row["name_in_source"]] = row["name"]
    chained = sorted(set(out.values()) & set(out))
    if chained:
        raise EvasimInputError(
            f"name: {', '.join(chained)} is both an English name and mapped itself; expected "
            "every spelling to map straight to the English name",
            source=source,
        )
    return out


@cache
def bundled_crew_names() -> dict[str, str]:
    """The bundled mapping (read once per process; the file is part of the package)."""
    path = resources.files("evasim") / "data" / "catalog" / CREW_NAMES
    return read_crew_names(path.read_text(encoding="utf-8"))


def english_names(names: tuple[str, ...]) -> tuple[str, ...]:
    """The English spelling of each name (unmapped names as they are)."""
    mapping = bundled_crew_names()
    return tuple(mapping.get(n, n) for n in names)


def with_english_crew(record):
    """``record`` (a :class:`~evasim.catalog.records.SpacewalkRecord`) with ``crew`` in
    English and the source's spelling in ``crew_as_source``."""
    as_source = record.crew_as_source or record.crew
    return replace(record, crew=english_names(as_source), crew_as_source=as_source)
