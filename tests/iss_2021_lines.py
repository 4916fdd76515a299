"""The ISS element set of 2021-09-02 12:53:58 UTC (the one VKD-49 replays with), as its two
lines, read from the bundled file so that tests do not each carry a copy."""

from evasim.sky.tle import bundled_set

_SET = next(s for s in bundled_set("iss_2021") if s.line1[18:32] == "21245.53748218")
L1: str = _SET.line1
L2: str = _SET.line2


def omm_record(**changes) -> dict:
    """The same element set as an OMM record (CCSDS 502.0 keywords, as CelesTrak's JSON gives
    them), its numbers read from the two lines' columns; ``changes`` replace or add keywords."""
    record = {
        "OBJECT_NAME": "ISS (ZARYA)",
        "OBJECT_ID": "1998-067A",
        "NORAD_CAT_ID": int(L1[2:7]),
        "EPOCH": _SET.epoch_utc.strftime("%Y-%m-%dT%H:%M:%S.%f"),
        "MEAN_MOTION": float(L2[52:63]),
        "ECCENTRICITY": float("0." + L2[26:33]),
        "INCLINATION": float(L2[8:16]),
        "RA_OF_ASC_NODE": float(L2[17:25]),
        "ARG_OF_PERICENTER": float(L2[34:42]),
        "MEAN_ANOMALY": float(L2[43:51]),
        "BSTAR": float(f"{L1[53].strip()}0.{L1[54:59]}e{L1[59:61]}"),
        "MEAN_MOTION_DOT": float(L1[33:43]),
    }
    return {**record, **changes}
