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

_TYPE = "Which kind of event triggers the goal."
_MATCH_TYPE = "How matchValue is compared."


@strawberry.input(description="A new goal; currency turns on revenue tracking.")
class CreateGoalInput:
    name: str = strawberry.field(
        description="1 to 120 characters, unique in the site ignoring case."
    )
    type: GoalType = strawberry.field(description=_TYPE)
    match_type: MatchType = strawberry.field(description=_MATCH_TYPE)
    match_value: str = strawberry.field(
        description="Page path (PAGEVIEW), event name (EVENT) or goal name (CUSTOM)."
    )
    currency: str | None = strawberry.field(default=None, description="ISO 4217 code, e.g. USD.")


@strawberry.input(
    description="What a goal matches, without a name: the definition previewGoal tries "
    "(the same rules as createGoal)."
)
class GoalMatchInput:
    type: GoalType = strawberry.field(description=_TYPE)
    match_type: MatchType = strawberry.field(description=_MATCH_TYPE)
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
    name: strawberry.Maybe[str | None] = strawberry.field(
        description="A new name (rules as in createGoal); absent: unchanged."
    )
    type: strawberry.Maybe[GoalType | None] = strawberry.field(
        description="A new type; absent: unchanged."
    )
    match_type: strawberry.Maybe[MatchType | None] = strawberry.field(
        description="A new match type; absent: unchanged."
    )
    match_value: strawberry.Maybe[str | None] = strawberry.field(
        description="A new match value; absent: unchanged."
    )
    currency: strawberry.Maybe[str | None] = strawberry.field(
        description="A new ISO 4217 code; null stops tracking revenue; absent: unchanged."
    )

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
