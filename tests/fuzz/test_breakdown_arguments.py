"""Hypothesis against the breakdown, filter and cursor arguments, on both backends.

Schemathesis (test_rest_openapi.py, test_graphql_schema.py) walks every
operation, but generates its strings from the document alone: few of them are
filters of the right form, and none is a cursor. This fuzzer aims at those
arguments on a site with conversions (tests/helpers/breakdowns.py), over
REST (``/breakdown``, ``/stats`` and ``/preview`` with ``filter``, ``after``,
``limit``, ``by``) and GraphQL (``Goal.breakdown(by, filter, after, first)``,
``stats(filter)``, ``timeseries``, ``previewGoal(filter)``), with values that
are plausible (real dimensions, operators, cursors, dates) or hostile (NUL,
lone surrogates, 64-bit overflows, base64 of nested JSON, tampered cursors).
Every answer must be a 200 or the client's documented error: REST 400 or 422
with the error body, GraphQL 200 with every error coded and none masked.

``GOALGATE_FUZZ_EXAMPLES`` sets the examples per test (30 by default; the
longer run in CONTRIBUTING uses more).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from goalgate.app import create_app
from goalgate.domain.dimensions import Dimension
from goalgate.settings import Settings
from goalgate.storage.db import open_database
from tests.helpers.breakdowns import write_sample
from tests.helpers.data import make_goal, make_site, make_token
from tests.helpers.http import bearer

SITE = "sk_abc123def456"
BASE = f"/api/v1/analytics/sites/{SITE}/goals"
MAX_EXAMPLES = int(os.environ.get("GOALGATE_FUZZ_EXAMPLES", "30"))
FUZZ = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
# The codes a client's mistake may get; INTERNAL_ERROR (a masked bug) is not one.
CLIENT_CODES = {
    "BAD_USER_INPUT",
    "GRAPHQL_VALIDATION_FAILED",
    "GRAPHQL_PARSE_FAILED",
    "OPERATION_RESOLUTION_FAILURE",
}

TargetFixture = tuple[TestClient[Any], dict[str, str], str, str]

# --- strategies -------------------------------------------------------------------
# Each example starts from arguments a client would send (so that it reaches
# the database) and makes one or two of them hostile: an example whose every
# argument is wrong only ever meets the first check.

DIMENSIONS = [d.value for d in Dimension]
OPERATORS = ["is", "is_not", "contains"]
SAMPLE_VALUES = ["Google", "Twitter", "(none)", "(unknown)", "DE", "Desktop", "/blog", "/home"]
# Any text a client can send: NUL and other controls, non-ASCII; lone
# surrogates only where JSON can carry them (GraphQL variables), not in a URL.
TEXT = st.text(max_size=40)
JSON_TEXT = st.text(st.characters(exclude_categories=()), max_size=40)
BIG = st.one_of(st.integers(-(2**70), 2**70), st.sampled_from([2**31, 2**63, -(2**63) - 1]))
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | BIG | st.floats(allow_nan=False, allow_infinity=False) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=10,
)
MARCH = {"from": "2024-03-01", "to": "2024-03-31"}


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def hostile_cursors(real: str) -> st.SearchStrategy[str]:
    """Cursors of the right shape with values out of range, other JSON, nested
    JSON, bytes that are not UTF-8, a cut real one, or any text."""
    # The edges first (hypothesis would seldom draw them): past 64 bits, NUL, a
    # lone surrogate, nesting past the parser's recursion.
    conversions = st.sampled_from([2**63, 2**64, -1]) | BIG
    value = st.sampled_from(["\x00", "a\x00b", "\ud800"]) | JSON_TEXT
    shaped = st.tuples(conversions, value).map(lambda pair: b64(json.dumps(list(pair)).encode()))
    depth = st.sampled_from([1_000, 10_000]) | st.integers(1, 20_000)
    return st.one_of(
        shaped,
        depth.map(lambda levels: b64(b"[" * levels + b"]" * levels)),
        JSON_VALUES.map(lambda found: b64(json.dumps(found).encode())),
        st.binary(max_size=60).map(b64),
        st.just(real[:-2]),
        TEXT,
    )


def clauses(text: st.SearchStrategy[str]) -> Any:
    """(dimension, operator, values): plausible ones, or any text in any place."""
    values = st.lists(st.sampled_from(SAMPLE_VALUES) | text, min_size=1, max_size=4)
    plausible = st.tuples(st.sampled_from(DIMENSIONS), st.sampled_from(OPERATORS), values)
    hostile = st.tuples(
        st.sampled_from(DIMENSIONS) | text,
        st.sampled_from(OPERATORS) | text,
        st.lists(text, max_size=60),
    )
    return st.lists(plausible, max_size=3), st.lists(hostile | plausible, max_size=12)


@st.composite
def with_hostile(
    draw: st.DrawFn, plausible: dict[str, Any], hostile: dict[str, Any]
) -> dict[str, Any]:
    """One draw of each plausible argument, then one or two of them hostile."""
    arguments = {name: draw(strategy) for name, strategy in plausible.items()}
    for name in draw(st.sets(st.sampled_from(sorted(hostile)), min_size=1, max_size=2)):
        arguments[name] = draw(hostile[name])
    return arguments


def rest_arguments(cursor: str) -> st.SearchStrategy[dict[str, Any]]:
    plausible_filters, hostile_filters = clauses(TEXT)
    rest_filter = lambda clause: f"{clause[0]}:{clause[1]}:{'|'.join(clause[2])}"  # noqa: E731
    return with_hostile(
        {
            "by": st.sampled_from(DIMENSIONS),
            "after": st.none() | st.just(cursor),
            "limit": st.none() | st.integers(1, 100).map(str),
            "filter": plausible_filters.map(lambda found: [rest_filter(c) for c in found]),
            "period": st.just({"period": "custom", **MARCH}),
        },
        {
            "by": TEXT,
            "after": hostile_cursors(cursor),
            "limit": BIG.map(str) | TEXT,
            "filter": hostile_filters.map(lambda found: [rest_filter(c) for c in found])
            | st.lists(TEXT, max_size=12),
            "period": st.fixed_dictionaries(
                {
                    "period": st.sampled_from(["7d", "30d", "12mo", "custom"]) | TEXT,
                    "from": st.dates().map(str) | TEXT,
                    "to": st.dates().map(str) | TEXT,
                }
            ),
        },
    )


def graphql_arguments(cursor: str) -> st.SearchStrategy[dict[str, Any]]:
    plausible_filters, hostile_filters = clauses(JSON_TEXT)
    as_input = lambda found: [  # noqa: E731
        {"dimension": c[0].upper(), "operator": c[1].upper(), "values": c[2]} for c in found
    ]
    return with_hostile(
        {
            "by": st.sampled_from([d.upper() for d in DIMENSIONS]),
            "after": st.none() | st.just(cursor),
            "first": st.none() | st.integers(1, 100),
            "filter": st.none() | plausible_filters.map(as_input),
            "period": st.just({"period": "CUSTOM", **MARCH}),
            "match": st.sampled_from(["buy", "/blog", "u"]),
        },
        {
            "by": JSON_TEXT,
            "after": hostile_cursors(cursor),
            "first": BIG,
            "filter": hostile_filters.map(as_input) | st.lists(JSON_VALUES, max_size=12),
            "period": st.fixed_dictionaries(
                {
                    "period": st.sampled_from(["LAST_7_DAYS", "LAST_30_DAYS", "CUSTOM"])
                    | JSON_TEXT,
                    "from": st.dates().map(str) | JSON_TEXT | st.none(),
                    "to": st.dates().map(str) | JSON_TEXT | st.none(),
                }
            ),
            "match": JSON_TEXT,
        },
    )


# --- the target: a site with conversions, on each backend ---------------------------


async def _arranged(url: str) -> tuple[str, str]:
    db = open_database(url)
    try:
        await make_site(db, SITE)
        token = await make_token(db)
        goal = await make_goal(
            db, SITE, name="Buy", type="custom", match_value="buy", currency="USD"
        )
        await write_sample(db, SITE)
        return token, goal.id
    finally:
        await db.close()


@pytest.fixture
def target(database_url: str) -> Iterator[TargetFixture]:
    """A client of an app without a token rate limit, its token's headers, the goal,
    and a real breakdown cursor."""
    token, goal_id = asyncio.run(_arranged(database_url))
    app = create_app(Settings(database_url=database_url, rate_limit_token="0"))
    with TestClient(app=app) as client:
        first = client.get(
            f"{BASE}/{goal_id}/breakdown",
            params={"by": "source", "limit": 1, "period": "custom", "from": "2024-03-01",
                    "to": "2024-03-31"},
            headers=bearer(token),
        )  # fmt: skip
        cursor = first.headers["link"].split("after=")[1].split(">")[0]
        yield client, bearer(token), goal_id, cursor


# --- REST ---------------------------------------------------------------------------


def assert_rest_answer(response: Any, seen: set[int]) -> None:
    assert response.status_code in (200, 400, 422), response.text
    if response.status_code != 200:
        assert response.json()["error"]["code"] in ("bad_request", "validation_error")
    seen.add(response.status_code)


def test_rest_breakdown_stats_and_preview_arguments_never_fail(target: TargetFixture) -> None:
    client, headers, goal_id, cursor = target
    seen: set[int] = set()

    @given(arguments=rest_arguments(cursor))
    # One request every check lets through, whatever the draws.
    @example(
        arguments={"by": "source", "after": None, "limit": None, "filter": []}
        | {"period": {"period": "custom", **MARCH}}
    )
    @FUZZ
    def check(arguments: dict[str, Any]) -> None:
        stats = {"filter": arguments["filter"], **arguments["period"]}
        params = {"by": arguments["by"], **stats}
        params |= {name: arguments[name] for name in ("after", "limit") if arguments[name]}
        breakdown = client.get(f"{BASE}/{goal_id}/breakdown", params=params, headers=headers)
        assert_rest_answer(breakdown, seen)
        answer = client.get(f"{BASE}/{goal_id}/stats", params=stats, headers=headers)
        assert_rest_answer(answer, seen)
        body = {"type": "custom", "match_type": "contains", "match_value": arguments["by"]}
        preview = client.post(f"{BASE}/preview", params=stats, json=body, headers=headers)
        assert_rest_answer(preview, seen)

    check()
    # The run got past the checks to the database, and was refused too.
    assert seen == {200, 422}


# --- GraphQL -------------------------------------------------------------------------

GOAL_QUERY = """
query Q($site: String!, $id: ID!, $by: Dimension!, $first: Int, $after: String,
        $filter: [StatsFilter!], $period: StatsPeriod, $from: Date, $to: Date) {
  goal(siteKey: $site, id: $id) {
    breakdown(by: $by, period: $period, from: $from, to: $to, first: $first, after: $after,
              filter: $filter) {
      nodes { value conversions uniqueConversions revenue { amount currency } conversionRate }
      edges { cursor }
      pageInfo { hasNextPage endCursor }
    }
    stats(period: $period, from: $from, to: $to, filter: $filter) {
      conversions uniqueConversions visitors conversionRate
      timeseries(interval: DAY) { conversions }
    }
  }
}
"""
PREVIEW_QUERY = """
query P($site: String!, $input: GoalMatchInput!, $filter: [StatsFilter!], $period: StatsPeriod,
        $from: Date, $to: Date) {
  previewGoal(siteKey: $site, input: $input, period: $period, from: $from, to: $to,
              filter: $filter) {
    conversions uniqueConversions topMatches { value conversions }
  }
}
"""


def post(client: TestClient[Any], headers: dict[str, str], body: dict[str, Any]) -> Any:
    """POST as JSON with non-ASCII escaped, so that lone surrogates travel as JSON allows."""
    content = json.dumps(body).encode()
    return client.post(
        "/graphql", content=content, headers={**headers, "Content-Type": "application/json"}
    )


def assert_graphql_answer(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    errors = body.get("errors") or []
    assert {error["extensions"]["code"] for error in errors} <= CLIENT_CODES, errors
    return body


def test_graphql_breakdown_stats_and_preview_arguments_never_fail(target: TargetFixture) -> None:
    client, headers, goal_id, cursor = target
    answered: list[bool] = []

    @given(arguments=graphql_arguments(cursor))
    # One operation every check lets through, whatever the draws.
    @example(
        arguments={"by": "SOURCE", "after": None, "first": None, "filter": None, "match": "buy"}
        | {"period": {"period": "CUSTOM", **MARCH}}
    )
    @FUZZ
    def check(arguments: dict[str, Any]) -> None:
        shared = {"site": SITE, "filter": arguments["filter"], **arguments["period"]}
        variables = {"id": goal_id, **shared}
        variables |= {name: arguments[name] for name in ("by", "after", "first")}
        answer = assert_graphql_answer(
            post(client, headers, {"query": GOAL_QUERY, "variables": variables})
        )
        goal = (answer.get("data") or {}).get("goal")
        breakdown = goal["breakdown"] if goal else None
        answered.append(breakdown is not None)
        spec = {"type": "CUSTOM", "matchType": "CONTAINS", "matchValue": arguments["match"]}
        preview = {"query": PREVIEW_QUERY, "variables": {**shared, "input": spec}}
        assert_graphql_answer(post(client, headers, preview))

    check()
    # Some operations got past every check to the database, and some were refused.
    assert set(answered) == {True, False}
