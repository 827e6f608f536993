"""The OpenAPI document as served: valid, secured, with its headers, parameters and examples."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from openapi_spec_validator import validate

from goalgate.app import create_app
from goalgate.settings import Settings

SITES = "/api/v1/analytics/sites/"
EVENTS = "/api/v1/analytics/events"
GOAL = SITES + "{key}/goals/{goal_id}"
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    path: Path = tmp_path_factory.mktemp("openapi") / "goalgate.db"
    app = create_app(Settings(database_url=f"sqlite+aiosqlite:///{path}"))
    with TestClient(app=app) as client:
        response = client.get("/schema/openapi.json")
        assert response.status_code == 200
        yield response.json()


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    validate(document)
    assert document["openapi"] == "3.1.0"


def test_the_bearer_scheme_is_declared(document: dict[str, Any]) -> None:
    assert document["components"]["securitySchemes"] == {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "gg_ followed by 43 characters",
            "description": "An API token (`goalgate tokens create`), sent as "
            "`Authorization: Bearer gg_...`.",
        }
    }


def test_every_operation_under_sites_requires_the_bearer_token(
    document: dict[str, Any],
) -> None:
    secured = [
        (method, path, operation.get("security"))
        for path, method, operation in operations(document)
        if path.startswith(SITES)
    ]
    assert len(secured) == 11
    assert [s for s in secured if s[2] != [{"bearer": []}]] == []


def test_ingestion_takes_a_token_optionally(document: dict[str, Any]) -> None:
    assert document["paths"][EVENTS]["post"]["security"] == [{}, {"bearer": []}]


def test_the_operations_have_names_a_client_can_use(document: dict[str, Any]) -> None:
    ids = {(method, path): op["operationId"] for path, method, op in operations(document)}
    assert ids == {
        ("get", SITES + "{key}/goals"): "listGoals",
        ("post", SITES + "{key}/goals"): "createGoal",
        ("get", GOAL): "getGoal",
        ("patch", GOAL): "updateGoal",
        ("delete", GOAL): "deleteGoal",
        ("get", GOAL + "/stats"): "getGoalStats",
        ("get", GOAL + "/breakdown"): "getGoalBreakdown",
        ("post", SITES + "{key}/goals/preview"): "previewGoal",
        ("get", SITES + "{key}/stats"): "getSiteStats",
        ("get", SITES + "{key}/breakdown"): "getSiteBreakdown",
        ("get", SITES + "{key}/funnel"): "getFunnel",
        ("post", EVENTS): "recordEvents",
    }


def header_refs(response: dict[str, Any]) -> dict[str, str]:
    return {name: ref["$ref"] for name, ref in response.get("headers", {}).items()}


def rate_limit_refs() -> dict[str, str]:
    return {
        name: f"#/components/headers/{name}"
        for name in ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
    }


def test_401_429_and_503_describe_their_headers_on_every_operation(
    document: dict[str, Any],
) -> None:
    for _path, _method, operation in operations(document):
        responses = operation["responses"]
        assert header_refs(responses["401"]) == {
            "WWW-Authenticate": "#/components/headers/WWW-Authenticate",
            **rate_limit_refs(),
        }
        assert header_refs(responses["429"]) == {"Retry-After": "#/components/headers/Retry-After"}
        assert header_refs(responses["503"]) == {
            "Retry-After": "#/components/headers/Retry-After",
            **rate_limit_refs(),
        }


def test_every_response_but_429_may_carry_the_rate_limit_headers(
    document: dict[str, Any],
) -> None:
    for _path, _method, operation in operations(document):
        for status, response in operation["responses"].items():
            names = set(header_refs(response))
            if status == "429":
                assert names == {"Retry-After"}
            else:
                assert names >= {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"}


def test_the_goal_responses_carry_an_etag(document: dict[str, Any]) -> None:
    paths = document["paths"]
    with_etag = {
        ("post", "201"): paths[SITES + "{key}/goals"]["post"],
        ("get", "200"): paths[GOAL]["get"],
        ("patch", "200"): paths[GOAL]["patch"],
    }
    for (_method, status), operation in with_etag.items():
        assert header_refs(operation["responses"][status])["ETag"] == "#/components/headers/ETag"
    assert "ETag" not in header_refs(paths[GOAL]["delete"]["responses"]["200"])
    assert "ETag" not in header_refs(paths[SITES + "{key}/goals"]["get"]["responses"]["200"])
    assert document["components"]["headers"]["ETag"] == {
        "schema": {"type": "string"},
        "description": "The goal's version; send it back as If-Match on PATCH or DELETE.",
        "required": False,
        "deprecated": False,
        "example": '"v3"',
    }


def test_patch_and_delete_take_if_match(document: dict[str, Any]) -> None:
    for method in ("patch", "delete"):
        [if_match] = [
            p for p in document["paths"][GOAL][method]["parameters"] if p["in"] == "header"
        ]
        assert if_match["name"] == "If-Match"
        assert if_match["required"] is False
        assert if_match["schema"] == {"type": "string"}
    for method in ("get",):
        headers = [p for p in document["paths"][GOAL][method]["parameters"] if p["in"] == "header"]
        assert headers == []


def test_the_header_components_have_their_types(document: dict[str, Any]) -> None:
    headers = document["components"]["headers"]
    assert {name: header["schema"] for name, header in headers.items()} == {
        "ETag": {"type": "string"},
        "Retry-After": {"type": "integer", "minimum": 0},
        "WWW-Authenticate": {"type": "string"},
        "RateLimit-Limit": {"type": "integer", "minimum": 0},
        "RateLimit-Remaining": {"type": "integer", "minimum": 0},
        "RateLimit-Reset": {"type": "integer", "minimum": 0},
    }


@pytest.mark.parametrize("path", [GOAL + "/stats", SITES + "{key}/goals/preview"])
def test_period_is_an_enum_and_from_to_are_dates(document: dict[str, Any], path: str) -> None:
    [operation] = [op for p, _m, op in operations(document) if p == path]
    query = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
    assert query["period"]["schema"] == {
        "type": "string",
        "enum": ["7d", "30d", "12mo", "custom"],
        # Names for generated clients (openapi-python-client reads them).
        "x-enum-varnames": ["DAYS_7", "DAYS_30", "MONTHS_12", "CUSTOM"],
        "default": "30d",
        "description": "7d, 30d (default), 12mo or custom, on the site's calendar",
    }
    assert query["from"]["schema"]["type"] == "string"
    assert query["from"]["schema"]["format"] == "date"
    assert query["to"]["schema"]["type"] == "string"
    assert query["to"]["schema"]["format"] == "date"
    assert [query[name]["required"] for name in ("period", "from", "to")] == [False] * 3


def test_every_operation_documents_503(document: dict[str, Any]) -> None:
    for _path, _method, operation in operations(document):
        assert operation["responses"]["503"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorEnvelope"
        }


def test_the_ingestion_body_is_one_event_or_a_batch_as_json_or_text(
    document: dict[str, Any],
) -> None:
    body = document["paths"][EVENTS]["post"]["requestBody"]
    assert body["required"] is True
    batch = {
        "oneOf": [
            {"$ref": "#/components/schemas/Event"},
            {
                "type": "array",
                "items": {"$ref": "#/components/schemas/Event"},
                "minItems": 1,
                "maxItems": 1000,
                "description": "A batch, stored whole or not at all "
                "(at most GOALGATE_MAX_BATCH_EVENTS, 1000 by default).",
            },
        ]
    }
    assert body["content"]["application/json"]["schema"] == batch
    assert body["content"]["text/plain"]["schema"] == {
        "type": "string",
        "contentMediaType": "application/json",
        "contentSchema": batch,
    }
    event = document["components"]["schemas"]["Event"]
    assert event["required"] == ["site", "type"]
    assert event["additionalProperties"] is False
    assert sorted(event["properties"]) == [
        "name",
        "path",
        "revenue",
        "site",
        "timestamp",
        "type",
        "url",
        "visitor_id",
    ]
    assert event["properties"]["type"]["enum"] == ["pageview", "event", "goal"]
    assert event["properties"]["timestamp"]["format"] == "date-time"
    assert event["properties"]["revenue"] == {"$ref": "#/components/schemas/Revenue"}
    revenue = document["components"]["schemas"]["Revenue"]
    assert revenue["required"] == ["amount", "currency"]
    assert document["paths"][EVENTS]["post"]["responses"]["202"]["content"]["application/json"][
        "schema"
    ] == {"$ref": "#/components/schemas/AcceptedEnvelope"}


def collect_examples(node: object) -> list[object]:
    """Every value under an "examples" or "example" key, anywhere in ``node``."""
    found: list[object] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("examples", "example") and not isinstance(value, dict):
                found.append(value)
            elif key == "examples":
                found.extend(example["value"] for example in value.values())
            else:
                found.extend(collect_examples(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(collect_examples(item))
    return found


def test_litestar_generates_no_random_examples(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'g.db'}"))
    assert app.openapi_config is not None
    assert app.openapi_config.create_examples is False


def test_the_schema_examples_are_the_hand_written_ones(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    examples = {
        name: {prop: spec.get("examples") for prop, spec in schema["properties"].items()}
        for name, schema in schemas.items()
    }
    assert examples["StatsOut"] == {
        "conversions": [436],
        "unique_conversions": [412],
        "revenue": [21384.0],
    }
    assert examples["PreviewOut"] == {
        "conversions": [1174],
        "unique_conversions": [878],
        "revenue": [None],
        "top_matches": None,
    }
    assert examples["MatchedValueOut"] == {"value": ["/blog/2"], "conversions": [94]}
    assert examples["GoalOut"] == {
        "id": ["550e8400-e29b-41d4-a716-446655440000"],
        "name": ["Purchase"],
        "type": ["custom"],
        "match_type": ["exact"],
        "match_value": ["purchase"],
        "currency": ["USD"],
    }
    assert examples["GoalCreateBody"] == {
        "name": ["Purchase"],
        "type": ["custom"],
        "match_type": ["exact"],
        "match_value": ["purchase"],
        "currency": ["USD"],
    }
    # No object-level examples: those would be Litestar's random ones.
    assert [name for name, schema in schemas.items() if "examples" in schema] == []


def test_the_response_examples_are_consistent_demo_numbers(document: dict[str, Any]) -> None:
    stats = document["paths"][GOAL + "/stats"]["get"]["responses"]["200"]
    assert stats["content"]["application/json"]["examples"] == {
        "demo": {
            "summary": "On the demo site",
            "value": {"data": {"conversions": 436, "unique_conversions": 412, "revenue": 21384.0}},
        }
    }
    for example in collect_examples(document):
        if isinstance(example, dict) and isinstance(example.get("data"), dict):
            data = example["data"]
            if "unique_conversions" in data:
                assert 0 <= data["unique_conversions"] <= data["conversions"]
            if data.get("revenue") is not None:
                assert data["revenue"] >= 0


def test_every_error_response_has_a_real_example(document: dict[str, Any]) -> None:
    for _path, _method, operation in operations(document):
        for status, response in operation["responses"].items():
            if status.startswith("2"):
                continue
            [example] = response["content"]["application/json"]["examples"].values()
            error = example["value"]["error"]
            assert set(error) == {"code", "message", "fields"}
            assert example["summary"] == error["code"]
    create = document["paths"][SITES + "{key}/goals"]["post"]["responses"]
    [conflict] = create["409"]["content"]["application/json"]["examples"].values()
    assert conflict["value"] == {
        "error": {
            "code": "conflict",
            "message": "a goal named 'Purchase' exists already on this site",
            "fields": {"name": "taken"},
        }
    }
