"""The app's Request class: a JSON body nested too deeply is the client's error, not ours.

msgspec decodes JSON recursively and raises RecursionError on a body such as
``[[[[...]]]]`` nested some tens of thousands of levels deep, which Litestar lets
through as a 500. Every face that reads ``request.json()`` (REST, GraphQL,
ingestion) gets a 400 with the documented body instead.
"""

from __future__ import annotations

from typing import Any

from litestar import Request

from goalgate.errors import BadRequest

__all__ = ["GoalgateRequest"]


class GoalgateRequest(Request[Any, Any, Any]):
    async def json(self) -> Any:
        try:
            return await super().json()
        except RecursionError:
            raise BadRequest("the JSON body is nested too deeply") from None
