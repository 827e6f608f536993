"""Visits: one visitor's run of events with no gap longer than the timeout.

A visit takes its source, referrer domain, five campaign tags and entry page
from its **first** event (by time): every event of the visit is credited to
them, whatever its own referrer or tags said (the site's own pages, a payment
provider's return). An anonymous visitor's number changes with the daily salt
(``domain.visitors``), so its visits end there.

Events may arrive in any order (backfills, imports, batches): ``join_visits``
places a visitor's new events among its stored visits. An event older than a
visit's first event becomes its first event (the visit's values change); an
event that closes the gap between two visits merges them into one. Pure: the
storage reads the stored visits and writes what this decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["DEFAULT_TIMEOUT_MINUTES", "Hit", "Joined", "Visit", "join_visits"]

DEFAULT_TIMEOUT_MINUTES = 30

# A visit's values, each a key id or None, in the order of
# domain.dimensions.VISIT_DIMENSIONS: source, referrer domain, the five UTM
# tags, entry page.
Values = tuple[int | None, ...]


@dataclass(frozen=True, slots=True)
class Visit:
    """A stored visit: its span (epoch ms, both ends included), counts and values."""

    id: int
    start: int
    end: int
    events: int
    pageviews: int
    values: Values


@dataclass(frozen=True, slots=True)
class Hit:
    """A new event of the visitor: its instant, whether it is a pageview, its own values."""

    ts: int
    pageview: bool
    values: Values


@dataclass(frozen=True, slots=True)
class Joined:
    """A visit that new events joined: what to store, and what it replaces.

    ``kept`` is the stored visit whose id it keeps (None: a new visit);
    ``absorbed`` are stored visits merged into it (their rows go, their
    events move to it). ``restamp``: the stored events of ``kept`` and
    ``absorbed`` must be given the visit's id and values again.
    """

    start: int
    end: int
    events: int
    pageviews: int
    values: Values
    hits: tuple[int, ...]
    kept: Visit | None
    absorbed: tuple[Visit, ...]

    @property
    def restamp(self) -> bool:
        return bool(self.absorbed) or (self.kept is not None and self.kept.values != self.values)


def join_visits(stored: Sequence[Visit], hits: Sequence[Hit], timeout_ms: int) -> list[Joined]:
    """Place one visitor's ``hits`` among its ``stored`` visits (disjoint, more than
    ``timeout_ms`` apart); one ``Joined`` per visit that received hits.

    Items are taken by time; on equal instants a stored visit comes first (it
    was there before), then hits in the order given. A gap of exactly
    ``timeout_ms`` stays within the visit; a longer one starts a new visit.
    """
    if len(hits) == 1 and len(stored) <= 1:  # the common cases, without sorting
        hit = hits[0]
        if not stored:  # a new visit
            return [Joined(hit.ts, hit.ts, 1, int(hit.pageview), hit.values, (0,), None, ())]
        visit = stored[0]
        if visit.start <= hit.ts and hit.ts - visit.end <= timeout_ms:  # joins, not first
            return [
                Joined(
                    visit.start,
                    max(visit.end, hit.ts),
                    visit.events + 1,
                    visit.pageviews + int(hit.pageview),
                    visit.values,
                    (0,),
                    visit,
                    (),
                )
            ]
    # (start, 0 for stored or 1 for a hit, position, end): sorted, the first
    # item of each run is the visit's first event.
    items = sorted(
        [(v.start, 0, n, v.end) for n, v in enumerate(stored)]
        + [(h.ts, 1, n, h.ts) for n, h in enumerate(hits)]
    )
    runs: list[list[tuple[int, int, int, int]]] = []
    end = 0
    for item in items:
        if not runs or item[0] - end > timeout_ms:
            runs.append([])
            end = item[3]
        runs[-1].append(item)
        end = max(end, item[3])
    joined = []
    for run in runs:
        own = tuple(n for _, is_hit, n, _ in run if is_hit)
        if not own:
            continue
        visits = [stored[n] for _, is_hit, n, _ in run if not is_hit]
        _, first_is_hit, first, _ = run[0]
        values = hits[first].values if first_is_hit else stored[first].values
        joined.append(
            Joined(
                start=run[0][0],
                end=max(item[3] for item in run),
                events=sum(v.events for v in visits) + len(own),
                pageviews=sum(v.pageviews for v in visits) + sum(hits[n].pageview for n in own),
                values=values,
                hits=own,
                kept=visits[0] if visits else None,
                absorbed=tuple(visits[1:]),
            )
        )
    return joined
