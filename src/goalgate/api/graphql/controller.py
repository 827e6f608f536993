"""The /graphql route: Strawberry's Litestar controller speaking GraphQL over HTTP as specified.

POST runs queries and mutations; GET runs queries only (a mutation over GET is
a 405) and serves GraphiQL to a browser (see ``graphiql``); either may name a
persisted query by its hash (``persisted``); WebSockets (graphql-transport-ws)
run the live subscription, with the token in connection_init. The HTTP
protocol (media types, parameters, status codes) is ``http``'s; this module
only wires it to Litestar, and answers every refusal, the app's own included
(a rate limit, a body too large, a bug), as a GraphQL response with an
``errors`` list. The route stays out of the OpenAPI document,
which describes the REST routes.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
from graphql import GraphQLError, parse
from litestar import HttpMethod, Request, Response, Router, route
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.litestar import make_graphql_controller
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET, UnsetType

from goalgate.api import errors as rest_errors
from goalgate.api.graphql import graphiql, http, persisted
from goalgate.api.graphql.context import GraphQLContext, provide_context
from goalgate.api.graphql.error_codes import (
    GRAPHQL_PARSE_FAILED,
    OPERATION_RESOLUTION_FAILURE,
    code_what_escaped,
    with_code,
)
from goalgate.api.graphql.schema import build_schema
from goalgate.api.graphql.trusted import TrustedDocuments, socket_handler
from goalgate.errors import RateLimited, Unauthenticated
from goalgate.settings import Settings

__all__ = ["graphql_controller"]

_ENCODER = msgspec.json.Encoder()
_ALLOWED = "GET, POST"
_SUBSCRIPTION_OVER_HTTP = (
    "subscriptions run over a WebSocket (graphql-transport-ws) at /graphql, not over HTTP"
)


def _json(data: object) -> bytes:
    """msgspec's JSON, or the standard library's where msgspec cannot write a string.

    A lone surrogate that a client sent as ``"\\ud800"`` (valid JSON) comes back
    in the error about it ("got invalid value ..."), and is not UTF-8: msgspec
    raises, json.dumps writes the same escape the client sent.
    """
    try:
        return _ENCODER.encode(data)
    except UnicodeEncodeError:
        return json.dumps(data, separators=(",", ":")).encode()


def _encode(answer: http.Answer, media_type: str | None) -> Response[bytes]:
    return Response(
        _json(answer.body),
        status_code=answer.status,
        media_type=http.content_type(media_type or http.JSON),
        headers=answer.headers,
    )


def _as_graphql_error(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    """Any exception that escapes the route, answered as GraphQL: the REST mapping's
    status, headers and message (and its logging of bugs), in an ``errors`` list."""
    handler = next(
        rest_errors.exception_handlers[cls]
        for cls in type(exc).__mro__
        if cls in rest_errors.exception_handlers
    )
    rest: Response[dict[str, Any]] = handler(request, exc)
    error = rest.content["error"]
    status = rest.status_code or 500
    answer = http.http_error(status, error["message"], str(error["code"]).upper(), rest.headers)
    return _encode(answer, http.negotiate(request.headers.get("accept")))


def _empty_document() -> list[GraphQLError]:
    """graphql-core's own error for an empty document (Strawberry refuses it before parsing)."""
    try:
        parse("")
    except GraphQLError as error:
        return [with_code(error, GRAPHQL_PARSE_FAILED)]
    raise AssertionError("an empty document parsed")  # pragma: no cover


def graphql_controller(settings: Settings) -> Router:
    """The /graphql controller and GraphiQL's assets, for an app built with ``settings``."""
    trusted = (
        None
        if settings.graphql_trusted_documents is None
        else TrustedDocuments.load(settings.graphql_trusted_documents)
    )
    schema = build_schema(settings, None if trusted is None else trusted.texts)
    page = graphiql.GraphiQLPage.load()
    base = make_graphql_controller(
        schema,
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
        if trusted is not None:
            graphql_transport_ws_handler_class = socket_handler(trusted.texts)
        # The app's handlers answer in the REST error body; here each one is
        # wrapped to answer in GraphQL's. Same keys, so that these win.
        exception_handlers = dict.fromkeys(rest_errors.exception_handlers, _as_graphql_error)

        def encode_json(self, data: object) -> bytes:
            # msgspec encodes a result several times faster than json.dumps.
            return _json(data)

        async def execute_request(
            self, request: Request[Any, Any, Any], context: GraphQLContext, root_value: Any
        ) -> Response[Any]:
            """One GET or POST, from the Accept header to the status code."""
            accept = request.headers.get("accept")
            get = request.method == HttpMethod.GET
            asks = "query" in request.query_params or "extensions" in request.query_params
            if get and not asks and http.accepts_html(accept):
                return page.response()
            media_type = http.negotiate(accept)
            if media_type is None:
                return _encode(http.not_acceptable(), None)
            try:
                if get:
                    params = http.params_from_query(request.query_params.dict())
                else:
                    body = await request.body()
                    params = http.params_from_body(request.headers.get("content-type"), body)
            except http.MalformedRequest as exc:
                return _encode(exc.answer, media_type)
            answer = await self._execute(params, media_type, get, context, root_value)
            response = _encode(answer, media_type)
            # Whatever a resolver set on the sub-response (headers, cookies).
            if context.response is not None:
                response.headers.update(context.response.headers)
                response.cookies.extend(context.response.cookies)
                response.background = context.response.background
            return response

        async def _execute(
            self,
            params: http.Params,
            media_type: str,
            get: bool,
            context: GraphQLContext,
            root_value: Any,
        ) -> http.Answer:
            try:
                if trusted is not None:
                    found = persisted.Persisted(trusted.resolve(params))
                else:
                    found = await persisted.resolve(params, context.runtime.documents)
            except persisted.Refused as exc:
                return exc.answer
            params = found.params
            assert params.query is not None
            allowed = (
                {OperationType.QUERY} if get else {OperationType.QUERY, OperationType.MUTATION}
            )
            try:
                result = await schema.execute(
                    params.query,
                    variable_values=params.variables,
                    context_value=context,
                    root_value=root_value,
                    operation_name=params.operation_name,
                    allowed_operation_types=allowed,
                    operation_extensions=params.extensions,
                )
            except InvalidOperationTypeError as exc:
                if exc.operation_type is OperationType.MUTATION:
                    return http.http_error(
                        405,
                        "a mutation needs POST: GET only runs queries",
                        "METHOD_NOT_ALLOWED",
                        {"Allow": "POST"},
                    )
                # Like a mutation over GET: this transport cannot run it at all.
                return http.http_error(400, _SUBSCRIPTION_OVER_HTTP, "BAD_REQUEST")
            except CannotGetOperationTypeError as exc:
                error = GraphQLError(exc.as_http_error_reason())
                return http.request_error(
                    media_type, [with_code(error, OPERATION_RESOLUTION_FAILURE)]
                )
            except MissingQueryError:
                return http.request_error(media_type, _empty_document())
            if result.errors:
                result.errors = code_what_escaped(result.errors)
            answer = http.result_answer(media_type, result)
            if found.register is not None and persisted.storable(answer.body.get("errors")):
                # It parsed and validated: from now on its hash alone runs it.
                await context.runtime.documents.put(found.register, params.query)
            return answer

        @route(
            http_method=[HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE],
            status_code=405,
            include_in_schema=False,
        )
        async def refuse_other_methods(self) -> Response[bytes]:
            answer = http.http_error(
                405,
                "GraphQL over HTTP takes GET (queries) and POST",
                "METHOD_NOT_ALLOWED",
                {"Allow": _ALLOWED},
            )
            return _encode(answer, http.JSON)

        @route(http_method=[HttpMethod.HEAD], status_code=405, include_in_schema=False)
        async def refuse_head(self) -> Response[bytes]:
            # A HEAD answer has no body; the status and Allow say it all.
            return Response(b"", status_code=405, headers={"Allow": _ALLOWED})

        @route(http_method=[HttpMethod.OPTIONS], status_code=204, include_in_schema=False)
        async def allowed_methods(self) -> Response[None]:
            # CORS preflights never get here (api/cors.py answers them before routing);
            # Litestar's own OPTIONS answer would list only some of the route's methods.
            return Response(None, status_code=204, headers={"Allow": f"{_ALLOWED}, OPTIONS"})

        async def on_ws_connect(self, context: GraphQLContext) -> UnsetType:
            """Authenticate the token of connection_init; refuse the socket (4403) otherwise."""
            context.caller = context.caller.for_connection(context.connection_params)
            try:
                await context.caller.principal()
            except (Unauthenticated, RateLimited):
                raise ConnectionRejectionError from None
            ack: UnsetType = UNSET  # a plain connection_ack, no payload
            return ack

    return Router(path="/", route_handlers=[GraphQLController, page.route_handler()])
