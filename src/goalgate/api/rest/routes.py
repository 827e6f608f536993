"""The documented goals routes under /api/v1/analytics: parse, call a service, shape."""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from litestar import Controller, MediaType, Request, Response, delete, get, patch, post
from litestar.di import Provide
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from goalgate.api.auth.authentication import authenticated, provide_principal
from goalgate.api.rest import openapi_docs
from goalgate.api.rest.error_docs import error_responses, read_responses
from goalgate.api.rest.openapi_docs import BEARER_REQUIRED, documented
from goalgate.api.rest.query_params import (
    NEXT_PAGE_LINK,
    After,
    By,
    Filter,
    From,
    Limit,
    Period,
    To,
    next_page_headers,
    query_args,
)
from goalgate.api.rest.schemas import (
    BreakdownEnvelope,
    Deleted,
    DeletedEnvelope,
    GoalCreateBody,
    GoalEnvelope,
    GoalListEnvelope,
    GoalPreviewBody,
    GoalUpdateBody,
    PreviewEnvelope,
    StatsEnvelope,
    breakdown_json,
    goal_out,
    preview_json,
    stats_json,
)
from goalgate.domain.tokens import Principal
from goalgate.errors import PreconditionFailed
from goalgate.runtime import Runtime
from goalgate.services import breakdowns as breakdown_service
from goalgate.services import goals as goal_service
from goalgate.services import insights as insight_service
from goalgate.services import stats as stats_service
from goalgate.storage.records import GoalRecord

__all__ = ["GoalsController"]

_ETAG_RE = re.compile(r'^(?:W/)?"v(\d{1,18})"$')


def etag_of(goal: GoalRecord) -> str:
    return f'"v{goal.version}"'


def _expected_version(request: Request[Any, Any, Any]) -> int | None:
    """The version named by If-Match, or None when the client did not send one."""
    header = request.headers.get("if-match")
    if header is None or header.strip() == "*":
        return None
    match = _ETAG_RE.fullmatch(header.strip())
    if match is None:
        raise PreconditionFailed("If-Match does not name a version of this goal")
    return int(match.group(1))


def _with_etag(goal: GoalRecord, status: int) -> Response[GoalEnvelope]:
    return Response(
        GoalEnvelope(data=goal_out(goal)), status_code=status, headers={"ETag": etag_of(goal)}
    )


# The response examples: the demo site's Purchase goal and its numbers over 12mo,
# and a preview of "^/blog/\\d+$" over 30d (see goalgate demo).
_PURCHASE = {
    "id": "550e8400-e29b-41d4-a716-446655440000",
    "name": "Purchase",
    "type": "custom",
    "match_type": "exact",
    "match_value": "purchase",
    "currency": "USD",
}
_GOAL_EXAMPLE = {"data": _PURCHASE}
_UPDATED_EXAMPLE = {"data": {**_PURCHASE, "name": "Completed Purchase", "currency": "EUR"}}
_GOALS_EXAMPLE = {
    "data": [
        {
            "id": "661f9511-f39c-52e5-b827-557766551111",
            "name": "Thank You Page",
            "type": "pageview",
            "match_type": "exact",
            "match_value": "/thank-you",
            "currency": None,
        },
        _PURCHASE,
        {
            "id": "772a0622-a40d-63f6-c938-668877662222",
            "name": "Contact Form",
            "type": "event",
            "match_type": "contains",
            "match_value": "contact",
            "currency": None,
        },
    ]
}
_BREAKDOWN_EXAMPLE = {
    "data": [
        {
            "value": "Google",
            "conversions": 212,
            "unique_conversions": 198,
            "revenue": 10412.00,
            "conversion_rate": 0.0412,
        },
        {
            "value": "(none)",
            "conversions": 131,
            "unique_conversions": 127,
            "revenue": 6120.00,
            "conversion_rate": 0.0233,
        },
    ],
}
_STATS_EXAMPLE = {"data": {"conversions": 436, "unique_conversions": 412, "revenue": 21384.00}}
_PREVIEW_EXAMPLE = {
    "data": {
        "conversions": 1174,
        "unique_conversions": 878,
        "revenue": None,
        "top_matches": [
            {"value": "/blog/2", "conversions": 94},
            {"value": "/blog/1", "conversions": 81},
            {"value": "/blog/4", "conversions": 72},
        ],
    }
}


class GoalsController(Controller):
    path = "/api/v1/analytics/sites/{key:str}/goals"
    tags = ["goals"]
    guards = [authenticated]
    security = BEARER_REQUIRED
    dependencies = {"principal": Provide(provide_principal, sync_to_thread=False)}

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        summary="Create goal",
        operation_id="createGoal",
        operation_class=documented(example=_GOAL_EXAMPLE, etag=True),
        responses=error_responses(409, 413),
    )
    async def create_goal(
        self, key: str, data: GoalCreateBody, runtime: Runtime, principal: Principal
    ) -> Response[GoalEnvelope]:
        """Create a conversion goal for a site. Scope: analytics:write."""
        draft = goal_service.GoalDraft.of(data)
        goal = await goal_service.create_goal(runtime.db, runtime.sites, principal, key, draft)
        return _with_etag(goal, HTTP_201_CREATED)

    @get(
        "/",
        summary="List goals",
        operation_id="listGoals",
        operation_class=documented(example=_GOALS_EXAMPLE),
        responses=error_responses(),
    )
    async def list_goals(
        self, key: str, runtime: Runtime, principal: Principal
    ) -> GoalListEnvelope:
        """Every goal of a site, oldest first. Scope: analytics:read."""
        goals = await goal_service.list_goals(runtime.db.reader, runtime.sites, principal, key)
        return GoalListEnvelope(data=[goal_out(goal) for goal in goals])

    @get(
        "/{goal_id:str}",
        summary="Get goal",
        operation_id="getGoal",
        operation_class=documented(example=_GOAL_EXAMPLE, etag=True),
        responses=error_responses(),
    )
    async def get_goal(
        self, key: str, goal_id: str, runtime: Runtime, principal: Principal
    ) -> Response[GoalEnvelope]:
        """One goal, with its ETag for a later If-Match. Scope: analytics:read."""
        goal = await goal_service.get_goal(
            runtime.db.reader, runtime.sites, principal, key, goal_id
        )
        return _with_etag(goal, HTTP_200_OK)

    @patch(
        "/{goal_id:str}",
        summary="Update goal",
        operation_id="updateGoal",
        operation_class=documented(
            example=_UPDATED_EXAMPLE, etag=True, parameters=(openapi_docs.IF_MATCH,)
        ),
        responses=error_responses(409, 412, 413),
    )
    async def update_goal(
        self,
        key: str,
        goal_id: str,
        data: GoalUpdateBody,
        request: Request[Any, Any, Any],
        runtime: Runtime,
        principal: Principal,
    ) -> Response[GoalEnvelope]:
        """Change only the fields sent; ``"currency": null`` stops revenue tracking.

        Scope: analytics:write. Honours If-Match (412 when the goal changed since).
        """
        change = goal_service.GoalChange(
            {field: getattr(data, field) for field in data.model_fields_set},
            expected_version=_expected_version(request),
        )
        goal = await goal_service.update_goal(
            runtime.db, runtime.sites, principal, key, goal_id, change
        )
        return _with_etag(goal, HTTP_200_OK)

    @delete(
        "/{goal_id:str}",
        status_code=HTTP_200_OK,
        summary="Delete goal",
        operation_id="deleteGoal",
        operation_class=documented(
            example={"data": {"deleted": True}}, parameters=(openapi_docs.IF_MATCH,)
        ),
        responses=error_responses(412),
    )
    async def delete_goal(
        self,
        key: str,
        goal_id: str,
        request: Request[Any, Any, Any],
        runtime: Runtime,
        principal: Principal,
    ) -> DeletedEnvelope:
        """Delete a goal; its historical events are kept. Scope: analytics:write."""
        expected = _expected_version(request)
        await goal_service.delete_goal(
            runtime.db, runtime.sites, principal, key, goal_id, expected_version=expected
        )
        return DeletedEnvelope(data=Deleted(deleted=True))

    @get(
        "/{goal_id:str}/stats",
        summary="Get goal stats",
        operation_id="getGoalStats",
        operation_class=documented(example=_STATS_EXAMPLE),
        responses=read_responses(StatsEnvelope, "Goal stats"),
    )
    async def goal_stats(
        self,
        key: str,
        goal_id: str,
        runtime: Runtime,
        principal: Principal,
        period: Period = None,
        start_date: From = None,
        end_date: To = None,
        filter: Filter = None,
    ) -> Response[bytes]:
        """Conversions, unique conversions and revenue over a period of the site's
        calendar (its time zone, whole days), of the events that pass the filters.
        Scope: analytics:read."""
        parse = partial(query_args, period, start_date, end_date, filter)
        stats = await stats_service.goal_stats(runtime.analytics, principal, key, goal_id, parse)
        return Response(stats_json(stats), media_type=MediaType.JSON)

    @get(
        "/{goal_id:str}/breakdown",
        summary="Get goal breakdown",
        operation_id="getGoalBreakdown",
        operation_class=documented(example=_BREAKDOWN_EXAMPLE),
        response_headers=[NEXT_PAGE_LINK],
        responses=read_responses(BreakdownEnvelope, "Goal breakdown"),
    )
    async def goal_breakdown(
        self,
        request: Request[Any, Any, Any],
        key: str,
        goal_id: str,
        runtime: Runtime,
        principal: Principal,
        by: By = None,
        period: Period = None,
        start_date: From = None,
        end_date: To = None,
        limit: Limit = None,
        after: After = None,
        filter: Filter = None,
    ) -> Response[bytes]:
        """Conversions, unique conversions, revenue and conversion rate per value of a
        dimension (by), most conversions first, ties by value; the Link header
        names the next page. Scope: analytics:read."""
        parse = partial(query_args, period, start_date, end_date, filter, (by, limit, after))
        breakdown, rates = await breakdown_service.goal_breakdown(
            runtime.analytics, principal, key, goal_id, parse
        )
        headers = next_page_headers(
            request, breakdown.end_cursor if breakdown.has_next_page else None
        )
        return Response(
            breakdown_json(breakdown, rates), media_type=MediaType.JSON, headers=headers
        )

    @post(
        "/preview",
        status_code=HTTP_200_OK,
        summary="Preview goal",
        operation_id="previewGoal",
        operation_class=documented(example=_PREVIEW_EXAMPLE),
        responses=read_responses(PreviewEnvelope, "Preview", 413),
    )
    async def preview_goal(
        self,
        key: str,
        data: GoalPreviewBody,
        runtime: Runtime,
        principal: Principal,
        period: Period = None,
        start_date: From = None,
        end_date: To = None,
        filter: Filter = None,
    ) -> Response[bytes]:
        """The stats a goal would have over a period, and the paths or names it
        matches most, without saving anything. Scope: analytics:read."""
        goal = goal_service.GoalDraft.of(data)
        parse = partial(query_args, period, start_date, end_date, filter)
        preview = await insight_service.preview_goal(runtime.analytics, principal, key, goal, parse)
        return Response(preview_json(preview), media_type=MediaType.JSON)
