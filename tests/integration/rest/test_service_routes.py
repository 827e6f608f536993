"""Health probes and the OpenAPI document."""

from __future__ import annotations

from pathlib import Path

from litestar.testing import AsyncTestClient

from goalgate.app import create_app
from goalgate.settings import Settings
from tests.helpers.http import Client


async def test_healthz_and_readyz(client: Client) -> None:
    health = await client.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready"}


async def test_readyz_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'gone.db'}"
    app = create_app(Settings(database_url=url))
    async with AsyncTestClient(app=app) as client:
        await app.state.runtime.db.close()
        (tmp_path / "gone.db").unlink()
        (tmp_path / "gone.db").mkdir()  # a directory where the file was: opening fails
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json() == {
            "error": {
                "code": "unavailable",
                "message": "the database is not reachable",
                "fields": {},
            }
        }
        assert (await client.get("/healthz")).status_code == 200


async def test_openapi_documents_the_goal_routes(client: Client) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert set(paths["/api/v1/analytics/sites/{key}/goals"]) == {"get", "post"}
    assert set(paths["/api/v1/analytics/sites/{key}/goals/{goal_id}"]) == {"get", "patch", "delete"}
    assert set(paths["/api/v1/analytics/sites/{key}/goals/{goal_id}/stats"]) == {"get"}
