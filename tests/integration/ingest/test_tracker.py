"""GET /js/ka.js: the packaged tracker, cached by a strong ETag."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from goalgate.api.ingest.routes import tracker_script
from tests.helpers.env import skip_or_fail
from tests.helpers.http import Client

SOURCE = Path(__file__).resolve().parents[3] / "src" / "goalgate" / "api" / "ingest" / "ka.js"
DOCS = Path(__file__).resolve().parents[3] / "docs" / "tracking.md"
SIZE_BUDGET = 2048  # bytes, gzip -9 (issue 6)
ETAG = '"' + hashlib.sha256(SOURCE.read_bytes()).hexdigest()[:32] + '"'


def test_the_packaged_script_is_the_source_file() -> None:
    assert tracker_script() == SOURCE.read_bytes()


def test_the_gzipped_script_stays_under_2_kb_and_the_docs_give_its_size() -> None:
    """Measured as the docs say, with ``gzip -9``; the documented size must be current."""
    gzip = shutil.which("gzip")
    if gzip is None:
        skip_or_fail("the gzip command is not installed")
    assert gzip is not None
    size = len(
        subprocess.run(
            [gzip, "-9", "-c"], input=SOURCE.read_bytes(), capture_output=True, check=True
        ).stdout
    )
    assert size < SIZE_BUDGET
    documented = re.findall(r"(\d+) bytes with `gzip -9`", DOCS.read_text())
    assert documented == [str(size)], f"docs/tracking.md (Size and caching) should say {size} bytes"


async def test_the_tracker_is_served_as_javascript_with_etag_and_cache_control(
    client: Client,
) -> None:
    response = await client.get("/js/ka.js")
    assert response.status_code == 200
    assert response.content == SOURCE.read_bytes()
    assert response.headers["content-type"] == "application/javascript"
    assert response.headers["etag"] == ETAG
    assert response.headers["cache-control"] == "public, max-age=3600"
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("header", [ETAG, f"W/{ETAG}", f'"other", {ETAG}', "*"])
async def test_a_matching_if_none_match_is_304_without_body(client: Client, header: str) -> None:
    response = await client.get("/js/ka.js", headers={"If-None-Match": header})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == ETAG
    assert response.headers["cache-control"] == "public, max-age=3600"


async def test_a_stale_etag_gets_the_script(client: Client) -> None:
    response = await client.get("/js/ka.js", headers={"If-None-Match": '"0123"'})
    assert response.status_code == 200
    assert response.content == SOURCE.read_bytes()


def test_the_wheel_ships_the_tracker(tmp_path: Path) -> None:
    """importlib.resources reads ka.js from the installed package: the wheel must hold it."""
    pytest.importorskip("hatchling", reason="hatchling builds the wheel")
    root = SOURCE.parents[4]
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    subprocess.run(
        [*pip, "-w", str(tmp_path), str(root)],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("goalgate-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("goalgate/api/ingest/ka.js") == SOURCE.read_bytes()
