"""``evasim globe FOLDER``: serve a replay's 3-D globe (written by ``evasim replay --czml``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from .cli import _guarded, app, console
from .errors import EvasimInputError, EvasimRuntimeError


def check_listen(host: str, port: int) -> None:
    """Refuse, before any work, a ``--host``/``--port`` a server could not listen on: a port
    outside 1..65535 or a host that is not a name or address of this machine (input errors,
    exit 2); a port already taken (a runtime fault, exit 1). The test socket is closed again."""
    import errno
    import socket

    if not 1 <= port <= 65535:
        raise EvasimInputError(f"--port: expected 1..65535, got {port}")
    try:
        found = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except (OSError, UnicodeError, ValueError) as exc:
        why = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise EvasimInputError(
            f"--host {host!r}: expected an address or name of this machine to listen on "
            f"(like 127.0.0.1 or ::1); {why}"
        ) from None
    family, kind, proto, _, address = found[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRNOTAVAIL:
                raise EvasimInputError(
                    f"--host {host!r}: not an address of this machine; expected one to listen "
                    "on (like 127.0.0.1 or ::1)"
                ) from None
            raise EvasimRuntimeError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


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

    check_listen(host, port)
    check_globe_folder(folder)
    require_cesium()
    import uvicorn

    shown = f"[{host}]" if ":" in host else host
    console.print(
        f"evasim globe of {escape(str(folder))} at http://{shown}:{port}/globe/ (Ctrl-C stops)",
        highlight=False,
    )
    uvicorn.run(create_globe_app(folder), host=host, port=port, log_level="warning")
