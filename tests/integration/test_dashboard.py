"""The dashboard as goalgate serves it: routes, headers, the committed build, its operations.

The browser side (signing in, numbers, charts, editing, live conversions) is
tested end to end in tests/e2e/test_dashboard.py; the frontend's own unit
tests run with ``npm test`` in dashboard/ (``make test`` runs both).
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from graphql import build_schema, parse, validate
from graphql.language import DocumentNode
from litestar.testing import AsyncTestClient

from goalgate.api.dashboard.routes import IMMUTABLE, load_static
from goalgate.api.graphql.schema import sdl
from goalgate.api.security_headers import DASHBOARD_CSP
from goalgate.app import create_app
from goalgate.settings import Settings
from tests.helpers.http import Client

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "dashboard"
STATIC = ROOT / "src" / "goalgate" / "api" / "dashboard" / "static"
MANIFEST = STATIC / "build-manifest.json"


@pytest.fixture
async def plain_client(tmp_path: Path) -> AsyncIterator[Client]:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'd.db'}")
    async with AsyncTestClient(app=create_app(settings)) as client:
        yield client


def built_assets() -> list[str]:
    """The files index.html loads, relative to /dashboard/."""
    page = (STATIC / "index.html").read_text()
    return re.findall(r'(?:src|href)="\./([^"]+)"', page)


# --------------------------------------------------------------------------
# routes


@pytest.mark.parametrize("path", ["/", "/dashboard"])
async def test_the_root_and_the_bare_path_lead_to_the_dashboard(
    plain_client: Client, path: str
) -> None:
    response = await plain_client.get(path, follow_redirects=False)
    assert response.status_code == 302
    # relative, so that it also holds behind a proxy serving under a prefix
    assert response.headers["location"] == "dashboard/"
    followed = await plain_client.get(path)
    assert followed.status_code == 200
    assert str(followed.url).endswith("/dashboard/")
    assert followed.text == (STATIC / "index.html").read_text()


async def test_the_page_gets_a_strict_policy_and_is_revalidated(plain_client: Client) -> None:
    response = await plain_client.get("/dashboard/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-security-policy"] == DASHBOARD_CSP
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    again = await plain_client.get(
        "/dashboard/", headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.content == b""
    # a browser keeps the policy of the 304 with the cached page: it must be the same
    assert again.headers["content-security-policy"] == DASHBOARD_CSP


def test_the_policy_allows_this_origin_only_and_no_inline_code() -> None:
    directives = dict([*part.strip().split(" ", 1), ""][:2] for part in DASHBOARD_CSP.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["connect-src"] == "'self'"  # /graphql, and its WebSocket (CSP 3)
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in DASHBOARD_CSP
    assert "http" not in DASHBOARD_CSP


async def test_every_built_file_is_served_with_its_type_and_cache_policy(
    plain_client: Client,
) -> None:
    assets = built_assets()
    assert any(name.endswith(".js") for name in assets)
    assert any(name.endswith(".css") for name in assets)
    types = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
    for name in assets:
        response = await plain_client.get(f"/dashboard/{name}")
        assert response.status_code == 200, name
        assert response.content == (STATIC / name).read_bytes()
        if name.startswith("assets/"):
            assert response.headers["content-type"] == types[Path(name).suffix]
            assert response.headers["cache-control"] == IMMUTABLE
        else:
            assert response.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/assets/nope.js",
        "/dashboard/build-manifest.json",
        "/dashboard/index.html",
        "/dashboard/assets/..%2F..%2Froutes.py",
        "/dashboard/..%2Froutes.py",
    ],
)
async def test_nothing_else_is_served(plain_client: Client, path: str) -> None:
    response = await plain_client.get(path)
    assert response.status_code == 404


def test_the_page_loads_nothing_from_elsewhere_and_holds_no_data() -> None:
    page = (STATIC / "index.html").read_text()
    assert "<script>" not in page  # no inline script: the CSP would block it
    assert "style=" not in page
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page)
    assert "gg_" not in page
    assert "sk_" not in page
    for name in built_assets():
        if name.endswith(".js"):
            code = (STATIC / name).read_text()
            # the only absolute URLs in the bundle are XML namespaces
            urls = set(re.findall(r"https?://[\w./-]+", code))
            assert urls <= {
                "http://www.w3.org/2000/svg",
                "http://www.w3.org/1999/xhtml",
                "http://www.w3.org/1998/Math/MathML",
            }, urls


def test_the_app_serves_what_was_built() -> None:
    served = set(load_static())
    on_disk = {path.relative_to(STATIC).as_posix() for path in STATIC.rglob("*") if path.is_file()}
    assert served == on_disk - {"build-manifest.json"}


# --------------------------------------------------------------------------
# the committed build


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files_under(folder: Path, skip: set[str], base: Path) -> list[str]:
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(base).as_posix()
        if path.is_file() and not any(relative == s or relative.startswith(f"{s}/") for s in skip):
            found.append(relative)
    return found


def test_the_committed_build_matches_its_sources() -> None:
    """dashboard/scripts/manifest.mjs wrote the hashes of the sources it built from.

    A changed, added or removed source without ``make dashboard`` fails here,
    naming the files; so does a hand-edited built file.
    """
    manifest = json.loads(MANIFEST.read_text())
    rule = manifest["rule"]
    assert {"src", "public", "scripts"} <= set(rule["dirs"])
    assert {"package.json", "package-lock.json", "index.html"} <= set(rule["files"])
    sources = list(rule["files"])
    for folder in rule["dirs"]:
        if (DASHBOARD / folder).is_dir():
            sources += _files_under(DASHBOARD / folder, set(rule["exclude"]), DASHBOARD)
    now = {path: _sha256(DASHBOARD / path) for path in sources}
    recorded = manifest["inputs"]
    stale = sorted(path for path in set(now) | set(recorded) if now.get(path) != recorded.get(path))
    assert not stale, f"the dashboard was not rebuilt after changes to {stale}: run make dashboard"

    built = {path: _sha256(STATIC / path) for path in _files_under(STATIC, {MANIFEST.name}, STATIC)}
    assert built == manifest["outputs"], "src/goalgate/api/dashboard/static/ was edited by hand"


def test_the_wheel_ships_the_dashboard(tmp_path: Path) -> None:
    """The app reads the build through importlib.resources: the wheel must hold it."""
    pytest.importorskip("hatchling", reason="hatchling builds the wheel")
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    subprocess.run([*pip, "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    [wheel] = tmp_path.glob("goalgate-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for name in ["index.html", "favicon.svg", *built_assets()]:
            member = f"goalgate/api/dashboard/static/{name}"
            assert member in names
            assert archive.read(member) == (STATIC / name).read_bytes()
        assert not any(name.startswith("dashboard/") for name in names)


# --------------------------------------------------------------------------
# the operations it sends


def dashboard_operations() -> DocumentNode:
    sources = sorted((DASHBOARD / "src" / "graphql").glob("*.graphql"))
    assert sources
    return parse("\n".join(path.read_text() for path in sources))


def test_every_operation_of_the_dashboard_fits_the_served_schema() -> None:
    """The same check its codegen makes, here without Node.js: a schema change
    that breaks the dashboard fails the Python suite too."""
    document = dashboard_operations()
    for schema_source in (sdl(), (ROOT / "schema.graphql").read_text()):
        errors = validate(build_schema(schema_source), document)
        assert errors == [], [error.message for error in errors]
    names = {
        definition.name.value
        for definition in document.definitions
        if getattr(definition, "operation", None) is not None and definition.name
    }
    assert names == {
        "Viewer",
        "GoalsOverview",
        "GoalDefinition",
        "GoalDetail",
        "GoalBreakdown",
        "PreviewGoal",
        "CreateGoal",
        "UpdateGoal",
        "DeleteGoal",
        "LiveConversions",
        "SiteOverview",
        "FunnelGoals",
        "SiteFunnel",
    }
