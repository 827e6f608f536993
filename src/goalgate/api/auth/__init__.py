"""Authentication on every face, from the request to the principal: the whole path in one place.

REST routes, GraphQL over HTTP, GraphQL over a WebSocket and ingestion all
authenticate the same way, in this order:

1. What the caller presents (``credentials``): its ``Authorization`` value (the
   request's header, or the ``connection_init`` payload of a WebSocket) and its
   client IP. The client IP has one rule, ``credentials.client_ip``: the address
   in the ASGI scope once uvicorn's ``ProxyHeadersMiddleware`` (wrapped around
   the app by ``app.create_app``) has applied ``X-Forwarded-For`` from the
   proxies ``FORWARDED_ALLOW_IPS`` trusts, and ``"unknown"`` without one.
2. The bearer secret of that value: ``domain.tokens.bearer_secret``, the one
   rule for ``Bearer <secret>`` (a pure rule beside the secrets' format, so
   that the services below read it too).
3. The principal, with failed tokens counted against the client IP
   (``authentication.authenticate``): the REST guard ``authenticated``,
   ingestion's ``optional_principal`` and GraphQL's ``api.graphql.context.Caller``
   (for each field that needs it, and once in ``connection_init``) call it.
4. Below the faces: ``services.principals.Principals`` caches principals per
   process (1 s) over ``services.tokens.authenticate``, which looks the
   secret's hash up (``domain.tokens``: format, SHA-256, constant-time match)
   and says why a value is refused (``errors.Unauthenticated``).
5. Scopes and sites: checked by the services only, never by a face
   (``services.tokens.require``; the stats path authorises each query once in
   ``services.queries.authorised_query``). Every face hands the principal to
   the service and presents the ``Forbidden`` or ``NotFound`` it may raise.

The rate limiter (``api.ratelimit``) reads the same credentials: a token's
bucket by its bearer secret, a client's by its IP (an IPv6 client by its /64).
This package's ``__init__`` imports nothing, so that ``api.ratelimit`` can use
``credentials`` while ``authentication`` uses ``api.ratelimit``.
"""
