"""The input types of the mutations.

Only shapes live here: every rule on values (lengths, patterns, currencies,
unique names) is checked by ``domain.goals.validate_goal`` through the goal
service, the same code REST uses, and comes back as ``userErrors``.
"""

from __future__ import annotations

from typing import Any

import strawberry

from goalgate.api.graphql.types import GoalKind, MatchKind

__all__ = ["CreateGoalInput", "UpdateGoalInput"]


@strawberry.input(description="A new goal; currency turns on revenue tracking.")
class CreateGoalInput:
    name: str
    type: GoalKind
    match_type: MatchKind
    match_value: str = strawberry.field(
        description="Page path (PAGEVIEW), event name (EVENT) or goal name (CUSTOM)."
    )
    currency: str | None = strawberry.field(default=None, description="ISO 4217 code, e.g. USD.")


@strawberry.input(
    description="Only the fields given change; currency: null stops tracking revenue. "
    "The other fields cannot be null."
)
class UpdateGoalInput:
    name: strawberry.Maybe[str]
    type: strawberry.Maybe[GoalKind]
    match_type: strawberry.Maybe[MatchKind]
    match_value: strawberry.Maybe[str]
    # Maybe[str | None]: absent leaves the currency alone, null removes it.
    currency: strawberry.Maybe[str | None]

    def changes(self) -> dict[str, str | None]:
        """The service's partial update: only the fields the client sent."""
        given: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "match_type": self.match_type,
            "match_value": self.match_value,
            "currency": self.currency,
        }
        changes: dict[str, str | None] = {}
        for field, maybe in given.items():
            if maybe is not None:
                value = maybe.value
                changes[field] = value.value if isinstance(value, GoalKind | MatchKind) else value
        return changes
