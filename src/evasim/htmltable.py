"""A compact two-column HTML table (every text escaped): what ``_repr_html_`` shows in Jupyter.

Light (standard library only), so that models may display themselves without importing a
product module.
"""

from __future__ import annotations

import html


def html_table(rows: list[tuple[str, object]], title: str) -> str:
    """``<div>`` with a bold ``title`` and one ``<tr>`` per (label, value), escaped."""
    cells = "".join(
        f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(str(k))}</th>"
        f"<td style='text-align:left'>{html.escape(str(v))}</td></tr>"
        for k, v in rows
    )
    return f"<div><b>{html.escape(title)}</b><table>{cells}</table></div>"
