"""The one constants module: its values against independent sources, and no copies elsewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from skyfield import constants as skyfield_constants
from skyfield.api import wgs84

from evasim import constants

ROOT = Path(__file__).resolve().parents[1]


def test_wgs84_and_au_match_skyfield():
    assert constants.WGS84_A_KM * 1e3 == wgs84.radius.m
    assert 1.0 / constants.WGS84_F == pytest.approx(wgs84.inverse_flattening, rel=1e-15)
    assert constants.AU_KM == skyfield_constants.AU_KM


def test_derived_figures_match_published_values():
    # NGA.STND.0036 table 3.3: b = 6356752.3142 m, e^2 = 6.69437999014e-3.
    assert constants.WGS84_B_KM == pytest.approx(6356.7523142, abs=1e-7)
    assert constants.WGS84_E2 == pytest.approx(6.69437999014e-3, rel=1e-11)
    # Moritz, Geodetic Reference System 1980: mean radius R1 = 6371.0088 km (WGS84 is the
    # same to 0.1 mm).
    assert constants.EARTH_MEAN_RADIUS_KM == pytest.approx(6371.0088, abs=1e-4)


# Values that must be written only in constants.py (a copy elsewhere drifts, or names a second
# Earth): the WGS84 axes and flattening, GM, J2, the solar radius, the au, a mean radius.
_COPIES = [
    r"6378\.137",
    r"6356\.75",
    r"298\.2572",
    r"398600\.4",
    r"695_?700",
    r"696_?000",
    r"1\.0826",
    r"149597870",
    r"149_597_870",
    r"\b6371(\.0+)?\b",
    r"9\.80665",
]


def test_no_copies_of_the_constants_in_the_tree():
    allowed = {ROOT / "src" / "evasim" / "constants.py", Path(__file__).resolve()}
    found = []
    for folder in ("src", "tests", "benchmarks"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.resolve() in allowed:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if any(re.search(p, line) for p in _COPIES):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "constants copied outside evasim/constants.py:\n" + "\n".join(found)
