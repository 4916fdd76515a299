"""The example notebook runs (nbclient, a fresh kernel) and evasim objects display as HTML."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "notebooks" / "replay.ipynb"


def test_example_notebook_executes_and_shows_html(tmp_path, monkeypatch):
    nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed (test extras)")
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("ipykernel", reason="ipykernel is not installed (test extras)")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    src = str(Path(__file__).resolve().parents[1] / "src")
    env_path = os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]).strip(os.pathsep)
    monkeypatch.setenv("PYTHONPATH", env_path)  # the kernel imports this tree's evasim
    client = nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.km_kwargs = {
        "kernel_cmd": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    }
    client.execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    htmls = [o.data["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any("evasim replay vkd-49" in h and "data:image/png;base64," in h for h in htmls)
    assert any("ISS configuration" in h and "Nauka" in h for h in htmls)
    assert any("ISS spacewalk 242" in h for h in htmls)
    assert list(os.listdir(tmp_path)) == []  # nothing written


def test_repr_html_escapes_and_summarises(vkd49):
    from evasim import api
    from evasim.catalog import Catalog

    html = api.Replay.of(vkd49)._repr_html_()
    assert "7 h 54 min" in html and "5 / 5" in html  # duration, sunsets / sunrises in the EVA
    record = Catalog.open().spacewalk(242)
    shown = record._repr_html_()
    assert "Novitskiy" in shown and "Poisk" in shown
    from dataclasses import replace

    assert "&lt;b&gt;" in replace(record, purpose="<b>x</b>")._repr_html_()
