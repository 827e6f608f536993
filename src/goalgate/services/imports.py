"""Bulk import of events from NDJSON: every line stored or reported, none dropped silently.

Each line is one event with the fields of the ingestion route, ``site``
included, read by the same rules (``domain.events``). Timestamps are allowed:
whoever runs the importer administers the database. Valid lines are written
in batches through the same group committer as the route; invalid lines are
reported with their number and reason and the import goes on.

A line without ``visitor_id`` has no client to hash, so it gets a visitor of
its own, drawn at random from the anonymous range: it counts as one unique
visitor and never merges with another line or with live traffic.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

import msgspec

from goalgate.domain import visitors
from goalgate.domain.events import EventDraft, parse_event
from goalgate.domain.instants import epoch_ms
from goalgate.errors import Unavailable, ValidationFailed
from goalgate.services import events as event_service
from goalgate.services.group_commit import GroupCommitter, NewEvent

__all__ = ["IMPORT_BATCH", "ImportReport", "Rejection", "import_events"]

IMPORT_BATCH = 1000
_DECODER = msgspec.json.Decoder(float_hook=Decimal)
# Anonymous visitor numbers are the lower half of the 63-bit range.
_ANONYMOUS_BITS = 62


@dataclass(frozen=True, slots=True)
class Rejection:
    line: int
    reason: str


@dataclass(slots=True)
class ImportReport:
    accepted: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    blank: int = 0


async def import_events(
    intake: event_service.Intake,
    lines: Iterable[bytes],
    *,
    batch_size: int = IMPORT_BATCH,
    on_line: Callable[[int], None] | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """Store the valid lines of an NDJSON stream, report the others.

    ``on_line`` is told the size in bytes of each line read (a progress bar).
    Raises Unavailable if a commit fails; the batches before it stay stored.
    """
    now = now or datetime.now(UTC)
    now_ms = epoch_ms(now)
    sites, committer, attribution = intake.sites, intake.committer, intake.attribution
    report = ImportReport()
    batch: list[NewEvent] = []
    last_line = 0
    for number, line in enumerate(lines, start=1):
        last_line = number
        if on_line is not None:
            on_line(len(line))
        if not line.strip():
            report.blank += 1
            continue
        try:
            draft = parse_event(_DECODER.decode(line), now=now)
        except msgspec.DecodeError as exc:
            report.rejected.append(Rejection(number, f"bad JSON: {exc}"))
            continue
        except RecursionError:
            report.rejected.append(Rejection(number, "bad JSON: nested too deeply"))
            continue
        except ValidationFailed as exc:
            report.rejected.append(Rejection(number, _reason(exc)))
            continue
        site = await sites.by_key(draft.site_key)
        if site is None:
            report.rejected.append(Rejection(number, f"site: no such site {draft.site_key!r}"))
            continue
        # No client here: the dimensions are the line's own (and its page and referrer).
        dimensions = attribution.dimensions(draft, site_domain=site.domain)
        batch.append(
            event_service.new_event(
                draft,
                site_id=site.id,
                visitor=_visitor(draft),
                now_ms=now_ms,
                dimensions=dimensions,
            )
        )
        if len(batch) >= batch_size:
            await _store(committer, batch, report, last_line)
    await _store(committer, batch, report, last_line)
    return report


async def _store(
    committer: GroupCommitter, batch: list[NewEvent], report: ImportReport, line: int
) -> None:
    if not batch:
        return
    try:
        await committer.submit(batch)
    except Unavailable:
        raise Unavailable(
            f"storing the batch that ends at line {line} failed; the {report.accepted} "
            "lines before it are stored"
        ) from None
    report.accepted += len(batch)
    batch.clear()


def _visitor(draft: EventDraft) -> int:
    if draft.visitor_id is not None:
        return visitors.identified_visitor(site_key=draft.site_key, visitor_id=draft.visitor_id)
    return secrets.randbits(_ANONYMOUS_BITS)


def _reason(exc: ValidationFailed) -> str:
    return "; ".join(f"{name}: {why}" if name else why for name, why in exc.fields.items())
