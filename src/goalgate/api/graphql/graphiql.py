"""GraphiQL at ``GET /graphql``, with every script and stylesheet served by goalgate itself.

Strawberry's own page loads React and GraphiQL from a CDN, which leaves an
offline or firewalled browser on "Loading..." forever. This page loads:

- the vendored builds under ``static/graphiql/vendor/`` (react, react-dom,
  graphiql and its CSS), copied from the versions pinned in
  ``frontend/graphiql/package.json`` by ``make graphiql-assets``, which also
  writes ``manifest.json`` (each file's package, version and SHA-384) and the
  licences of every package they bundle;
- ``page.js`` and ``page.css``: our bootstrap, including the storage that keeps
  request headers (bearer tokens) out of localStorage.

They are served at ``/graphiql/<path>?v=<hash>`` (outside ``/graphql``, so they
do not count against the API's rate limit), cached for a year when the hash is
the current one, Brotli- or gzip-compressed as the browser accepts
(``api/compression.py``). Each tag carries its Subresource Integrity hash,
computed from the (uncompressed) bytes served; the page has no inline script or style, so its
Content-Security-Policy allows only this origin (``security_headers``).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from string import Template
from typing import Any

from litestar import MediaType, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.handlers import HTTPRouteHandler

from goalgate.api.compression import Compressible

__all__ = ["ASSET_PREFIX", "Asset", "GraphiQLPage", "integrity"]

ASSET_PREFIX = "/graphiql"
# Litestar adds "; charset=utf-8" to text types.
_MEDIA_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".txt": "text/plain",
    ".json": "application/json",
}
# The page's placeholders and the file each one names.
_TAGS = {
    "graphiql_css": "vendor/graphiql@{graphiql}/graphiql.min.css",
    "page_css": "page.css",
    "react": "vendor/react@{react}/react.production.min.js",
    "react_dom": "vendor/react-dom@{react-dom}/react-dom.production.min.js",
    "graphiql": "vendor/graphiql@{graphiql}/graphiql.min.js",
    "page_js": "page.js",
}


def integrity(body: bytes) -> str:
    """The Subresource Integrity value of ``body`` (SHA-384)."""
    return "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode("ascii")


@dataclass(frozen=True, slots=True)
class Asset:
    path: str
    body: bytes
    integrity: str

    @property
    def version(self) -> str:
        """A short, URL-safe digest of the content, for cache busting."""
        return base64.urlsafe_b64encode(hashlib.sha384(self.body).digest()[:9]).decode("ascii")

    @property
    def url(self) -> str:
        return f"{ASSET_PREFIX}/{self.path}?v={self.version}"

    @property
    def media_type(self) -> str:
        return _MEDIA_TYPES.get("." + self.path.rpartition(".")[2], "application/octet-stream")


def _files(directory: Traversable, prefix: str = "") -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for entry in directory.iterdir():
        if entry.is_dir():
            found.update(_files(entry, f"{prefix}{entry.name}/"))
        elif entry.is_file() and entry.name != "page.html":
            found[prefix + entry.name] = entry.read_bytes()
    return found


@dataclass(frozen=True, slots=True)
class GraphiQLPage:
    """The page and its assets, read once when the app is built."""

    html: str
    assets: dict[str, Asset]

    @classmethod
    def load(cls) -> GraphiQLPage:
        static = resources.files("goalgate.api.graphql").joinpath("static", "graphiql")
        assets = {path: Asset(path, body, integrity(body)) for path, body in _files(static).items()}
        manifest: dict[str, Any] = json.loads(assets["vendor/manifest.json"].body)
        values: dict[str, str] = {}
        for name, pattern in _TAGS.items():
            asset = assets[pattern.format_map(manifest["packages"])]
            values[name] = asset.url
            values[f"{name}_integrity"] = asset.integrity
        html = Template(static.joinpath("page.html").read_text("utf-8")).substitute(values)
        return cls(html=html, assets=assets)

    def response(self) -> Response[str]:
        # Never cached: it names the current assets' hashes.
        return Response(self.html, media_type=MediaType.HTML, headers={"Cache-Control": "no-cache"})

    def route_handler(self) -> HTTPRouteHandler:
        assets = self.assets
        contents = {path: Compressible(a.body, a.media_type) for path, a in assets.items()}

        @get(f"{ASSET_PREFIX}/{{path:path}}", include_in_schema=False, sync_to_thread=False)
        def graphiql_asset(
            request: Request[Any, Any, Any], path: str, v: str | None = None
        ) -> Response[bytes]:
            """One of GraphiQL's scripts, stylesheets or licence files."""
            asset = assets.get(path.lstrip("/"))
            if asset is None:
                raise NotFoundException()
            content = contents[asset.path]
            variant = content.variant(request.headers.get("accept-encoding", ""))
            current = v == asset.version
            headers = {
                "Cache-Control": "public, max-age=31536000, immutable" if current else "no-cache"
            }
            if content.compresses:
                headers["Vary"] = "Accept-Encoding"
            if variant.coding is not None:
                headers["Content-Encoding"] = variant.coding
            return Response(variant.body, media_type=asset.media_type, headers=headers)

        return graphiql_asset
