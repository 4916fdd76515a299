"""Fuzz the command line with broken inputs and count how it answers (JSON on stdout).

    python benchmarks/fuzz_inputs.py [--count 10000] [--subprocess 200] [--seed 0] [--keep DIR]
                                     [--kinds toml,tle,...|new]

Inputs: scenario TOML mutations (lines dropped, duplicated, values swapped for wrong types, huge,
tiny, NaN, times shifted, keys renamed, truncation, stray bytes), TLE and OMM corruptions (with
and without repaired checksums, so they reach the element parser), CLI argument combinations
(replay, render, station, fit, scenarios; wrong values, missing and unknown options, --out on a
file or on a folder of someone else's), binary junk (random bytes, UTF-16, NUL, deep nesting,
megabyte lines) and huge values. The second fuzz (``--kinds new``): plan, campaign and dispersion
TOML mutations (the bundled vkd-49/teaching plans with a 1 s solver limit, the nauka/irosa
campaigns, the nauka-2021-07-29 dispersions, run as ``montecarlo --rerun N`` or a 2-run
LocalCluster), OMM files in KVN, XML, JSON and CSV corrupted (values, lines, tags, columns,
entities, nesting) and read by a replay or ``catalog import``, and command lines of plan,
campaign, montecarlo, render-video, windows, globe, spacewalks, sql, catalog, history, survey and
replay --czml. Commands that would work for long when valid (render-video, survey, history,
globe, a montecarlo without --rerun) always get one bad option, drawn from several. The
catalogue database (``EVASIM_HOME``) and a stand-in CesiumJS folder live in the fuzz's own
temporary folder.

Each input runs in its own empty folder (the working directory), with its files in it. Most run
in-process (``evasim.cli.main(argv)``, stdout and stderr captured, in a worker process that the
driver kills and restarts if an input hangs, memory limited by RLIMIT_AS); ``--subprocess N``
of them also run as a real ``python -m evasim`` process (exit code, wall time, peak RSS from
wait4).

Counted per input: the exit code; a *traceback* = an exception escaping the CLI's handling
(anything but SystemExit), "Traceback" in the output or an exit code other than 0, 1, 2; a
*leftover* = anything in the folder afterwards that the run should not have left (after a
refusal: any change at all; after success: anything but the named products, e.g. a temporary);
wall time and peak RSS (the process's VmHWM, reset before each input through
/proc/self/clear_refs; in-process it includes the ~0.3 GB of loaded modules). Targets: 0
tracebacks, 0 leftovers, every rejected input (exit 1 or 2) answered in < 2 s and < 1 GB.

Inputs that stay valid run a real replay; the base scenarios use a 60 s telemetry step (and a
1 s attitude step) so that costs ~0.3 s, reports and videos are rare, and ``serve`` is left out
(a valid one would serve forever). ``--keep DIR`` saves a reproducer (files + command) for each
distinct traceback and leftover.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import multiprocessing as mp
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from evasim.sky.tle import bundled_set

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
SCENARIOS = SRC / "evasim" / "data" / "scenarios"
_ISS = next(s for s in bundled_set("iss_2021") if s.line1[18:32] == "21245.53748218")
L1, L2 = _ISS.line1, _ISS.line2
OMM = {
    "OBJECT_NAME": "ISS (ZARYA)",
    "OBJECT_ID": "1998-067A",
    "EPOCH": "2021-09-02T12:53:58.460352",
    "MEAN_MOTION": 15.48587491,
    "ECCENTRICITY": 0.0003041,
    "INCLINATION": 51.6442,
    "RA_OF_ASC_NODE": 320.2331,
    "ARG_OF_PERICENTER": 346.4163,
    "MEAN_ANOMALY": 145.5195,
    "EPHEMERIS_TYPE": 0,
    "CLASSIFICATION_TYPE": "U",
    "NORAD_CAT_ID": 25544,
    "ELEMENT_SET_NO": 999,
    "REV_AT_EPOCH": 30058,
    "BSTAR": 8.1292e-05,
    "MEAN_MOTION_DOT": 3.969e-05,
    "MEAN_MOTION_DDOT": 0.0,
}
BUILTINS = ("vkd-49", "vkd-50", "nauka-2021-07-29")
DATA = SRC / "evasim" / "data"
CATALOG_CSV = DATA / "catalog" / "iss_spacewalks_1998-2025.csv"
KINDS = (
    "toml",
    "tle",
    "omm",
    "cli",
    "junk",
    "huge",
    "plan",
    "campaign",
    "dispersions",
    "ommfile",
    "cli2",
)
WEIGHTS = (40, 14, 8, 24, 8, 6, 10, 8, 10, 10, 24)
NEW_KINDS = ("plan", "campaign", "dispersions", "ommfile", "cli2")
"""The kinds of the second fuzz (the commands and formats added after the first): plan,
campaign and dispersion TOML mutations, OMM files in KVN/XML/JSON/CSV, and the command lines of
plan, campaign, montecarlo, render-video, windows, globe, spacewalks, sql, catalog, history,
survey and replay --czml."""

# values put in place of a TOML value; "heavy" ones are valid-looking but costly when accepted
VALUES = [
    "0",
    "-1",
    "1",
    "2",
    "-0.0",
    "0.5",
    "60",
    "61",
    "1e308",
    "-1e308",
    "inf",
    "-inf",
    "nan",
    "99999999999999999999999",
    "-9223372036854775809",
    '""',
    '"x"',
    '"EV1"',
    '"EV3"',
    '"bundled"',
    '"tle"',
    '"omm"',
    "true",
    "false",
    "[]",
    "[1, 2, 3]",
    "[[1], [2]]",
    '["EV1", "EV1"]',
    "{}",
    "{ a = 1 }",
    "1979-05-27T07:32:00Z",
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "2021-09-03T14:00:00",
    "2021-09-03",
    "07:32:00",
    "2021-09-03T14:00:00+14:00",
    '"25:61"',
    '"-1:00"',
    '"0:00"',
    '"99999:00"',
    '"1:2:3:4"',
    '"\\u0000"',
    '"\\u202e"',
    '"../../etc/passwd"',
    '"connect power A -> B"',
    '"disconnect kurs Zvezda -> Nauka @ nowhere"',
    '"' + "A" * 5000 + '"',
    "[0.0, 0.0]",
    "[nan, nan, nan]",
    "[1e308, 0, 0]",
    "[0.0, 0.0, 0.0]",
]
HEAVY_VALUES = ["1e-9", "1e-300", "0.001", "5e-324"]
ARG_VALUES = [
    "",
    " ",
    "-1",
    "0",
    "1",
    "nan",
    "inf",
    "-inf",
    "1e308",
    "1e-308",
    "99999999",
    "abc",
    "1x1",
    "x",
    "0x0",
    "-5x-5",
    "100000x100000",
    "64x36",
    "3x3",
    "99999999999999999999x2",
    "1280x720x3",
    "14:00-15:00",
    "15:00-14:00",
    "25:00-26:00",
    "15:00-15:00",
    "a-b",
    "--",
    "-",
    "\u00e9",
    "\x00",
    "EV1",
    "EV2",
    "EV3",
    "ev1",
    "Dubrov",
    "2021-09-03T16:00:00Z",
    "2021-09-03T16:00:00",
    "1900-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "2021-13-45",
    "yesterday",
    "2021-11-27",
    "2021-07-29T14:00",
    "limb",
    "nadir",
    "worksite",
    "free:10,20",
    "free:nan,inf",
    "free:",
    "free:1,2,3",
    "table",
    "json",
    "xml",
    "Nauka",
    "Zvezda",
    "NoSuchModule",
    "Prichal",
]


def _line_values(lines: list[str]) -> list[int]:
    return [i for i, s in enumerate(lines) if re.match(r"^\s*[A-Za-z_][\w.]*\s*=", s)]


def mutate_toml(text: str, rng: random.Random, heavy: bool = True) -> str:
    """1-3 mutations of scenario TOML text (see the module docstring)."""
    values = VALUES + (HEAVY_VALUES if heavy else [])
    for _ in range(rng.randint(1, 3)):
        lines = text.split("\n")
        kv = _line_values(lines) or [0]
        op = rng.choice(
            [
                "drop",
                "dup",
                "value",
                "value",
                "value",
                "key",
                "truncate",
                "bytes",
                "header",
                "shift",
                "shift",
                "scale",
                "swap",
            ]
        )
        i = rng.choice(kv)
        if op == "drop":
            del lines[rng.randrange(len(lines))]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "value":
            key = lines[i].split("=", 1)[0]
            lines[i] = f"{key}= {rng.choice(values)}"
        elif op == "key":
            key, rest = lines[i].split("=", 1) if "=" in lines[i] else (lines[i], "1")
            lines[i] = (
                rng.choice(["zzz", key.strip() + "_x", "span", "\u00e9", "a.b.c"]) + "=" + rest
            )
        elif op == "truncate":
            return "\n".join(lines)[: rng.randrange(len(text) + 1)]
        elif op == "bytes":
            k = rng.randrange(len(text) + 1)
            junk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
            text = text[:k] + junk.decode("latin-1") + text[k:]
            continue
        elif op == "header":
            heads = [j for j, s in enumerate(lines) if s.startswith("[")] or [0]
            j = rng.choice(heads)
            lines[j] = rng.choice(
                ["", "[span]", "[[tasks]]", "[eva", "[[crew]]", "[x]", lines[j] * 2]
            )
        elif op == "shift":
            m = re.search(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)", lines[i])
            if m:
                y, mo, d, h, mi, s = (int(x) for x in m.groups())
                unit = rng.choice(["s", "s", "min", "min", "h", "d", "y"])
                delta = rng.choice([-1, 1]) * rng.randint(1, 90)
                if unit == "y" and heavy:
                    y = min(max(y + delta, 1), 9999)
                elif unit == "d":
                    d = min(max(d + delta % 5, 1), 28)
                elif unit == "h":
                    h = (h + delta) % 24
                elif unit == "min":
                    mi = (mi + delta) % 60
                else:
                    s = (s + delta) % 60
                new = f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}"
                lines[i] = lines[i][: m.start()] + new + lines[i][m.end() :]
        elif op == "scale":
            m = re.search(r"=\s*(-?\d+(\.\d*)?)", lines[i])
            if m:
                factors = [0, -1, 1.0001, 10, 1e9, -1e9] + ([1e-9, 1e-6] if heavy else [0.5])
                v = float(m.group(1)) * rng.choice(factors)
                lines[i] = lines[i][: m.start(1)] + repr(v) + lines[i][m.end(1) :]
        elif op == "swap" and len(kv) > 1:
            j = rng.choice(kv)
            a, b = lines[i].split("=", 1), lines[j].split("=", 1)
            lines[i], lines[j] = f"{a[0]}={b[1]}", f"{b[0]}={a[1]}"
        text = "\n".join(lines)
    return text


def tle_checksum(line: str) -> str:
    return str(sum(int(c) if c.isdigit() else c == "-" for c in line[:68]) % 10)


def corrupt_tle(rng: random.Random) -> str:
    lines = [L1, L2]
    for _ in range(rng.randint(1, 3)):
        k = rng.randrange(2)
        s = lines[k] or L1
        op = rng.choice(["char", "char", "field", "delete", "insert", "swap", "extra", "unicode"])
        if op == "char":
            j = rng.randrange(len(s))
            s = s[:j] + rng.choice("0123456789 -+.Ee\tX\u0661") + s[j + 1 :]
        elif op == "field":
            fields = {
                "epoch": (18, 32, ["56001.00000000", "00000.00000000", "21999.99999999"]),
                "ecc": (26, 33, ["9999999", "0000000", "-000001"]),
                "mm": (52, 63, ["00.00000000", "99.99999999", "-15.4858749"]),
                "inc": (8, 16, ["200.0000", "-51.6442", "   nan  "]),
                "bstar": (53, 61, ["99999-9", "-99999+9", "abcdefg"]),
            }
            name = rng.choice(list(fields))
            a, b, options = fields[name]
            v = rng.choice(options).ljust(b - a)[: b - a]
            s = s[:a] + v + s[b:]
        elif op == "delete":
            j = rng.randrange(len(s))
            s = s[:j] + s[j + 1 :]
        elif op == "insert":
            j = rng.randrange(len(s))
            s = s[:j] + rng.choice(" 0-") + s[j:]
        elif op == "swap":
            lines.reverse()
            continue
        elif op == "extra":
            lines.insert(rng.randrange(3), rng.choice(["ISS (ZARYA)", "", "# c", L1, "0 ISS", "2"]))
            continue
        elif op == "unicode":
            s = s.replace("5", "\u0665", 1)
        if rng.random() < 0.6 and len(s) >= 69:
            s = s[:68] + tle_checksum(s)
        lines[k] = s
    if rng.random() < 0.1:
        return "\r\n".join(lines)
    return "\n".join(lines)


def corrupt_omm(rng: random.Random) -> dict:
    rec = dict(OMM)
    for _ in range(rng.randint(1, 3)):
        key = rng.choice(list(rec) or ["EPOCH"])
        op = rng.choice(["del", "value", "value", "epoch"])
        if op == "del":
            rec.pop(key, None)
        elif op == "epoch":
            rec["EPOCH"] = rng.choice(
                [
                    "2021-09-02",
                    "2021-09-02T12:53:58Z",
                    "1957-10-04T19:28:34",
                    "9999-12-31T23:59:59",
                    "2021-02-30T00:00:00",
                    "",
                    "now",
                    20210902,
                    "2021-09-02T12:53:58.4603521234567",
                ]
            )
        else:
            rec[key] = rng.choice(
                [
                    None,
                    "",
                    "x",
                    -1,
                    0,
                    1e308,
                    -1e308,
                    float("nan"),
                    float("inf"),
                    [],
                    {},
                    True,
                    10**30,
                    "15.5",
                    0.9999,
                    1.5,
                ]
            )
    return rec


def _toml_value(value) -> str:
    if isinstance(value, float) and value != value:
        return "nan"
    if isinstance(value, float) and abs(value) == float("inf"):
        return "inf" if value > 0 else "-inf"
    if value is None:
        return '""'
    return json.dumps(value)


def _base(name: str) -> str:
    text = (SCENARIOS / f"{name}.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^step_s = 1\.0", "step_s = 60.0", text)
    return re.sub(r"(?m)^dt_s = 0\.1", "dt_s = 1.0", text)


def _with_ephemeris(text: str, block: str) -> str:
    return re.sub(r'source = "bundled".*\nset = "iss_2021".*', block, text, count=1)


def make_case(rng: random.Random, kind: str, heavy: bool = True) -> dict:
    """One input: {"kind", "argv", "files": {name: bytes}}; argv runs in a folder with files."""
    if kind in NEW_KINDS:
        return {"kind": kind, **NEW_MAKERS[kind](rng, heavy)}
    base_name = rng.choice(["vkd-49", "vkd-49", "vkd-50", "nauka-2021-07-29"])
    base = _base(base_name)
    files: dict[str, bytes] = {}
    out = ["--out", "out"] if rng.random() < 0.8 else []
    report = [] if rng.random() < 0.03 else ["--no-report"]
    if kind == "toml":
        files["s.toml"] = mutate_toml(base, rng, heavy).encode("utf-8", "surrogateescape")
        command = rng.choices(["replay", "fit", "render"], [90, 5, 5])[0]
        if command == "replay":
            argv = ["replay", "s.toml", *out, *report]
        elif command == "fit":
            argv = ["fit", "s.toml"]
        else:
            argv = ["render", "s.toml", "--crew", "EV1", "--at", "2021-09-03T16:00:00Z"]
            argv += ["--width", "64", "--height", "36", "-o", "f.png"]
    elif kind == "tle":
        tle = corrupt_tle(rng)
        text = _with_ephemeris(_base("vkd-49"), f'source = "tle"\ntle = """\n{tle}\n"""')
        if rng.random() < 0.3:
            text = mutate_toml(text, rng, heavy)
        files["s.toml"] = text.encode("utf-8", "surrogateescape")
        argv = ["replay", "s.toml", *out, *report]
    elif kind == "omm":
        rec = corrupt_omm(rng)
        if rng.random() < 0.5:
            payload = rng.choice([rec, [rec], [], [rec, OMM], "x", 1])
            raw = json.dumps(payload, allow_nan=True).encode()
            if rng.random() < 0.2:
                raw = raw[: rng.randrange(len(raw) + 1)]
            files["iss.json"] = raw
            block = 'source = "omm"\nomm_file = "' + rng.choice(["iss.json", "no.json", "."]) + '"'
        else:
            body = "\n".join(f"{k} = {_toml_value(v)}" for k, v in rec.items())
            block = f'source = "omm"\n\n[ephemeris.omm]\n{body}\n'
            # the inline table must be the last thing of [ephemeris]: put it before [[crew]]
        text = _base("vkd-49")
        text = text.replace('source = "bundled"', "", 1).replace('set = "iss_2021"', "", 1)
        text = text.replace("[ephemeris]", "[ephemeris]\n" + block.split("\n\n")[0], 1)
        if "\n\n[ephemeris.omm]" in block:
            text += "\n" + block.split("\n\n", 1)[1]
        files["s.toml"] = text.encode()
        argv = ["replay", "s.toml", *out, *report]
    elif kind == "cli":
        argv = cli_args(rng, files)
    elif kind == "junk":
        argv = ["replay", "s.toml" if rng.random() < 0.8 else "s.bin", *out, *report]
        choice = rng.randrange(7)
        if choice == 0:
            data = rng.randbytes(rng.randint(0, 65536))
        elif choice == 1:
            data = base.encode("utf-16")
        elif choice == 2:
            data = base.encode().replace(b"=", b"=\x00", rng.randint(1, 5))
        elif choice == 3:
            depth = rng.choice([100, 1000, 100000] if heavy else [10, 100])
            data = b"x = " + b"[" * depth + b"]" * depth
        elif choice == 4:
            data = b'name = "' + b"A" * rng.choice([10**5, 10**6, 5 * 10**6][: 3 if heavy else 1])
            data += b'"\n'
        elif choice == 5:
            data = (base + "\n" + "[[tasks]]\ncrew=['EV1']\nname='x'\n" * 5000).encode()
        else:
            data = b"\xef\xbb\xbf" + base.encode()  # UTF-8 byte order mark
        files[argv[1]] = data
    else:  # huge
        key, value = rng.choice(
            [
                ("step_s", "1e-9" if heavy else "1e300"),
                ("step_s", "60.000000001"),
                ("suit_autonomy_h", "1e308"),
                ("dt_s", "1e-12" if heavy else "2.0"),
                ("cmg_max_torque_n_m", "1e308"),
                ("thrust_n", "1e308"),
                ("initial_rpy_deg", "[1e308, -1e308, 1e308]"),
                ("end_utc", "2021-09-06T14:00:00Z" if heavy else "9999-12-31T23:59:59Z"),
                ("end_utc", "9999-12-31T23:59:59Z"),
                ("start_utc", "0001-01-01T00:00:00Z"),
                ("hatch_close_utc", "2021-09-05T14:00:00Z"),
                ("duration_min", "1e308"),
                ("sigma", "5e-324"),
                ("name", '"' + "n" * 100000 + '"'),
            ]
        )
        text = re.sub(rf"(?m)^{key} = .*$", f"{key} = {value}", base)
        files["s.toml"] = text.encode()
        argv = ["replay", "s.toml", *out, *report]
    return {"kind": kind, "argv": argv, "files": files}


def cli_args(rng: random.Random, files: dict[str, bytes]) -> list[str]:
    """A command line with some options set to odd values."""

    def val() -> str:
        return rng.choice(ARG_VALUES)

    def scenario() -> str:
        pick = rng.randrange(8)
        if pick < 3:
            return rng.choice(BUILTINS)
        if pick == 3:
            files["s.toml"] = _base("vkd-49").encode()
            return "s.toml"
        if pick == 4:
            files["empty.toml"] = b""
            return "empty.toml"
        if pick == 5:
            files["d/x"] = b""
            return "d"
        return rng.choice(["missing.toml", "", "-", "/dev/null", "VKD-49", "vkd-49.toml", "\x01"])

    command = rng.choices(
        ["replay", "render", "station", "fit", "scenarios", "junk"], [45, 20, 20, 5, 3, 7]
    )[0]
    if command == "junk":
        return [
            rng.choice(["", "--help", "replay", "x", "--out", "-o", "\u00e9", "--video"])
            for _ in range(rng.randint(0, 4))
        ]
    argv = [command]
    if command == "replay":
        argv.append(scenario())
        options = {
            "--out": lambda: _destination(rng, files),
            "--video-span": val,
            "--fps": val,
            "--video-speed": val,
            "--video-size": val,
        }
        flags = ["--no-report", "--report", "--video", "--no-video"]
    elif command == "render":
        argv.append(scenario())
        options = {
            "--crew": val,
            "--at": val,
            "-o": lambda: rng.choice(
                ["f.png", "f.jpg", "f.gif", "f", "", "taken", "d/", "sub/f.PNG", "f.jpeg"]
            ),
            "--width": val,
            "--height": val,
            "--fov": val,
            "--look": val,
        }
        flags = ["--fisheye", "--no-fisheye"]
        argv += ["--width", "64", "--height", "36"]
    elif command == "station":
        options = {
            "--date": val,
            "--format": val,
            "--draw": lambda: rng.choice(["s.png", "s.svg", "s.xyz", "", "taken", "d", "s"]),
            "--mesh": lambda: rng.choice(["m.glb", "m.gltf", "m.obj", "m.stl", "", "taken", "d"]),
            "--relocate": val,
            "--inclination": val,
            "--sarj-angle": val,
        }
        flags = []
        if rng.random() < 0.8:
            argv += ["--date", rng.choice(["2021-11-27", "2021-07-29T14:00", val()])]
    elif command == "fit":
        argv.append(scenario())
        options, flags = {}, []
    else:
        options, flags = {}, ["--help", "--x"]
    for name in rng.sample(list(options), rng.randint(0, len(options))):
        argv += [name, options[name]()]
    argv += rng.sample(flags, rng.randint(0, min(2, len(flags))))
    if rng.random() < 0.05:
        argv.append(rng.choice(["--unknown", "extra", "--out"]))
    if "taken" in argv or any(a.startswith("taken/") for a in argv):
        files.setdefault("taken", b"a file")
    if "d" in argv or "d/" in argv:
        files.setdefault("d/x", b"")
    if "--video" in argv and "--video-speed" not in argv:  # keep accepted videos short
        argv += ["--video-speed", "600", "--fps", "1", "--video-size", "64x36"]
    return argv


# ---- the second fuzz: plan, campaign, dispersions, OMM files, the newer commands -----------


def _plan_base(name: str) -> str:
    """A bundled plan with a 1 s solver limit (valid plans stay a few seconds)."""
    text = (DATA / "plans" / f"{name}.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^solver_time_limit_s = .*$", "", text)
    return re.sub(r"(?m)^step_s = (\d+)", r"step_s = \1\nsolver_time_limit_s = 1", text, count=1)


def _campaign_base(name: str) -> str:
    return (DATA / "campaigns" / f"{name}.toml").read_text(encoding="utf-8")


def _dispersions_base() -> str:
    return (DATA / "montecarlo" / "nauka-2021-07-29.toml").read_text(encoding="utf-8")


PLAN_VALUES = [
    '"auto"',
    '"14:41"',
    '"24:00"',
    '"9:05"',
    '"hatch"',
    '"MLM"',
    '"Nauka"',
    '"Columbus"',
    '"nowhere"',
    '"both"',
    '"one"',
    '"IV"',
    '"EV3"',
    '"day"',
    '"night"',
    '"ground"',
    '"luch"',
    '"tdrs"',
    '"install handrail nauka-hr-vkd49"',
    '"install handrail no-such"',
    '["Set up the tool bag"]',
    '["Photograph Nauka", "Photograph Nauka"]',
    '["no such task"]',
    '"Orlan-MKS"',
    '"EMU"',
    '"Quest"',
    '"Pirs"',
    "2021-09-03",
    "[2021-09-03, 2021-09-05]",
    "[2021-09-03, 2021-09-04, 2021-09-05, 2021-09-06]",
    "1998-11-20",
    "2030-01-01",
    "300",
    "301",
    "10",
    "9",
    "600",
    "601",
    "480",
    "481",
    "100",
    "101",
    '"closed"',
    '"partial"',
    '"deferred"',
    '"open"',
    "242",
    "243",
    "277",
    "278",
    "99999",
    "0.0",
    "1e-300",
    '"cmg_loss"',
    '"truncated_normal"',
    '"uniform"',
    '"normal"',
    '"scale"',
    '"offset"',
    '"set"',
    '"thrusters[0].thrust_n"',
    '"thrusters[9].thrust_n"',
    '"controllers[1].start_s"',
    '"controllers[-1].start_s"',
    '"inertia"',
    '"dt_s"',
    '"__class__"',
    '"thrusters[99999999999999999999].thrust_n"',
]


def _new_out(rng: random.Random) -> list[str]:
    return ["--out", "out"] if rng.random() < 0.85 else []


def _plan_case(rng: random.Random, heavy: bool) -> dict:
    base = _plan_base(rng.choice(["vkd-49", "teaching"]))
    files = {"p.toml": _mutate_new(base, rng, heavy)}
    argv = ["plan", "p.toml", *_new_out(rng), "--workers", "1"]
    if rng.random() < 0.15:
        argv += ["--hatch", rng.choice(["auto", "14:41", "25:00", "", "x", "14:41:00"])]
    return {"argv": argv, "files": files}


def _campaign_case(rng: random.Random, heavy: bool) -> dict:
    base = _campaign_base(rng.choice(["nauka", "nauka", "irosa"]))
    return {
        "argv": ["campaign", "c.toml", *_new_out(rng)],
        "files": {"c.toml": _mutate_new(base, rng, heavy)},
    }


def _dispersions_case(rng: random.Random, heavy: bool) -> dict:
    files = {"d.toml": _mutate_new(_dispersions_base(), rng, heavy)}
    argv = ["montecarlo", "nauka-2021-07-29", "--dispersions", "d.toml", "--dt-s", "1"]
    argv += _new_out(rng)
    if rng.random() < 0.85:  # one run, here: cheap, and it draws from every dispersion
        argv += ["--rerun", str(rng.choice([0, 1, 7, 4999]))]
    else:  # a real (tiny) LocalCluster run
        argv += ["--runs", "2", "--workers", "1"]
    return {"argv": argv, "files": files}


def _mutate_new(text: str, rng: random.Random, heavy: bool) -> bytes:
    """TOML mutations as for scenarios, with values that mean something in plans, campaigns
    and dispersion files mixed in."""
    if rng.random() < 0.5:
        lines = text.split("\n")
        kv = _line_values(lines)
        if kv:
            i = rng.choice(kv)
            key = lines[i].split("=", 1)[0]
            lines[i] = f"{key}= {rng.choice(PLAN_VALUES)}"
            text = "\n".join(lines)
        if rng.random() < 0.5:
            return text.encode("utf-8", "surrogateescape")
    return mutate_toml(text, rng, heavy).encode("utf-8", "surrogateescape")


def _omm_text(encoding: str) -> str:
    from evasim.sky.omm import omm_text

    return omm_text(_ISS, encoding)


OMM_FIELD_VALUES = [
    "",
    "x",
    "-1",
    "0",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e308",
    "1E999",
    "99999999999999999999999",
    "15.5",
    "0.9999",
    "1.5",
    "2021-09-02",
    "2021-366T00:00:00",
    "2020-366T00:00:00",
    "2021-000T00:00:00",
    "2021-02-30T00:00:00",
    "9999-12-31T23:59:59",
    "1957-10-04T19:28:34",
    "2021-09-02T12:53:58.4603521234567",
    "SGP8",
    "SGP/SGP4",
    "TEME",
    "MOON",
    "100001",
    "A0001",
    "1e5",
    "0x10",
    "\u0661\u0665",
    "&amp;",
    "<x/>",
    '"',
    ",",
]


def corrupt_omm_text(text: str, encoding: str, rng: random.Random) -> str:
    """1-3 corruptions of OMM text in its encoding (values, lines, tags, columns, bytes)."""
    keys = list(OMM)
    for _ in range(rng.randint(1, 3)):
        op = rng.choice(["value", "value", "value", "drop", "dup", "truncate", "bytes", "special"])
        lines = text.split("\n")
        if op == "value":
            key = rng.choice([*keys, "CCSDS_OMM_VERS", "MEAN_ELEMENT_THEORY", "REF_FRAME"])
            value = rng.choice(OMM_FIELD_VALUES)
            if encoding == "kvn":
                text = re.sub(rf"(?m)^({key}\s*=\s*).*$", lambda m, v=value: m.group(1) + v, text)
            elif encoding == "xml":
                pattern = rf"(<{key}>)[^<]*(</{key}>)"
                text = re.sub(pattern, lambda m, v=value: m[1] + v + m[2], text)
            elif encoding == "json":
                js = rng.choice([json.dumps(value), value or "null", "[]", "{}", "true"])
                text = re.sub(rf'("{key}":\s*)[^,\n}}]*', lambda m, v=js: m[1] + v, text)
            else:
                rows = [r.split(",") for r in text.split("\r\n")]
                if len(rows) > 1 and key in rows[0] and rows[0].index(key) < len(rows[1]):
                    rows[1][rows[0].index(key)] = value
                text = "\r\n".join(",".join(r) for r in rows)
        elif op == "drop" and lines:
            del lines[rng.randrange(len(lines))]
            text = "\n".join(lines)
        elif op == "dup" and lines:
            j = rng.randrange(len(lines))
            lines.insert(j, lines[j])
            text = "\n".join(lines)
        elif op == "truncate":
            text = text[: rng.randrange(len(text) + 1)]
        elif op == "bytes":
            k = rng.randrange(len(text) + 1)
            junk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8))).decode("latin-1")
            text = text[:k] + junk + text[k:]
        else:
            text = rng.choice(
                [
                    '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaa">]>\n<omm>&a;</omm>',
                    "<omm>" * 5000,
                    "<ndm></ndm>",
                    "<ndm><omm><body/></omm></ndm>",
                    text.replace("<omm ", "<omm xmlns='urn:x' ", 1),
                    text.replace("meanElements", "meanelements"),
                    "[" * 100000,
                    "[]",
                    "[1, 2]",
                    '{"EPOCH": "2021-09-02T12:53:58"}',
                    "\ufeff" + text,
                    text * rng.choice([2, 50]),
                    "COMMENT only\n",
                    "CCSDS_OMM_VERS = 9.0\n",
                    "OBJECT_NAME,EPOCH,MEAN_MOTION,NORAD_CAT_ID\n",
                    "OBJECT_NAME,EPOCH,MEAN_MOTION,NORAD_CAT_ID\nISS,,,\n",
                    '"unterminated,' + text,
                    text.replace("\r\n", "\n").replace(",", ";"),
                    text.upper(),
                    text.lower(),
                ]
            )
    return text


def _ommfile_case(rng: random.Random, heavy: bool) -> dict:
    encoding = rng.choice(["kvn", "xml", "json", "csv"])
    text = corrupt_omm_text(_omm_text(encoding), encoding, rng)
    name = "iss." + rng.choice([encoding, encoding, "txt", "omm"])
    files = {name: text.encode("utf-8", "surrogateescape")}
    if rng.random() < 0.25:  # the catalogue reads element sets too
        return {"argv": ["catalog", "import", name], "files": files}
    scenario = _base("vkd-49")
    scenario = scenario.replace('source = "bundled"', 'source = "omm"', 1)
    scenario = scenario.replace('set = "iss_2021"', f'omm_file = "{name}"', 1)
    files["s.toml"] = scenario.encode()
    argv = ["replay", "s.toml", "--out", "out", "--no-report"]
    if rng.random() < 0.1:
        argv.append("--czml")
    return {"argv": argv, "files": files}


def _catalog_rows(rng: random.Random) -> str:
    lines = CATALOG_CSV.read_text(encoding="utf-8").splitlines()
    header = next(i for i, s in enumerate(lines) if s.startswith("iss_eva_seq"))
    rows = lines[header + 1 :]
    picked = rng.sample(rows, rng.randint(1, 4))
    return "\n".join([lines[header], *picked]) + "\n"


def _catalog_import_file(rng: random.Random, files: dict[str, bytes]) -> str:
    pick = rng.randrange(5)
    if pick == 0:
        text = _catalog_rows(rng)
        lines = text.split("\n")
        for _ in range(rng.randint(1, 3)):
            j = rng.randrange(1, max(2, len(lines) - 1))
            cells = lines[j].split(",")
            if cells and cells != [""]:
                k = rng.randrange(len(cells))
                cells[k] = rng.choice([*ARG_VALUES, "", "278", "99999", "242", '"a,b"', "H"])
                lines[j] = ",".join(cells)
        files["walks.csv"] = "\n".join(lines).encode("utf-8", "surrogateescape")
        return "walks.csv"
    if pick == 1:
        rows = [{"number": rng.choice([1, 278, -1, 10**20, "x", None]), "date": "2021-09-03"}]
        files["walks.json"] = json.dumps(rng.choice([rows, {}, [], "x", [[1]]])).encode()
        return "walks.json"
    if pick == 2:
        files["iss.tle"] = corrupt_tle(rng).encode("utf-8", "surrogateescape")
        return "iss.tle"
    if pick == 3:
        files["empty.csv"] = b""
        return "empty.csv"
    return rng.choice(["missing.csv", "d", "", "x.xlsx", "/dev/null"])


SQL_QUERIES = [
    "SELECT count(*) FROM spacewalks",
    "SELECT * FROM spacewalks",
    "FROM spacewalks LIMIT 3",
    "VALUES (1), (2)",
    "(SELECT 1)",
    "WITH t AS (SELECT 1 AS x) SELECT * FROM t",
    "DESCRIBE spacewalks",
    "SHOW TABLES",
    "SUMMARIZE spacewalks",
    "EXPLAIN SELECT 1",
    "EXPLAIN ANALYZE SELECT 1",
    "EXPLAIN ANALYZE DELETE FROM spacewalks",
    "SELECT 1; SELECT 2",
    "DROP TABLE spacewalks",
    "DELETE FROM spacewalks",
    "INSERT INTO meta VALUES (1)",
    "COPY spacewalks TO 'x.csv'",
    "ATTACH 'x.duckdb'",
    "INSTALL httpfs",
    "LOAD httpfs",
    "PRAGMA database_list",
    "SET threads = 1",
    "CALL pragma_version()",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM 'x.parquet'",
    "SELECT * FROM nosuchtable",
    "SELECT",
    "",
    " ",
    "-- only a comment",
    "/* c */ SELECT 1",
    "SELECT 1 /*",
    "SELECT * FROM range(3000000)",
    "SELECT repeat('a', 100000000)",
    "SELECT range(10000000)",
    "SELECT 1/0",
    "SELECT 'a'::INT",
    "SELECT 10::DECIMAL(38,0) ^ 400",
    "SELECT NULL, NULL",
    'SELECT 1 AS "[bold]x"',
    "SELECT '[red]x[/red]', '\u202e', E'\\x00'",
    "SELECT TIMESTAMP '294247-01-10 04:00:54'",
    "SELECT x'00ff'::BLOB",
    "SELECT [1, 2], {'a': 1}",
    "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 1000) "
    "SELECT count(*) FROM t",
    "SELECT * FROM spacewalks, spacewalks AS b, spacewalks AS c LIMIT 10",
]


def _destination(rng: random.Random, files: dict[str, bytes]) -> str:
    pick = rng.randrange(7)
    if pick == 0:
        files["taken"] = b"a file"
        return "taken"
    if pick == 1:
        files["mine/thesis.tex"] = b"keep me"
        return "mine"
    if pick == 2:
        files["old/summary.json"] = b"{}"
        files["old/report.html"] = b"<html>"
        return "old"
    if pick == 3:
        files["taken"] = b"a file"
        return "taken/sub"
    return rng.choice(["out", "a/b/c", "", ".", "out/"])


def _cli2_case(rng: random.Random, heavy: bool) -> dict:
    """A command line of a newer command with some options odd. Commands that would work for
    long when valid (render-video, survey, history, globe, montecarlo without --rerun) always get
    one bad option, drawn from several."""
    files: dict[str, bytes] = {}

    def val() -> str:
        return rng.choice(ARG_VALUES)

    def pick(*choices: str):
        return lambda: rng.choice([*choices, val()])

    def dest() -> str:
        return _destination(rng, files)

    command = rng.choices(
        [
            "plan",
            "campaign",
            "montecarlo",
            "render-video",
            "windows",
            "globe",
            "spacewalks",
            "show",
            "sql",
            "catalog",
            "history",
            "survey",
            "replay",
        ],
        [10, 8, 12, 10, 10, 6, 8, 4, 10, 6, 3, 3, 8],
    )[0]
    bad: list[tuple[str, str]] = []  # one is added for commands long when valid
    flags: list[str] = []
    if command == "plan":
        if rng.random() < 0.3:
            files["p.toml"] = _plan_base("teaching").encode()
        argv = ["plan", rng.choice(["vkd-49", "teaching", "p.toml", "missing.toml", "", "VKD-49"])]
        options = {
            "--out": dest,
            "--hatch": pick("auto", "14:41", "25:00", "9:5", " 14:41 ", "23:59"),
            "--workers": pick("0", "1", "16", "17", "2"),
        }
        flags = ["--allow-stale-elements", "--no-allow-stale-elements"]
        if "--workers" not in options or rng.random() < 0.7:
            argv += ["--workers", "1"]
    elif command == "campaign":
        argv = ["campaign"]
        if rng.random() < 0.8:
            argv.append(rng.choice(["nauka", "irosa", "c.toml", "x", "", "NAUKA", "missing.toml"]))
            files["c.toml"] = _campaign_base("irosa").encode()
        options = {"--out": dest}
        flags = ["--list"]
    elif command == "montecarlo":
        files["d.toml"] = _dispersions_base().encode()
        argv = ["montecarlo", rng.choice(["nauka-2021-07-29", "vkd-49", "missing.toml", ""])]
        argv += ["--dispersions", rng.choice(["nauka-2021-07-29", "d.toml", "missing.toml", "d"])]
        options = {
            "--runs": pick("0", "1", "2", "1000001", "-5"),
            "--scheduler": pick("x", "tcp://", "inproc://a", "tcp://h:99999", "tcp://a b"),
            "--workers": pick("0", "1", "65"),
            "--out": dest,
            "--keep-worst": pick("0", "101", "-1", "3"),
            "--keep": pick("0,1", "5", "a", "0,,1", "-1", "99999999999999999999", "1," * 200),
            "--dt-s": pick("0.001", "2", "1", "0.01"),
            "--rerun": pick("0", "-1", "99999999999999999999", "3"),
        }
        bad = [
            ("--runs", "0"),
            ("--runs", "1000001"),
            ("--workers", "0"),
            ("--keep-worst", "101"),
            ("--keep", "x"),
            ("--dt-s", "0"),
            ("--dt-s", "nan"),
            ("--scheduler", "nonsense"),
            ("--out", "taken"),
            ("--rerun", "-1"),
            ("--dispersions", "missing.toml"),
            ("--unknown", "1"),
        ]
    elif command == "render-video":
        argv = ["render-video", rng.choice(["vkd-49", "vkd-49", "nauka-2021-07-29", "missing"])]
        options = {
            "--crew": pick("all", "EV1", "dubrov", "EV3"),
            "--span": pick("eva", "15:30-15:31", "15:31-15:30", "00:00-23:59"),
            "--fps": pick("0.05", "121", "1"),
            "--speed": pick("0", "-1", "1e9", "600"),
            "--size": pick("64x36", "8x8", "99999x99999"),
            "--look": pick("auto", "partner", "free:0,0", "free:1e999,0", "sideways"),
            "--chunk-frames": pick("0", "10001", "1", "300"),
            "--scheduler": pick("x", "tcp://"),
            "--workers": pick("0", "65", "1"),
            "--out": dest,
        }
        flags = ["--allow-stale-elements"]
        bad = [
            ("--chunk-frames", "0"),
            ("--chunk-frames", "10001"),
            ("--fps", "1000"),
            ("--fps", "nan"),
            ("--size", "1x1"),
            ("--size", "x"),
            ("--look", "sideways"),
            ("--workers", "0"),
            ("--span", "25:00-26:00"),
            ("--span", "03:00-04:00"),
            ("--span", "eva-eva"),
            ("--speed", "-1"),
            ("--speed", "0"),
            ("--crew", "EV9"),
            ("--out", "taken"),
            ("--scheduler", "bad"),
            ("--bogus", "1"),
        ]
    elif command == "windows":
        argv = ["windows"]
        options = {
            "--date": pick("2021-09-03", "2021-02-30", "1998-11-20", "2035-01-01", "2021-9-3"),
            "--network": pick("tdrs", "LUCH", "all", "ground", "x", ""),
            "--format": pick("table", "json", "csv", "JSON"),
            "--out": lambda: rng.choice(
                ["w.json", "w.csv", "w.txt", "taken", "d", "", "sub/w.json", "taken/w.json"]
            ),
            "--grazing-altitude": pick("0", "1000", "1001", "-1", "100"),
            "--ground-mask": pick("0", "45", "46", "-1", "5"),
        }
        flags = ["--allow-stale-elements"]
        if rng.random() < 0.8:
            argv += ["--date", rng.choice(["2021-09-03", "2021-11-27", val()])]
    elif command == "globe":
        files["g/replay.czml"] = b"[]"
        files["g/station.glb"] = b"glTF"
        argv = ["globe", rng.choice(["g", "g", "missing", "d", "", "taken"])]
        files.setdefault("d/x", b"")
        files.setdefault("taken", b"a file")
        options = {
            "--host": pick("127.0.0.1", "999.1.1.1", "nosuch.invalid", "", "::1", "8.8.8.8"),
            "--port": pick("0", "65536", "-1", "8001", "abc"),
        }
        bad = [
            ("--port", "0"),
            ("--port", "70000"),
            ("--host", "999.1.1.1"),
            ("--host", "nosuch.invalid"),
            ("--host", "8.8.8.8"),
            ("--host", "a b"),
        ]
    elif command == "spacewalks":
        argv = ["spacewalks"]
        options = {
            "--year": pick("2021", "1997", "2026", "0", "99999999999999999999"),
            "--airlock": pick("Poisk", "quest", "", "%", "_", "'", "\\"),
            "--crew": pick("dubrov", "", "%", "'; DROP TABLE crew; --", "a" * 1000),
            "--segment": pick("US", "rs", "Shuttle", "ISS", ""),
            "--format": pick("table", "json", "csv"),
        }
    elif command == "show":
        argv = ["spacewalks", "show", rng.choice(["242", "1", "277", "0", "278", "-1", val()])]
        options = {"--format": pick("table", "json", "csv")}
    elif command == "sql":
        argv = ["sql", rng.choice(SQL_QUERIES)]
        options = {
            "--format": pick("table", "json", "csv"),
            "--limit": pick("1", "0", "1000000", "1000001", "-1"),
        }
    elif command == "catalog":
        if rng.random() < 0.3:
            argv = ["catalog", "info"]
            options = {"--format": pick("table", "json")}
        else:
            argv = ["catalog", "import", _catalog_import_file(rng, files)]
            options = {}
            flags = ["--replace", "--no-replace"]
    elif command in ("history", "survey"):
        argv = [command]
        options = {"--out": dest, "--workers": pick("0", "65", "1", "-1")}
        bad = [("--workers", "0"), ("--workers", "65"), ("--out", "taken"), ("--out", "mine")]
    else:  # replay with the exports
        argv = ["replay", rng.choice(["vkd-49", "nauka-2021-07-29", "eva-242", "eva-0"])]
        options = {"--out": dest}
        flags = ["--czml", "--no-czml", "--no-report"]
        argv += ["--no-report"]
    for name in rng.sample(list(options), rng.randint(0, len(options))):
        argv += [name, options[name]()]
    argv += rng.sample(flags, rng.randint(0, min(2, len(flags))))
    if bad:
        name, value = rng.choice(bad)
        if name == "--out" and value == "taken":
            files["taken"] = b"a file"
        if name == "--out" and value == "mine":
            files["mine/thesis.tex"] = b"keep me"
        argv += [name, value]
    if command == "montecarlo" and "--dt-s" not in argv:
        argv += ["--dt-s", "1"]
    if rng.random() < 0.04:
        argv.append(rng.choice(["--unknown", "extra", "--out"]))
    if "taken" in argv or any(a.startswith("taken/") for a in argv):
        files.setdefault("taken", b"a file")
    if "d" in argv:
        files.setdefault("d/x", b"")
    return {"argv": argv, "files": files}


NEW_MAKERS = {
    "plan": _plan_case,
    "campaign": _campaign_case,
    "dispersions": _dispersions_case,
    "ommfile": _ommfile_case,
    "cli2": _cli2_case,
}


# ---- running inputs ---------------------------------------------------------------------------


def _snapshot(folder: Path) -> dict[str, tuple]:
    snap = {}
    for path in sorted(folder.rglob("*")):
        try:
            st = path.lstat()
        except FileNotFoundError:
            continue
        snap[str(path.relative_to(folder))] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return snap


def _expected_outputs(argv: list[str]) -> list[str]:
    """Files a successful run may create (relative to its folder)."""
    names = []
    for opt in ("-o", "--draw", "--mesh") + (("--out",) if argv[:1] == ["windows"] else ()):
        if opt in argv[:-1]:  # the last one given counts
            names.append(argv[len(argv) - 1 - argv[::-1][1:].index(opt)])
    if argv and argv[0] == "render" and "-o" not in argv[:-1]:
        names.append("frame.png")
    return [os.path.normpath(n) for n in names if n]


def leftovers(folder: Path, before: dict, argv: list[str], code: int) -> list[str]:
    """What the run left that it should not have (see the module docstring)."""
    from evasim.productset import is_product_name

    after = _snapshot(folder)
    changed = sorted(k for k in after.keys() | before.keys() if after.get(k) != before.get(k))
    if code != 0:
        return changed
    bad = []
    allowed = set(_expected_outputs(argv))
    for name in changed:
        parts = Path(name).parts
        if name in allowed or any(name.startswith(a + os.sep) for a in allowed):
            continue
        if name not in after:
            # a replaced product set (its old files) may go
            if before.get(str(Path(name).parent)) and is_product_name(parts[-1]):
                continue
            bad.append(name)
            continue
        if is_product_name(parts[-1]) and Path(folder, name).is_file():
            continue
        if Path(folder, name).is_dir() and not any(p.startswith(".evasim-") for p in parts):
            continue  # folders holding products (checked by their files)
        bad.append(name)
    return bad


def _is_traceback(output: str, code: int) -> bool:
    """A Python traceback shown, or an unexpected exception turned into an "internal error"
    line by the CLI's safety net, or an exit code the CLI does not use."""
    return "Traceback" in output or "internal error" in output or code not in (0, 1, 2)


def _peak_rss_mb() -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _write_files(folder: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def invoke(argv: list[str]) -> tuple[int, BaseException | None, str, str]:
    """``evasim ARGV`` through the program's entry point (``evasim.cli.main``) in this process:
    (exit code, the exception that escaped it or None, stdout, stderr)."""
    from evasim.cli import main

    out, err = io.StringIO(), io.StringIO()
    code, escaped = 0, None
    stdin = sys.stdin
    sys.stdin = io.StringIO("")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main(list(argv))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Exception as exc:
        code, escaped = 1, exc
    finally:
        sys.stdin = stdin
    return code, escaped, out.getvalue(), err.getvalue()


def _loads(argv: list[str], folder: Path) -> bool:
    """Whether the input file of a generated case (s.toml, p.toml, c.toml, d.toml) loads."""
    try:
        if "d.toml" in argv:
            from evasim.montecarlo import prepare

            prepare(argv[1], str(folder / "d.toml"), dt_s=1.0)
        elif "p.toml" in argv:
            from evasim.plan.model import load_plan

            load_plan(str(folder / "p.toml"))
        elif "c.toml" in argv:
            from evasim.campaign.model import load_campaign

            load_campaign(str(folder / "c.toml"))
        elif "s.toml" in argv:
            from evasim.scenario import load_scenario

            load_scenario(str(folder / "s.toml"))
        else:
            return False
    except Exception:
        return False
    return True


def run_in_process(case: dict, root: Path, skip_valid: bool = False) -> dict:
    """Run one case with the CLI in this process (its own folder as working directory).
    With ``skip_valid``, a case whose scenario file loads is not run ({"skipped": True})."""
    folder = Path(tempfile.mkdtemp(prefix="case-", dir=root))
    _write_files(folder, case["files"])
    if skip_valid and _loads(case["argv"], folder):
        shutil.rmtree(folder, ignore_errors=True)
        return {"skipped": True}
    before = _snapshot(folder)
    cwd = os.getcwd()
    os.chdir(folder)
    _reset_peak()
    started = time.perf_counter()
    try:
        code, exc, stdout, stderr = invoke(case["argv"])
    finally:
        seconds = time.perf_counter() - started
        os.chdir(cwd)
    escaped = exc is not None
    output = stdout + stderr
    where = ""
    if escaped and exc.__traceback__ is not None:
        import traceback

        frames = traceback.extract_tb(exc.__traceback__)
        ours = [f for f in frames if "evasim" in f.filename] or frames
        where = f"{Path(ours[-1].filename).name}:{ours[-1].lineno}"
    res = {
        "code": code,
        "seconds": seconds,
        "rss_mb": _peak_rss_mb(),
        "traceback": escaped or _is_traceback(output, code),
        "exception": f"{type(exc).__name__}: {str(exc)[:200]}"
        if escaped
        else (output.strip().splitlines() or [""])[-1][:200]
        if _is_traceback(output, code)
        else "",
        "where": where,
        "stderr_lines": len(stderr.strip().splitlines()),
        "first_line": (stderr.strip().splitlines() or [""])[0][:160],
        "leftovers": leftovers(folder, before, case["argv"], code),
    }
    shutil.rmtree(folder, ignore_errors=True)
    return res


def _worker(conn, root: str, memory_limit_gb: float) -> None:
    import resource
    import warnings

    warnings.simplefilter("ignore")
    if memory_limit_gb > 0:
        limit = int(memory_limit_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    import evasim.cli  # noqa: F401  (imports before the first timing)

    while True:
        message = conn.recv()
        if message is None:
            return
        try:
            conn.send(run_in_process(*message[:1], Path(root), *message[1:]))
        except BaseException as exc:  # the harness itself must not die
            conn.send({"harness_error": f"{type(exc).__name__}: {exc}"})


class Worker:
    """The in-process runner in a child process, killed and restarted when an input hangs."""

    def __init__(self, root: Path, memory_limit_gb: float):
        self.root, self.limit = root, memory_limit_gb
        self.ctx = mp.get_context("spawn")
        self.start()

    def start(self) -> None:
        self.conn, child = self.ctx.Pipe()
        self.proc = self.ctx.Process(
            target=_worker, args=(child, str(self.root), self.limit), daemon=False
        )
        self.proc.start()

    def run(self, case: dict, timeout: float, skip_valid: bool = False) -> dict:
        self.conn.send((case, skip_valid))
        if self.conn.poll(timeout):
            try:
                return self.conn.recv()
            except EOFError:
                pass
        self.proc.kill()
        self.proc.join()
        code = self.proc.exitcode
        for leftover in self.root.glob("case-*"):
            shutil.rmtree(leftover, ignore_errors=True)
        self.start()
        return {"timeout": True, "worker_exit": code}

    def close(self) -> None:
        self.conn.send(None)
        self.proc.join(10)


def run_subprocess(case: dict, root: Path, timeout: float) -> dict:
    """Run one case as ``python -m evasim``: exit code, wall time, peak RSS (wait4)."""
    folder = Path(tempfile.mkdtemp(prefix="sub-", dir=root))
    _write_files(folder, case["files"])
    before = _snapshot(folder)
    log = folder.parent / (folder.name + ".log")
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    started = time.perf_counter()
    with open(log, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "evasim", *case["argv"]],
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=env,
        )
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - started > timeout:
                proc.kill()
                timed_out = True
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.01)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    stderr = log.read_bytes().decode("utf-8", "replace")
    code = proc.returncode
    res = {
        "code": code,
        "seconds": seconds,
        "rss_mb": usage.ru_maxrss / 1024,
        "timeout": timed_out,
        "traceback": _is_traceback(stderr, code),
        "exception": stderr.strip().splitlines()[-1][:200] if _is_traceback(stderr, code) else "",
        "where": "",
        "stderr_lines": len(stderr.strip().splitlines()),
        "first_line": (stderr.strip().splitlines() or [""])[0][:160],
        "leftovers": [] if timed_out else leftovers(folder, before, case["argv"], code),
    }
    shutil.rmtree(folder, ignore_errors=True)
    log.unlink()
    return res


def _keep(keep: Path | None, label: str, case: dict, res: dict) -> str:
    """Save a reproducer; return how to run it."""
    cmd = "cd {dir} && PYTHONPATH=src python -m evasim " + " ".join(
        repr(a) if (not a or re.search(r"[^\w./:=+-]", a)) else a for a in case["argv"]
    )
    if keep is None:
        return cmd.replace("{dir}", "<folder with the files>")
    folder = keep / label
    folder.mkdir(parents=True, exist_ok=True)
    _write_files(folder, case["files"])
    (folder / "COMMAND.txt").write_text(
        cmd.replace("{dir}", str(folder)) + "\n" + json.dumps(res, default=str) + "\n"
    )
    return cmd.replace("{dir}", str(folder))


def summarise(results: list[tuple[dict, dict]], keep: Path | None, prefix: str) -> dict:
    codes: Counter = Counter()
    by_kind: dict[str, Counter] = {}
    tracebacks: dict[str, dict] = {}
    left: dict[str, dict] = {}
    rejected_worst = {"seconds": 0.0, "rss_mb": 0.0}
    accepted_worst = {"seconds": 0.0, "rss_mb": 0.0}
    slow, big, timeouts, multi, harness = 0, 0, 0, 0, 0
    multi_kinds: dict[str, dict] = {}
    spent: Counter = Counter()
    runtime_faults: Counter = Counter()
    slowest: list[tuple] = []
    count_tb = count_left = 0
    for case, res in results:
        if "harness_error" in res:
            harness += 1
            continue
        if res.get("timeout"):
            timeouts += 1
            sig = f"timeout {case['kind']} {case['argv'][0] if case['argv'] else ''}"
            entry = tracebacks.setdefault(sig, {"count": 0})
            entry["count"] += 1
            if entry["count"] == 1:
                entry["reproducer"] = _keep(keep, f"{prefix}tb-{len(tracebacks)}", case, res)
            continue
        code = res["code"]
        codes[str(code)] += 1
        by_kind.setdefault(case["kind"], Counter())[str(code)] += 1
        if res["traceback"]:
            count_tb += 1
            if res["where"]:
                sig = f"{res['exception'].split(':')[0]} at {res['where']}"
            else:  # a message: what it says, without the particular values
                sig = re.sub(r"'[^']*'|\"[^\"]*\"|-?\d[\d.e+-]*", "_", res["exception"])[:120]
            entry = tracebacks.setdefault(sig, {"count": 0, "exception": res["exception"]})
            entry["count"] += 1
            if entry["count"] == 1:
                entry["reproducer"] = _keep(keep, f"{prefix}tb-{len(tracebacks)}", case, res)
        if res["leftovers"]:
            count_left += 1
            sig = f"{case['kind']} exit {code}: {res['leftovers'][0]}"
            sig = re.sub(r"\d+", "N", sig)
            entry = left.setdefault(sig, {"count": 0, "left": res["leftovers"][:3]})
            entry["count"] += 1
            if entry["count"] == 1:
                entry["reproducer"] = _keep(keep, f"{prefix}left-{len(left)}", case, res)
        slowest = sorted([*slowest, (res["seconds"], id(case), case, res)], key=lambda x: -x[0])[:5]
        spent[f"{'accepted' if code == 0 else 'rejected'} {case['argv'][:1]}"] += res["seconds"]
        worst = accepted_worst if code == 0 else rejected_worst
        for key in ("seconds", "rss_mb"):
            if (res[key] or 0) > worst[key]:
                worst[key] = res[key]
                if code != 0:
                    worst[f"{key}_input"] = " ".join(case["argv"])[:200]
        if code == 1:
            runtime_faults[re.sub(r"'[^']*'|\d+", "_", res.get("first_line", ""))] += 1
        if code != 0:
            slow += res["seconds"] >= 2.0
            big += (res["rss_mb"] or 0) >= 1024
            if res["stderr_lines"] > 1:
                multi += 1
                sig = f"{case['kind']} {case['argv'][:1]} exit {code}"
                entry = multi_kinds.setdefault(sig, {"count": 0, "first_line": res["first_line"]})
                entry["count"] += 1
                if entry["count"] == 1:
                    entry["reproducer"] = _keep(
                        keep, f"{prefix}multi-{len(multi_kinds)}", case, res
                    )
    return {
        "inputs": len(results),
        "exit_codes": dict(sorted(codes.items())),
        "exit_codes_by_kind": {k: dict(sorted(v.items())) for k, v in sorted(by_kind.items())},
        "tracebacks": count_tb,
        "timeouts": timeouts,
        "leftovers": count_left,
        "harness_errors": harness,
        "rejected_over_2_s": slow,
        "rejected_over_1_gb": big,
        "rejected_with_more_than_one_stderr_line": multi,
        "rejected_worst": {
            k: round(v, 3) if isinstance(v, float) else v for k, v in rejected_worst.items()
        },
        "accepted_worst": {k: round(v, 3) for k, v in accepted_worst.items()},
        "exit_1_messages": dict(runtime_faults.most_common(10)),
        "seconds_by_outcome": {k: round(v, 1) for k, v in spent.most_common()},
        "slowest": [
            {
                "seconds": round(t, 2),
                "exit": r["code"],
                "kind": c["kind"],
                "reproducer": _keep(keep, f"{prefix}slow-{k}", c, r),
            }
            for k, (t, _, c, r) in enumerate(slowest)
        ],
        "traceback_kinds": tracebacks,
        "leftover_kinds": left,
        "more_than_one_stderr_line_kinds": multi_kinds,
    }


def machine() -> dict:
    mem = ""
    try:
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split(":")[1].strip()
    except OSError:
        pass
    model = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model,
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "processor": platform.processor() or platform.platform(),
        "memory": mem,
        "python": platform.python_version(),
    }


def _isolate(root: Path) -> None:
    """The catalogue database (``catalog import`` changes it) and CesiumJS (a stand-in, so that
    ``globe`` gets past its check) in the fuzz's own folder, for the workers and processes."""
    (root / "cases").mkdir()
    cesium = root / "cesium"
    cesium.mkdir()
    (cesium / "Cesium.js").write_text("// stand-in\n")
    os.environ["EVASIM_HOME"] = str(root / "home")
    os.environ["EVASIM_CESIUM_DIR"] = str(cesium)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10000, help="inputs run in-process")
    parser.add_argument("--subprocess", type=int, default=200, help="inputs also run as processes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=60.0, help="per input, seconds")
    parser.add_argument("--memory-limit-gb", type=float, default=4.5, help="RLIMIT_AS in-process")
    parser.add_argument(
        "--accepted-budget-s",
        type=float,
        default=900.0,
        help="after this much time in accepted runs, inputs whose scenario loads are skipped",
    )
    parser.add_argument("--keep", type=Path, default=None, help="save reproducers here")
    parser.add_argument("--progress", action="store_true", help="a dot per 100 inputs on stderr")
    parser.add_argument(
        "--kinds",
        default=",".join(KINDS),
        help=f"comma-separated kinds to draw (their weights kept): {','.join(KINDS)}; "
        "'new' = " + ",".join(NEW_KINDS),
    )
    args = parser.parse_args(argv)
    kinds = [k.strip() for k in args.kinds.replace("new", ",".join(NEW_KINDS)).split(",")]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        parser.error(f"--kinds: unknown {unknown}; expected some of {', '.join(KINDS)}")
    weights = [WEIGHTS[KINDS.index(k)] for k in kinds]
    sys.path.insert(0, str(SRC))
    rng = random.Random(args.seed)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="evasim-fuzz-") as tmp:
        root = Path(tmp)
        _isolate(root)
        worker = Worker(root / "cases", args.memory_limit_gb)
        worker.run({"kind": "warmup", "argv": ["replay", "vkd-49", "--out", "o"], "files": {}}, 300)
        results, cases, skipped, accepted_s = [], [], 0, 0.0
        while len(results) < args.count:
            case = make_case(rng, rng.choices(kinds, weights)[0])
            res = worker.run(case, args.timeout, accepted_s > args.accepted_budget_s)
            if res.get("skipped"):
                skipped += 1
                continue
            if res.get("code") == 0:
                accepted_s += res["seconds"]
            results.append((case, res))
            cases.append(case)
            if args.progress and len(results) % 100 == 0:
                print(".", end="", file=sys.stderr, flush=True)
        worker.close()
        in_process_s = time.perf_counter() - started
        picked = random.Random(args.seed + 1).sample(cases, min(args.subprocess, len(cases)))
        sub = [(case, run_subprocess(case, root / "cases", args.timeout)) for case in picked]
    report = {
        "command": "python benchmarks/fuzz_inputs.py " + " ".join(argv or sys.argv[1:]),
        "seed": args.seed,
        "kinds": kinds,
        "machine": machine(),
        "in_process": summarise(results, args.keep, "inproc-")
        | {"seconds": round(in_process_s), "valid_inputs_skipped_after_budget": skipped},
        "subprocess": summarise(sub, args.keep, "sub-"),
        "seconds": round(time.perf_counter() - started),
    }
    return report


if __name__ == "__main__":
    print(json.dumps(main(), indent=2, default=str))
