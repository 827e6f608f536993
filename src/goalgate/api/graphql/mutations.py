"""The goal mutations: each calls the goal service and maps its errors to userErrors.

Expected failures are data, not errors: a payload carries ``userErrors`` with
``INVALID`` (a rule broken, ``field`` naming the input field), ``TAKEN`` (the
name is used on this site) or ``NOT_FOUND`` (the site or goal does not exist,
or this token may not see it). The rules and messages are those REST returns,
from the same code.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info
from strawberry.utils.str_converters import to_camel_case

from goalgate.api.graphql.context import GraphQLContext
from goalgate.api.graphql.inputs import CreateGoalInput, UpdateGoalInput
from goalgate.api.graphql.types import Goal, Site
from goalgate.errors import Conflict, GoalgateError, NotFound, ValidationFailed
from goalgate.services import goals as goal_service
from goalgate.services import sites as site_service

__all__ = ["Mutation", "UserError", "UserErrorCode"]


@strawberry.enum(description="Why a mutation's input was refused.")
class UserErrorCode(Enum):
    INVALID = strawberry.enum_value(
        "invalid", description="A rule is broken; field names the input field."
    )
    NOT_FOUND = strawberry.enum_value(
        NotFound.code,
        description="The site or goal does not exist, or the token may not see it.",
    )
    TAKEN = strawberry.enum_value(
        "taken", description="Another goal of the site has this name (ignoring case)."
    )


@strawberry.type(description="A mistake in the request that the client can correct.")
class UserError:
    code: UserErrorCode = strawberry.field(description="What kind of mistake it is.")
    field: list[str] | None = strawberry.field(
        description='Path to the faulty argument, e.g. ["input", "matchValue"].'
    )
    message: str = strawberry.field(description="What is wrong, in English, as REST says it.")


_USER_ERRORS = "Why nothing was done; empty on success."


@strawberry.type(description="What createGoal did: the new goal, or why there is none.")
class CreateGoalPayload:
    goal: Goal | None = strawberry.field(description="The goal created; null on a userError.")
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)


@strawberry.type(description="What updateGoal did: the goal as changed, or why it was not.")
class UpdateGoalPayload:
    goal: Goal | None = strawberry.field(description="The goal as changed; null on a userError.")
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)


@strawberry.type(description="What deleteGoal did: the id deleted, or why nothing was.")
class DeleteGoalPayload:
    deleted_goal_id: strawberry.ID | None = strawberry.field(
        description="The id of the goal deleted (evict it from a client cache); null on a "
        "userError."
    )
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)


def user_errors(exc: GoalgateError) -> list[UserError]:
    """The one mapping of the error tree to userErrors."""
    if isinstance(exc, ValidationFailed):
        if not exc.fields:
            return [UserError(code=UserErrorCode.INVALID, field=None, message=exc.message)]
        return [
            UserError(code=UserErrorCode.INVALID, field=_input_path(name), message=fault)
            for name, fault in exc.fields.items()
        ]
    if isinstance(exc, Conflict):
        fields: list[str | None] = [*exc.fields] or [None]
        return [
            UserError(
                code=UserErrorCode.TAKEN,
                field=None if name is None else _input_path(name),
                message=exc.message,
            )
            for name in fields
        ]
    if isinstance(exc, NotFound):
        return [UserError(code=UserErrorCode.NOT_FOUND, field=None, message=exc.message)]
    # Auth failures are top-level errors (coded by errors.CodedErrors); anything
    # else is a bug and gets masked.
    raise exc


def _input_path(service_field: str) -> list[str]:
    return ["input", to_camel_case(service_field)]


SiteKey = Annotated[str, strawberry.argument(description="The site's key, e.g. sk_abc123def456.")]
GoalId = Annotated[strawberry.ID, strawberry.argument(description="The goal's id (a UUID).")]


@strawberry.type(description="Changes to a site's goals; each needs analytics:write.")
class Mutation:
    @strawberry.mutation(description="Create a goal on a site.")
    async def create_goal(
        self,
        info: Info[GraphQLContext, None],
        site_key: SiteKey,
        data: Annotated[
            CreateGoalInput, strawberry.argument(name="input", description="The new goal.")
        ],
    ) -> CreateGoalPayload:
        principal = await info.context.principal()
        draft = goal_service.GoalDraft.of(data)
        try:
            sites = info.context.runtime.sites
            db = info.context.runtime.db
            row = await goal_service.create_goal(db, sites, principal, site_key, draft)
            site = await site_service.visible_site(sites, principal, site_key)
        except GoalgateError as exc:
            return CreateGoalPayload(goal=None, user_errors=user_errors(exc))
        return CreateGoalPayload(goal=Goal.from_row(row, Site.from_row(site)), user_errors=[])

    @strawberry.mutation(
        description="Change the fields given; currency: null stops tracking revenue.",
    )
    async def update_goal(
        self,
        info: Info[GraphQLContext, None],
        site_key: SiteKey,
        id: GoalId,
        data: Annotated[
            UpdateGoalInput,
            strawberry.argument(name="input", description="The fields to change, only those."),
        ],
    ) -> UpdateGoalPayload:
        principal = await info.context.principal()
        try:
            sites = info.context.runtime.sites
            change = goal_service.GoalChange(data.changes())
            db = info.context.runtime.db
            row = await goal_service.update_goal(db, sites, principal, site_key, str(id), change)
            site = await site_service.visible_site(sites, principal, site_key)
        except GoalgateError as exc:
            return UpdateGoalPayload(goal=None, user_errors=user_errors(exc))
        return UpdateGoalPayload(goal=Goal.from_row(row, Site.from_row(site)), user_errors=[])

    @strawberry.mutation(
        description="Delete a goal; its events stay, so re-creating it restores its stats.",
    )
    async def delete_goal(
        self, info: Info[GraphQLContext, None], site_key: SiteKey, id: GoalId
    ) -> DeleteGoalPayload:
        principal = await info.context.principal()
        try:
            runtime = info.context.runtime
            deleted = await goal_service.delete_goal(
                runtime.db, runtime.sites, principal, site_key, str(id)
            )
        except GoalgateError as exc:
            return DeleteGoalPayload(deleted_goal_id=None, user_errors=user_errors(exc))
        return DeleteGoalPayload(deleted_goal_id=strawberry.ID(deleted), user_errors=[])
