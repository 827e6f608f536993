"""A site's own numbers under /api/v1/analytics/sites/{key}: stats, breakdown, funnel.

The same periods, filters, scope (analytics:read) and errors as the goal
routes; parse, call a service, shape.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from litestar import Controller, MediaType, Request, Response, get
from litestar.di import Provide

from goalgate.api.auth.authentication import authenticated, provide_principal
from goalgate.api.rest.error_docs import read_responses
from goalgate.api.rest.openapi_docs import BEARER_REQUIRED, documented
from goalgate.api.rest.query_params import (
    NEXT_PAGE_LINK,
    After,
    By,
    Filter,
    From,
    Limit,
    Period,
    Steps,
    To,
    next_page_headers,
    query_args,
    step_ids,
)
from goalgate.api.rest.schemas import (
    FunnelEnvelope,
    SiteBreakdownEnvelope,
    SiteStatsEnvelope,
    funnel_json,
    site_breakdown_json,
    site_stats_json,
)
from goalgate.domain.tokens import Principal
from goalgate.runtime import Runtime
from goalgate.services import funnels as funnel_service
from goalgate.services import site_stats as site_service

__all__ = ["SitesController"]

# The examples: the demo site over 30 days (see goalgate demo).
_STATS_EXAMPLE = {
    "data": {
        "visitors": 3120,
        "visits": 4410,
        "pageviews": 11025,
        "views_per_visit": 2.5,
        "bounce_rate": 0.41,
        "visit_duration": 94.2,
    }
}
_BREAKDOWN_EXAMPLE = {
    "data": [
        {"value": "Google", "visitors": 1204, "visits": 1530},
        {"value": "(none)", "visitors": 880, "visits": 1112},
    ]
}
_FUNNEL_EXAMPLE = {
    "data": {
        "steps": [
            {
                "goal_id": "661f9511-f39c-52e5-b827-557766551111",
                "name": "Pricing Page",
                "visitors": 820,
                "conversion_rate": 1.0,
                "drop_off": 0,
            },
            {
                "goal_id": "550e8400-e29b-41d4-a716-446655440000",
                "name": "Purchase",
                "visitors": 98,
                "conversion_rate": 0.1195,
                "drop_off": 722,
            },
        ]
    }
}


class SitesController(Controller):
    path = "/api/v1/analytics/sites/{key:str}"
    tags = ["sites"]
    guards = [authenticated]
    security = BEARER_REQUIRED
    dependencies = {"principal": Provide(provide_principal, sync_to_thread=False)}

    @get(
        "/stats",
        summary="Get site stats",
        operation_id="getSiteStats",
        operation_class=documented(example=_STATS_EXAMPLE),
        responses=read_responses(SiteStatsEnvelope, "Site stats"),
    )
    async def site_stats(
        self,
        key: str,
        runtime: Runtime,
        principal: Principal,
        period: Period = None,
        start_date: From = None,
        end_date: To = None,
        filter: Filter = None,
    ) -> Response[bytes]:
        """Unique visitors, visits, pageviews, views per visit, bounce rate and visit
        duration over a period of the site's calendar, of the events that pass the
        filters. Scope: analytics:read."""
        parse = partial(query_args, period, start_date, end_date, filter)
        stats = await site_service.site_stats(runtime.analytics, principal, key, parse)
        return Response(site_stats_json(stats), media_type=MediaType.JSON)

    @get(
        "/breakdown",
        summary="Get site breakdown",
        operation_id="getSiteBreakdown",
        operation_class=documented(example=_BREAKDOWN_EXAMPLE),
        response_headers=[NEXT_PAGE_LINK],
        responses=read_responses(SiteBreakdownEnvelope, "Site breakdown"),
    )
    async def site_breakdown(
        self,
        request: Request[Any, Any, Any],
        key: str,
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
        """Unique visitors and visits per value of a dimension (by), most visitors
        first, ties by value; the Link header names the next page. Scope: analytics:read."""
        parse = partial(query_args, period, start_date, end_date, filter, (by, limit, after))
        breakdown = await site_service.site_breakdown(runtime.analytics, principal, key, parse)
        headers = next_page_headers(
            request, breakdown.end_cursor if breakdown.has_next_page else None
        )
        return Response(site_breakdown_json(breakdown), media_type=MediaType.JSON, headers=headers)

    @get(
        "/funnel",
        summary="Get funnel",
        operation_id="getFunnel",
        operation_class=documented(example=_FUNNEL_EXAMPLE),
        responses=read_responses(FunnelEnvelope, "Funnel"),
    )
    async def funnel(
        self,
        key: str,
        runtime: Runtime,
        principal: Principal,
        steps: Steps = None,
        period: Period = None,
        start_date: From = None,
        end_date: To = None,
        filter: Filter = None,
    ) -> Response[bytes]:
        """Visitors through 2 to 8 of the site's goals in order (steps), each within
        one visit: per step its visitors, their share of the first step's, and the
        previous step's visitors it lost. Scope: analytics:read."""
        parse = partial(query_args, period, start_date, end_date, filter)
        found = await funnel_service.funnel(
            runtime.analytics, principal, key, step_ids(steps), parse
        )
        return Response(funnel_json(found), media_type=MediaType.JSON)
