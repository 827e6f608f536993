"""One day-by-day set of exchange rates, and purchases priced in four currencies against it."""

from __future__ import annotations

from tests.helpers.time import ms

# Rates per euro, as `goalgate rates import` reads them.
RATES = """date,currency,rate
2024-03-01,USD,1.1
2024-03-01,JPY,160
2024-03-02,USD,1.2
"""

# Conversions of the custom event "buy": (kind, value, ts_ms, visitor, (micros, currency)).
# In USD: 10 + 22 + 6 + 12 = 50.00 from 2024-02-29 to 2024-03-03; 7 conversions, 5 visitors.
PURCHASES: list[tuple[str, str, int, int, tuple[int, str] | None]] = [
    ("goal", "buy", ms("2024-03-01T10:00:00+00:00"), 1, (10_000_000, "USD")),
    # 20 EUR on 1 March at 1.1: 22 USD.
    ("goal", "buy", ms("2024-03-01T11:00:00+00:00"), 2, (20_000_000, "EUR")),
    # 5 EUR on 2 March at that day's 1.2: 6 USD.
    ("goal", "buy", ms("2024-03-02T11:00:00+00:00"), 2, (5_000_000, "EUR")),
    # 1600 JPY on 3 March, no rate that day: the nearest earlier ones,
    # 160 JPY (1 March) and 1.2 USD (2 March): 1600 / 160 * 1.2 = 12 USD.
    ("goal", "buy", ms("2024-03-03T09:00:00+00:00"), 3, (1_600_000_000, "JPY")),
    # No GBP rate at all, and JPY before its first rate: counted, not converted.
    ("goal", "buy", ms("2024-03-03T09:30:00+00:00"), 4, (7_000_000, "GBP")),
    ("goal", "buy", ms("2024-02-29T09:30:00+00:00"), 4, (100_000_000, "JPY")),
    ("goal", "buy", ms("2024-03-03T10:00:00+00:00"), 5, None),
]
