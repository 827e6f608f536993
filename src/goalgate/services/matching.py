"""Which of a site's distinct paths and names a goal matches, kept warm per process.

Paths and names are few and events are many, so goals are matched against the
per-site dictionary (``event_keys``), never against event rows. The dictionary
only grows, which makes a process-local mirror easy to keep fresh: each call
fetches just the keys added since the last one, and a goal's matches are
extended by testing only the new keys. Losing this cache costs time, never
correctness, so any number of workers can each keep their own.

Matching is bounded twice:

- **Time.** Testing a pattern against many long keys can take seconds (RE2 is
  linear, but a pattern like ``a.{100}b.{100}c`` costs ~2 ms per 1 KB key).
  So more than a few keys are tested on a worker thread, never on the event
  loop (RE2 releases the GIL while it searches, so the loop keeps serving),
  and one request has ``budget_s`` seconds in all, shared by every goal,
  filter clause, alias and site it asks (``goalgate.budgets``; a call made
  outside a request has the same time of its own): past it, it raises
  ``BudgetExceeded``. What was tested is kept, so a later call goes on from
  there rather than starting again.
- **Memory.** The mirror holds at most ``max_keys`` keys over all
  dictionaries. Past that, whole dictionaries are dropped, least recently
  used first (a dropped one is read again when next needed), and a
  dictionary larger than the bound by itself is only kept while it is used.
"""

from __future__ import annotations

import asyncio
import bisect
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from goalgate import budgets
from goalgate.domain.goals import GoalType, MatchType, compile_matcher, event_kind_of
from goalgate.errors import BudgetExceeded
from goalgate.metrics import Metrics
from goalgate.storage import stats as stats_store
from goalgate.storage.readers import Reader

__all__ = [
    "DEFAULT_BUDGET_S",
    "DEFAULT_MAX_KEYS",
    "BudgetExceeded",
    "GoalMatch",
    "KeyIndex",
]

_MAX_PATTERNS_PER_DICTIONARY = 1024
# Keys tested on the loop itself: fewer than this cost well under a millisecond
# even for a slow pattern; more go to a thread.
_INLINE_KEYS = 32
DEFAULT_BUDGET_S = 2.0
DEFAULT_MAX_KEYS = 1_000_000


@dataclass(frozen=True, slots=True)
class GoalMatch:
    """What decides a goal's keys: its site, type and match rule."""

    site_id: int
    goal_type: GoalType
    match_type: MatchType
    match_value: str


@dataclass(slots=True)
class _Dictionary:
    """The mirror of one site's keys of one kind, in id order."""

    ids: list[int] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    by_value: dict[str, int] = field(default_factory=dict)
    # (match_type, match_value) -> (how many keys were tested, ids of those that matched)
    matches: OrderedDict[tuple[str, str], tuple[int, list[int]]] = field(
        default_factory=OrderedDict
    )

    def value_of(self, key_id: int) -> str | None:
        position = bisect.bisect_left(self.ids, key_id)
        if position < len(self.ids) and self.ids[position] == key_id:
            return self.values[position]
        return None

    @property
    def last_id(self) -> int:
        return self.ids[-1] if self.ids else 0

    def extend(self, rows: list[tuple[int, str]]) -> int:
        """Add rows after the last id; returns how many were new."""
        added = 0
        for key_id, value in rows:
            # Two concurrent refreshes may fetch the same rows: keep each once.
            if key_id > self.last_id:
                self.ids.append(key_id)
                self.values.append(value)
                self.by_value[value] = key_id
                added += 1
        return added


class KeyIndex:
    """Per-process mirror of every site's key dictionary, with goal matches cached."""

    def __init__(
        self,
        reader: Reader,
        *,
        budget_s: float = DEFAULT_BUDGET_S,
        max_keys: int = DEFAULT_MAX_KEYS,
        metrics: Metrics | None = None,
    ) -> None:
        self._reader = reader
        self._metrics = metrics
        self._budget_s = budget_s
        self._max_keys = max_keys
        # Least recently used first.
        # Keyed by (site id, kind): the kinds of events (EventKind) and of
        # dimension values (domain.dimensions.Dimension.kind).
        self._dictionaries: OrderedDict[tuple[int, str], _Dictionary] = OrderedDict()
        self._keys = 0

    @property
    def key_count(self) -> int:
        """Keys mirrored now, over all dictionaries (bounded by ``max_keys``)."""
        return self._keys

    @property
    def dictionaries(self) -> list[tuple[int, str]]:
        """The (site id, kind) of each dictionary mirrored now, least recently used first."""
        return [(site_id, str(kind)) for site_id, kind in self._dictionaries]

    async def _fresh(self, site_id: int, kind: str) -> _Dictionary:
        wanted = (site_id, kind)
        dictionary = self._dictionaries.get(wanted)
        if dictionary is None:
            dictionary = self._dictionaries[wanted] = _Dictionary()
        self._dictionaries.move_to_end(wanted)
        while True:
            added = await stats_store.keys_after(self._reader, site_id, kind, dictionary.last_id)
            if self._dictionaries.get(wanted) is dictionary:
                added_count = dictionary.extend(added)
                self._keys += added_count
            else:  # dropped while reading: still complete for this call
                added_count = dictionary.extend(added)
            if added_count and self._metrics is not None:
                self._metrics.keys_added(added_count)
            if len(added) < stats_store.KEYS_CHUNK:
                return dictionary

    def _evict(self, keep: set[tuple[int, str]]) -> None:
        """Drop whole dictionaries, least recently used first, until under ``max_keys``.

        ``keep`` (those in use by the current call) go last; they go too when
        they alone pass the bound: the caller holds them until it is done.
        """
        for wanted in [w for w in self._dictionaries if w not in keep] + list(keep):
            if self._keys <= self._max_keys:
                return
            dropped = self._dictionaries.pop(wanted, None)
            if dropped is not None:
                self._keys -= len(dropped.ids)

    async def matching_keys(
        self,
        *,
        site_id: int,
        goal_type: GoalType,
        match_type: MatchType,
        match_value: str,
    ) -> list[int]:
        """Ids of the site's keys that trigger a goal of this definition."""
        [matched] = await self.matching_keys_many(
            [GoalMatch(site_id, goal_type, match_type, match_value)]
        )
        return matched

    async def values_of(self, site_id: int, goal_type: GoalType, key_ids: list[int]) -> list[str]:
        """The strings behind key ids this index returned; read back if dropped since."""
        dictionary = self._dictionaries.get((site_id, event_kind_of(goal_type)), _Dictionary())
        values = [dictionary.value_of(key_id) for key_id in key_ids]
        missing = [key_id for key_id, value in zip(key_ids, values, strict=True) if value is None]
        if missing:
            found = await stats_store.key_values(self._reader, site_id, missing)
            values = [
                found.get(k, "") if v is None else v for k, v in zip(key_ids, values, strict=True)
            ]
        return [value or "" for value in values]

    async def ids_of_values(
        self, site_id: int, kind: str, values: Sequence[str], *, contains: bool = False
    ) -> list[int]:
        """Ids of the site's keys of ``kind`` equal to one of ``values`` or, with
        ``contains``, containing one of them ignoring case (``values`` case-folded).

        A substring test reads the whole dictionary of that kind: on a worker
        thread past a few keys, within the time budget (BudgetExceeded, on
        ``filter``, past it).
        """
        wanted = (site_id, kind)
        try:
            dictionary = await self._fresh(site_id, kind)
            if not contains:
                return [dictionary.by_value[v] for v in values if v in dictionary.by_value]
            needles = tuple(values)

            def matcher(value: str) -> bool:
                folded = value.casefold()
                return any(needle in folded for needle in needles)

            until = len(dictionary.values)
            scan = _MatchScan(
                dictionary.ids, dictionary.values, matcher, 0, until, self._deadline()
            )
            if until <= _INLINE_KEYS:
                scan.run()
            else:
                await asyncio.to_thread(scan.run)
            if scan.reached < until:
                raise BudgetExceeded(
                    "filtering is over its time budget",
                    fields={
                        "filter": f"testing the site's {until} distinct values took longer "
                        f"than the {self._budget_s:g} s budget (GOALGATE_MATCH_BUDGET_S)"
                    },
                )
            return scan.matched
        finally:
            self._evict({wanted})

    async def matching_keys_many(self, goals: Sequence[GoalMatch]) -> list[list[int]]:
        """Matching key ids for each goal, refreshing each dictionary once.

        One ``keys_after`` statement per distinct (site, kind), however many
        goals share it: a page of 100 goals costs as many statements as one.
        Raises BudgetExceeded (on ``match_value``) when the matching of all
        of them takes longer than the time budget.
        """
        deadline = self._deadline()
        fresh: dict[tuple[int, str], _Dictionary] = {}
        results: list[list[int]] = []
        try:
            for goal in goals:
                wanted = (goal.site_id, event_kind_of(goal.goal_type))
                dictionary = fresh.get(wanted)
                if dictionary is None:
                    dictionary = fresh[wanted] = await self._fresh(*wanted)
                matched = await self._match(dictionary, goal, deadline)
                results.append(matched)
        finally:
            self._evict(set(fresh))
        return results

    def _deadline(self) -> float:
        """When matching must stop: the request's one budget, shared by all its calls."""
        budget = budgets.current()
        if budget is None:
            return time.monotonic() + self._budget_s
        return budget.match_deadline

    async def _match(self, dictionary: _Dictionary, goal: GoalMatch, deadline: float) -> list[int]:
        if goal.match_type is MatchType.EXACT:
            key_id = dictionary.by_value.get(goal.match_value)
            return [] if key_id is None else [key_id]
        cache_key = (goal.match_type.value, goal.match_value)
        tested, matched = dictionary.matches.get(cache_key, (0, []))
        until = len(dictionary.values)
        if tested < until:
            matcher = compile_matcher(goal.match_type, goal.match_value)
            scan = _MatchScan(dictionary.ids, dictionary.values, matcher, tested, until, deadline)
            if until - tested <= _INLINE_KEYS:
                scan.run()
            else:
                await asyncio.to_thread(scan.run)
            # Keep what was tested, whether or not the budget ran out, unless a
            # concurrent call got further meanwhile.
            current = dictionary.matches.get(cache_key, (0, []))
            if scan.reached > current[0]:
                matched = matched + scan.matched
                tested = scan.reached
                dictionary.matches[cache_key] = (tested, matched)
            else:
                tested, matched = current
            if scan.reached < until:
                raise BudgetExceeded(
                    "matching is over its time budget",
                    fields={
                        "match_value": f"matching this goal against the site's {until} "
                        f"distinct values took longer than the {self._budget_s:g} s budget "
                        "(GOALGATE_MATCH_BUDGET_S); try a simpler pattern"
                    },
                )
        dictionary.matches[cache_key] = (tested, matched)
        dictionary.matches.move_to_end(cache_key)
        if len(dictionary.matches) > _MAX_PATTERNS_PER_DICTIONARY:
            dictionary.matches.popitem(last=False)
        return matched


class _MatchScan:
    """Tests values[start:until] against a matcher until done or the deadline passes.

    Runs on a worker thread: it only reads the lists (which only ever grow)
    up to ``until``, and writes nothing but its own fields.
    """

    __slots__ = (
        "_deadline",
        "_ids",
        "_matcher",
        "_until",
        "_values",
        "matched",
        "reached",
    )

    def __init__(
        self,
        ids: list[int],
        values: list[str],
        matcher: Callable[[str], bool],
        start: int,
        until: int,
        deadline: float,
    ) -> None:
        self._ids, self._values, self._matcher = ids, values, matcher
        self._until, self._deadline = until, deadline
        self.reached = start
        self.matched: list[int] = []

    def run(self) -> None:
        ids, values, matcher, deadline = self._ids, self._values, self._matcher, self._deadline
        clock = time.monotonic
        index = self.reached
        try:
            while index < self._until:
                if matcher(values[index]):
                    self.matched.append(ids[index])
                index += 1
                if clock() > deadline:
                    return
        finally:
            self.reached = index
