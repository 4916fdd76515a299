"""OMM in KVN, XML, JSON and CSV: one model, the same element set from each encoding."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evasim.errors import EvasimInputError
from evasim.sky import omm
from evasim.sky.tle import parse_tle_text

FIXTURES = Path(__file__).parent / "fixtures" / "omm"
SATREC_FIELDS = (
    "satnum",
    "jdsatepoch",
    "jdsatepochF",
    "no_kozai",
    "ecco",
    "inclo",
    "nodeo",
    "argpo",
    "mo",
    "bstar",
    "ndot",
    "nddot",
    "elnum",
    "revnum",
    "intldesg",
)


def _same(a, b, rel=0.0):
    assert a.name == b.name
    for f in SATREC_FIELDS:
        x, y = getattr(a.satrec, f), getattr(b.satrec, f)
        if isinstance(x, float):
            assert x == pytest.approx(y, rel=rel, abs=rel * 1e-12), f
        else:
            assert x == y, f


@pytest.mark.parametrize("name", ["starlette.xml", "starlette.json", "starlette.csv"])
def test_every_celestrak_encoding_gives_the_same_set(name):
    (kvn,) = omm.read_omm(FIXTURES / "starlette.kvn")
    (other,) = omm.read_omm(FIXTURES / name)
    _same(kvn, other)
    assert omm.detect_encoding((FIXTURES / name).read_text()) == name.rsplit(".", 1)[1]


def test_blue_book_example_reads_with_its_day_of_year_epoch():
    (goes,) = omm.read_omm(FIXTURES / "OMMExample1.txt")
    assert goes.name == "GOES 9" and goes.norad_id == 23581
    assert omm.object_id(goes) == "1995-025A"
    assert goes.epoch_utc.isoformat() == "2007-03-05T10:34:41.426400+00:00"  # day 064 of 2007
    # against the blue book's own TLE of the same set (Orekit's TLE test quotes it)
    tle = parse_tle_text(
        "1 23581U 95025A   07064.44075725 -.00000113  00000-0  10000-3 0  9250\n"
        "2 23581   3.0539  81.7939 0005013 249.2363 150.1602  1.00273272 43169\n"
    )[0]
    for f in ("no_kozai", "ecco", "inclo", "nodeo", "argpo", "mo", "bstar"):
        assert getattr(goes.satrec, f) == pytest.approx(getattr(tle.satrec, f), rel=1e-12)
    assert abs((goes.epoch_utc - tle.epoch_utc).total_seconds()) < 1e-3


@pytest.mark.parametrize("encoding", omm.ENCODINGS)
def test_written_encodings_read_back(encoding, tmp_path):
    sets = omm.read_omm(FIXTURES / "starlette.kvn") + omm.read_omm(FIXTURES / "OMMExample1.txt")
    path = tmp_path / f"sets.{encoding}"
    path.write_text(omm.omm_text(sets, encoding))
    back = omm.read_omm(path)
    assert len(back) == 2
    for a, b in zip(sets, back, strict=True):
        _same(a, b, rel=1e-13)
        r_a = np.array(a.satrec.sgp4(a.satrec.jdsatepoch + 1, a.satrec.jdsatepochF)[1])
        r_b = np.array(b.satrec.sgp4(b.satrec.jdsatepoch + 1, b.satrec.jdsatepochF)[1])
        assert np.linalg.norm(r_a - r_b) < 1e-6  # km, a day later


def test_alpha5_catalogue_numbers_match_the_tle(tmp_path):
    """NORAD 100001 is Alpha-5 'A0001' in a TLE and a plain integer in OMM."""
    tle = parse_tle_text(
        "1 A0001U 98067A   21245.53748218  .00003969  00000-0  81292-4 0  9996\n"
        "2 A0001  51.6442 320.2331 0003041 346.4163 145.5195 15.48587491300133\n"
    )[0]
    assert tle.norad_id == 100001
    for encoding in omm.ENCODINGS:
        text = omm.omm_text(tle, encoding)
        assert "100001" in text
        (back,) = omm.parse_omm(text, source=f"a.{encoding}")
        assert back.norad_id == 100001 and back.satrec.satnum_str == "A0001"


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"),
    [
        (
            "starlette.kvn",
            "MEAN_MOTION    = 13.82309053",
            "MEAN_MOTION    = 13.8x",
            ":13: OMM MEAN_MOTION",
        ),
        (
            "starlette.kvn",
            "ECCENTRICITY   = .0205751",
            "ECCENTRICITY   = 1.5",
            ":14: OMM ECCENTRICITY",
        ),
        (
            "starlette.kvn",
            "EPOCH          = 2021-03-22",
            "EPOCH          = 2021-13-22",
            ":12: EPOCH",
        ),
        ("starlette.kvn", "NORAD_CAT_ID", "NORAD_CAT_NO", ":22: unknown OMM keyword NORAD_CAT_NO"),
        ("starlette.xml", "<INCLINATION>49.8237", "<INCLINATION>249.8237", "<omm> 1 <INCLINATION>"),
        ("starlette.xml", "</meanElements>", "</meanElement>", ":25: XML not well formed"),
        ("starlette.json", '"BSTAR":-4.7102e-6', '"BSTAR":"big"', "record 1 BSTAR: OMM BSTAR"),
        ("starlette.csv", ",49.8237,", ",49.8237,1,", ":2: expected 17 fields"),
        ("starlette.csv", ",7646,", ",76x6,", ":2: OMM NORAD_CAT_ID"),
    ],
)
def test_a_corrupted_file_is_one_line_naming_where(tmp_path, name, old, new, expected):
    text = (FIXTURES / name).read_text()
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(EvasimInputError) as info:
        omm.read_omm(path)
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(path))
    assert expected in message, message


def test_xml_entities_are_refused(tmp_path):
    path = tmp_path / "bomb.xml"
    path.write_text('<!DOCTYPE omm [<!ENTITY a "aaaa">]><omm>&a;</omm>')
    with pytest.raises(EvasimInputError, match="DOCTYPE or ENTITY"):
        omm.read_omm(path)


def test_products_name_the_object_from_the_element_set(vkd49, tmp_path):
    from evasim.outputs import write_ccsds

    write_ccsds(vkd49, tmp_path)
    head = (tmp_path / "orbit.oem").read_text()[:600]
    assert f"OBJECT_NAME = {vkd49.element_set.name}" in head
    assert "OBJECT_ID = 1998-067A" in head  # from the TLE's international designator
