"""The dashboard at ``/dashboard/``, and ``/`` sending a browser there.

The dashboard is a static single-page app built from ``dashboard/`` at the
repository root (``make dashboard``) into ``static/`` beside this module, which
is committed and ships in the wheel. The server only hands out those files: the
page reads everything through the public GraphQL API (``POST /graphql`` and the
``graphql-transport-ws`` socket) with the token the person pastes, so there is
no private endpoint and no data in the HTML. Its Content-Security-Policy
(``DASHBOARD_CSP`` in ``security_headers.py``) allows only this origin.

Files are read once, when the app is built, and served from memory: the
built index with ``no-cache`` (a new build is seen at once), the hashed assets
as immutable for a year, each with a strong ETag, text files Brotli- or
gzip-compressed as the browser accepts (``api/compression.py``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.handlers import HTTPRouteHandler
from litestar.response import Redirect
from litestar.status_codes import HTTP_304_NOT_MODIFIED

from goalgate.api.compression import Compressible

__all__ = ["IMMUTABLE", "StaticFile", "dashboard_route_handlers", "load_static"]

MANIFEST = "build-manifest.json"

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

# Litestar adds "; charset=utf-8" to text types itself.
_MEDIA_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".png": "image/png",
    ".woff2": "font/woff2",
}


@dataclass(frozen=True, slots=True)
class StaticFile:
    body: bytes
    media_type: str
    etag: str
    cache_control: str
    # The body and its compressed variants (made on first use).
    content: Compressible


def _walk(folder: Traversable, prefix: str = "") -> dict[str, Traversable]:
    found: dict[str, Traversable] = {}
    for entry in folder.iterdir():
        name = f"{prefix}{entry.name}"
        if entry.is_dir():
            found.update(_walk(entry, f"{name}/"))
        elif entry.is_file():
            found[name] = entry
    return found


def load_static() -> dict[str, StaticFile]:
    """The built dashboard, by path under /dashboard/ (empty if it was never built)."""
    folder = resources.files("goalgate.api.dashboard").joinpath("static")
    if not folder.is_dir():
        return {}
    files: dict[str, StaticFile] = {}
    for name, entry in sorted(_walk(folder).items()):
        suffix = name[name.rfind(".") :] if "." in name else ""
        if name == MANIFEST or suffix not in _MEDIA_TYPES:
            continue
        body = entry.read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        files[name] = StaticFile(
            body=body,
            media_type=_MEDIA_TYPES[suffix],
            etag=etag,
            # Vite names every asset after its content hash: it never changes.
            cache_control=IMMUTABLE if name.startswith("assets/") else REVALIDATE,
            content=Compressible(body, _MEDIA_TYPES[suffix], etag),
        )
    return files


def _etag_matches(header: str, etag: str) -> bool:
    candidates = (candidate.strip() for candidate in header.split(","))
    return any(c == "*" or c.removeprefix("W/") == etag for c in candidates)


def _respond(request: Request[Any, Any, Any], file: StaticFile) -> Response[bytes]:
    variant = file.content.variant(request.headers.get("accept-encoding", ""))
    etag = variant.etag or file.etag
    headers = {"ETag": etag, "Cache-Control": file.cache_control}
    if file.content.compresses:
        headers["Vary"] = "Accept-Encoding"
    if _etag_matches(request.headers.get("if-none-match", ""), etag):
        return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
    if variant.coding is not None:
        headers["Content-Encoding"] = variant.coding
    return Response(variant.body, media_type=file.media_type, headers=headers)


def dashboard_route_handlers() -> list[HTTPRouteHandler]:
    """``/`` and ``/dashboard`` redirect to ``/dashboard/``, which serves the app."""
    files = load_static()

    # Relative redirects, so that they also hold behind a proxy serving under a prefix.
    @get("/", include_in_schema=False)
    async def root() -> Redirect:
        """The first thing a person sees: the dashboard."""
        return Redirect("dashboard/")

    @get("/dashboard", include_in_schema=False)
    async def index(request: Request[Any, Any, Any]) -> Response[bytes] | Redirect:
        """The app's page; without the trailing slash, a redirect (its URLs are relative)."""
        # Litestar routes /dashboard and /dashboard/ here alike; the raw path tells them apart.
        raw_path = request.scope.get("raw_path") or request.scope["path"].encode()
        if not raw_path.split(b"?", 1)[0].endswith(b"/"):
            return Redirect("dashboard/")
        page = files.get("index.html")
        if page is None:
            raise NotFoundException("the dashboard is not built: run `make dashboard`")
        return _respond(request, page)

    @get("/dashboard/{name:str}", include_in_schema=False)
    async def top_level_file(request: Request[Any, Any, Any], name: str) -> Response[bytes]:
        file = files.get(name)
        if file is None or name == "index.html":
            raise NotFoundException()
        return _respond(request, file)

    @get("/dashboard/assets/{name:str}", include_in_schema=False)
    async def asset(request: Request[Any, Any, Any], name: str) -> Response[bytes]:
        file = files.get(f"assets/{name}")
        if file is None:
            raise NotFoundException()
        return _respond(request, file)

    return [root, index, top_level_file, asset]
