"""Which of a site's distinct paths and names a goal matches, kept warm per process.

Paths and names are few and events are many, so goals are matched against the
per-site dictionary (``event_keys``), never against event rows. The dictionary
only grows, which makes a process-local mirror easy to keep fresh: each call
fetches just the keys added since the last one, and a goal's matches are
extended by testing only the new keys. Losing this cache costs time, never
correctness, so any number of workers can each keep their own.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

from goalgate.domain.goals import EventKind, GoalType, MatchType, compile_matcher, event_kind_of
from goalgate.metrics import Metrics
from goalgate.storage import stats as stats_store
from goalgate.storage.db import Reader

__all__ = ["GoalMatch", "KeyIndex"]

_MAX_PATTERNS_PER_DICTIONARY = 1024


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

    def extend(self, rows: list[tuple[int, str]]) -> None:
        for key_id, value in rows:
            # Two concurrent refreshes may fetch the same rows: keep each once.
            if key_id > self.last_id:
                self.ids.append(key_id)
                self.values.append(value)
                self.by_value[value] = key_id


class KeyIndex:
    """Per-process mirror of every site's key dictionary, with goal matches cached."""

    def __init__(self, reader: Reader, *, metrics: Metrics | None = None) -> None:
        self._reader = reader
        self._dictionaries: dict[tuple[int, EventKind], _Dictionary] = {}
        self._metrics = metrics

    async def _fresh(self, site_id: int, kind: EventKind) -> _Dictionary:
        dictionary = self._dictionaries.setdefault((site_id, kind), _Dictionary())
        added = await stats_store.keys_after(self._reader, site_id, kind, dictionary.last_id)
        if added:
            size = len(dictionary.ids)
            dictionary.extend(added)
            if self._metrics is not None:
                self._metrics.keys_added(len(dictionary.ids) - size)
        return dictionary

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

    def values_of(self, site_id: int, goal_type: GoalType, key_ids: list[int]) -> list[str]:
        """The strings behind key ids this index has returned (fresh from a prior call)."""
        dictionary = self._dictionaries.get((site_id, event_kind_of(goal_type)), _Dictionary())
        return [dictionary.value_of(key_id) or "" for key_id in key_ids]

    async def matching_keys_many(self, goals: Sequence[GoalMatch]) -> list[list[int]]:
        """Matching key ids for each goal, refreshing each dictionary once.

        One ``keys_after`` statement per distinct (site, kind), however many
        goals share it: a page of 100 goals costs as many statements as one.
        """
        fresh: dict[tuple[int, EventKind], _Dictionary] = {}
        results: list[list[int]] = []
        for goal in goals:
            wanted = (goal.site_id, event_kind_of(goal.goal_type))
            dictionary = fresh.get(wanted)
            if dictionary is None:
                dictionary = fresh[wanted] = await self._fresh(*wanted)
            results.append(_match(dictionary, goal.match_type, goal.match_value))
        return results


def _match(dictionary: _Dictionary, match_type: MatchType, match_value: str) -> list[int]:
    if match_type is MatchType.EXACT:
        key_id = dictionary.by_value.get(match_value)
        return [] if key_id is None else [key_id]
    cache_key = (match_type.value, match_value)
    tested, matched = dictionary.matches.pop(cache_key, (0, []))
    if tested < len(dictionary.values):
        matcher = compile_matcher(match_type, match_value)
        ids, values = dictionary.ids, dictionary.values
        matched = matched + [ids[i] for i in range(tested, len(values)) if matcher(values[i])]
        tested = len(values)
    dictionary.matches[cache_key] = (tested, matched)
    if len(dictionary.matches) > _MAX_PATTERNS_PER_DICTIONARY:
        dictionary.matches.popitem(last=False)
    return matched
