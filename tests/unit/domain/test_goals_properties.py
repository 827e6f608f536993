"""Properties of goal matching and of the site calendar, for any input Hypothesis finds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import re2
from hypothesis import given, settings
from hypothesis import strategies as st

from goalgate.domain.goals import MatchType, compile_matcher
from goalgate.domain.periods import day_of, resolve_period

# Any text a browser may send (Hypothesis leaves out lone surrogates, as UTF-8 does).
texts = st.text(max_size=60)
# Short texts from a small alphabet, so that hits are as likely as misses.
near = st.text(alphabet="ab/.*?()[]\\^$|+{}-é", max_size=8)
ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Pacific/Apia",
    "Asia/Kathmandu",
    "America/Santiago",
]


@given(needle=texts | near, haystack=texts | near)
def test_contains_agrees_with_python_in(needle: str, haystack: str) -> None:
    assert compile_matcher(MatchType.CONTAINS, needle)(haystack) is (needle in haystack)


@given(value=texts | near, candidate=texts | near)
def test_exact_agrees_with_equality(value: str, candidate: str) -> None:
    assert compile_matcher(MatchType.EXACT, value)(candidate) is (value == candidate)


@given(literal=(texts | near).filter(bool), haystack=texts | near)
def test_regex_of_an_escaped_literal_agrees_with_in(literal: str, haystack: str) -> None:
    matches = compile_matcher(MatchType.REGEX, re2.escape(literal))
    assert matches(haystack) is (literal in haystack)
    assert matches(f"x{literal}y") is True


@settings(max_examples=300)
@given(
    # 1970-01-03..2099-12-31: the day before and after stay within the allowed dates.
    instant_ms=st.integers(min_value=172_800_000, max_value=4_102_358_400_000),
    zone=st.sampled_from(ZONES),
)
def test_every_instant_falls_in_exactly_one_day_of_the_site_calendar(
    instant_ms: int, zone: str
) -> None:
    day = day_of(instant_ms, zone)
    now = datetime(2101, 1, 1, tzinfo=UTC)
    days = [day - timedelta(days=1), day, day + timedelta(days=1)]
    spans = [
        resolve_period("custom", timezone=zone, now=now, start_date=d, end_date=d) for d in days
    ]
    containing = [s.start_date for s in spans if s.start_ms <= instant_ms < s.end_ms]
    assert containing == [day]
