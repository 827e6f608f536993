"""Instants as stored: UTC epoch milliseconds, the one conversion each way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["EPOCH", "epoch_ms", "instant_of"]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)


def epoch_ms(moment: datetime) -> int:
    """Milliseconds since 1970-01-01 UTC of an aware datetime (floored)."""
    return (moment - EPOCH) // _ONE_MS


def instant_of(ms: int) -> datetime:
    """The aware UTC datetime of an epoch-milliseconds instant."""
    return EPOCH + timedelta(milliseconds=ms)
