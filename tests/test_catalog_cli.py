"""The catalogue commands as a user runs them: evasim spacewalks [show N], evasim sql, evasim
catalog import/info. Bad input: one line per fault on stderr, exit 2, no traceback."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evasim.catalog import Catalog
from evasim.cli import main

HEADER = (
    "iss_eva_seq,date,start_utc,end_utc,duration_min,crew,mission,airlock,airlock_from,suit,"
    "purpose_en,purpose_de,time_convention,confidence,source,notes"
)
ROW = (
    "278,2026-01-15,2026-01-15T12:00Z,2026-01-15T18:30Z,390,Anna One;Ben Two,Expedition 74,"
    "Quest,source,EMU,test walk,,battery,M,https://example.org/eva278,"
)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "catalog.duckdb"
    Catalog.open(path).close()
    return path


@pytest.fixture
def home(template, tmp_path, monkeypatch) -> Path:
    """EVASIM_HOME with a built catalogue in it (a copy: tests may change it)."""
    folder = tmp_path / "home"
    folder.mkdir()
    shutil.copyfile(template, folder / "catalog.duckdb")
    monkeypatch.setenv("EVASIM_HOME", str(folder))
    return folder


def run(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    return info.value.code, out, err


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


REQUIRED = {
    "number", "date", "start_utc", "end_utc", "duration_min", "crew", "airlock", "purpose",
    "confidence", "segment", "suit", "mission", "time_convention", "airlock_from",
}  # fmt: skip


def test_spacewalks_json_rows(home, capsys):
    code, out, _ = run(capsys, "spacewalks", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 277
    assert REQUIRED <= set(rows[0])
    r242 = next(r for r in rows if r["number"] == 242)
    assert r242["start_utc"] == "2021-09-03T14:41Z" and r242["crew"] == [
        "Oleg Novitskiy",
        "Pyotr Dubrov",
    ]
    assert r242["scenario"] == "vkd-49" and r242["segment"] == "RS"


def test_spacewalks_filters(home, capsys):
    code, out, _ = run(
        capsys, "spacewalks", "--year", "2021", "--segment", "rs", "--format", "json"
    )
    assert code == 0
    assert [r["number"] for r in json.loads(out)] == [238, 242, 243]
    code, out, _ = run(capsys, "spacewalks", "--crew", "whitson", "--airlock", "quest",
                       "--format", "csv")  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and rows and all("Whitson" in r["crew"] for r in rows)
    assert all(r["airlock"] == "Quest" for r in rows)


def test_spacewalks_table(home, capsys):
    code, out, _ = run(capsys, "spacewalks", "--year", "2021")
    assert code == 0
    assert "13 ISS spacewalks (--year 2021)" in out
    assert "scenario vkd-49" in out and "Novitskiy" in out


def test_empty_result_says_so(home, capsys):
    code, out, _ = run(capsys, "spacewalks", "--year", "2003", "--crew", "nobody")
    assert code == 0 and "no spacewalk matches --year 2003 --crew nobody" in out
    code, out, err = run(capsys, "spacewalks", "--crew", "nobody", "--format", "json")
    assert code == 0 and json.loads(out) == [] and "no spacewalk matches" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year", "1997"], "error: --year 1997: expected 1998..2025"),
        (["--year", "2030"], "error: --year 2030: expected 1998..2025"),
        (["--segment", "ISS"], "error: --segment 'ISS': expected US, RS or Shuttle"),
        (["--format", "xml"], "error: --format 'xml': expected table, json or csv"),
        (["--year", "twenty"], "error: Invalid value for '--year'"),
        (["show", "999"], "error: spacewalk number: expected 1..277, got 999"),
        (["show", "242", "--format", "csv"], "error: --format 'csv': expected table or json"),
    ],
)
def test_bad_options_one_line_exit_2(home, capsys, args, message):
    code, out, err = run(capsys, "spacewalks", *args)
    assert code == 2
    assert err.startswith(message) and err.count("\n") == 1
    assert out == ""


def test_show_242(home, capsys):
    code, out, _ = run(capsys, "spacewalks", "show", "242")
    assert code == 0
    text = " ".join(out.split())
    for part in (
        "ISS spacewalk 242",
        "2021-09-03 14:41 UTC",
        "2021-09-03 22:35 UTC",
        "Roscosmos counts from hatch open",
        "7 h 54 min",
        "Oleg Novitskiy, Pyotr Dubrov",
        "Poisk (named by a source)",
        "Nauka integration",
        "H: an agency page, or two sources agree",
        "https://www.nasa.gov/blogs/page/447",
        "epoch 2021-09-03T13:42:58 UTC, 1.0 h before the start",
        "built-in detailed scenario vkd-49: evasim replay vkd-49",
    ):
        assert part in text, part


def test_show_an_old_one_with_inferred_airlock_and_german(home, capsys):
    code, out, _ = run(capsys, "spacewalks", "show", "40")
    text = " ".join(out.split())
    assert code == 0
    assert "inferred from the date and crew" in text
    assert "German original Kabel verbunden" in text
    assert "not known" in text and "12:00 UTC on the date" in text
    assert "NASA counts from suit battery power, Roscosmos from hatch open" in text
    code, out, _ = run(capsys, "spacewalks", "show", "200")
    assert "NASA counts from suit battery power" in " ".join(out.split())


def test_show_json(home, capsys):
    code, out, _ = run(capsys, "spacewalks", "show", "243", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["scenario"] == "vkd-50"
    assert abs(data["nearest_element_set"]["offset_h"]) < 24
    assert data["source_urls"][0].startswith("https://")


def test_sql_formats_and_limit(home, capsys):
    code, out, _ = run(capsys, "sql", "SELECT number, crew FROM spacewalks WHERE scenario "
                       "IS NOT NULL ORDER BY number", "--format", "json")  # fmt: skip
    assert code == 0
    assert json.loads(out) == [
        {"number": 242, "crew": ["Oleg Novitskiy", "Pyotr Dubrov"]},
        {"number": 243, "crew": ["Oleg Novitskiy", "Pyotr Dubrov"]},
    ]
    code, out, err = run(capsys, "sql", "SELECT epoch_utc FROM element_sets", "--limit", "5",
                         "--format", "csv")  # fmt: skip
    assert code == 0 and len(out.splitlines()) == 6
    assert "only the first 5 rows are shown (--limit 5)" in err
    code, out, _ = run(capsys, "sql", "DESCRIBE crew")
    assert code == 0 and "total_min" in out
    for query in ("SHOW TABLES", "SUMMARIZE missions", "EXPLAIN SELECT 1",
                  "WITH a AS (SELECT 1 AS x) SELECT * FROM a"):  # fmt: skip
        assert run(capsys, "sql", query)[0] == 0, query


@pytest.mark.parametrize(
    "query",
    [
        "INSERT INTO meta SELECT * FROM meta",
        "DELETE FROM spacewalks",
        "UPDATE spacewalks SET notes = 'x'",
        "ATTACH '/tmp/evasim-other.duckdb' AS other",
        "COPY spacewalks TO '/tmp/evasim-copy.csv'",
        "CREATE TABLE x (a INTEGER)",
        "DROP TABLE spacewalks",
        "SELECT 1; DELETE FROM spacewalks",
        "EXPLAIN ANALYZE DELETE FROM spacewalks",
        "SET threads = 1",
        "PRAGMA version",
        "CHECKPOINT",
        "INSTALL httpfs",
    ],
)
def test_sql_cannot_write(home, capsys, query):
    before = digest(home / "catalog.duckdb")
    code, out, err = run(capsys, "sql", query)
    assert code == 2 and out == ""
    assert err.startswith("error: sql: ") and err.count("\n") == 1
    assert "the catalogue is read-only" in err
    assert digest(home / "catalog.duckdb") == before
    assert not Path("/tmp/evasim-copy.csv").exists()


def test_sql_reads_nothing_but_the_catalogue(home, capsys):
    code, _, err = run(capsys, "sql", "SELECT * FROM read_csv('/etc/hostname')")
    assert code == 2 and "file system operations are disabled" in err


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELEC 1", 'error: Parser Error: syntax error at or near "SELEC"'),
        ("SELECT nope FROM spacewalks", 'error: Binder Error: Referenced column "nope"'),
    ],
)
def test_bad_sql_one_line(home, capsys, query, message):
    code, out, err = run(capsys, "sql", query)
    assert code == 2 and out == "" and err.startswith(message) and err.count("\n") == 1


def test_sql_limit_checked(home, capsys):
    code, _, err = run(capsys, "sql", "SELECT 1", "--limit", "0")
    assert code == 2 and err == "error: --limit 0: expected 1..1000000\n"


def test_import_command(home, capsys, tmp_path):
    good = tmp_path / "mine.csv"
    good.write_text(f"{HEADER}\n{ROW}\n")
    code, out, _ = run(capsys, "catalog", "import", str(good))
    assert code == 0 and "imported 1 spacewalk from mine.csv" in out
    code, out, _ = run(capsys, "catalog", "import", str(good))
    assert code == 0 and "imported 0 spacewalks from mine.csv; 1 already in the catalogue" in out
    code, out, _ = run(capsys, "catalog", "info", "--format", "json")
    info = json.loads(out)
    assert info["rows"]["spacewalks"] == {"bundled": 277, "mine.csv": 1}


def test_import_bad_rows_each_one_line(home, capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"{HEADER}\n{ROW}\n"
        + ROW.replace("278,", "279,", 1).replace(",EMU,", ",Sokol,")
        + "\n"
        + ROW.replace("278,", "280,", 1).replace("2026-01-15T12:00Z", "noon")
        + "\n"
    )
    before = digest(home / "catalog.duckdb")
    code, out, err = run(capsys, "catalog", "import", str(bad))
    assert code == 2 and out == ""
    assert err.splitlines() == [
        "error: bad.csv:3: suit: expected EMU or Orlan, got 'Sokol'",
        "error: bad.csv:4: start_utc: expected a UTC time like 2021-09-03T14:41Z, got 'noon'",
        "error: nothing imported: 2 bad rows in bad.csv",
    ]
    assert digest(home / "catalog.duckdb") == before


def test_import_missing_file(home, capsys, tmp_path):
    code, _, err = run(capsys, "catalog", "import", str(tmp_path / "nope.csv"))
    assert code == 2 and "nope.csv: no such file" in err


def test_first_use_builds_and_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("EVASIM_HOME", str(tmp_path / "new"))
    code, out, err = run(capsys, "spacewalks", "show", "1", "--format", "json")
    assert code == 0 and json.loads(out)["number"] == 1
    assert err.startswith("note: built the catalogue database")
    assert (tmp_path / "new" / "catalog.duckdb").exists()


def evasim(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "EVASIM_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "evasim", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_as_a_program_exit_codes_and_no_traceback(home, tmp_path):
    ok = evasim("spacewalks", "--year", "2025", "--format", "json", home=home)
    assert ok.returncode == 0 and {r["number"] for r in json.loads(ok.stdout)} >= {274, 277}
    for args in (
        ("spacewalks", "--year", "1900"),
        ("spacewalks", "show", "0"),
        ("sql", "DELETE FROM spacewalks"),
        ("sql", "SELECT * FROM nowhere"),
        ("catalog", "import", str(tmp_path / "missing.csv")),
    ):
        done = evasim(*args, home=home)
        assert done.returncode == 2, args
        assert "Traceback" not in done.stderr and done.stdout == ""
        assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
