"""Regenerate src/evasim/data/catalog/crew_names.csv: one English name per spacewalker.

Rows 1-199 of the bundled spacewalk catalogue name the crew as German Wikipedia does
("Fjodor Jurtschichin"), rows 200-277 as English Wikipedia does ("Fyodor Yurchikhin"). This
script maps every spelling of rows 1-199 that is not NASA's English one, from sources only:

(a) the same person in rows 200-277 of the catalogue (same transliteration-insensitive surname,
    compatible given name; or the same NASA spelling): source "catalogue rows 200-277";
(b) NASA's "Extra-vehicular Activity (EVA) - US and Russia" data set (bundled copy
    ``data/catalog/nasa_eva_us_russia_to2013.csv``, read here only, never at build time): each
    catalogue row is matched to the NASA row of the same date (+-1 day: UTC vs local) and
    duration (+-20 min), and its names are paired with NASA's by surname similarity. A person's
    English name is the spelling NASA uses most often over the matched rows (ties: the spelling
    whose given name NASA uses most often over the whole file). Source "NASA EVA data set row N"
    (N = the file's ``EVA #`` column, the first matched row).

A row is written when the spelling is a transliteration of the English one (equal once
transliteration is ignored: "Gennadi Padalka" -> "Gennady Padalka"), or when the person appears
under more than one spelling in the catalogue ("Edward Fincke", "Michael Fincke" -> NASA's
"Mike Fincke"). English names NASA shortens but the catalogue spells once ("James Voss", NASA
"Jim Voss") are left alone. Names no source covers are listed in the header as unmapped.

    PYTHONPATH=src python tools/crew_names.py          # rewrites the CSV, prints a summary
"""

from __future__ import annotations

import csv
import difflib
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

from evasim.catalog.records import bundled_records

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "src" / "evasim" / "data" / "catalog"
NASA = CATALOG / "nasa_eva_us_russia_to2013.csv"
OUT = CATALOG / "crew_names.csv"
LATE_FIRST = 200
DAY_SLACK = timedelta(days=1)
DURATION_SLACK_MIN = 20

_MONTHS = {
    m.lower(): i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}


def translit_key(text: str) -> str:
    """A coarse, transliteration-insensitive form of a name part (German or English)."""
    s = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    s = re.sub(r"[^a-z]", "", s)
    for a, b in (
        ("tsch", "c"),
        ("shch", "s"),
        ("sch", "s"),
        ("zh", "s"),
        ("sh", "s"),
        ("kh", "c"),
        ("ch", "c"),
        ("ts", "s"),
        ("z", "s"),
        ("w", "v"),
        ("ks", "x"),
        ("ss", "s"),
        ("iy", "i"),
        ("ij", "i"),
        ("j", ""),
        ("y", ""),
        ("ie", "e"),
    ):
        s = s.replace(a, b)
    return s


def name_key(name: str) -> str:
    return " ".join(translit_key(p) for p in name.split())


def surname_key(name: str) -> str:
    """Key of the surname (the last word; a double name's hyphen ignored)."""
    return translit_key(name.replace("-", " ").split()[-1])


def same_words(a: str, b: str) -> bool:
    """The same words in another order ("Noguchi Sōichi", "Soichi Noguchi")."""
    return sorted(map(translit_key, a.split())) == sorted(map(translit_key, b.split()))


def nasa_date(text: str) -> date | None:
    """The first day of NASA's free-text date ('06/08/2001', 'March 13-14, 2008', 'Dec 22-23,
    2008', 'Jan. 15, 1996'); None for what cannot be read ('Sept. 1973')."""
    text = text.strip()
    try:
        return datetime.strptime(text, "%m/%d/%Y").date()
    except ValueError:
        pass
    m = re.match(r"([A-Za-z]+)\.?\s+(\d{1,2})(?:-\d{1,2})?,\s*(\d{4})$", text)
    if m and m.group(1)[:3].lower() in _MONTHS:
        return date(int(m.group(3)), _MONTHS[m.group(1)[:3].lower()], int(m.group(2)))
    return None


def nasa_minutes(text: str) -> int | None:
    m = re.match(r"\s*(\d+):(\d\d)\s*$", text)
    return int(m.group(1)) * 60 + int(m.group(2)) if m else None


def nasa_rows() -> list[dict]:
    out = []
    with NASA.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            row = {k.strip(): (v or "") for k, v in row.items() if k}
            day = nasa_date(row["Date"])
            if day is None or not row["EVA #"].strip().isdigit():  # unnumbered: never flown
                continue
            names = [n.strip() for n in re.split(r"\s{2,}", row["Crew"].strip()) if n.strip()]
            out.append(
                {
                    "n": int(row["EVA #"]),
                    "date": day,
                    "min": nasa_minutes(row["Duration"]),
                    "crew": names,
                }
            )
    return out


def surname_similarity(a: str, b: str) -> float:
    if same_words(a, b):
        return 1.0
    return difflib.SequenceMatcher(None, surname_key(a), surname_key(b)).ratio()


def match_nasa(record, nasa: list[dict]) -> dict | None:
    """The NASA row of this spacewalk (date +-1 day, duration within the slack, names pair)."""
    best = None
    for row in nasa:
        if abs(row["date"] - record.date) > DAY_SLACK or len(row["crew"]) != len(record.crew):
            continue
        if (
            record.duration_min is not None
            and row["min"] is not None
            and abs(row["min"] - record.duration_min) > DURATION_SLACK_MIN
        ):
            continue
        score = sum(max(surname_similarity(c, n) for n in row["crew"]) for c in record.crew)
        if best is None or score > best[0]:
            best = (score, row)
    if best is None or best[0] < 0.6 * len(record.crew):
        return None
    return best[1]


def pair_names(crew: tuple[str, ...], names: list[str]) -> dict[str, str]:
    """Each catalogue name with the NASA name of the most similar surname (one to one)."""
    scored = sorted(((surname_similarity(c, n), c, n) for c in crew for n in names), reverse=True)
    out: dict[str, str] = {}
    used: set[str] = set()
    for score, c, n in scored:
        if c not in out and n not in used and score >= 0.6:
            out[c] = n
            used.add(n)
    return out


def plain(text: str) -> str:
    """Lower case without accents ("López" -> "lopez")."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def given_key(name: str) -> str:
    """The given name's transliteration key, a final i/y dropped (Gennadi, Gennady)."""
    return translit_key(name.split()[0]).rstrip("i")


def is_transliteration(name: str, english: str) -> bool:
    """``english`` spells ``name`` in another transliteration: the surname is spelled
    differently (accents aside), or the given name is the same one transliterated."""
    if plain(name.split()[-1]) != plain(english.split()[-1]):
        return True
    return plain(name) != plain(english) and given_key(name) == given_key(english)


def given_compatible(a: str, b: str) -> bool:
    ga, gb = translit_key(a.split()[0]), translit_key(b.split()[0])
    return ga == gb or ga in gb or gb in ga


def build() -> tuple[list[dict], list[str], dict]:
    # the names as the source spelled them (a record's crew is already mapped)
    records = [replace(r, crew=r.crew_as_source) for r in bundled_records()]
    nasa = nasa_rows()
    given_freq = Counter(n.split()[0] for row in nasa for n in row["crew"] if n.split())
    late_names = sorted({c for r in records if r.number >= LATE_FIRST for c in r.crew})
    early = [r for r in records if r.number < LATE_FIRST]
    seen: dict[str, list[tuple[int, str]]] = defaultdict(list)  # name -> [(NASA row, spelling)]
    matched_rows = 0
    for r in early:
        row = match_nasa(r, nasa)
        if row is None:
            continue
        matched_rows += 1
        for c, n in pair_names(r.crew, row["crew"]).items():
            seen[c].append((row["n"], n))
    early_names = sorted({c for r in early for c in r.crew})

    def nasa_choice(name: str) -> tuple[str, int, int, bool] | None:
        """(spelling, first row, rows, tally) NASA uses for ``name``; tally: 'all' rows
        agree, 'majority' or 'tie' (broken by the given name's frequency)."""
        spellings = seen.get(name)
        if not spellings:
            return None
        counts = Counter(n for _, n in spellings)
        top = max(counts.values())
        tied = [n for n, k in counts.items() if k == top]
        pick = max(tied, key=lambda n: (given_freq[n.split()[0]], n))
        first = min(row for row, n in spellings if n == pick)
        tally = "all" if len(counts) == 1 else ("tie" if len(tied) > 1 else "majority")
        return pick, first, len(spellings), tally

    choice = {n: nasa_choice(n) for n in early_names}
    by_nasa: dict[str, set[str]] = defaultdict(set)
    for n, ch in choice.items():
        if ch:
            by_nasa[ch[0]].add(n)

    rows, unmapped = [], []
    for name in early_names:
        if name in late_names:
            continue
        ch = choice[name]
        late = [
            ln
            for ln in late_names
            if (surname_key(ln) == surname_key(name) and given_compatible(ln, name))
            or same_words(ln, name)
            or (ch and name_key(ch[0]) == name_key(ln))
        ]
        if len(late) == 1:
            agreed = bool(ch) and ch[0] == late[0] and ch[3] != "tie"
            rows.append(
                {
                    "name_in_source": name,
                    "name": late[0],
                    "source": "catalogue rows 200-277",
                    "conf": "H" if agreed else "M",
                }
            )
            continue
        if ch is None:
            unmapped.append(name)
            continue
        english, first, count, tally = ch
        if english == name:
            continue
        transliteration = is_transliteration(name, english)
        split = len(by_nasa[english]) > 1
        if not (transliteration or split):
            continue
        conf = {"all": "H" if count >= 2 else "M", "majority": "M", "tie": "L"}[tally]
        rows.append(
            {
                "name_in_source": name,
                "name": english,
                "source": f"NASA EVA data set row {first}",
                "conf": conf,
            }
        )
    # A name no source covers that is another transliteration of a mapped person (the same
    # words once transliteration is ignored) goes where that person's other spelling went.
    for name in list(unmapped):
        same = [
            r
            for r in rows
            if name_key(r["name"]) == name_key(name)
            or name_key(r["name_in_source"]) == name_key(name)
        ]
        if len({r["name"] for r in same}) == 1:
            rows.append({**same[0], "name_in_source": name, "conf": "M"})
            unmapped.remove(name)
    # Every spelling of a person must go to one name: names mapped into a name that is itself
    # mapped follow it.
    target = {r["name_in_source"]: r["name"] for r in rows}
    for r in rows:
        while r["name"] in target and target[r["name"]] != r["name"]:
            r["name"] = target[r["name"]]
    stats = {"early_rows": len(early), "nasa_matched": matched_rows}
    return rows, unmapped, stats


HEADER = """\
# One English name per spacewalker: the spelling of rows 1-199 of iss_spacewalks_1998-2025.csv
# (German Wikipedia via cosmowiki, German transliteration) -> the English spelling NASA uses.
# Generated by tools/crew_names.py (rerun it to regenerate this file; do not edit by hand).
# Sources, in order: "catalogue rows 200-277" = the same person as spelled in rows 200-277
# (English Wikipedia via moonshot); "NASA EVA data set row N" = nasa_eva_us_russia_to2013.csv
# (NASA, US government work; N = its 'EVA #' column), matched to the catalogue row by date
# (+-1 day) and duration (+-20 min), names paired by surname. The NASA file is read only by
# the generator and the tests, not when the catalogue is built.
# conf: H = NASA and the catalogue's rows 200-277 agree, or 2+ NASA rows agree; M = one source,
# or NASA's rows disagree and most give this spelling; L = NASA's rows tie (the spelling whose
# given name NASA uses most often over the whole file taken).
# Names identical in both spellings, and English names the catalogue spells one way only
# (e.g. James Voss, NASA 'Jim Voss'), have no row.
# Unmapped: names of rows 1-199 that no source covers (no NASA row matched and not in rows
# 200-277), kept as in the catalogue: {unmapped}
"""


def main() -> int:
    rows, unmapped, stats = build()
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        fh.write(HEADER.format(unmapped=", ".join(unmapped) or "none"))
        w = csv.DictWriter(fh, ["name_in_source", "name", "source", "conf"], lineterminator="\n")
        w.writeheader()
        w.writerows(sorted(rows, key=lambda r: r["name_in_source"]))
    print(
        f"{len(rows)} mappings, {len(unmapped)} unmapped {unmapped}; "
        f"{stats['nasa_matched']} of {stats['early_rows']} rows 1-199 matched to NASA rows"
    )
    for r in rows:
        print(f"  {r['name_in_source']:32} -> {r['name']:28} {r['conf']} {r['source']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
