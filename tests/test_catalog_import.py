"""User imports into the catalogue: every bad row reported, all or nothing, idempotent, the
rule for a number that is already there, and element sets from TLE text and OMM JSON."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from evasim.catalog import Catalog
from evasim.catalog.imports import EvasimImportError
from evasim.errors import EvasimInputError

HEADER = (
    "iss_eva_seq,date,start_utc,end_utc,duration_min,crew,mission,airlock,airlock_from,suit,"
    "purpose_en,purpose_de,time_convention,confidence,source,notes"
)
ROW_278 = (
    "278,2026-01-15,2026-01-15T12:00Z,2026-01-15T18:30Z,390,Anna One;Ben Two,Expedition 74,"
    "Quest,source,EMU,test walk,,battery,M,https://example.org/eva278,"
)
ROW_279 = (
    "279,2026-01-20,2026-01-20T13:00Z,2026-01-20T19:00Z,360,Anna One;Cem Three,Expedition 74,"
    "Poisk,source,Orlan,second walk,,hatch,H,https://example.org/eva279,"
)
TLE_DIR = Path(__file__).parents[1] / "src/evasim/data/tle"
OMM = {
    "OBJECT_NAME": "ISS (ZARYA)",
    "OBJECT_ID": "1998-067A",
    "EPOCH": "2025-06-01T12:00:00.000000",
    "MEAN_MOTION": 15.50,
    "ECCENTRICITY": 0.0002,
    "INCLINATION": 51.64,
    "RA_OF_ASC_NODE": 100.0,
    "ARG_OF_PERICENTER": 90.0,
    "MEAN_ANOMALY": 270.0,
    "EPHEMERIS_TYPE": 0,
    "CLASSIFICATION_TYPE": "U",
    "NORAD_CAT_ID": 25544,
    "ELEMENT_SET_NO": 999,
    "REV_AT_EPOCH": 50000,
    "BSTAR": 0.0001,
    "MEAN_MOTION_DOT": 0.0001,
    "MEAN_MOTION_DDOT": 0,
}


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("import") / "catalog.duckdb"
    Catalog.open(path).close()
    return path


@pytest.fixture
def cat(template, tmp_path) -> Catalog:
    path = tmp_path / "db" / "catalog.duckdb"
    path.parent.mkdir()
    shutil.copyfile(template, path)
    return Catalog.open(path)


def write(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_import_csv_marks_origin_and_links_crew(cat, tmp_path):
    f = write(tmp_path, "mine.csv", "# two of my own", HEADER, ROW_278, ROW_279)
    result = cat.import_file(f)
    assert (result.added, result.skipped, result.read) == (2, 0, 2)
    assert cat.spacewalk_count() == 279
    r = cat.spacewalk(279)
    assert r.origin == "mine.csv" and r.crew == ("Anna One", "Cem Three") and r.segment == "RS"
    (n,) = cat.con.execute("SELECT spacewalks FROM crew WHERE name = 'Anna One'").fetchall()[0]
    assert n == 2
    lines = cat.con.execute(
        "SELECT number, source_line FROM spacewalks WHERE origin = 'mine.csv' ORDER BY number"
    ).fetchall()
    assert lines == [(278, 3), (279, 4)]


def test_importing_twice_adds_nothing(cat, tmp_path):
    f = write(tmp_path, "mine.csv", HEADER, ROW_278)
    cat.import_file(f)
    before = (cat.spacewalk_count(), cat.element_set_count(), digest(cat.path))
    again = cat.import_file(f)
    assert (again.added, again.skipped) == (0, 1)
    assert (cat.spacewalk_count(), cat.element_set_count(), digest(cat.path)) == before


def test_every_bad_row_reported_and_nothing_imported(cat, tmp_path):
    f = write(
        tmp_path,
        "bad.csv",
        "# a comment line counts as a line",
        HEADER,
        ROW_278,
        ROW_279.replace("2026-01-20T13:00Z", "2026-01-20T25:00Z"),
        ROW_279.replace("279,", "280,", 1).replace(",Orlan,", ",Sokol,"),
        ROW_279.replace("279,", "281,", 1).replace(",H,", ",X,"),
        ROW_278.replace("278,", "282,", 1).replace(",390,", ",ninety,"),
        ROW_278,  # the same number twice in one file
    )
    before = digest(cat.path)
    with pytest.raises(EvasimImportError) as info:
        cat.import_file(f)
    problems = info.value.problems
    assert problems == [
        "bad.csv:4: start_utc: expected a UTC time like 2021-09-03T14:41Z, got '2026-01-20T25:00Z'",
        "bad.csv:5: suit: expected EMU or Orlan, got 'Sokol'",
        "bad.csv:6: confidence: expected H, M, L or blank, got 'X'",
        "bad.csv:7: duration_min: expected whole minutes, got 'ninety'",
        "bad.csv:8: iss_eva_seq: spacewalk 278 is also in this file (at 3)",
    ]
    assert str(info.value).endswith("(and 4 more bad rows)")
    assert isinstance(info.value, EvasimInputError)
    assert digest(cat.path) == before
    assert Catalog.open(cat.path).spacewalk_count() == 277


def test_corrupt_row_names_its_row_and_field(cat, tmp_path):
    f = write(tmp_path, "one.csv", HEADER, ROW_278, "283,2026-13-01,,,,Anna One,,Quest,source,EMU")
    with pytest.raises(EvasimImportError) as info:
        cat.import_file(f)
    assert info.value.problems == ["one.csv:3: expected 16 fields as in the header, got 10"]
    f = write(tmp_path, "two.csv", HEADER, ROW_278.replace("2026-01-15,", "2026-13-01,", 1))
    with pytest.raises(EvasimImportError, match=r"two\.csv:2: date: expected YYYY-MM-DD"):
        cat.import_file(f)
    assert cat.spacewalk_count() == 277


def test_header_checked(cat, tmp_path):
    f = write(tmp_path, "h.csv", HEADER.replace("suit", "suits"), ROW_278)
    with pytest.raises(EvasimInputError, match=r"h\.csv:1: header: missing suit; unknown 'suits'"):
        cat.import_file(f)


def test_same_number_other_data(cat, tmp_path):
    """A bundled row is never replaced; an imported one only with replace=True."""
    bundled = write(
        tmp_path,
        "clash.csv",
        HEADER,
        "242,2021-09-03,2021-09-03T14:50Z,2021-09-03T22:35Z,474,Oleg Novitskiy;Pyotr Dubrov,"
        "Expedition 65,Poisk,source,Orlan,x,,hatch,H,y,z",
    )
    with pytest.raises(EvasimImportError) as info:
        cat.import_file(bundled, replace=True)
    assert info.value.problems == [
        "clash.csv:2: iss_eva_seq: spacewalk 242 is in the bundled catalogue with other data "
        "(start_utc 2021-09-03T14:50Z here, 2021-09-03T14:41Z there); imports never replace "
        "bundled rows"
    ]
    cat.import_file(write(tmp_path, "first.csv", HEADER, ROW_278))
    changed = write(tmp_path, "second.csv", HEADER, ROW_278.replace("test walk", "other"))
    expected = r"imported from first.csv with other data \(purpose other here, test walk there\)"
    with pytest.raises(EvasimImportError, match=expected + "; import with --replace"):
        cat.import_file(changed)
    assert cat.spacewalk(278).purpose == "test walk"
    result = cat.import_file(changed, replace=True)
    assert (result.added, result.replaced) == (0, 1)
    assert cat.spacewalk(278).purpose == "other" and cat.spacewalk(278).origin == "second.csv"
    assert cat.spacewalk_count() == 278


def test_identical_bundled_row_is_skipped(cat, tmp_path):
    src = Path(__file__).parents[1] / "src/evasim/data/catalog/iss_spacewalks_1998-2025.csv"
    lines = src.read_text(encoding="utf-8").splitlines()
    f = write(tmp_path, "copy.csv", *lines)
    result = cat.import_file(f)
    assert (result.added, result.skipped) == (0, 277)


def test_json_import_and_export_round_trip(cat, tmp_path):
    cat.import_file(write(tmp_path, "mine.csv", HEADER, ROW_278))
    rows = [cat.spacewalk(278).to_json()]
    exported = tmp_path / "export.json"
    exported.write_text(json.dumps(rows))
    assert cat.import_file(exported).skipped == 1
    rows[0]["number"] = 284
    rows[0]["crew"] = ["Dana Four"]
    exported.write_text(json.dumps(rows))
    assert cat.import_file(exported).added == 1
    assert cat.spacewalk(284).crew == ("Dana Four",)
    rows[0]["number"] = 285
    rows[0]["suit"] = 7
    rows.append({**rows[0], "number": 286, "suit": "EMU", "colour": "red"})
    exported.write_text(json.dumps(rows))
    with pytest.raises(EvasimImportError) as info:
        cat.import_file(exported)
    assert info.value.problems == [
        "export.json: record 1: suit: expected EMU or Orlan, got '7'",
        "export.json: record 2: colour: unknown field; expected iss_eva_seq, date, start_utc, "
        "end_utc, duration_min, crew, mission, airlock, airlock_from, suit, purpose_en, "
        "purpose_de, time_convention, confidence, source, notes",
    ]


def test_tle_import_dedups_against_the_archive(cat, tmp_path):
    result = cat.import_file(TLE_DIR / "iss_tle_2021.txt")  # all 10 are in the archive
    assert (result.read, result.added, result.skipped) == (10, 0, 10)
    text = (
        "ISS (ZARYA)\n"
        "1 25544U 98067A   25160.50000000  .00010000  00000-0  18000-3 0  9990\n"
        "2 25544  51.6400 100.0000 0002000  90.0000 270.0000 15.50000000500000\n"
    )
    from evasim.sky.tle import tle_checksum

    lines = text.splitlines()
    fixed = [ln[:68] + str(tle_checksum(ln)) if ln[0] in "12" else ln for ln in lines]
    f = write(tmp_path, "new.tle", *fixed)
    n = cat.element_set_count()
    assert cat.import_file(f).added == 1
    assert cat.import_file(f).skipped == 1
    assert cat.element_set_count() == n + 1


def test_tle_bad_pairs_all_reported(cat, tmp_path):
    good = (TLE_DIR / "iss_tle_2021.txt").read_text().splitlines()
    pairs = [ln for ln in good if ln.startswith(("1 ", "2 "))]
    hubble1 = "1 20580U 90037B   21245.50000000  .00000800  00000-0  40000-4 0  999"
    hubble2 = "2 20580  28.4700 100.0000 0002500  90.0000 270.0000 15.09000000000000"
    from evasim.sky.tle import tle_checksum

    hubble1 += str(tle_checksum(hubble1))
    hubble2 = hubble2[:68] + str(tle_checksum(hubble2))
    broken = pairs[2][:-1] + str((int(pairs[2][-1]) + 1) % 10)
    f = write(tmp_path, "mixed.txt", pairs[0], pairs[1], broken, pairs[3], hubble1, hubble2,
              pairs[5])  # fmt: skip
    with pytest.raises(EvasimImportError) as info:
        cat.import_file(f)
    p = info.value.problems
    assert len(p) == 3
    assert p[0].startswith("mixed.txt:3: TLE line 1: bad checksum")
    assert p[1] == "mixed.txt:5: NORAD id: expected 25544 (the ISS), got 20580"
    assert p[2] == "mixed.txt:7: TLE line 2 without a line 1 before it"


def test_omm_import(cat, tmp_path):
    f = tmp_path / "omm.json"
    f.write_text(json.dumps([OMM]))
    n = cat.element_set_count()
    assert cat.import_file(f).added == 1
    assert cat.import_file(f).skipped == 1
    from datetime import UTC, datetime

    es = cat.nearest_element_set(datetime(2025, 6, 1, 12, tzinfo=UTC))
    assert es.origin == "omm.json:1" and es.epoch_utc == datetime(2025, 6, 1, 12, tzinfo=UTC)
    assert cat.element_set_count() == n + 1
    bad = [{**OMM, "NORAD_CAT_ID": 20580}, {**OMM, "MEAN_MOTION": "fast"}, OMM]
    f.write_text(json.dumps(bad))
    with pytest.raises(EvasimImportError) as info:
        cat.import_file(f)
    assert info.value.problems == [
        "omm.json: record 1: NORAD_CAT_ID: expected 25544 (the ISS), got 20580",
        "omm.json: record 2: OMM MEAN_MOTION 'fast': expected a number",
    ]


def test_unknown_kind_of_file(cat, tmp_path):
    f = write(tmp_path, "notes.txt", "hello", "world")
    with pytest.raises(EvasimInputError, match=r"expected a spacewalk \.csv or \.json, a TLE"):
        cat.import_file(f)
    f = tmp_path / "x.json"
    f.write_text('{"a": 1}')
    with pytest.raises(EvasimInputError, match="expected a list of spacewalks"):
        cat.import_file(f)


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_the_whole_exported_catalogue_reimports_as_nothing_new(cat, tmp_path, fmt):
    """`evasim spacewalks --format json|csv` writes English crew names; rows 1-199 of the bundled
    file spell many in German: the export is still the same 277 spacewalks (crew_as_source is a
    spelling, not data)."""
    from evasim.cli_catalog import _JSON_COLUMNS

    rows = [r.to_json() for r in cat.spacewalks()]
    assert any(r["crew"] != r["crew_as_source"] for r in rows)  # the case that can fail
    path = tmp_path / f"all.{fmt}"
    if fmt == "json":
        path.write_text(json.dumps(rows))
    else:
        import csv

        with path.open("w", newline="") as fh:
            out = csv.DictWriter(fh, _JSON_COLUMNS, extrasaction="ignore")
            out.writeheader()
            for r in rows:
                out.writerow({k: ";".join(v) if isinstance(v, list) else v for k, v in r.items()})
    result = cat.import_file(path)
    assert (result.added, result.skipped) == (0, 277)


def test_oversized_and_one_long_line_imports_are_one_line_errors(cat, tmp_path, monkeypatch):
    from evasim import textfile

    monkeypatch.setattr(textfile, "MAX_TEXT_BYTES", 1000)
    big = tmp_path / "big.csv"
    big.write_bytes(b"a" * 1001)
    with pytest.raises(EvasimInputError, match=r"1,001 bytes; expected at most 1,000 bytes"):
        cat.import_file(big)
    monkeypatch.undo()
    long = tmp_path / "long.csv"
    long.write_text("a" * 200_000)
    with pytest.raises(EvasimInputError, match=r"long.csv:1: header: field larger than"):
        cat.import_file(long)
    assert cat.spacewalk_count() == 277
