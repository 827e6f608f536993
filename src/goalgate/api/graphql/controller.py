"""The /graphql route: Strawberry's Litestar controller with our context and encoder.

POST runs queries and mutations; WebSockets (graphql-transport-ws) run the
live subscription, with the token in connection_init; GET runs queries only (Strawberry refuses a
mutation over GET with 405) and serves GraphiQL to a browser. The route stays
out of the OpenAPI document, which describes the REST routes.
"""

from __future__ import annotations

import msgspec
from graphql import GraphQLError
from litestar import Controller
from strawberry.exceptions import ConnectionRejectionError
from strawberry.litestar import make_graphql_controller
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from goalgate.api.graphql.context import Caller, GraphQLContext, provide_context
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
        # Live conversions; browsers on other origins only if configured.
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        allowed_origins=settings.cors_origins,
        multipart_uploads_enabled=False,
    )

    class GraphQLController(base):  # type: ignore[valid-type, misc]
        include_in_schema = False

        def encode_json(self, data: object) -> bytes:
            # msgspec encodes a result several times faster than json.dumps.
            return _ENCODER.encode(data)

        async def on_ws_connect(self, context: GraphQLContext) -> UnsetType:
            """Authenticate the token of connection_init; refuse the socket (4403) otherwise."""
            params = context.connection_params or {}
            authorization = params.get("Authorization") or params.get("authorization")
            context.caller = Caller(
                context.runtime,
                authorization if isinstance(authorization, str) else None,
                context.caller.client_ip,
            )
            try:
                await context.caller.principal()
            except GraphQLError:
                raise ConnectionRejectionError from None
            ack: UnsetType = UNSET  # a plain connection_ack, no payload
            return ack

    return GraphQLController
