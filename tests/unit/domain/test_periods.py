"""Unit tests for goalgate.domain.periods: periods, DST days, buckets, errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goalgate.domain.periods import (
    Compare,
    DateRange,
    Interval,
    Period,
    bucket_starts,
    day_of,
    previous_range,
    resolve_period,
    validate_timezone,
)
from goalgate.errors import ValidationFailed
from tests.helpers.time import utc_ms

NOW = datetime(2024, 3, 15, 12, 0, tzinfo=UTC)

# Zones with awkward calendars: DST at 02:00 (Berlin, New York), at midnight
# (Santiago, Havana, Asuncion), half-hour DST (Lord Howe), a skipped day
# (Apia, 2011-12-30), a fall-back across midnight (Goose Bay, 00:01 until 2011),
# odd offsets (Kathmandu, Chatham) and the extremes of the offset range.
AWKWARD_ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "America/Santiago",
    "America/Havana",
    "America/Asuncion",
    "Australia/Lord_Howe",
    "Pacific/Apia",
    "America/Goose_Bay",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "Asia/Tehran",
]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def custom(first: str, last: str, timezone: str = "UTC") -> DateRange:
    return resolve_period("custom", timezone=timezone, now=NOW, start_date=first, end_date=last)


def fields_of(excinfo: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, str]:
    return excinfo.value.fields


# --- Period and Interval -----------------------------------------------------


def test_period_values_are_the_public_names() -> None:
    assert [p.value for p in Period] == ["7d", "30d", "12mo", "custom"]
    assert Period("12mo") is Period.LAST_12_MONTHS


def test_interval_values() -> None:
    assert [i.value for i in Interval] == ["day", "week", "month"]


# --- relative periods --------------------------------------------------------


def test_default_period_is_30_days() -> None:
    rng = resolve_period(None, timezone="UTC", now=NOW)
    assert (rng.start_date, rng.end_date) == (date(2024, 2, 15), date(2024, 3, 15))
    assert rng.days == 30


def test_30d_accepts_enum_and_string_alike() -> None:
    assert resolve_period(Period.LAST_30_DAYS, timezone="UTC", now=NOW) == resolve_period(
        "30d", timezone="UTC", now=NOW
    )


def test_7d_is_today_and_six_days_before() -> None:
    rng = resolve_period("7d", timezone="UTC", now=NOW)
    assert rng == DateRange(
        start_date=date(2024, 3, 9),
        end_date=date(2024, 3, 15),
        timezone="UTC",
        start=utc(2024, 3, 9),
        end=utc(2024, 3, 16),
    )
    assert rng.start_ms == 1709942400000
    assert rng.end_ms == 1710547200000


def test_7d_across_leap_day() -> None:
    rng = resolve_period("7d", timezone="UTC", now=utc(2024, 3, 3, 8))
    assert (rng.start_date, rng.end_date) == (date(2024, 2, 26), date(2024, 3, 3))


def test_7d_across_february_in_a_common_year() -> None:
    rng = resolve_period("7d", timezone="UTC", now=utc(2023, 3, 3, 8))
    assert (rng.start_date, rng.end_date) == (date(2023, 2, 25), date(2023, 3, 3))


def test_7d_across_year_boundary() -> None:
    rng = resolve_period("7d", timezone="UTC", now=utc(2024, 1, 3, 8))
    assert (rng.start_date, rng.end_date) == (date(2023, 12, 28), date(2024, 1, 3))


def test_30d_across_month_boundary() -> None:
    rng = resolve_period("30d", timezone="UTC", now=utc(2024, 5, 1))
    assert (rng.start_date, rng.end_date) == (date(2024, 4, 2), date(2024, 5, 1))


def test_30d_across_year_boundary() -> None:
    rng = resolve_period("30d", timezone="UTC", now=utc(2025, 1, 10))
    assert (rng.start_date, rng.end_date) == (date(2024, 12, 12), date(2025, 1, 10))


def test_30d_on_leap_day() -> None:
    rng = resolve_period("30d", timezone="UTC", now=utc(2024, 2, 29, 23, 59))
    assert (rng.start_date, rng.end_date) == (date(2024, 1, 31), date(2024, 2, 29))


def test_12mo_starts_on_first_of_month_eleven_months_ago() -> None:
    rng = resolve_period("12mo", timezone="UTC", now=NOW)
    assert (rng.start_date, rng.end_date) == (date(2023, 4, 1), date(2024, 3, 15))


def test_12mo_in_january_reaches_into_last_february() -> None:
    rng = resolve_period("12mo", timezone="UTC", now=utc(2024, 1, 10))
    assert (rng.start_date, rng.end_date) == (date(2023, 2, 1), date(2024, 1, 10))


def test_12mo_in_december_is_the_calendar_year() -> None:
    rng = resolve_period("12mo", timezone="UTC", now=utc(2024, 12, 31, 23))
    assert (rng.start_date, rng.end_date) == (date(2024, 1, 1), date(2024, 12, 31))


def test_12mo_on_first_of_month() -> None:
    rng = resolve_period("12mo", timezone="UTC", now=utc(2024, 11, 1))
    assert (rng.start_date, rng.end_date) == (date(2023, 12, 1), date(2024, 11, 1))


def test_12mo_on_leap_day() -> None:
    rng = resolve_period("12mo", timezone="UTC", now=utc(2024, 2, 29, 12))
    assert (rng.start_date, rng.end_date) == (date(2023, 3, 1), date(2024, 2, 29))


def test_today_is_taken_in_the_site_zone() -> None:
    now = utc(2024, 3, 31, 23, 30)
    assert resolve_period("7d", timezone="Europe/Berlin", now=now).end_date == date(2024, 4, 1)
    assert resolve_period("7d", timezone="America/New_York", now=now).end_date == date(2024, 3, 31)
    assert resolve_period("7d", timezone="UTC", now=now).end_date == date(2024, 3, 31)


def test_today_east_of_the_date_line() -> None:
    now = utc(2024, 12, 31, 10)  # 2025-01-01 00:00 at UTC+14
    rng = resolve_period("12mo", timezone="Pacific/Kiritimati", now=now)
    assert (rng.start_date, rng.end_date) == (date(2024, 2, 1), date(2025, 1, 1))
    assert rng.end == utc(2025, 1, 1, 10)


def test_now_may_carry_any_offset() -> None:
    from zoneinfo import ZoneInfo

    now = datetime(2024, 3, 16, 0, 30, tzinfo=ZoneInfo("Asia/Tokyo"))  # 15:30Z on the 15th
    assert resolve_period("7d", timezone="UTC", now=now).end_date == date(2024, 3, 15)


def test_range_in_a_zone_uses_local_midnights() -> None:
    rng = resolve_period("7d", timezone="America/New_York", now=NOW)
    assert rng.start == utc(2024, 3, 9, 5)  # EST
    assert rng.end == utc(2024, 3, 16, 4)  # EDT after 2024-03-10
    assert rng.start.tzinfo is UTC
    assert rng.end.tzinfo is UTC


# --- custom ------------------------------------------------------------------


def test_custom_with_strings() -> None:
    rng = custom("2024-02-01", "2024-02-29", "Europe/Berlin")
    assert rng == DateRange(
        start_date=date(2024, 2, 1),
        end_date=date(2024, 2, 29),
        timezone="Europe/Berlin",
        start=utc(2024, 1, 31, 23),
        end=utc(2024, 2, 29, 23),
    )


def test_custom_with_dates() -> None:
    rng = resolve_period(
        Period.CUSTOM,
        timezone="UTC",
        now=NOW,
        start_date=date(2023, 12, 31),
        end_date=date(2024, 1, 1),
    )
    assert (rng.start, rng.end) == (utc(2023, 12, 31), utc(2024, 1, 2))
    assert rng.days == 2


def test_custom_single_day() -> None:
    rng = custom("2024-02-29", "2024-02-29")
    assert (rng.start_ms, rng.end_ms) == (utc_ms(2024, 2, 29), utc_ms(2024, 3, 1))


def test_custom_may_lie_in_the_future() -> None:
    rng = custom("2030-01-01", "2030-01-31")
    assert rng.start_date == date(2030, 1, 1)


def test_custom_of_exactly_3660_days_is_allowed() -> None:
    rng = custom("2000-01-01", "2010-01-07")
    assert rng.days == 3660


def test_custom_at_the_edges_of_the_allowed_years() -> None:
    assert custom("1970-01-01", "1970-01-01").start_ms == 0
    assert custom("9998-12-31", "9998-12-31").end == utc(9999, 1, 1)


# --- DST days ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("timezone", "day", "start", "end", "hours"),
    [
        # Europe/Berlin: 02:00 -> 03:00 on 2024-03-31; 03:00 -> 02:00 on 2024-10-27.
        ("Europe/Berlin", "2024-03-31", utc(2024, 3, 30, 23), utc(2024, 3, 31, 22), 23),
        ("Europe/Berlin", "2024-10-27", utc(2024, 10, 26, 22), utc(2024, 10, 27, 23), 25),
        ("Europe/Berlin", "2024-07-01", utc(2024, 6, 30, 22), utc(2024, 7, 1, 22), 24),
        # America/New_York: 2024-03-10 and 2024-11-03 at 02:00.
        ("America/New_York", "2024-03-10", utc(2024, 3, 10, 5), utc(2024, 3, 11, 4), 23),
        ("America/New_York", "2024-11-03", utc(2024, 11, 3, 4), utc(2024, 11, 4, 5), 25),
        # America/Santiago: midnight does not exist on 2024-09-08 (24:00 -> 01:00),
        # and 23:00-24:00 repeats on 2024-04-06 (24:00 -> 23:00).
        ("America/Santiago", "2024-09-08", utc(2024, 9, 8, 4), utc(2024, 9, 9, 3), 23),
        ("America/Santiago", "2024-04-06", utc(2024, 4, 6, 3), utc(2024, 4, 7, 4), 25),
        # America/Havana: 00:00 -> 01:00 on 2024-03-10; 01:00 -> 00:00 on 2024-11-03,
        # so midnight happens twice and the day starts at the first one.
        ("America/Havana", "2024-03-10", utc(2024, 3, 10, 5), utc(2024, 3, 11, 4), 23),
        ("America/Havana", "2024-11-03", utc(2024, 11, 3, 4), utc(2024, 11, 4, 5), 25),
        # Australia/Lord_Howe moves by half an hour.
        ("Australia/Lord_Howe", "2024-10-06", utc(2024, 10, 5, 13, 30), utc(2024, 10, 6, 13), 23.5),
        # Pacific/Apia skipped 2011-12-30 entirely when it crossed the date line.
        ("Pacific/Apia", "2011-12-29", utc(2011, 12, 29, 10), utc(2011, 12, 30, 10), 24),
        ("Pacific/Apia", "2011-12-30", utc(2011, 12, 30, 10), utc(2011, 12, 30, 10), 0),
        ("Pacific/Apia", "2011-12-31", utc(2011, 12, 30, 10), utc(2011, 12, 31, 10), 24),
    ],
)
def test_day_boundaries_across_clock_changes(
    timezone: str, day: str, start: datetime, end: datetime, hours: float
) -> None:
    rng = custom(day, day, timezone)
    assert (rng.start, rng.end) == (start, end)
    assert rng.end - rng.start == timedelta(hours=hours)


def test_fall_back_across_midnight_keeps_days_contiguous() -> None:
    # America/Goose_Bay fell back at 00:01 on 2010-11-07 to 23:01 on the 6th: the
    # local date goes 7th -> 6th -> 7th. The 7th starts at its first midnight and
    # owns the repeated hour, so days stay contiguous and never overlap.
    sixth = custom("2010-11-06", "2010-11-06", "America/Goose_Bay")
    seventh = custom("2010-11-07", "2010-11-07", "America/Goose_Bay")
    assert (sixth.start, sixth.end) == (utc(2010, 11, 6, 3), utc(2010, 11, 7, 3))
    assert (seventh.start, seventh.end) == (utc(2010, 11, 7, 3), utc(2010, 11, 8, 4))
    # 23:31 on the 6th by the wall clock, after the 7th began: counted on the 7th.
    assert day_of(utc_ms(2010, 11, 7, 3, 31), "America/Goose_Bay") == date(2010, 11, 7)
    assert day_of(utc_ms(2010, 11, 7, 2, 59), "America/Goose_Bay") == date(2010, 11, 6)
    # "Today" follows the same rule, so the period always contains now.
    rng = resolve_period("7d", timezone="America/Goose_Bay", now=utc(2010, 11, 7, 3, 31))
    assert rng.end_date == date(2010, 11, 7)
    assert rng.end == utc(2010, 11, 8, 4)


# --- day_of ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "timezone", "expected"),
    [
        (0, "UTC", date(1970, 1, 1)),
        (-1, "UTC", date(1969, 12, 31)),
        (utc_ms(2024, 3, 15, 23, 59, 59) + 999, "UTC", date(2024, 3, 15)),
        (utc_ms(2024, 3, 16), "UTC", date(2024, 3, 16)),
        (utc_ms(2024, 3, 30, 22, 59, 59) + 999, "Europe/Berlin", date(2024, 3, 30)),
        (utc_ms(2024, 3, 30, 23), "Europe/Berlin", date(2024, 3, 31)),
        (utc_ms(2024, 10, 27, 0, 30), "Europe/Berlin", date(2024, 10, 27)),
        (utc_ms(2024, 10, 27, 1, 30), "Europe/Berlin", date(2024, 10, 27)),
        (utc_ms(2024, 10, 27, 22, 59), "Europe/Berlin", date(2024, 10, 27)),
        (utc_ms(2024, 10, 27, 23), "Europe/Berlin", date(2024, 10, 28)),
        (utc_ms(2024, 9, 8, 3, 59, 59) + 999, "America/Santiago", date(2024, 9, 7)),
        (utc_ms(2024, 9, 8, 4), "America/Santiago", date(2024, 9, 8)),
        (utc_ms(2024, 11, 3, 4, 30), "America/Havana", date(2024, 11, 3)),
        (utc_ms(2024, 11, 3, 5, 30), "America/Havana", date(2024, 11, 3)),
        (utc_ms(2011, 12, 30, 10), "Pacific/Apia", date(2011, 12, 31)),
        (utc_ms(2011, 12, 30, 9, 59), "Pacific/Apia", date(2011, 12, 29)),
    ],
)
def test_day_of(instant: int, timezone: str, expected: date) -> None:
    assert day_of(instant, timezone) == expected


def test_day_of_unknown_zone_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        day_of(0, "Mars/Olympus_Mons")


# --- bucket_starts -----------------------------------------------------------


def test_day_buckets() -> None:
    rng = custom("2024-02-28", "2024-03-01")
    assert bucket_starts(rng, Interval.DAY) == [
        (date(2024, 2, 28), utc_ms(2024, 2, 28)),
        (date(2024, 2, 29), utc_ms(2024, 2, 29)),
        (date(2024, 3, 1), utc_ms(2024, 3, 1)),
    ]


def test_day_buckets_over_spring_forward() -> None:
    rng = custom("2024-03-30", "2024-04-01", "Europe/Berlin")
    assert bucket_starts(rng, Interval.DAY) == [
        (date(2024, 3, 30), utc_ms(2024, 3, 29, 23)),
        (date(2024, 3, 31), utc_ms(2024, 3, 30, 23)),
        (date(2024, 4, 1), utc_ms(2024, 3, 31, 22)),
    ]
    assert rng.end_ms == utc_ms(2024, 4, 1, 22)


def test_day_buckets_over_the_skipped_day_include_an_empty_bucket() -> None:
    rng = custom("2011-12-29", "2011-12-31", "Pacific/Apia")
    assert bucket_starts(rng, Interval.DAY) == [
        (date(2011, 12, 29), utc_ms(2011, 12, 29, 10)),
        (date(2011, 12, 30), utc_ms(2011, 12, 30, 10)),
        (date(2011, 12, 31), utc_ms(2011, 12, 30, 10)),
    ]
    assert rng.end_ms == utc_ms(2011, 12, 31, 10)


def test_week_buckets_start_on_monday_after_a_clipped_first_week() -> None:
    rng = custom("2024-03-13", "2024-03-31")  # Wednesday .. Sunday
    assert bucket_starts(rng, Interval.WEEK) == [
        (date(2024, 3, 13), utc_ms(2024, 3, 13)),
        (date(2024, 3, 18), utc_ms(2024, 3, 18)),
        (date(2024, 3, 25), utc_ms(2024, 3, 25)),
    ]


def test_week_buckets_when_range_starts_on_monday() -> None:
    rng = custom("2024-03-18", "2024-03-25", "America/New_York")
    assert bucket_starts(rng, Interval.WEEK) == [
        (date(2024, 3, 18), utc_ms(2024, 3, 18, 4)),
        (date(2024, 3, 25), utc_ms(2024, 3, 25, 4)),
    ]


def test_week_buckets_across_year_boundary() -> None:
    rng = custom("2024-12-25", "2025-01-08")
    assert [day for day, _ in bucket_starts(rng, Interval.WEEK)] == [
        date(2024, 12, 25),
        date(2024, 12, 30),
        date(2025, 1, 6),
    ]


def test_month_buckets_for_12mo() -> None:
    rng = resolve_period("12mo", timezone="Europe/Berlin", now=NOW)
    buckets = bucket_starts(rng, Interval.MONTH)
    assert [day for day, _ in buckets] == [
        date(2023, 4, 1),
        date(2023, 5, 1),
        date(2023, 6, 1),
        date(2023, 7, 1),
        date(2023, 8, 1),
        date(2023, 9, 1),
        date(2023, 10, 1),
        date(2023, 11, 1),
        date(2023, 12, 1),
        date(2024, 1, 1),
        date(2024, 2, 1),
        date(2024, 3, 1),
    ]
    assert buckets[0][1] == utc_ms(2023, 3, 31, 22)  # CEST
    assert buckets[-1][1] == utc_ms(2024, 2, 29, 23)  # CET


def test_month_buckets_clip_the_first_month() -> None:
    rng = custom("2024-01-20", "2024-03-05")
    assert bucket_starts(rng, Interval.MONTH) == [
        (date(2024, 1, 20), utc_ms(2024, 1, 20)),
        (date(2024, 2, 1), utc_ms(2024, 2, 1)),
        (date(2024, 3, 1), utc_ms(2024, 3, 1)),
    ]


def test_single_day_range_has_one_bucket_for_every_interval() -> None:
    rng = custom("2024-05-31", "2024-05-31")
    for interval in Interval:
        assert bucket_starts(rng, interval) == [(date(2024, 5, 31), utc_ms(2024, 5, 31))]


# --- validation errors -------------------------------------------------------

PERIOD_FAULT = {"period": "must be one of 7d, 30d, 12mo, custom"}
DATE_FAULT = "must be a date YYYY-MM-DD"
YEAR_FAULT = "must be between 1970-01-01 and 9998-12-31"


@pytest.mark.parametrize("period", ["", "7D", "1d", "week", "LAST_7_DAYS", " 7d", 7, True])
def test_unknown_period(period: Any) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        resolve_period(period, timezone="UTC", now=NOW)
    assert fields_of(excinfo) == PERIOD_FAULT
    assert excinfo.value.code == "validation_error"


def test_unknown_period_is_reported_before_misplaced_dates() -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        resolve_period("week", timezone="UTC", now=NOW, start_date="2024-01-01")
    assert fields_of(excinfo) == PERIOD_FAULT


@pytest.mark.parametrize(
    ("period", "first", "last", "expected"),
    [
        ("7d", "2024-01-01", None, {"from": "only allowed with period=custom"}),
        ("30d", None, "2024-01-01", {"to": "only allowed with period=custom"}),
        (
            "12mo",
            "2024-01-01",
            "2024-01-02",
            {"from": "only allowed with period=custom", "to": "only allowed with period=custom"},
        ),
        (None, "x", None, {"from": "only allowed with period=custom"}),
        ("7d", "", None, {"from": "only allowed with period=custom"}),
    ],
)
def test_dates_without_custom(
    period: str | None, first: str | None, last: str | None, expected: dict[str, str]
) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        resolve_period(period, timezone="UTC", now=NOW, start_date=first, end_date=last)
    assert fields_of(excinfo) == expected


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("2024-01-01", None, {"to": "required when period=custom"}),
        (None, "2024-01-01", {"from": "required when period=custom"}),
        (
            None,
            None,
            {"from": "required when period=custom", "to": "required when period=custom"},
        ),
    ],
)
def test_custom_needs_both_dates(
    first: str | None, last: str | None, expected: dict[str, str]
) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        resolve_period("custom", timezone="UTC", now=NOW, start_date=first, end_date=last)
    assert fields_of(excinfo) == expected


@pytest.mark.parametrize(
    "bad",
    [
        "2024-2-1",
        "2024-02-30",
        "2023-02-29",
        "2024-13-01",
        "2024-00-10",
        "x",
        "",
        "20240201",
        "2024-W05-1",
        "2024-032",
        "2024-02-01T00:00",
        " 2024-02-01",
        "2024-02-01\n",
        "\uff12\uff10\uff12\uff14-02-01",  # full-width digits
        "0000-01-01",
        "+2024-02-01",
        datetime(2024, 2, 1, tzinfo=UTC),
        20240201,
    ],
)
def test_bad_from_date(bad: Any) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        resolve_period("custom", timezone="UTC", now=NOW, start_date=bad, end_date="2024-03-01")
    assert fields_of(excinfo) == {"from": DATE_FAULT}


def test_bad_to_date() -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        custom("2024-02-01", "2024-02-30")
    assert fields_of(excinfo) == {"to": DATE_FAULT}


def test_both_dates_bad_reports_both() -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        custom("yesterday", "today")
    assert fields_of(excinfo) == {"from": DATE_FAULT, "to": DATE_FAULT}


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("1969-12-31", "1970-01-01", {"from": YEAR_FAULT}),
        ("9998-12-31", "9999-01-01", {"to": YEAR_FAULT}),
        ("0001-01-01", "9999-12-31", {"from": YEAR_FAULT, "to": YEAR_FAULT}),
        (date(1900, 1, 1), date(1970, 1, 2), {"from": YEAR_FAULT}),
    ],
)
def test_years_outside_1970_to_9998(
    first: str | date, last: str | date, expected: dict[str, str]
) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        resolve_period("custom", timezone="UTC", now=NOW, start_date=first, end_date=last)
    assert fields_of(excinfo) == expected


def test_from_after_to() -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        custom("2024-03-02", "2024-03-01")
    assert fields_of(excinfo) == {"from": "must not be after to"}


def test_custom_longer_than_3660_days() -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        custom("2000-01-01", "2010-01-08")
    assert fields_of(excinfo) == {"to": "must be at most 3660 days from from"}


@pytest.mark.parametrize(
    "timezone", ["", "Mars/Olympus_Mons", "localtime", "../etc/passwd", "europe/berlin"]
)
def test_unknown_timezone_is_a_value_error(timezone: str) -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        resolve_period("7d", timezone=timezone, now=NOW)


def test_naive_now_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        resolve_period("7d", timezone="UTC", now=datetime(2024, 3, 15))


# --- validate_timezone -------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["Europe/Berlin", "UTC", "America/Argentina/Buenos_Aires", "Asia/Kolkata", "US/Eastern"],
)
def test_validate_timezone_accepts_iana_names(name: str) -> None:
    assert validate_timezone(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        "localtime",
        "Factory",
        "posixrules",
        "../etc/passwd",
        "/usr/share/zoneinfo/UTC",
        "Europe/../UTC",
        "europe/berlin",
        "Europe/Berlin ",
        "Europe/Nowhere",
        "UTC+2",
        "Europe",
    ],
)
def test_validate_timezone_rejects_other_names(name: str) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        validate_timezone(name)
    assert fields_of(excinfo) == {"timezone": "must be an IANA time zone name like Europe/Berlin"}


# --- properties --------------------------------------------------------------

zones = st.sampled_from(AWKWARD_ZONES)
instants = st.integers(min_value=utc_ms(1970, 1, 3), max_value=utc_ms(2040, 12, 31))
days = st.dates(min_value=date(1970, 1, 2), max_value=date(2040, 12, 31))


@settings(max_examples=300)
@given(instant=instants, timezone=zones)
def test_every_instant_falls_in_exactly_one_day(instant: int, timezone: str) -> None:
    day = day_of(instant, timezone)
    own = custom(day.isoformat(), day.isoformat(), timezone)
    assert own.start_ms <= instant < own.end_ms
    before = custom((day - timedelta(days=1)).isoformat(), day.isoformat(), timezone)
    after = custom(day.isoformat(), (day + timedelta(days=1)).isoformat(), timezone)
    # Neighbouring days end where this one starts and start where it ends.
    assert bucket_starts(before, Interval.DAY)[1][1] == own.start_ms
    assert bucket_starts(after, Interval.DAY)[1][1] == own.end_ms


@settings(max_examples=300)
@given(
    first=days,
    length=st.integers(min_value=1, max_value=800),
    timezone=zones,
    interval=st.sampled_from(Interval),
)
def test_buckets_partition_the_range(
    first: date, length: int, timezone: str, interval: Interval
) -> None:
    last = first + timedelta(days=length - 1)
    rng = custom(first.isoformat(), last.isoformat(), timezone)
    buckets = bucket_starts(rng, interval)
    assert buckets[0] == (rng.start_date, rng.start_ms)
    bounds = [start for _, start in buckets] + [rng.end_ms]
    assert bounds == sorted(bounds)
    for (day, start), end in zip(buckets, bounds[1:], strict=False):
        assert rng.start_date <= day <= rng.end_date
        # Each bucket starts where its first day starts and is owned by it.
        assert start == custom(day.isoformat(), day.isoformat(), timezone).start_ms
        if start < end:
            assert day_of(start, timezone) == day
            assert day_of(end - 1, timezone) >= day
        if interval is Interval.WEEK and day != rng.start_date:
            assert day.weekday() == 0
        if interval is Interval.MONTH and day != rng.start_date:
            assert day.day == 1
    if interval is Interval.DAY:
        assert len(buckets) == length


@settings(max_examples=200)
@given(instant=instants, timezone=zones, period=st.sampled_from(["7d", "30d", "12mo"]))
def test_relative_periods_contain_now_and_end_today(
    instant: int, timezone: str, period: str
) -> None:
    now = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=instant)
    rng = resolve_period(period, timezone=timezone, now=now)
    assert rng.end_date == day_of(instant, timezone)
    assert rng.start_ms <= instant < rng.end_ms
    if period == "7d":
        assert rng.days == 7
    elif period == "30d":
        assert rng.days == 30
    else:
        assert rng.start_date.day == 1
        months = (
            (rng.end_date.year - rng.start_date.year) * 12
            + rng.end_date.month
            - rng.start_date.month
        )
        assert months == 11


# --- comparison periods ---------------------------------------------------------


def _custom(first: str, last: str, zone: str = "UTC") -> DateRange:
    return resolve_period(
        "custom",
        timezone=zone,
        now=datetime(2025, 1, 1, tzinfo=UTC),
        start_date=first,
        end_date=last,
    )


@pytest.mark.parametrize(
    ("first", "last", "compare", "expected"),
    [
        ("2024-03-01", "2024-03-31", Compare.PREVIOUS_PERIOD, ("2024-01-30", "2024-02-29")),
        ("2024-03-01", "2024-03-07", Compare.PREVIOUS_PERIOD, ("2024-02-23", "2024-02-29")),
        ("2024-03-01", "2024-03-31", Compare.PREVIOUS_YEAR, ("2023-03-01", "2023-03-31")),
        ("2024-02-29", "2024-03-06", Compare.PREVIOUS_YEAR, ("2023-02-28", "2023-03-06")),
        ("2024-01-01", "2024-12-31", Compare.PREVIOUS_YEAR, ("2023-01-01", "2023-12-31")),
        ("2024-01-01", "2024-12-31", Compare.PREVIOUS_PERIOD, ("2022-12-31", "2023-12-31")),
    ],
)
def test_previous_range_has_the_same_number_of_days(
    first: str, last: str, compare: Compare, expected: tuple[str, str]
) -> None:
    rng = _custom(first, last, "Europe/Berlin")
    previous = previous_range(rng, compare)
    assert (previous.start_date.isoformat(), previous.end_date.isoformat()) == expected
    if compare is Compare.PREVIOUS_PERIOD:
        assert previous.days == rng.days
    assert previous.timezone == "Europe/Berlin"


def test_previous_range_before_1970_is_rejected() -> None:
    with pytest.raises(ValidationFailed) as caught:
        previous_range(_custom("1970-01-01", "1970-01-10"), Compare.PREVIOUS_PERIOD)
    assert caught.value.fields == {"compare": "the compared period would start before 1970-01-01"}
