"""The input types of the mutations and of previewGoal.

Only shapes live here: every rule on values (lengths, patterns, currencies,
unique names) is checked by ``domain.goals.validate_goal`` through the goal
service, the same code REST uses, and comes back as ``userErrors``.
"""

from __future__ import annotations

from typing import Any

import strawberry

from goalgate.api.graphql.enums import GoalType, MatchType

__all__ = ["CreateGoalInput", "GoalMatchInput", "UpdateGoalInput"]


@strawberry.input(description="A new goal; currency turns on revenue tracking.")
class CreateGoalInput:
    name: str
    type: GoalType
    match_type: MatchType
    match_value: str = strawberry.field(
        description="Page path (PAGEVIEW), event name (EVENT) or goal name (CUSTOM)."
    )
    currency: str | None = strawberry.field(default=None, description="ISO 4217 code, e.g. USD.")


@strawberry.input(
    description="What a goal matches, without a name: the definition previewGoal tries "
    "(the same rules as createGoal)."
)
class GoalMatchInput:
    type: GoalType
    match_type: MatchType
    match_value: str = strawberry.field(
        description="Page path (PAGEVIEW), event name (EVENT) or goal name (CUSTOM)."
    )
    currency: str | None = strawberry.field(default=None, description="ISO 4217 code, e.g. USD.")


@strawberry.input(
    description="Only the fields given change; currency: null stops tracking revenue "
    "(null for another field is an INVALID userError)."
)
class UpdateGoalInput:
    # Maybe tells an absent field (None: unchanged) from an explicit null
    # (Some(None)). Null is accepted by the schema for every field so that the
    # goal service answers it, as it does for REST: currency null removes the
    # currency, any other null is an INVALID userError "must not be null".
    name: strawberry.Maybe[str | None]
    type: strawberry.Maybe[GoalType | None]
    match_type: strawberry.Maybe[MatchType | None]
    match_value: strawberry.Maybe[str | None]
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
                changes[field] = value.value if isinstance(value, GoalType | MatchType) else value
        return changes
