"""Turn a reporting period into exact UTC instants on a site's calendar.

A site reports in its own IANA time zone: a day is a local calendar day, and
it may last 23 or 25 hours (or begin at 01:00 where midnight is skipped).
Every boundary here is "the first instant whose local date is that day", so
days never overlap, consecutive days share a boundary, and ``day_of`` agrees
with the boundaries for every instant.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from goalgate.domain.instants import epoch_ms, instant_of
from goalgate.errors import ValidationFailed

__all__ = [
    "DEFAULT_PERIOD",
    "Compare",
    "DateRange",
    "Interval",
    "Period",
    "bucket_starts",
    "day_of",
    "previous_range",
    "resolve_period",
    "validate_timezone",
]

MAX_CUSTOM_DAYS = 3660
MIN_DATE = date(1970, 1, 1)
MAX_DATE = date(9998, 12, 31)

_ONE_DAY = timedelta(days=1)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Entries of the zone database that are not place names: "localtime" is the
# host's own setting, "Factory" a placeholder, "posixrules" a rules template.
_NOT_ZONES = frozenset({"localtime", "Factory", "posixrules"})


class Period(StrEnum):
    LAST_7_DAYS = "7d"
    LAST_30_DAYS = "30d"
    LAST_12_MONTHS = "12mo"
    CUSTOM = "custom"


# The period of a request that names none (both faces document it).
DEFAULT_PERIOD = Period.LAST_30_DAYS


class Compare(StrEnum):
    """What a period is compared with: the same number of days just before it,
    or the same calendar dates one year earlier (29 February maps to the 28th,
    so a range holding it is one day longer than its year-earlier twin)."""

    PREVIOUS_PERIOD = "previous_period"
    PREVIOUS_YEAR = "previous_year"


class Interval(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True, slots=True)
class DateRange:
    """Inclusive local days ``start_date..end_date`` and their UTC span ``[start, end)``."""

    start_date: date
    end_date: date
    timezone: str
    start: datetime
    end: datetime

    @property
    def start_ms(self) -> int:
        return epoch_ms(self.start)

    @property
    def end_ms(self) -> int:
        return epoch_ms(self.end)

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1


def validate_timezone(name: str) -> str:
    """Return ``name`` if it is an IANA zone name, else raise ValidationFailed."""
    if not isinstance(name, str) or name not in _zone_names():
        raise ValidationFailed(
            "Unknown time zone.",
            fields={"timezone": "must be an IANA time zone name like Europe/Berlin"},
        )
    return name


def resolve_period(
    period: Period | str | None,
    *,
    timezone: str,
    now: datetime,
    start_date: date | str | None = None,
    end_date: date | str | None = None,
) -> DateRange:
    """Resolve a period, relative to ``now`` in ``timezone``, to a DateRange.

    ``period`` defaults to 30d; ``start_date``/``end_date`` (public names ``from``/``to``)
    are only allowed, and then both required, with ``custom``. Client mistakes
    raise ValidationFailed naming the public parameter; an unknown zone is a
    caller bug and raises ValueError.
    """
    _zone(timezone)  # fail on a bad zone before blaming the client's input
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    chosen = _parse_period(period)

    if chosen is not Period.CUSTOM:
        given = {"from": start_date, "to": end_date}
        misplaced = {
            name: "only allowed with period=custom"
            for name, value in given.items()
            if value is not None
        }
        if misplaced:
            raise ValidationFailed(
                "from and to are only allowed with period=custom.", fields=misplaced
            )
        today = day_of(epoch_ms(now), timezone)
        if chosen is Period.LAST_7_DAYS:
            begin = today - timedelta(days=6)
        elif chosen is Period.LAST_30_DAYS:
            begin = today - timedelta(days=29)
        else:
            begin = _months_before(today.replace(day=1), 11)
        return _date_range(begin, today, timezone)

    missing = {
        name: "required when period=custom"
        for name, value in (("from", start_date), ("to", end_date))
        if value is None
    }
    if missing:
        raise ValidationFailed("period=custom needs from and to.", fields=missing)
    assert start_date is not None  # for the type checker
    assert end_date is not None

    faults: dict[str, str] = {}
    begin_or_none = _parse_date(start_date, "from", faults)
    end_or_none = _parse_date(end_date, "to", faults)
    if begin_or_none is None or end_or_none is None:
        raise ValidationFailed("Invalid date.", fields=faults)
    begin, end = begin_or_none, end_or_none
    if begin > end:
        raise ValidationFailed(
            "from must not be after to.", fields={"from": "must not be after to"}
        )
    if (end - begin).days + 1 > MAX_CUSTOM_DAYS:
        raise ValidationFailed(
            "Custom range too long.",
            fields={"to": f"must be at most {MAX_CUSTOM_DAYS} days from from"},
        )
    return _date_range(begin, end, timezone)


def day_of(instant_ms: int, timezone: str) -> date:
    """Return the site-calendar day that the epoch-ms instant falls in."""
    zone = _zone(timezone)
    local = instant_of(instant_ms).astimezone(zone).date()
    # The local date is the answer except around rare transitions that move a
    # clock back across midnight; the boundaries are the definition, so obey them.
    while instant_ms < _day_start_ms(local, timezone):
        local -= _ONE_DAY
    while instant_ms >= _day_start_ms(local + _ONE_DAY, timezone):
        local += _ONE_DAY
    return local


def bucket_starts(rng: DateRange, interval: Interval) -> list[tuple[date, int]]:
    """Return ``(first day, start epoch-ms)`` of each bucket covering ``rng``.

    The first bucket starts at ``rng.start_date`` (clipped), weeks start on Monday
    and months on the 1st; the starts followed by ``rng.end_ms`` partition
    ``[rng.start_ms, rng.end_ms)``.
    """
    zone_name = rng.timezone
    firsts: list[date] = [rng.start_date]
    if interval is Interval.DAY:
        step = rng.start_date + _ONE_DAY
        while step <= rng.end_date:
            firsts.append(step)
            step += _ONE_DAY
    elif interval is Interval.WEEK:
        step = rng.start_date + timedelta(days=7 - rng.start_date.weekday())
        while step <= rng.end_date:
            firsts.append(step)
            step += timedelta(days=7)
    elif interval is Interval.MONTH:
        step = _months_before(rng.start_date.replace(day=1), -1)
        while step <= rng.end_date:
            firsts.append(step)
            step = _months_before(step, -1)
    else:  # pragma: no cover - exhaustive over Interval
        raise ValueError(f"unknown interval {interval!r}")
    return [(day, _day_start_ms(day, zone_name)) for day in firsts]


def previous_range(rng: DateRange, compare: Compare) -> DateRange:
    """The range ``rng`` is compared with (see Compare)."""
    if compare is Compare.PREVIOUS_PERIOD:
        end_date = rng.start_date - _ONE_DAY
        start_date = end_date - timedelta(days=rng.days - 1)
    else:
        start_date, end_date = _year_before(rng.start_date), _year_before(rng.end_date)
    if start_date < MIN_DATE:
        raise ValidationFailed(
            "The compared period starts before 1970.",
            fields={"compare": "the compared period would start before 1970-01-01"},
        )
    return _date_range(start_date, end_date, rng.timezone)


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _parse_period(period: object) -> Period:
    if period is None:
        return DEFAULT_PERIOD
    if isinstance(period, str):
        try:
            return Period(period)
        except ValueError:
            pass
    raise ValidationFailed(
        "Unknown period.", fields={"period": "must be one of 7d, 30d, 12mo, custom"}
    )


def _parse_date(value: object, name: str, faults: dict[str, str]) -> date | None:
    parsed: date | None = None
    if isinstance(value, datetime):
        parsed = None
    elif isinstance(value, date):
        parsed = value
    elif isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            parsed = None
    if parsed is None:
        faults[name] = "must be a date YYYY-MM-DD"
        return None
    if not MIN_DATE <= parsed <= MAX_DATE:
        faults[name] = "must be between 1970-01-01 and 9998-12-31"
        return None
    return parsed


def _months_before(first_of_month: date, months: int) -> date:
    index = first_of_month.year * 12 + first_of_month.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _date_range(start_date: date, end_date: date, name: str) -> DateRange:
    start_ms = _day_start_ms(start_date, name)
    end_ms = _day_start_ms(end_date + _ONE_DAY, name)
    return DateRange(
        start_date=start_date,
        end_date=end_date,
        timezone=name,
        start=instant_of(start_ms),
        end=instant_of(end_ms),
    )


@functools.lru_cache(maxsize=8192)
def _day_start_ms(day: date, timezone: str) -> int:
    """The first instant (epoch ms) whose local date in ``timezone`` is ``day`` or later."""
    zone = _zone(timezone)
    midnight = datetime(day.year, day.month, day.day)
    early = epoch_ms(midnight.replace(tzinfo=zone, fold=0))
    late = epoch_ms(midnight.replace(tzinfo=zone, fold=1))
    lo, hi = min(early, late), max(early, late)
    if _local_date(lo, zone) >= day:
        return lo
    # Midnight fell in a gap (clocks jumped over it): the day begins at the
    # transition, which lies in (lo, hi]. Zone offsets are whole seconds.
    lo_s, hi_s = lo // 1000, -(-hi // 1000)
    while hi_s - lo_s > 1:
        mid = (lo_s + hi_s) // 2
        if _local_date(mid * 1000, zone) >= day:
            hi_s = mid
        else:
            lo_s = mid
    return hi_s * 1000


def _local_date(instant_ms: int, zone: zoneinfo.ZoneInfo) -> date:
    return instant_of(instant_ms).astimezone(zone).date()


def _zone(name: str) -> zoneinfo.ZoneInfo:
    if not isinstance(name, str) or name not in _zone_names():
        raise ValueError(f"unknown time zone {name!r}")
    return zoneinfo.ZoneInfo(name)


@functools.lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    # available_timezones() walks the zone directories on every call.
    return frozenset(zoneinfo.available_timezones() - _NOT_ZONES)
