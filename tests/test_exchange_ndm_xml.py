"""OEM and AEM in XML: the same ephemeris as the KVN files, read and written."""

from __future__ import annotations

import numpy as np
import pytest

from evasim import ccsds
from evasim.errors import EvasimInputError
from evasim.exchange import ndm_xml


@pytest.fixture(scope="module")
def ephemerides(vkd49):
    """The first 200 s of VKD-49's products: orbit (GCRF) and attitude (ICRF)."""
    epochs = vkd49.grid.datetimes64()[:200]
    oem = ccsds.OrbitEphemeris(
        vkd49.element_set.name,
        "1998-067A",
        "GCRF",
        epochs,
        vkd49.track.r_gcrs_km[:, :200].T,
        vkd49.track.v_gcrs_km_s[:, :200].T,
        comment=("evasim test",),
    )
    aem = ccsds.AttitudeEphemeris(
        vkd49.element_set.name,
        "1998-067A",
        "ICRF",
        "SC_BODY_1",
        epochs,
        vkd49.attitude.q_gcrs[:200],
    )
    return oem, aem


def test_xml_and_kvn_read_back_to_the_same_ephemerides(ephemerides, tmp_path):
    oem, aem = ephemerides
    ccsds.write_oem(oem, tmp_path / "o.oem")
    ndm_xml.write_oem_xml(oem, tmp_path / "o.xml")
    ccsds.write_aem(aem, tmp_path / "a.aem")
    ndm_xml.write_aem_xml(aem, tmp_path / "a.xml")
    assert ndm_xml.read_oem(tmp_path / "o.xml") == oem == ndm_xml.read_oem(tmp_path / "o.oem")
    assert ndm_xml.read_aem(tmp_path / "a.xml") == aem == ndm_xml.read_aem(tmp_path / "a.aem")
    head = (tmp_path / "o.xml").read_text()[:400]
    assert '<oem id="CCSDS_OEM_VERS" version="2.0">' in head


def test_b2a_attitude_is_conjugated(ephemerides, tmp_path):
    _, aem = ephemerides
    text = ndm_xml.aem_xml(aem).replace("<ATTITUDE_DIR>A2B<", "<ATTITUDE_DIR>B2A<")
    (tmp_path / "b.xml").write_text(text)
    back = ndm_xml.read_aem_xml(tmp_path / "b.xml")
    np.testing.assert_array_equal(back.quaternions, aem.quaternions * [1, -1, -1, -1])


@pytest.mark.parametrize(
    ("kind", "old", "new", "expected"),
    [
        ("oem", "<X>", "<X>x", "state 1: <X>: expected a number"),
        ("oem", "</stateVector>", "<X_DDOT>0.1</X_DDOT></stateVector>", "accelerations are not"),
        ("oem", "<REF_FRAME>GCRF</REF_FRAME>", "", "<metadata>: missing required <REF_FRAME>"),
        ("oem", "</data>", "</dat>", ": XML not well formed"),
        ("aem", "<QC>", "<QC>2", "state 1 <quaternion>: expected a unit quaternion"),
        (
            "aem",
            "<EPOCH>2021-09-03T14:10:00.000",
            "<EPOCH>2021-09-03T14:70:00.000",
            "state 1 <EPOCH>",
        ),
    ],
)
def test_a_corrupted_xml_file_is_one_line(ephemerides, tmp_path, kind, old, new, expected):
    oem, aem = ephemerides
    text = ndm_xml.oem_xml(oem) if kind == "oem" else ndm_xml.aem_xml(aem)
    assert old in text
    path = tmp_path / f"bad.{kind}.xml"
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(EvasimInputError) as info:
        (ndm_xml.read_oem if kind == "oem" else ndm_xml.read_aem)(path)
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(path)) and expected in message, message
