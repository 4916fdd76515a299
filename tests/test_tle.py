"""TLE and OMM input: checksums, line numbers in errors, OMM agrees with the TLE path."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from evasim.errors import EvasimInputError
from evasim.sky.tle import bundled_set, nearest, parse_omm_record, parse_tle_text, tle_checksum
from iss_2021_lines import L1, L2, omm_record


def test_bundled_set_checksums_and_epochs():
    sets = bundled_set("iss_2021")
    assert len(sets) == 10
    for s in sets:
        assert tle_checksum(s.line1) == int(s.line1[68])
        assert tle_checksum(s.line2) == int(s.line2[68])
        assert s.norad_id == 25544
    epochs = [s.epoch_utc for s in sets]
    assert epochs == sorted(epochs)
    # 21201.46980141: day 201 of 2021 = 20 July, 0.46980141 d = 11:16:30.842
    expected = datetime(2021, 7, 20, 11, 16, 30, 841824, tzinfo=UTC)
    assert abs((epochs[0] - expected).total_seconds()) < 1e-3


def test_nearest_epoch_for_vkd49():
    chosen = nearest(bundled_set("iss_2021"), datetime(2021, 9, 3, 14, 41, tzinfo=UTC))
    assert chosen.line1 == L1


def test_bad_checksum_names_line():
    bad = L1[:68] + "0"
    with pytest.raises(EvasimInputError) as err:
        parse_tle_text(f"ISS\n{bad}\n{L2}\n", source="my.tle")
    assert str(err.value) == "my.tle:2: TLE line 1: bad checksum 0; expected 5"


def test_line2_without_line1():
    with pytest.raises(EvasimInputError, match=r"x.tle:1: TLE line 2 without a line 1"):
        parse_tle_text(L2, source="x.tle")


def test_omm_record_propagates_like_the_tle():
    """The OMM path (sgp4.omm) and the TLE path give the same orbit to within a metre."""
    tle = parse_tle_text(f"{L1}\n{L2}")[0]
    record = omm_record(MEAN_MOTION_DDOT=0)
    omm = parse_omm_record(record)
    jd = np.full(5, 2459461.0)
    fr = np.linspace(0.1, 0.6, 5)
    _, r1, _ = tle.satrec.sgp4_array(jd, fr)
    _, r2, _ = omm.satrec.sgp4_array(jd, fr)
    assert np.abs(r1 - r2).max() < 1e-3


def test_omm_missing_fields():
    with pytest.raises(EvasimInputError, match="OMM record lacks"):
        parse_omm_record({"OBJECT_NAME": "X"}, source="o.json")
