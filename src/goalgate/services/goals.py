"""Goals: create, list, read, update and delete the goals of a site."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from goalgate.domain import cursors
from goalgate.domain.goals import GoalSpec, name_key, validate_goal
from goalgate.domain.tokens import Principal, Scope
from goalgate.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from goalgate.services.sites import SiteDirectory, visible_site
from goalgate.services.tokens import require
from goalgate.storage import goals as goal_store
from goalgate.storage.db import Database
from goalgate.storage.readers import Reader
from goalgate.storage.records import GoalRecord, SiteRecord
from goalgate.storage.tables import Goal, utcnow

__all__ = [
    "EDITABLE_FIELDS",
    "MAX_PAGE_SIZE",
    "GoalChange",
    "GoalDraft",
    "GoalPage",
    "count_goals",
    "create_goal",
    "delete_goal",
    "find_goal",
    "get_goal",
    "goals_by_ids",
    "list_goals",
    "page_goals",
    "parse_goal_id",
    "update_goal",
]

EDITABLE_FIELDS = ("name", "type", "match_type", "match_value", "currency")
# The name of a goal that is never saved (a preview): one that passes the rule.
_UNNAMED = "preview"
# A page of goals is bounded so that one request cannot ask for a site's every goal
# with stats; the face that pages (GraphQL) reports the limit to its clients.
MAX_PAGE_SIZE = 100


def parse_goal_id(goal_id: str) -> str | None:
    """The canonical lowercase hyphenated form, or None for anything else."""
    try:
        canonical = str(uuid.UUID(goal_id))
    except (ValueError, TypeError, AttributeError):
        return None
    return canonical if canonical == goal_id else None


async def find_goal(reader: Reader, site: SiteRecord, goal_id: str) -> GoalRecord:
    """The goal or NotFound."""
    canonical = parse_goal_id(goal_id)
    goal = None if canonical is None else await goal_store.goal_record(reader, site.id, canonical)
    if goal is None:
        raise NotFound("goal not found")
    return goal


async def goals_by_ids(reader: Reader, goal_ids: list[str]) -> list[tuple[GoalRecord, str] | None]:
    """Each goal of ``goal_ids`` with its site's key, None for an id that names none.

    Checks no principal: the caller must check the site the key names
    (``sites.readable_site``) before showing anything of a goal found here.
    """
    canonical = {goal_id for goal_id in goal_ids if parse_goal_id(goal_id) is not None}
    found = {
        record.id: (record, key)
        for record, key in await goal_store.goals_with_site_keys(reader, sorted(canonical))
    }
    return [found.get(goal_id) for goal_id in goal_ids]


async def _goal_to_change(session: AsyncSession, site: SiteRecord, goal_id: str) -> Goal:
    """The goal's row, locked until the transaction ends, or NotFound."""
    canonical = parse_goal_id(goal_id)
    goal = (
        None
        if canonical is None
        else await goal_store.goal_by_id(session, site.id, canonical, for_update=True)
    )
    if goal is None:
        raise NotFound("goal not found")
    return goal


async def _ensure_name_free(
    session: AsyncSession, site: SiteRecord, spec: GoalSpec, own_id: str | None
) -> None:
    other = await goal_store.goal_by_name_key(session, site.id, name_key(spec.name))
    if other is not None and other.id != own_id:
        raise Conflict(
            f"a goal named {other.name!r} exists already on this site",
            fields={"name": "taken"},
        )


async def _flush_or_conflict(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError:
        # Another writer took the name between our check and our write (PostgreSQL).
        raise Conflict(
            "a goal with this name exists already on this site", fields={"name": "taken"}
        ) from None


@dataclass(frozen=True, slots=True)
class GoalDraft:
    """A goal as a client sent it, before the rules of ``domain.goals.validate_goal``."""

    name: str
    type: str
    match_type: str
    match_value: str
    currency: str | None = None

    @classmethod
    def of(cls, sent: object) -> GoalDraft:
        """The draft of a face's input (a REST body, a GraphQL input), read field by
        field by name, so that a new field reaches the service without a face's
        code; an input without a name (a preview's) gets one that passes the rule."""
        values = {name: getattr(sent, name) for name in _DRAFT_FIELDS if hasattr(sent, name)}
        values.setdefault("name", _UNNAMED)
        return cls(**values)

    def validated(self) -> GoalSpec:
        """The goal, if it passes every rule; ValidationFailed naming each field at fault."""
        return validate_goal(
            name=self.name,
            type=self.type,
            match_type=self.match_type,
            match_value=self.match_value,
            currency=self.currency,
        )


_DRAFT_FIELDS = tuple(field.name for field in dataclasses.fields(GoalDraft))


@dataclass(frozen=True, slots=True)
class GoalChange:
    """A partial update: only the ``fields`` to change, if the goal is still at
    ``expected_version`` (when given: the client's If-Match)."""

    fields: Mapping[str, str | None]
    expected_version: int | None = None


async def create_goal(
    db: Database, sites: SiteDirectory, principal: Principal, site_key: str, draft: GoalDraft
) -> GoalRecord:
    """Validate and store a new goal, in a transaction of its own."""
    require(principal, Scope.ANALYTICS_WRITE)
    site = await visible_site(sites, principal, site_key)
    spec = draft.validated()
    async with db.transaction() as session:
        return await _insert_goal(session, site, spec)


async def _insert_goal(session: AsyncSession, site: SiteRecord, spec: GoalSpec) -> GoalRecord:
    await _ensure_name_free(session, site, spec, None)
    now = utcnow()
    goal = Goal(
        id=str(uuid.uuid4()),
        site_id=site.id,
        name=spec.name,
        name_key=name_key(spec.name),
        type=spec.type.value,
        match_type=spec.match_type.value,
        match_value=spec.match_value,
        currency=spec.currency,
        created_at=now,
        updated_at=now,
    )
    session.add(goal)
    await _flush_or_conflict(session)
    return GoalRecord.of(goal)


async def list_goals(
    reader: Reader, sites: SiteDirectory, principal: Principal, site_key: str
) -> list[GoalRecord]:
    """Every goal of a site, oldest first."""
    require(principal, Scope.ANALYTICS_READ)
    site = await visible_site(sites, principal, site_key)
    return await goal_store.goals_of_site(reader, site.id)


@dataclass(frozen=True, slots=True)
class GoalPage:
    goals: list[GoalRecord]
    # Whether goals follow the last one of this page.
    has_more: bool


async def page_goals(
    reader: Reader,
    principal: Principal,
    site: SiteRecord,
    *,
    first: int,
    after: str | None = None,
    goal_type: str | None = None,
) -> GoalPage:
    """Up to ``first`` goals oldest first, after the goal of the cursor ``after``.

    ``site`` comes from ``visible_site`` for this principal; ``first`` outside
    0..MAX_PAGE_SIZE raises ValidationFailed on ``first``, a cursor this API
    did not give on ``after``.
    """
    require(principal, Scope.ANALYTICS_READ)
    position = None if after is None else cursors.decode_goal(after)
    if not 0 <= first <= MAX_PAGE_SIZE:
        raise ValidationFailed(
            f"first must be between 0 and {MAX_PAGE_SIZE}",
            fields={"first": f"must be between 0 and {MAX_PAGE_SIZE}"},
        )
    # One more than asked tells whether another page follows, without a count.
    goals = await goal_store.page_of_goals(
        reader, site.id, limit=first + 1, after=position, goal_type=goal_type
    )
    return GoalPage(goals=goals[:first], has_more=len(goals) > first)


async def count_goals(
    reader: Reader, principal: Principal, site: SiteRecord, *, goal_type: str | None = None
) -> int:
    """How many goals the site has (of one type, if given); ``site`` as for page_goals."""
    require(principal, Scope.ANALYTICS_READ)
    return await goal_store.count_goals(reader, site.id, goal_type=goal_type)


async def get_goal(
    reader: Reader, sites: SiteDirectory, principal: Principal, site_key: str, goal_id: str
) -> GoalRecord:
    require(principal, Scope.ANALYTICS_READ)
    site = await visible_site(sites, principal, site_key)
    return await find_goal(reader, site, goal_id)


def _check_version(goal: Goal, expected_version: int | None) -> None:
    if expected_version is not None and goal.version != expected_version:
        raise PreconditionFailed("the goal was changed since you read it; read it again")


async def update_goal(
    db: Database,
    sites: SiteDirectory,
    principal: Principal,
    site_key: str,
    goal_id: str,
    change: GoalChange,
) -> GoalRecord:
    """Apply a partial update; the merged goal must pass every rule.

    ``change.fields`` holds only the fields to change; ``currency: None``
    stops tracking revenue, None for any other field is a ValidationFailed.
    """
    require(principal, Scope.ANALYTICS_WRITE)
    changes = change.fields
    nulls = {
        field: "must not be null"
        for field, value in changes.items()
        if value is None and field in EDITABLE_FIELDS and field != "currency"
    }
    if nulls:
        raise ValidationFailed("the goal is not valid", fields=nulls)
    site = await visible_site(sites, principal, site_key)
    async with db.transaction() as session:
        return await _apply_change(session, site, goal_id, change)


async def _apply_change(
    session: AsyncSession, site: SiteRecord, goal_id: str, change: GoalChange
) -> GoalRecord:
    goal = await _goal_to_change(session, site, goal_id)
    _check_version(goal, change.expected_version)
    merged = {field: getattr(goal, field) for field in EDITABLE_FIELDS}
    merged.update({k: v for k, v in change.fields.items() if k in EDITABLE_FIELDS})
    spec = GoalDraft(**merged).validated()
    await _ensure_name_free(session, site, spec, goal.id)
    goal.name = spec.name
    goal.name_key = name_key(spec.name)
    goal.type = spec.type.value
    goal.match_type = spec.match_type.value
    goal.match_value = spec.match_value
    goal.currency = spec.currency
    goal.updated_at = utcnow()
    goal.version += 1
    session.add(goal)
    await _flush_or_conflict(session)
    return GoalRecord.of(goal)


async def delete_goal(
    db: Database,
    sites: SiteDirectory,
    principal: Principal,
    site_key: str,
    goal_id: str,
    *,
    expected_version: int | None = None,
) -> str:
    """Delete the goal row only (in a transaction of its own); its events stay, so
    re-creating it restores its stats."""
    require(principal, Scope.ANALYTICS_WRITE)
    site = await visible_site(sites, principal, site_key)
    async with db.transaction() as session:
        goal = await _goal_to_change(session, site, goal_id)
        _check_version(goal, expected_version)
        await session.delete(goal)
        await session.flush()
        return goal.id
