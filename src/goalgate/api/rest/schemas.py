"""The exact JSON shapes of the documented REST routes, in and out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from pydantic import BaseModel, ConfigDict, Field

from goalgate.api.rest.openapi_docs import field_doc
from goalgate.domain import money
from goalgate.domain.goals import GoalType, MatchType
from goalgate.services.breakdowns import Breakdown
from goalgate.services.funnels import Funnel
from goalgate.services.insights import GoalPreview
from goalgate.services.site_stats import SiteBreakdown, SiteStats
from goalgate.services.stats import GoalStats
from goalgate.storage.records import GoalRecord

__all__ = [
    "BreakdownEnvelope",
    "BreakdownRowOut",
    "DeletedEnvelope",
    "FunnelEnvelope",
    "GoalCreateBody",
    "GoalEnvelope",
    "GoalListEnvelope",
    "GoalOut",
    "GoalPreviewBody",
    "GoalUpdateBody",
    "PreviewEnvelope",
    "SiteBreakdownEnvelope",
    "SiteStatsEnvelope",
    "StatsEnvelope",
    "breakdown_json",
    "funnel_json",
    "goal_out",
    "preview_json",
    "site_breakdown_json",
    "site_stats_json",
    "stats_json",
]

_TYPES = [t.value for t in GoalType]
_MATCH_TYPES = [t.value for t in MatchType]


def _enum_doc(values: list[str], example: str) -> dict[str, Any]:
    # A new dict each time: Litestar moves "examples" around inside it.
    return {"enum": values, "examples": [example]}


_NAME = "Display name for the goal."
_VALUE = "Page path, event name or custom goal name."
_CURRENCY = "ISO 4217 code, e.g. USD; null: no revenue tracking."
# The examples are the demo site's (`goalgate demo`): its Purchase goal and the
# numbers its year of traffic gives.
_GOAL_ID = "550e8400-e29b-41d4-a716-446655440000"


class GoalCreateBody(BaseModel):
    """POST body; the rules on values live in domain.goals, shared with GraphQL."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Field(description=_NAME, examples=["Purchase"])
    type: Annotated[str, Field(json_schema_extra=_enum_doc(_TYPES, "custom"))]
    match_type: Annotated[str, Field(json_schema_extra=_enum_doc(_MATCH_TYPES, "exact"))]
    match_value: str = Field(description=_VALUE, examples=["purchase"])
    currency: str | None = Field(default=None, description=_CURRENCY, examples=["USD"])


class GoalUpdateBody(BaseModel):
    """PATCH body: only the fields present change; ``currency: null`` stops revenue tracking."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: str | None = Field(default=None, description=_NAME, examples=["Completed Purchase"])
    type: Annotated[str | None, Field(json_schema_extra=_enum_doc(_TYPES, "custom"))] = None
    match_type: Annotated[str | None, Field(json_schema_extra=_enum_doc(_MATCH_TYPES, "exact"))] = (
        None
    )
    match_value: str | None = Field(default=None, description=_VALUE, examples=["purchase"])
    currency: str | None = Field(default=None, description=_CURRENCY, examples=["EUR"])


class GoalPreviewBody(BaseModel):
    """POST .../goals/preview body: a goal's matching definition, without a name."""

    model_config = ConfigDict(extra="forbid", strict=True)

    type: Annotated[str, Field(json_schema_extra=_enum_doc(_TYPES, "pageview"))]
    match_type: Annotated[str, Field(json_schema_extra=_enum_doc(_MATCH_TYPES, "regex"))]
    match_value: str = Field(description=_VALUE, examples=[r"^/blog/\d+$"])
    currency: str | None = Field(default=None, description=_CURRENCY, examples=[None])


@dataclass(frozen=True, slots=True)
class GoalOut:
    id: Annotated[str, field_doc(_GOAL_ID, description="Unique identifier (UUID).")]
    name: Annotated[str, field_doc("Purchase", description=_NAME)]
    type: Annotated[str, field_doc("custom", enum=_TYPES)]
    match_type: Annotated[str, field_doc("exact", enum=_MATCH_TYPES)]
    match_value: Annotated[str, field_doc("purchase", description=_VALUE)]
    currency: Annotated[str | None, field_doc("USD", description=_CURRENCY)]


@dataclass(frozen=True, slots=True)
class GoalEnvelope:
    data: GoalOut


@dataclass(frozen=True, slots=True)
class GoalListEnvelope:
    data: list[GoalOut]


@dataclass(frozen=True, slots=True)
class Deleted:
    deleted: Annotated[bool, field_doc(True)]


@dataclass(frozen=True, slots=True)
class DeletedEnvelope:
    data: Deleted


_CONVERSIONS = "Times the goal was triggered in the period."
_UNIQUE = "Visitors who triggered it at least once."
_REVENUE = "Revenue in the goal's currency; null when the goal has no currency."


@dataclass(frozen=True, slots=True)
class StatsOut:
    conversions: Annotated[int, field_doc(436, description=_CONVERSIONS)]
    unique_conversions: Annotated[int, field_doc(412, description=_UNIQUE)]
    revenue: Annotated[float | None, field_doc(21384.00, description=_REVENUE)]


@dataclass(frozen=True, slots=True)
class StatsEnvelope:
    data: StatsOut


# Decimals as JSON numbers with their exact digits ("revenue": 16758.00).
_STATS_ENCODER = msgspec.json.Encoder(decimal_format="number")


@dataclass(frozen=True, slots=True)
class MatchedValueOut:
    value: Annotated[str, field_doc("/blog/2", description="A page path or event name.")]
    conversions: Annotated[int, field_doc(94, description="Its conversions in the period.")]


@dataclass(frozen=True, slots=True)
class PreviewOut:
    conversions: Annotated[int, field_doc(1174, description=_CONVERSIONS)]
    unique_conversions: Annotated[int, field_doc(878, description=_UNIQUE)]
    revenue: Annotated[float | None, field_doc(None, description=_REVENUE)]
    # The values the goal matches most, most conversions first.
    top_matches: list[MatchedValueOut]


@dataclass(frozen=True, slots=True)
class PreviewEnvelope:
    data: PreviewOut


def _stats_fields(stats: GoalStats) -> dict[str, object]:
    """The documented stats fields; revenue rounded to the currency's minor unit."""
    revenue = None
    if stats.revenue is not None and stats.currency is not None:
        revenue = money.display_amount(stats.revenue, stats.currency)
    return {
        "conversions": stats.conversions,
        "unique_conversions": stats.unique_conversions,
        "revenue": revenue,
    }


def stats_json(stats: GoalStats) -> bytes:
    return _STATS_ENCODER.encode({"data": _stats_fields(stats)})


def preview_json(preview: GoalPreview) -> bytes:
    matches = [{"value": m.value, "conversions": m.conversions} for m in preview.top_matches]
    return _STATS_ENCODER.encode({"data": {**_stats_fields(preview.stats), "top_matches": matches}})


@dataclass(frozen=True, slots=True)
class BreakdownRowOut:
    value: Annotated[
        str,
        field_doc(
            "Google",
            description='The dimension\'s value; "(none)" or "(unknown)" for conversions '
            "without one.",
        ),
    ]
    conversions: Annotated[int, field_doc(212, description="Its conversions in the period.")]
    unique_conversions: Annotated[int, field_doc(198, description=_UNIQUE)]
    revenue: Annotated[
        float | None,
        field_doc(
            10412.00,
            description="Its revenue in the goal's currency (0 when none); null when the "
            "goal has no currency.",
        ),
    ]
    conversion_rate: Annotated[
        float,
        field_doc(
            0.0412,
            description="unique_conversions over the site's visitors with this value in "
            "the period (and filters), 0 to 1.",
        ),
    ]


@dataclass(frozen=True, slots=True)
class BreakdownEnvelope:
    # Most conversions first, ties by value; the next page is in the Link header.
    data: list[BreakdownRowOut]


def breakdown_json(breakdown: Breakdown, rates: list[float]) -> bytes:
    currency = breakdown.query.goal.currency
    rows = [
        {
            "value": row.value,
            "conversions": row.conversions,
            "unique_conversions": row.unique_conversions,
            "revenue": None
            if row.revenue is None or currency is None
            else money.display_amount(row.revenue, currency),
            "conversion_rate": rate,
        }
        for row, rate in zip(breakdown.rows, rates, strict=True)
    ]
    return _STATS_ENCODER.encode({"data": rows})


def goal_out(goal: GoalRecord) -> GoalOut:
    return GoalOut(
        id=goal.id,
        name=goal.name,
        type=goal.type,
        match_type=goal.match_type,
        match_value=goal.match_value,
        currency=goal.currency,
    )


@dataclass(frozen=True, slots=True)
class SiteStatsOut:
    visitors: Annotated[int, field_doc(3120, description="Unique visitors in the period.")]
    visits: Annotated[
        int,
        field_doc(
            4410,
            description="Visits: a visitor's runs of events with no gap over 30 minutes.",
        ),
    ]
    pageviews: Annotated[int, field_doc(11025, description="Page views in the period.")]
    views_per_visit: Annotated[float, field_doc(2.5, description="pageviews / visits.")]
    bounce_rate: Annotated[
        float,
        field_doc(0.41, description="The share of visits that were one pageview alone, 0 to 1."),
    ]
    visit_duration: Annotated[
        float,
        field_doc(
            94.2, description="Mean seconds from a visit's first event to its last, over visits."
        ),
    ]


@dataclass(frozen=True, slots=True)
class SiteStatsEnvelope:
    data: SiteStatsOut


@dataclass(frozen=True, slots=True)
class SiteBreakdownRowOut:
    value: Annotated[
        str,
        field_doc(
            "Google",
            description='The dimension\'s value; "(none)" or "(unknown)" for events without one.',
        ),
    ]
    visitors: Annotated[int, field_doc(1204, description="Its unique visitors in the period.")]
    visits: Annotated[int, field_doc(1530, description="Its visits in the period.")]


@dataclass(frozen=True, slots=True)
class SiteBreakdownEnvelope:
    # Most visitors first, ties by value; the next page is in the Link header.
    data: list[SiteBreakdownRowOut]


@dataclass(frozen=True, slots=True)
class FunnelStepOut:
    goal_id: Annotated[str, field_doc(_GOAL_ID, description="The step's goal.")]
    name: Annotated[str, field_doc("Purchase", description=_NAME)]
    visitors: Annotated[
        int, field_doc(98, description="Visitors whose visit reached this step, in order.")
    ]
    conversion_rate: Annotated[
        float, field_doc(0.12, description="visitors / the first step's visitors, 0 to 1.")
    ]
    drop_off: Annotated[
        int,
        field_doc(31, description="The previous step's visitors who did not reach it (0 first)."),
    ]


@dataclass(frozen=True, slots=True)
class FunnelOut:
    steps: list[FunnelStepOut]


@dataclass(frozen=True, slots=True)
class FunnelEnvelope:
    data: FunnelOut


def site_stats_json(stats: SiteStats) -> bytes:
    return _STATS_ENCODER.encode(
        {
            "data": {
                "visitors": stats.visitors,
                "visits": stats.visits,
                "pageviews": stats.pageviews,
                "views_per_visit": stats.views_per_visit,
                "bounce_rate": stats.bounce_rate,
                "visit_duration": stats.visit_duration,
            }
        }
    )


def site_breakdown_json(breakdown: SiteBreakdown) -> bytes:
    rows = [
        {"value": row.value, "visitors": row.visitors, "visits": row.visits}
        for row in breakdown.rows
    ]
    return _STATS_ENCODER.encode({"data": rows})


def funnel_json(funnel: Funnel) -> bytes:
    steps = [
        {
            "goal_id": step.goal.id,
            "name": step.goal.name,
            "visitors": step.visitors,
            "conversion_rate": step.conversion_rate,
            "drop_off": step.drop_off,
        }
        for step in funnel.steps
    ]
    return _STATS_ENCODER.encode({"data": {"steps": steps}})
