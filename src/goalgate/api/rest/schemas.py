"""The exact JSON shapes of the documented REST routes, in and out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from goalgate.domain.goals import GoalType, MatchType
from goalgate.storage.tables import Goal

__all__ = [
    "DeletedEnvelope",
    "GoalCreateBody",
    "GoalEnvelope",
    "GoalListEnvelope",
    "GoalOut",
    "GoalUpdateBody",
    "goal_out",
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


def goal_out(goal: Goal) -> GoalOut:
    return GoalOut(
        id=goal.id,
        name=goal.name,
        type=goal.type,
        match_type=goal.match_type,
        match_value=goal.match_value,
        currency=goal.currency,
    )
