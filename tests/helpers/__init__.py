"""Plain helpers the tests share (fixtures stay in the conftest.py files).

- ``env``: which outside services this run has, and skipping (or failing, in CI) without one.
- ``data``: sites, tokens, goals and events through the product's own services
  (events through ``write_events``, the product's writer).
- ``currency``: one set of exchange rates and purchases priced against it.
- ``http``: the test client's type and the REST shapes (bearer header, goal body, error body).
- ``graphql``: posting operations and creating goals through GraphQL; counting SQL statements.
- ``time``: epoch milliseconds, and polling with a deadline.
- ``ratelimit``: pinning the rate limiter's clock, reading its headers.
- ``server``: ``goalgate serve`` as a real subprocess.
- ``pg``: the session's throwaway PostgreSQL database.
- ``ws``: a small graphql-transport-ws client over a real socket.
- ``ka``: the capture server and pages of the ka.js browser tests.
"""
