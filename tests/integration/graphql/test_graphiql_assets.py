"""GraphiQL's self-hosted assets: the committed files are the pinned builds, and the page
names each one with its integrity hash."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from goalgate.api.graphql import graphiql
from tests.helpers.http import Client
from tests.helpers.server import ROOT

FRONTEND = ROOT / "frontend" / "graphiql"
STATIC = ROOT / "src" / "goalgate" / "api" / "graphql" / "static" / "graphiql"
VENDOR = STATIC / "vendor"


def sha384(body: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()


def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((VENDOR / "manifest.json").read_text())
    return loaded


def test_the_manifest_pins_what_package_json_and_the_lock_pin() -> None:
    pinned = json.loads((FRONTEND / "package.json").read_text())["dependencies"]
    lock = json.loads((FRONTEND / "package-lock.json").read_text())
    assert pinned == {
        "graphiql": "3.9.0",
        "graphql": "16.15.0",
        "react": "18.3.1",
        "react-dom": "18.3.1",
    }
    assert manifest()["packages"] == pinned
    assert lock["packages"][""]["dependencies"] == pinned
    assert {name: lock["packages"][f"node_modules/{name}"]["version"] for name in pinned} == pinned


def test_the_committed_files_are_the_ones_the_manifest_hashes() -> None:
    files = manifest()["files"]
    packages = manifest()["packages"]
    assert sorted(files) == [
        "graphiql@3.9.0/graphiql.min.css",
        "graphiql@3.9.0/graphiql.min.js",
        "react-dom@18.3.1/react-dom.production.min.js",
        "react@18.3.1/react.production.min.js",
    ]
    on_disk = sorted(
        path.relative_to(VENDOR).as_posix() for path in VENDOR.rglob("*") if path.is_file()
    )
    assert on_disk == sorted([*files, "THIRD_PARTY_LICENSES.txt", "manifest.json"])
    for path, entry in files.items():
        assert path == f"{entry['package']}@{entry['version']}/{entry['source'].split('/')[-1]}"
        assert entry["version"] == packages[entry["package"]]
        assert sha384((VENDOR / path).read_bytes()) == entry["sha384"], path


def test_the_react_builds_carry_the_pinned_version() -> None:
    version = manifest()["packages"]["react"]
    react = (VENDOR / f"react@{version}/react.production.min.js").read_text()
    react_dom = (VENDOR / f"react-dom@{version}/react-dom.production.min.js").read_text()
    assert re.findall(r'\.version="([^"]+)"', react) == [version]
    assert re.findall(r'reconcilerVersion:"([^"]+)"', react_dom) == [version]


def test_the_licences_name_every_package_in_the_lock() -> None:
    lock = json.loads((FRONTEND / "package-lock.json").read_text())
    licences = (VENDOR / "THIRD_PARTY_LICENSES.txt").read_text()
    named = set(re.findall(r"^(\S+@\d\S*) \(", licences, flags=re.MULTILINE))
    expected = {
        f"{path.removeprefix('node_modules/')}@{meta['version']}"
        for path, meta in lock["packages"].items()
        if path
    }
    assert named == expected
    assert "Copyright (c) GraphQL Contributors" in licences
    assert "Copyright (c) Facebook, Inc. and its affiliates." in licences


def test_the_vendored_files_are_byte_for_byte_the_npm_builds() -> None:
    """After `make graphiql-assets` (npm ci in frontend/graphiql), compare with the sources."""
    modules = FRONTEND / "node_modules"
    if not (modules / "graphiql").is_dir():
        pytest.skip("frontend/graphiql/node_modules is absent: run `make graphiql-assets`")
    for path, entry in manifest()["files"].items():
        package = json.loads((modules / entry["package"] / "package.json").read_text())
        assert package["version"] == entry["version"]
        assert (modules / entry["source"]).read_bytes() == (VENDOR / path).read_bytes(), path


async def test_the_page_names_each_asset_with_its_integrity_and_serves_it(
    client: Client,
) -> None:
    page = await client.get("/graphql", headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-cache"
    tags = re.findall(r'(?:src|href)="(/graphiql/[^"]+)" integrity="([^"]+)"', page.text)
    assert len(tags) == 6
    vendored = {f"/graphiql/vendor/{path}": e["sha384"] for path, e in manifest()["files"].items()}
    for url, integrity in tags:
        path = url.split("?")[0]
        if path in vendored:
            assert integrity == vendored[path]
        asset = await client.get(url)
        assert asset.status_code == 200, url
        assert sha384(asset.content) == integrity, url
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        kind = "text/javascript" if path.endswith(".js") else "text/css"
        assert asset.headers["content-type"] == f"{kind}; charset=utf-8"
    assert sorted(url.split("?")[0] for url, _ in tags if url.split("?")[0] in vendored) == sorted(
        vendored
    )


async def test_an_asset_asked_for_without_its_current_hash_is_not_cached(client: Client) -> None:
    response = await client.get("/graphiql/page.js")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-cache"
    assert response.content == (STATIC / "page.js").read_bytes()


async def test_an_unknown_asset_is_a_404(client: Client) -> None:
    for path in ("/graphiql/nope.js", "/graphiql/page.html", "/graphiql/../graphiql.py"):
        response = await client.get(path)
        assert response.status_code == 404, path


def test_the_integrity_helper_matches_the_manifests() -> None:
    for path, entry in manifest()["files"].items():
        assert graphiql.integrity((VENDOR / path).read_bytes()) == entry["sha384"]


def test_the_wheel_ships_graphiql(tmp_path: Path) -> None:
    """importlib.resources reads the page and its assets from the installed package."""
    pytest.importorskip("hatchling", reason="hatchling builds the wheel")
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    subprocess.run([*pip, "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    [wheel] = tmp_path.glob("goalgate-*.whl")
    expected = sorted(
        "goalgate/api/graphql/static/graphiql/" + path.relative_to(STATIC).as_posix()
        for path in STATIC.rglob("*")
        if path.is_file()
    )
    with zipfile.ZipFile(wheel) as archive:
        shipped = sorted(
            name for name in archive.namelist() if name.startswith("goalgate/api/graphql/static/")
        )
        assert shipped == expected
        assert len(shipped) == 9
        for name in shipped:
            relative = name.removeprefix("goalgate/api/graphql/static/graphiql/")
            assert archive.read(name) == (STATIC / relative).read_bytes(), name
