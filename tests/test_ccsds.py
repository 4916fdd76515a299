"""CCSDS AEM/OEM (KVN) writer and reader: exact round trips, layout, and input errors."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from evasim.ccsds import (
    AttitudeEphemeris,
    OrbitEphemeris,
    aem_text,
    oem_text,
    read_aem,
    read_oem,
    write_aem,
    write_oem,
)
from evasim.constants import GM_EARTH_KM3_S2
from evasim.errors import EvasimInputError

START = np.datetime64("2021-07-29T16:30:00.000", "ms")
N = 601  # 1 s steps over 10 minutes, both ends included


def _epochs() -> np.ndarray:
    return START + np.arange(N) * np.timedelta64(1000, "ms")


@pytest.fixture
def oem() -> OrbitEphemeris:
    """ISS-like circular orbit in GCRF: |r| = 6800 km, i = 51.6 deg, |v| ~ 7.66 km/s."""
    r = 6800.0
    n = np.sqrt(GM_EARTH_KM3_S2 / r**3)
    u = n * np.arange(N, dtype=np.float64) + 0.3
    inc, raan = np.radians(51.6), np.radians(123.4)
    p = np.array([np.cos(raan), np.sin(raan), 0.0])
    q = np.array([-np.sin(raan) * np.cos(inc), np.cos(raan) * np.cos(inc), np.sin(inc)])
    pos = r * (np.cos(u)[:, None] * p + np.sin(u)[:, None] * q)
    vel = r * n * (-np.sin(u)[:, None] * p + np.cos(u)[:, None] * q)
    return OrbitEphemeris(
        object_name="ISS (ZARYA)",
        object_id="1998-067A",
        ref_frame="GCRF",
        epochs=_epochs(),
        position_km=pos,
        velocity_km_s=vel,
        comment=("ISS-like test orbit", "two-body, circular"),
    )


@pytest.fixture
def aem() -> AttitudeEphemeris:
    rng = np.random.default_rng(20210729)
    q = rng.normal(size=(N, 4))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    return AttitudeEphemeris(
        object_name="ISS (ZARYA)",
        object_id="1998-067A",
        ref_frame_a="LVLH",
        ref_frame_b="SC_BODY_1",
        epochs=_epochs(),
        quaternions=q,
        comment=("body attitude relative to LVLH",),
    )


def _significant(text: str) -> list[str]:
    return [s.strip() for s in text.splitlines() if s.strip() and not s.startswith("COMMENT")]


def _keys(text: str) -> list[str]:
    out = []
    for s in _significant(text):
        m = re.match(r"^([A-Z_0-9]+)(\s*=|$)", s)
        if m:
            out.append(m.group(1))
    return out


def _line_of(text: str, prefix: str, occurrence: int = 0) -> int:
    hits = [i for i, s in enumerate(text.splitlines(), start=1) if s.startswith(prefix)]
    return hits[occurrence]


def _data_lines(text: str) -> list[int]:
    return [i for i, s in enumerate(text.splitlines(), start=1) if s[:4].isdigit()]


# ---- round trips -----------------------------------------------------------------------------


def test_aem_round_trip_is_exact(tmp_path: Path, aem: AttitudeEphemeris) -> None:
    path = write_aem(aem, tmp_path / "iss.aem")
    assert path == tmp_path / "iss.aem"
    back = read_aem(path)
    assert back == aem
    assert back.epochs.dtype == np.dtype("datetime64[ms]")
    assert back.quaternions.dtype == np.float64 and back.quaternions.shape == (N, 4)
    np.testing.assert_array_equal(back.epochs, aem.epochs)
    np.testing.assert_allclose(back.quaternions, aem.quaternions, rtol=1e-15, atol=0)
    for name in ("object_name", "object_id", "ref_frame_a", "ref_frame_b", "center_name"):
        assert getattr(back, name) == getattr(aem, name)
    assert (back.time_system, back.originator, back.comment) == (
        "UTC",
        "evasim",
        ("body attitude relative to LVLH",),
    )


def test_oem_round_trip_is_exact(tmp_path: Path, oem: OrbitEphemeris) -> None:
    speed = np.linalg.norm(oem.velocity_km_s, axis=1)
    assert np.allclose(np.linalg.norm(oem.position_km, axis=1), 6800.0)
    assert np.allclose(speed, 7.656, atol=0.01)
    back = read_oem(write_oem(oem, tmp_path / "iss.oem"))
    assert back == oem
    np.testing.assert_array_equal(back.epochs, oem.epochs)
    np.testing.assert_allclose(back.position_km, oem.position_km, rtol=1e-15, atol=0)
    np.testing.assert_allclose(back.velocity_km_s, oem.velocity_km_s, rtol=1e-15, atol=0)
    assert back.position_km.dtype == back.velocity_km_s.dtype == np.float64
    assert (back.ref_frame, back.center_name, back.comment) == ("GCRF", "EARTH", oem.comment)


def test_equality_ignores_creation_date_but_not_data(aem: AttitudeEphemeris) -> None:
    q = aem.quaternions.copy()
    q[5] = -q[5]  # same rotation, different numbers: not the same message
    other = AttitudeEphemeris("ISS (ZARYA)", "1998-067A", "LVLH", "SC_BODY_1", aem.epochs, q)
    assert other != aem


def test_write_is_atomic_and_overwrites(tmp_path: Path, oem: OrbitEphemeris) -> None:
    path = tmp_path / "out" / "iss.oem"
    path.parent.mkdir()
    path.write_text("old contents\n")
    write_oem(oem, path)
    assert sorted(p.name for p in path.parent.iterdir()) == ["iss.oem"]
    assert read_oem(path) == oem


# ---- layout ----------------------------------------------------------------------------------


def test_aem_text_layout(aem: AttitudeEphemeris) -> None:
    text = aem_text(aem)
    lines = text.splitlines()
    assert _significant(text)[0] == "CCSDS_AEM_VERS = 1.0"
    assert re.search(r"^CREATION_DATE = \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$", text, re.M)
    expected = [
        "CCSDS_AEM_VERS",
        "CREATION_DATE",
        "ORIGINATOR",
        "META_START",
        "OBJECT_NAME",
        "OBJECT_ID",
        "CENTER_NAME",
        "REF_FRAME_A",
        "REF_FRAME_B",
        "ATTITUDE_DIR",
        "TIME_SYSTEM",
        "START_TIME",
        "USEABLE_START_TIME",
        "USEABLE_STOP_TIME",
        "STOP_TIME",
        "ATTITUDE_TYPE",
        "QUATERNION_TYPE",
        "META_STOP",
        "DATA_START",
        "DATA_STOP",
    ]
    assert _keys(text) == expected
    for line in (
        "ATTITUDE_TYPE = QUATERNION",
        "QUATERNION_TYPE = FIRST",
        "ATTITUDE_DIR = A2B",
        "REF_FRAME_A = LVLH",
        "START_TIME = 2021-07-29T16:30:00.000",
        "STOP_TIME = 2021-07-29T16:40:00.000",
    ):
        assert line in lines
    # comments sit right after META_START, as CCSDS allows
    assert lines[lines.index("META_START") + 1] == "COMMENT body attitude relative to LVLH"
    data = lines[lines.index("DATA_START") + 1 : lines.index("DATA_STOP")]
    assert len(data) == N
    fields = data[0].split()
    assert fields[0] == "2021-07-29T16:30:00.000" and len(fields) == 5
    assert [float(x) for x in fields[1:]] == list(aem.quaternions[0])  # scalar first, as given


def test_oem_text_layout(oem: OrbitEphemeris) -> None:
    text = oem_text(oem)
    assert _significant(text)[0] == "CCSDS_OEM_VERS = 2.0"
    assert _keys(text) == [
        "CCSDS_OEM_VERS",
        "CREATION_DATE",
        "ORIGINATOR",
        "META_START",
        "OBJECT_NAME",
        "OBJECT_ID",
        "CENTER_NAME",
        "REF_FRAME",
        "TIME_SYSTEM",
        "START_TIME",
        "STOP_TIME",
        "META_STOP",
    ]
    lines = text.splitlines()
    assert "REF_FRAME = GCRF" in lines and "OBJECT_NAME = ISS (ZARYA)" in lines
    data = [s for s in lines if s[:4].isdigit()]
    assert len(data) == N
    assert data[-1].startswith("2021-07-29T16:40:00.000 ")
    assert [float(x) for x in data[0].split()[1:]] == [*oem.position_km[0], *oem.velocity_km_s[0]]


# ---- reader tolerance ------------------------------------------------------------------------


def test_reader_skips_blank_and_comment_lines(tmp_path: Path, oem: OrbitEphemeris) -> None:
    lines = oem_text(oem).splitlines()
    lines.insert(1, "COMMENT produced by the test suite")
    i = lines.index("META_STOP")
    lines[i + 1 : i + 1] = ["", "COMMENT data follow", "   "]
    lines.insert(lines.index("META_START") + 1, "")
    path = tmp_path / "commented.oem"
    path.write_text("\n".join(lines) + "\n")
    back = read_oem(path)
    np.testing.assert_array_equal(back.position_km, oem.position_km)
    assert back.comment == ("produced by the test suite", *oem.comment, "data follow")


def test_reader_converts_scalar_last_and_b2a(tmp_path: Path, aem: AttitudeEphemeris) -> None:
    text = aem_text(aem)
    out = []
    for s in text.splitlines():
        if s[:4].isdigit():
            t, w, x, y, z = s.split()
            s = f"{t} {x[1:] if x[0] == '-' else '-' + x} {y[1:] if y[0] == '-' else '-' + y} "
            s += f"{z[1:] if z[0] == '-' else '-' + z} {w}"
        out.append(s)
    text = "\n".join(out).replace("QUATERNION_TYPE = FIRST", "QUATERNION_TYPE = LAST")
    text = text.replace("ATTITUDE_DIR = A2B", "ATTITUDE_DIR = B2A")
    path = tmp_path / "foreign.aem"
    path.write_text(text)
    back = read_aem(path)
    np.testing.assert_allclose(back.quaternions, aem.quaternions, rtol=0, atol=0)


def test_reader_accepts_day_of_year_epochs(tmp_path: Path, oem: OrbitEphemeris) -> None:
    text = oem_text(oem).replace("2021-07-29T", "2021-210T")
    path = tmp_path / "doy.oem"
    path.write_text(text)
    np.testing.assert_array_equal(read_oem(path).epochs, oem.epochs)


# ---- errors ----------------------------------------------------------------------------------


def _raises_at(path: Path, reader, line: int, *words: str) -> EvasimInputError:
    with pytest.raises(EvasimInputError) as info:
        reader(path)
    err = info.value
    assert str(err).startswith(f"{path}:{line}: "), str(err)
    assert err.source == str(path) and err.line == line
    assert "\n" not in str(err)
    for w in words:
        assert w in str(err), str(err)
    return err


def test_truncated_aem_without_data_stop(tmp_path: Path, aem: AttitudeEphemeris) -> None:
    text = aem_text(aem)
    text = text[: text.index("DATA_STOP")]
    path = tmp_path / "truncated.aem"
    path.write_text(text)
    _raises_at(path, read_aem, len(text.splitlines()), "DATA_STOP", "end of file")


def test_oem_data_line_with_four_numbers(tmp_path: Path, oem: OrbitEphemeris) -> None:
    lines = oem_text(oem).splitlines()
    n = _data_lines("\n".join(lines))[10]
    lines[n - 1] = " ".join(lines[n - 1].split()[:5])
    path = tmp_path / "short.oem"
    path.write_text("\n".join(lines))
    _raises_at(path, read_oem, n, "expected 7 fields", "got 5")


def test_bad_number(tmp_path: Path, oem: OrbitEphemeris) -> None:
    lines = oem_text(oem).splitlines()
    n = _data_lines("\n".join(lines))[3]
    parts = lines[n - 1].split()
    parts[2] = "1.2.3"
    lines[n - 1] = " ".join(parts)
    path = tmp_path / "bad.oem"
    path.write_text("\n".join(lines))
    _raises_at(path, read_oem, n, "expected a number", "'1.2.3'")


def test_epochs_going_backwards(tmp_path: Path, aem: AttitudeEphemeris) -> None:
    lines = aem_text(aem).splitlines()
    data = _data_lines("\n".join(lines))
    a, b = data[20] - 1, data[21] - 1
    lines[a], lines[b] = lines[b], lines[a]
    path = tmp_path / "backwards.aem"
    path.write_text("\n".join(lines))
    _raises_at(path, read_aem, data[21], "epochs must increase")


def test_non_unit_quaternion(tmp_path: Path, aem: AttitudeEphemeris) -> None:
    lines = aem_text(aem).splitlines()
    n = _data_lines("\n".join(lines))[7]
    t, *q = lines[n - 1].split()
    lines[n - 1] = " ".join([t, *(f"{1.01 * float(x):.16e}" for x in q)])
    path = tmp_path / "norm.aem"
    path.write_text("\n".join(lines))
    _raises_at(path, read_aem, n, "unit quaternion", "1.01")


def test_writer_refuses_what_reader_refuses(aem: AttitudeEphemeris) -> None:
    q = aem.quaternions * 1.01
    with pytest.raises(ValueError, match="unit quaternion"):
        aem_text(AttitudeEphemeris("X", "Y", "ICRF", "SC_BODY_1", aem.epochs, q))
    with pytest.raises(ValueError, match="increasing"):
        aem_text(AttitudeEphemeris("X", "Y", "ICRF", "B", aem.epochs[::-1], aem.quaternions))


@pytest.mark.parametrize(
    ("kind", "edit", "anchor", "words"),
    [
        ("oem", lambda t: t, "CCSDS_OEM_VERS", ("expected CCSDS_AEM_VERS", "CCSDS_OEM_VERS")),
        ("aem", lambda t: t.replace("VERS = 1.0", "VERS = 2.0"), "CCSDS_AEM_VERS", ("1.0",)),
        (
            "aem",
            lambda t: t.replace("REF_FRAME_B = SC_BODY_1\n", ""),
            "META_STOP",
            ("REF_FRAME_B",),
        ),
        ("aem", lambda t: t.replace("META_STOP\n", ""), "DATA_START", ("META_STOP",)),
        (
            "aem",
            lambda t: t.replace("DATA_START\n", ""),
            "2021-07-29T16:30:00.000",
            ("DATA_START",),
        ),
        ("aem", lambda t: t.replace("META_START\n", ""), "OBJECT_NAME", ("META_START",)),
        ("aem", lambda t: t.replace("ORIGINATOR = evasim\n", ""), "META_START", ("ORIGINATOR",)),
    ],
    ids=[
        "oem-read-as-aem",
        "wrong-version",
        "missing-keyword",
        "missing-meta-stop",
        "missing-data-start",
        "missing-meta-start",
        "missing-originator",
    ],
)
def test_structural_errors(tmp_path: Path, aem, oem, kind, edit, anchor, words) -> None:
    text = edit(oem_text(oem) if kind == "oem" else aem_text(aem))
    path = tmp_path / "broken.aem"
    path.write_text(text)
    _raises_at(path, read_aem, _line_of(text, anchor), *words)


def test_missing_oem_file(tmp_path: Path) -> None:
    with pytest.raises(EvasimInputError, match="cannot read file"):
        read_oem(tmp_path / "nope.oem")
