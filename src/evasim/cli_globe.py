"""``evasim globe FOLDER``: serve a replay's 3-D globe (written by ``evasim replay --czml``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from .cli import _guarded, app, console
from .errors import EvasimInputError


@app.command()
@_guarded
def globe(
    folder: Annotated[
        Path, typer.Argument(help="a product folder written by `evasim replay ... --czml`")
    ],
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port, 1..65535")] = 8001,
) -> None:
    """Serve a replay on a 3-D globe (CesiumJS, offline) at http://HOST:PORT/globe/."""
    from .exchange.globe import check_globe_folder, create_globe_app, require_cesium

    if not 1 <= port <= 65535:
        raise EvasimInputError(f"--port: expected 1..65535, got {port}")
    check_globe_folder(folder)
    require_cesium()
    import uvicorn

    shown = f"[{host}]" if ":" in host else host
    console.print(
        f"evasim globe of {escape(str(folder))} at http://{shown}:{port}/globe/ (Ctrl-C stops)",
        highlight=False,
    )
    uvicorn.run(create_globe_app(folder), host=host, port=port, log_level="warning")
