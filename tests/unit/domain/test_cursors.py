"""Page cursors: every cursor the API hands out reads back, within the length bound."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goalgate.domain import cursors
from goalgate.errors import ValidationFailed

# Any value a breakdown can show: up to 1,024 characters, NUL and surrogates
# excluded (neither can be stored), control characters, quotes and "|" included.
VALUES = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=1024,
)


@given(st.integers(min_value=0, max_value=2**63 - 1), VALUES)
def test_a_breakdown_cursor_reads_back_as_its_position(conversions: int, value: str) -> None:
    cursor = cursors.encode_breakdown(conversions, value)
    assert len(cursor) <= cursors.MAX_CURSOR_LENGTH
    assert cursors.decode_breakdown(cursor) == (conversions, value)


def test_the_longest_breakdown_cursor_fits_the_bound() -> None:
    cursor = cursors.encode_breakdown(2**63 - 1, "\x1f" * 1024)
    assert len(cursor) <= cursors.MAX_CURSOR_LENGTH
    assert cursors.decode_breakdown(cursor) == (2**63 - 1, "\x1f" * 1024)


@given(
    st.datetimes(
        min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)
    ),
    st.uuids(),
)
def test_a_goal_cursor_reads_back_as_its_position(created_at: datetime, goal_id: object) -> None:
    cursor = cursors.encode_goal(created_at, str(goal_id))
    assert cursors.decode_goal(cursor) == (created_at, str(goal_id))


@pytest.mark.parametrize("decode", [cursors.decode_breakdown, cursors.decode_goal])
def test_a_fault_names_the_argument(decode: object) -> None:
    assert callable(decode)
    with pytest.raises(ValidationFailed) as caught:
        decode("nonsense", "page")
    assert caught.value.fields == {"page": "not a cursor given by this API"}
