"""The front door of the stats path: a query authorised once, then answered.

Every stats question (a goal's stats, time series, breakdown, a preview, a
site's visitors) starts here. ``authorised_query`` checks the caller's scope,
then has the face parse its arguments, then finds the site (one 404 for a site
that does not exist and one the token may not see) and its goals, and resolves
the period on the site's calendar: the ``domain.query.Query`` it returns is
the only way into the services that answer (``services.stats``,
``services.breakdowns``, ``services.insights``), which trust it.

The face's parser is called, not its result taken, so that the order of
refusals is the same on every face: a token without the scope hears 403
whatever its arguments, then come the faults in the arguments (422 /
BAD_USER_INPUT, naming the face's field), then the missing site or goal (404
/ null), then the period's faults (which need the site's calendar).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from goalgate.domain.query import Query, QueryArgs
from goalgate.domain.tokens import Principal, Scope
from goalgate.errors import NotFound
from goalgate.services.goals import find_goal
from goalgate.services.matching import KeyIndex
from goalgate.services.sites import SiteDirectory, visible_site
from goalgate.services.tokens import require
from goalgate.storage.db import Database
from goalgate.storage.records import GoalRecord, SiteRecord

__all__ = ["Analytics", "Parse", "authorised_query"]

# A face's parser of its arguments: called once the caller may read analytics.
Parse = Callable[[], QueryArgs]


@dataclass(frozen=True, slots=True)
class Analytics:
    """What the stats path reads through, as the runtime opened it."""

    db: Database
    # The per-site key dictionaries goals and filters are matched against.
    key_index: KeyIndex
    sites: SiteDirectory


async def authorised_query(
    analytics: Analytics,
    principal: Principal,
    site: str | SiteRecord,
    parse: Parse,
    goals: Sequence[str | GoalRecord] = (),
) -> Query:
    """The query ``parse`` describes, on ``site`` (a key, or a record already
    found) and its ``goals`` (ids, or records of that site), for a principal
    that may read analytics and see the site (scope analytics:read)."""
    require(principal, Scope.ANALYTICS_READ)
    args = parse()
    if isinstance(site, str):
        found = await visible_site(analytics.sites, principal, site)
    elif principal.can_see(site.key):
        found = site
    else:
        raise NotFound("site not found")
    rows = tuple(
        [
            goal
            if isinstance(goal, GoalRecord)
            else await find_goal(analytics.db.reader, found, goal)
            for goal in goals
        ]
    )
    return args.resolve(found, rows)
