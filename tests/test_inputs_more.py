"""Inputs the second fuzz (benchmarks/fuzz_inputs.py --kinds new) broke, each as it was found:
one line naming the file, line or option and what was expected; exit 2 (exit 1 for a fault of
the machine); no traceback; nothing written. Run in-process (``evasim.cli.main``) to stay fast."""

from __future__ import annotations

import contextlib
import io
import os
import socket
from pathlib import Path

import pytest

from evasim.cli import main


def run(args: list[str], cwd: Path) -> tuple[int, str, str]:
    """``evasim ARGS`` in ``cwd`` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        os.chdir(here)
    return code, out.getvalue(), err.getvalue()


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
    }


def refused(args: list[str], cwd: Path, code: int = 2) -> str:
    """The one error line of a refused command; asserts the exit code and that nothing in
    ``cwd`` changed."""
    before = snapshot(cwd)
    got, _out, err = run(args, cwd)
    lines = err.strip().splitlines()
    assert got == code, err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err and "internal error" not in err, err
    assert snapshot(cwd) == before
    return lines[0].removeprefix("error: ")


# ------------------------------------------------------------------ product sets


def test_montecarlo_products_are_a_product_set_a_rerun_may_replace(tmp_path):
    """Found: a second `montecarlo --out X` into its own folder was refused ('holds
    runs.parquet ..., not an evasim product'): its files were not product names."""
    from evasim.productset import check_out_dir, is_product_name

    for name in ("runs.parquet", "telemetry_run_0.parquet", "telemetry_run_417.parquet"):
        assert is_product_name(name)
    assert is_product_name("run_12.json") and is_product_name("video.json")
    for name in ("run_x.json", "telemetry_run_1.json", "runs.csv", "thesis.tex"):
        assert not is_product_name(name)
    folder = tmp_path / "mc"
    folder.mkdir()
    for name in ("runs.parquet", "summary.json", "report.html", "telemetry_run_3.parquet"):
        (folder / name).write_bytes(b"x")
    check_out_dir(folder)
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(Exception, match="notes.txt"):
        check_out_dir(folder)


def test_montecarlo_rerun_twice_into_the_same_folder(tmp_path):
    args = ["montecarlo", "nauka-2021-07-29", "--dispersions", "nauka-2021-07-29"]
    args += ["--rerun", "1", "--dt-s", "1", "--out", "mc"]
    for _ in range(2):
        code, _out, err = run(args, tmp_path)
        assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "mc").iterdir()) == [
        ".evasim-products",
        "run_1.json",
        "telemetry_run_1.parquet",
    ]


# ------------------------------------------------------------------ globe


@pytest.fixture()
def globe_folder(tmp_path, monkeypatch):
    cesium = tmp_path / "cesium"
    cesium.mkdir()
    (cesium / "Cesium.js").write_text("// stand-in\n")
    monkeypatch.setenv("EVASIM_CESIUM_DIR", str(cesium))
    folder = tmp_path / "g"
    folder.mkdir()
    (folder / "replay.czml").write_text("[]")
    (folder / "station.glb").write_bytes(b"glTF")
    return tmp_path


@pytest.mark.parametrize(
    "host, expected",
    [
        ("999.1.1.1", "--host '999.1.1.1': expected an address or name of this machine"),
        ("nosuch.invalid", "--host 'nosuch.invalid': expected an address or name"),
        ("8.8.8.8", "--host '8.8.8.8': not an address of this machine"),
        ("127.0.0.1:80", "--host '127.0.0.1:80': expected an address or name"),
    ],
)
def test_globe_host_it_cannot_listen_on_is_refused_before_serving(globe_folder, host, expected):
    """Found: uvicorn's own 'ERROR: [Errno -2] Name or service not known' and exit code 3
    after the 'serving at' line."""
    assert refused(["globe", "g", "--host", host, "--port", "8001"], globe_folder).startswith(
        expected
    )


def test_globe_port_in_use_is_a_runtime_fault(globe_folder):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        message = refused(["globe", "g", "--port", str(port)], globe_folder, code=1)
    assert message == f"cannot listen on 127.0.0.1:{port}: Address already in use"
