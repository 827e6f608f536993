"""The /graphql route: Strawberry's Litestar controller with our context and encoder.

POST runs queries and mutations; GET runs queries only (Strawberry refuses a
mutation over GET with 405) and serves GraphiQL to a browser. The route stays
out of the OpenAPI document, which describes the REST routes.
"""

from __future__ import annotations

import msgspec
from litestar import Controller
from strawberry.litestar import make_graphql_controller

from goalgate.api.graphql.context import provide_context
from goalgate.api.graphql.schema import build_schema
from goalgate.settings import Settings

__all__ = ["graphql_controller"]

_ENCODER = msgspec.json.Encoder()


def graphql_controller(settings: Settings) -> type[Controller]:
    """The controller class for an app built with ``settings``."""
    base = make_graphql_controller(
        build_schema(settings),
        path="/graphql",
        graphql_ide="graphiql",
        allow_queries_via_get=True,
        context_getter=provide_context,
        # No subscriptions in this schema: refuse WebSocket upgrades outright.
        subscription_protocols=(),
        multipart_uploads_enabled=False,
    )

    class GraphQLController(base):  # type: ignore[valid-type, misc]
        include_in_schema = False

        def encode_json(self, data: object) -> bytes:
            # msgspec encodes a result several times faster than json.dumps.
            return _ENCODER.encode(data)

    return GraphQLController
