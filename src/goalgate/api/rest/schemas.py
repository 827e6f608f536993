"""The exact JSON shapes of the documented REST routes, in and out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import msgspec
from pydantic import BaseModel, ConfigDict, Field

from goalgate.domain import money
from goalgate.domain.goals import GoalType, MatchType
from goalgate.services.insights import GoalPreview
from goalgate.services.stats import GoalStats
from goalgate.storage.records import GoalRecord

__all__ = [
    "DeletedEnvelope",
    "GoalCreateBody",
    "GoalEnvelope",
    "GoalListEnvelope",
    "GoalOut",
    "GoalPreviewBody",
    "GoalUpdateBody",
    "PreviewEnvelope",
    "StatsEnvelope",
    "goal_out",
    "preview_json",
    "stats_json",
]

_TYPE_DOC = {"enum": [t.value for t in GoalType]}
_MATCH_DOC = {"enum": [t.value for t in MatchType]}


class GoalCreateBody(BaseModel):
    """POST body; the rules on values live in domain.goals, shared with GraphQL."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Field(description="Display name for the goal.")
    type: Annotated[str, Field(json_schema_extra=_TYPE_DOC)]
    match_type: Annotated[str, Field(json_schema_extra=_MATCH_DOC)]
    match_value: str = Field(description="Page path, event name or custom goal name.")
    currency: str | None = Field(default=None, description="ISO 4217 code, e.g. USD.")


class GoalUpdateBody(BaseModel):
    """PATCH body: only the fields present change; ``currency: null`` stops revenue tracking."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: str | None = None
    type: Annotated[str | None, Field(json_schema_extra=_TYPE_DOC)] = None
    match_type: Annotated[str | None, Field(json_schema_extra=_MATCH_DOC)] = None
    match_value: str | None = None
    currency: str | None = None


class GoalPreviewBody(BaseModel):
    """POST .../goals/preview body: a goal's matching definition, without a name."""

    model_config = ConfigDict(extra="forbid", strict=True)

    type: Annotated[str, Field(json_schema_extra=_TYPE_DOC)]
    match_type: Annotated[str, Field(json_schema_extra=_MATCH_DOC)]
    match_value: str
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class GoalOut:
    id: str
    name: str
    type: str
    match_type: str
    match_value: str
    currency: str | None


@dataclass(frozen=True, slots=True)
class GoalEnvelope:
    data: GoalOut


@dataclass(frozen=True, slots=True)
class GoalListEnvelope:
    data: list[GoalOut]


@dataclass(frozen=True, slots=True)
class Deleted:
    deleted: bool


@dataclass(frozen=True, slots=True)
class DeletedEnvelope:
    data: Deleted


@dataclass(frozen=True, slots=True)
class StatsOut:
    conversions: int
    unique_conversions: int
    revenue: float | None


@dataclass(frozen=True, slots=True)
class StatsEnvelope:
    data: StatsOut


# Decimals as JSON numbers with their exact digits ("revenue": 16758.00).
_STATS_ENCODER = msgspec.json.Encoder(decimal_format="number")


@dataclass(frozen=True, slots=True)
class MatchedValueOut:
    value: str
    conversions: int


@dataclass(frozen=True, slots=True)
class PreviewOut:
    conversions: int
    unique_conversions: int
    revenue: float | None
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


def goal_out(goal: GoalRecord) -> GoalOut:
    return GoalOut(
        id=goal.id,
        name=goal.name,
        type=goal.type,
        match_type=goal.match_type,
        match_value=goal.match_value,
        currency=goal.currency,
    )
