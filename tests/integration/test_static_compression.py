"""The dashboard's and GraphiQL's text files, Brotli- or gzip-compressed as the client
accepts, with ``Vary: Accept-Encoding`` (issue #25, item 7).

Bodies are read raw (not decoded by the client) and compared with what the
codecs make of the committed files, then decoded back to those files.
"""

from __future__ import annotations

import gzip
import json
import random
import re
from collections.abc import AsyncIterator
from pathlib import Path

import brotli
import pytest
from litestar.testing import AsyncTestClient

from goalgate.api.compression import BROTLI_QUALITY, Compressible, negotiate
from goalgate.app import create_app
from goalgate.settings import Settings
from tests.helpers.http import Client

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "src" / "goalgate" / "api" / "dashboard" / "static"
GRAPHIQL = ROOT / "src" / "goalgate" / "api" / "graphql" / "static" / "graphiql"


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[Client]:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
    async with AsyncTestClient(app=create_app(settings)) as test_client:
        yield test_client


async def raw_get(
    client: Client, path: str, accept: str, **headers: str
) -> tuple[int, dict[str, str], bytes]:
    async with client.stream("GET", path, headers={"Accept-Encoding": accept, **headers}) as r:
        body = b"".join([chunk async for chunk in r.aiter_raw()])
        return r.status_code, dict(r.headers), body


def dashboard_script() -> str:
    [script] = re.findall(r'src="\./(assets/[^"]+\.js)"', (DASHBOARD / "index.html").read_text())
    return script


def graphiql_script() -> str:
    version = json.loads((GRAPHIQL / "vendor" / "manifest.json").read_text())["packages"]
    return f"vendor/graphiql@{version['graphiql']}/graphiql.min.js"


def test_negotiation_follows_the_weights() -> None:
    assert negotiate("gzip, deflate, br, zstd") == "br"  # Chromium's header
    assert negotiate("gzip, deflate") == "gzip"
    assert negotiate("gzip;q=1.0, br;q=0.5") == "gzip"
    assert negotiate("br;q=0, gzip") == "gzip"
    assert negotiate("br;q=0, gzip;q=0") is None
    assert negotiate("*") == "br"
    assert negotiate("*;q=0.1, gzip;q=0.5") == "gzip"
    assert negotiate("identity") is None
    assert negotiate("") is None
    assert negotiate("br;q=abc, gzip;q=0.2") == "gzip"


def test_small_and_binary_files_are_never_compressed() -> None:
    assert Compressible(b"x" * 1023, "text/css").variant("br").coding is None
    assert Compressible(b"x" * 4096, "font/woff2").variant("br").coding is None
    big = Compressible(b"x" * 1024, "text/css", '"abc"').variant("br")
    assert (big.coding, big.etag) == ("br", '"abc-br"')
    # Random bytes do not shrink: the identity body is sent.
    noise = random.Random(7).randbytes(4096)
    assert Compressible(noise, "text/plain").variant("gzip").coding is None


@pytest.mark.parametrize("coding", ["br", "gzip"])
async def test_the_dashboard_script_is_compressed(client: Client, coding: str) -> None:
    name = dashboard_script()
    original = (DASHBOARD / name).read_bytes()
    status, headers, body = await raw_get(client, f"/dashboard/{name}", coding)
    assert status == 200
    assert headers["content-encoding"] == coding
    assert headers["vary"] == "Accept-Encoding, Origin"  # Origin: the CORS middleware's
    assert headers["content-type"] == "text/javascript; charset=utf-8"
    if coding == "br":
        assert body == brotli.compress(original, quality=BROTLI_QUALITY)
        assert brotli.decompress(body) == original
    else:
        assert body == gzip.compress(original, compresslevel=9, mtime=0)
        assert gzip.decompress(body) == original
    assert int(headers["content-length"]) == len(body)
    # A minified script shrinks to well under a third.
    assert len(body) < 0.34 * len(original)


async def test_identity_when_nothing_is_accepted(client: Client) -> None:
    name = dashboard_script()
    status, headers, body = await raw_get(client, f"/dashboard/{name}", "identity")
    assert status == 200
    assert "content-encoding" not in headers
    assert headers["vary"] == "Accept-Encoding, Origin"  # Origin: the CORS middleware's
    assert body == (DASHBOARD / name).read_bytes()


async def test_each_variant_has_its_own_etag(client: Client) -> None:
    name = f"/dashboard/{dashboard_script()}"
    _, plain, _ = await raw_get(client, name, "identity")
    _, compressed, _ = await raw_get(client, name, "br")
    assert compressed["etag"] == plain["etag"][:-1] + '-br"'
    again, headers, body = await raw_get(
        client, name, "br", **{"If-None-Match": compressed["etag"]}
    )
    assert (again, body) == (304, b"")
    assert headers["etag"] == compressed["etag"]
    # The identity ETag does not validate the Brotli variant.
    other, _, _ = await raw_get(client, name, "br", **{"If-None-Match": plain["etag"]})
    assert other == 200


async def test_the_favicon_is_too_small_to_compress(client: Client) -> None:
    status, headers, body = await raw_get(client, "/dashboard/favicon.svg", "br, gzip")
    assert status == 200
    assert "content-encoding" not in headers
    assert headers["vary"] == "Origin"
    assert body == (DASHBOARD / "favicon.svg").read_bytes()


@pytest.mark.parametrize(
    ("path", "ratio"),
    [(graphiql_script(), 0.30), ("vendor/graphiql@3.9.0/graphiql.min.css", 0.66)],
)
async def test_graphiql_assets_are_compressed(client: Client, path: str, ratio: float) -> None:
    original = (GRAPHIQL / path).read_bytes()
    status, headers, body = await raw_get(client, f"/graphiql/{path}", "gzip, deflate, br, zstd")
    assert status == 200
    assert headers["content-encoding"] == "br"
    assert headers["vary"] == "Accept-Encoding, Origin"  # Origin: the CORS middleware's
    assert body == brotli.compress(original, quality=BROTLI_QUALITY)
    assert brotli.decompress(body) == original
    # GraphiQL's script: 978,022 bytes sent as ~284 KB; its stylesheet (fonts inlined) ~270 KB.
    assert len(body) < ratio * len(original)
    status, headers, body = await raw_get(client, f"/graphiql/{path}", "gzip")
    assert (status, headers["content-encoding"]) == (200, "gzip")
    assert gzip.decompress(body) == original
