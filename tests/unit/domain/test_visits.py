"""domain.visits.join_visits: new events placed among a visitor's stored visits."""

from __future__ import annotations

from goalgate.domain.visits import Hit, Joined, Visit, join_visits

MIN = 60_000
GOOGLE = (1, None, None, None, None, None, None, 10)
TWITTER = (2, None, None, None, None, None, None, 20)
NONE = (None,) * 8


def test_hits_within_the_timeout_are_one_visit_with_the_first_hits_values() -> None:
    hits = [Hit(5 * MIN, False, TWITTER), Hit(0, True, GOOGLE), Hit(30 * MIN + 5 * MIN, True, NONE)]
    assert join_visits([], hits, 30 * MIN) == [
        Joined(0, 35 * MIN, 3, 2, GOOGLE, (1, 0, 2), kept=None, absorbed=())
    ]


def test_a_gap_longer_than_the_timeout_starts_a_new_visit() -> None:
    hits = [Hit(0, True, GOOGLE), Hit(30 * MIN + 1, False, NONE)]
    joined = join_visits([], hits, 30 * MIN)
    assert [(j.start, j.values, j.hits) for j in joined] == [
        (0, GOOGLE, (0,)),
        (30 * MIN + 1, NONE, (1,)),
    ]


def test_a_hit_before_a_stored_visit_becomes_its_first_event() -> None:
    stored = Visit(7, 10 * MIN, 20 * MIN, 2, 1, TWITTER)
    [joined] = join_visits([stored], [Hit(0, True, GOOGLE)], 30 * MIN)
    assert (joined.kept, joined.values, joined.start, joined.events, joined.restamp) == (
        stored,
        GOOGLE,
        0,
        3,
        True,
    )


def test_a_hit_after_a_stored_visit_keeps_its_values_and_needs_no_restamp() -> None:
    stored = Visit(7, 0, 10 * MIN, 2, 2, GOOGLE)
    [joined] = join_visits([stored], [Hit(10 * MIN, False, TWITTER)], 30 * MIN)
    assert (joined.values, joined.end, joined.pageviews, joined.restamp) == (
        GOOGLE,
        10 * MIN,
        2,
        False,
    )


def test_on_equal_instants_the_stored_visit_comes_first() -> None:
    stored = Visit(7, 0, 0, 1, 1, GOOGLE)
    [joined] = join_visits([stored], [Hit(0, True, TWITTER)], 30 * MIN)
    assert joined.values == GOOGLE


def test_a_bridging_hit_merges_two_visits_into_the_earlier() -> None:
    early, late = Visit(1, 0, 0, 1, 1, GOOGLE), Visit(2, 60 * MIN, 65 * MIN, 2, 1, TWITTER)
    [joined] = join_visits([late, early], [Hit(30 * MIN, True, NONE)], 30 * MIN)
    assert (joined.kept, joined.absorbed, joined.values) == (early, (late,), GOOGLE)
    assert (joined.start, joined.end, joined.events, joined.pageviews) == (0, 65 * MIN, 4, 3)
    assert joined.restamp


def test_stored_visits_no_hit_reaches_are_left_alone() -> None:
    stored = [Visit(1, 0, 0, 1, 1, GOOGLE), Visit(2, 600 * MIN, 600 * MIN, 1, 1, TWITTER)]
    [joined] = join_visits(stored, [Hit(10 * MIN, False, NONE)], 30 * MIN)
    assert joined.kept == stored[0]
