"""One name per spacewalker: the catalogue's crew are NASA's English spellings, the source's
(German) spelling kept beside them; checked with a transliteration-insensitive surname key
written here independently of tools/crew_names.py, against the raw bundled CSV and NASA's EVA
data set."""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import unicodedata
from collections import defaultdict
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest

from evasim.catalog import Catalog, store
from evasim.catalog.crew_names import CREW_NAMES, bundled_crew_names, read_crew_names
from evasim.catalog.records import BUNDLED_SPACEWALKS
from evasim.cli import main
from evasim.errors import EvasimInputError

DATA = resources.files("evasim") / "data" / "catalog"

DISTINCT_PEOPLE = [{"Jeffrey Williams", "Dafydd Williams", "Sunita Williams"}]
"""Names with one surname key that belong to different people (NASA's EVA data set names them
on different rows: 'Jeff Williams' 2000-2006, 'Dave Williams' 2007, 'Sunita Williams'
2006-2012)."""


def surname_key(name: str) -> str:
    """The surname, transliteration-insensitive: German and English spellings of a Russian name
    (ju/yu, w/v, sch/sh/zh, tsch/ch/kh, j/y, ij/iy, -ski/-skiy, jow/ev, z/s/ts, doubled
    letters) give the same key; a double-barrelled name keys on its last part."""
    s = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    s = re.split(r"[\s-]+", s.strip())[-1]
    for pattern, repl in (
        (r"schtsch|shch|tsch|tch|sch|zh|sh|kh|ch", "X"),
        (r"iy$|ij$", "i"),
        (r"[jy]", "i"),
        (r"i(?=[aeou])", ""),
        (r"(?<=X)o", "e"),
        (r"w", "v"),
        (r"ts|z", "s"),
        (r"(.)\1", r"\1"),
    ):
        s = re.sub(pattern, repl, s)
    return s


def word_key(name: str) -> tuple[str, ...]:
    """The name's words in any order (a name written surname first)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return tuple(sorted(plain.replace("-", " ").split()))


def same_person_groups(names) -> list[set[str]]:
    """Groups of two or more names that look like one person under two spellings."""
    by_key: dict[str, set[str]] = defaultdict(set)
    by_words: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for n in names:
        by_key[surname_key(n)].add(n)
        by_words[word_key(n)].add(n)
    groups = [g for g in by_key.values() if len(g) > 1 and g not in DISTINCT_PEOPLE]
    return groups + [g for g in by_words.values() if len(g) > 1]


def raw_rows() -> list[dict[str, str]]:
    """The bundled spacewalk CSV as written (the source's spellings)."""
    text = (DATA / BUNDLED_SPACEWALKS).read_text(encoding="utf-8")
    return list(csv.DictReader(ln for ln in text.splitlines() if ln and not ln.startswith("#")))


def mapping_rows() -> list[dict[str, str]]:
    text = (DATA / CREW_NAMES).read_text(encoding="utf-8")
    return list(csv.DictReader(ln for ln in text.splitlines() if ln and not ln.startswith("#")))


def nasa_rows() -> dict[int, dict[str, str]]:
    with (DATA / "nasa_eva_us_russia_to2013.csv").open(encoding="utf-8") as fh:
        rows = [{k.strip(): v for k, v in r.items()} for r in csv.DictReader(fh)]
    return {int(r["EVA #"]): r for r in rows if r["EVA #"].strip().isdigit()}


def nasa_day(text: str) -> date:
    """NASA's date: '06/24/2004', or free text 'Dec 22-23, 2008' / 'June 1-2, 2006' (the
    first day)."""
    text = text.strip()
    if "/" in text:
        return datetime.strptime(text, "%m/%d/%Y").date()
    month, days, year = re.fullmatch(r"(\w{3})\w*\.? (\d+)(?:-\d+)?, (\d{4})", text).groups()
    return datetime.strptime(f"{month} {days} {year}", "%b %d %Y").date()


@pytest.fixture(scope="module")
def catalog(tmp_path_factory) -> Catalog:
    return Catalog.open(tmp_path_factory.mktemp("crew") / "catalog.duckdb")


def crew_table(catalog) -> dict[str, tuple[int, list[str]]]:
    rows = catalog.con.execute("SELECT name, spacewalks, names_in_source FROM crew").fetchall()
    return {name: (count, spellings) for name, count, spellings in rows}


# ------------------------------------------------------------------ the key itself


def test_the_key_joins_known_spellings_and_keeps_people_apart():
    assert surname_key("Fjodor Jurtschichin") == surname_key("Fyodor Yurchikhin")
    assert surname_key("Sergei Rjasanski") == surname_key("Sergey Ryazanskiy")
    assert surname_key("Alexander Skworzow") == surname_key("Aleksandr Skvortsov")
    assert surname_key("Sergei Treschtschow") == surname_key("Sergei Treschev")
    assert surname_key("Tracy Caldwell-Dyson") == surname_key("Tracy Caldwell Dyson")
    assert surname_key("Oleg Kotov") != surname_key("Oleg Kononenko")
    assert surname_key("Robert Behnken") != surname_key("Robert Curbeam")


def test_the_source_spellings_do_split_people():
    """Without the mapping the key finds the split people (so the check below can fail)."""
    spelled = {c for r in raw_rows() for c in r["crew"].split(";")}
    split = {frozenset(g) for g in same_person_groups(spelled)}
    for pair in (
        {"Fjodor Jurtschichin", "Fyodor Yurchikhin"},
        {"Sergei Rjasanski", "Sergey Ryazanskiy"},
        {"Alexander Missurkin", "Alexander Misurkin"},
        {"Noguchi Sōichi", "Soichi Noguchi"},
    ):
        assert frozenset(pair) in split
    assert len(split) >= 8


# ------------------------------------------------------------------ the catalogue


def test_no_person_under_two_spellings(catalog):
    names = crew_table(catalog)
    assert same_person_groups(names) == []
    for name, (_, spellings) in names.items():
        assert name not in spellings
        assert not set(spellings) & set(names), name  # a source spelling is nobody's name


def test_yurchikhin_counted_once_in_either_spelling(catalog):
    spellings = {"Fjodor Jurtschichin", "Fyodor Yurchikhin"}
    in_source = sum(bool(spellings & set(r["crew"].split(";"))) for r in raw_rows())
    count, as_source = crew_table(catalog)["Fyodor Yurchikhin"]
    assert count == in_source == 9
    assert as_source == ["Fjodor Jurtschichin"]
    assert "Fjodor Jurtschichin" not in crew_table(catalog)


def test_records_carry_english_crew_and_the_source_spelling(catalog):
    walks = catalog.spacewalks()
    by_number = {r["iss_eva_seq"]: r["crew"].split(";") for r in raw_rows()}
    mapping = bundled_crew_names()
    for w in walks:
        assert list(w.crew_as_source) == by_number[str(w.number)]
        assert w.crew == tuple(mapping.get(c, c) for c in w.crew_as_source)
    korzun = catalog.spacewalk(43)
    assert korzun.crew == ("Valery Korzun", "Sergei Treschev")
    assert korzun.crew_text.startswith("Valery Korzun (source: Waleri Korsun), ")


@pytest.mark.parametrize("query", ["Korzun", "Korsun", "korsun", "VALERY KORZUN"])
def test_crew_filter_matches_either_spelling(catalog, query):
    walks = catalog.spacewalks(crew=query)
    assert [(w.number, w.date) for w in walks] == [
        (42, date(2002, 8, 16)),
        (43, date(2002, 8, 26)),
    ]


def test_cli_finds_korzun_and_shows_both_spellings(catalog, monkeypatch, capsys):
    monkeypatch.setenv("EVASIM_HOME", str(catalog.path.parent))
    for query in ("Korzun", "Korsun"):
        with pytest.raises(SystemExit) as info:
            main(["spacewalks", "--crew", query, "--format", "json"])
        assert info.value.code == 0
        rows = json.loads(capsys.readouterr().out)
        assert [(r["date"], r["crew"][0]) for r in rows] == [
            ("2002-08-16", "Valery Korzun"),
            ("2002-08-26", "Valery Korzun"),
        ]
    with pytest.raises(SystemExit):
        main(["spacewalks", "show", "42"])
    out = " ".join(capsys.readouterr().out.split())
    assert "Valery Korzun (source: Waleri Korsun), Peggy Whitson" in out


def test_the_mapping_is_in_the_rebuild_hash():
    assert f"catalog/{CREW_NAMES}" in store.bundled_files()


# ------------------------------------------------------------------ the mapping's sources


def test_every_mapping_row_names_a_source():
    rows = mapping_rows()
    assert len(rows) >= 30
    early = {c for r in raw_rows() if int(r["iss_eva_seq"]) < 200 for c in r["crew"].split(";")}
    late = {c for r in raw_rows() if int(r["iss_eva_seq"]) >= 200 for c in r["crew"].split(";")}
    for r in rows:
        assert re.fullmatch(r"catalogue rows 200-277|NASA EVA data set row \d+", r["source"]), r
        assert r["conf"] in ("H", "M", "L"), r
        assert r["name_in_source"] in early and r["name_in_source"] not in late, r
        assert r["name"] != r["name_in_source"], r
        if r["source"] == "catalogue rows 200-277":
            assert r["name"] in late, r


def test_nasa_matched_rows_agree_in_date_and_spelling():
    nasa = nasa_rows()
    walks = raw_rows()
    spellings: dict[str, set[str]] = defaultdict(set)
    for r in mapping_rows():
        spellings[r["name"]].add(r["name_in_source"])
    checked = 0
    for r in mapping_rows():
        m = re.fullmatch(r"NASA EVA data set row (\d+)", r["source"])
        if not m:
            continue
        row = nasa[int(m.group(1))]
        crew_text = " ".join(row["Crew"].split())
        assert r["name"] in crew_text, (r, crew_text)
        day = nasa_day(row["Date"])
        same_day = [
            w for w in walks
            if abs(date.fromisoformat(w["date"]) - day) <= timedelta(days=1)
            and spellings[r["name"]] & set(w["crew"].split(";"))
        ]  # fmt: skip
        assert same_day, r
        checked += 1
    assert checked >= 20


# ------------------------------------------------------------------ reading the mapping


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("Waleri Korsun,Valery Korzun,,H", "crew_names.csv:2: source: expected a value"),
        ("Waleri Korsun,Valery Korzun,NASA,X", "crew_names.csv:2: conf: expected H, M, L, est"),
        ("Waleri Korsun,Valery Korzun,NASA,H\nWaleri Korsun,V. Korzun,NASA,H", "mapped twice"),
        ("A B,C D,NASA,H\nC D,E F,NASA,H", "C D is both an English name and mapped itself"),
    ],
)
def test_bad_mapping_rows_refused_naming_the_line(body, message):
    with pytest.raises(EvasimInputError) as info:
        read_crew_names("name_in_source,name,source,conf\n" + body, "crew_names.csv")
    assert message in str(info.value)


def test_the_generator_reproduces_the_bundled_mapping():
    """tools/crew_names.py, rerun on the bundled files, gives the bundled mapping row for row
    (nobody edited it by hand), and the header lists what it left unmapped."""
    tool = Path(__file__).resolve().parents[1] / "tools" / "crew_names.py"
    spec = importlib.util.spec_from_file_location("crew_names_tool", tool)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows, unmapped, _ = module.build()
    assert sorted(rows, key=lambda r: r["name_in_source"]) == mapping_rows()
    header = (DATA / CREW_NAMES).read_text(encoding="utf-8").splitlines()[:20]
    assert any("tools/crew_names.py" in ln for ln in header)
    listed = next(ln for ln in header if ln.startswith("# 200-277), kept as in the catalogue:"))
    assert listed.split(": ", 1)[1].split(", ") == unmapped
    assert "Alexander Skworzow" in unmapped


# ------------------------------------------------------------------ imports and old databases

IMPORT = (
    "iss_eva_seq,date,start_utc,end_utc,duration_min,crew,mission,airlock,airlock_from,suit,"
    "purpose_en,purpose_de,time_convention,confidence,source,notes\n"
    "278,2026-01-15,2026-01-15T12:00Z,2026-01-15T18:30Z,390,Waleri Korsun;Anna One,"
    "Expedition 74,Poisk,source,Orlan,test walk,,hatch,M,https://example.org/eva278,\n"
)


def test_imported_rows_mapped_and_carried_from_a_schema_1_database(catalog, tmp_path):
    import duckdb

    path = tmp_path / "catalog.duckdb"
    path.write_bytes(catalog.path.read_bytes())
    mine = tmp_path / "mine.csv"
    mine.write_text(IMPORT, encoding="utf-8")
    cat = Catalog.open(path)
    cat.import_file(mine)
    cat.close()
    walk = Catalog.open(path).spacewalk(278)
    assert walk.crew == ("Valery Korzun", "Anna One")
    assert walk.crew_as_source == ("Waleri Korsun", "Anna One")
    # the same database as schema 1 wrote it: no crew_as_source, the crew as the file spelled it
    con = duckdb.connect(str(path))
    con.execute("ALTER TABLE spacewalks DROP COLUMN crew_as_source")
    con.execute("UPDATE spacewalks SET crew = ['Waleri Korsun', 'Anna One'] WHERE number = 278")
    con.execute("UPDATE meta SET schema_version = 1")
    con.close()
    reopened = Catalog.open(path)
    assert any("kept 1 imported spacewalks" in n for n in reopened.notes)
    walk = reopened.spacewalk(278)
    assert walk.crew == ("Valery Korzun", "Anna One")
    assert walk.crew_as_source == ("Waleri Korsun", "Anna One")
    assert [w.number for w in reopened.spacewalks(crew="korsun")] == [42, 43, 278]


def test_eva_scenario_crew_in_english_with_the_source_spelling(catalog):
    from evasim.catalog.scenario import scenario_for_record

    sc = scenario_for_record(catalog.spacewalk(42))
    assert [(m.role, m.name) for m in sc.crew] == [
        ("EV1", "Valery Korzun"),
        ("EV2", "Peggy Whitson"),
    ]
    crew_fact = next(f for f in sc.facts if f.label == "Crew")
    assert crew_fact.value == "Valery Korzun (source: Waleri Korsun), Peggy Whitson"
