"""Unit tests for goalgate.domain.money: currencies, amounts, micros, display."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goalgate.domain.money import (
    display_amount,
    from_micros,
    minor_units,
    normalize_currency,
    parse_amount,
    to_micros,
)
from goalgate.errors import ValidationFailed

CURRENCY_FAULT = {"currency": "must be an active ISO 4217 code"}


def assert_same(actual: Decimal, expected: str) -> None:
    # Equal value *and* the same digits: Decimal("1.0") == Decimal("1.00") is True.
    assert actual.as_tuple() == Decimal(expected).as_tuple()


# --- normalize_currency ------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("USD", "USD"),
        ("usd", "USD"),
        ("Eur", "EUR"),
        ("jpy", "JPY"),
        ("KWD", "KWD"),
        ("chf", "CHF"),
        ("XOF", "XOF"),  # CFA franc: an X code that is real money
        ("XCD", "XCD"),
        ("XPF", "XPF"),
    ],
)
def test_normalize_currency_accepts_active_codes(code: str, expected: str) -> None:
    assert normalize_currency(code) == expected


@pytest.mark.parametrize(
    "code",
    [
        # non-money ISO 4217 codes
        "XAU",
        "xag",
        "XPD",
        "XPT",
        "XBA",
        "XBB",
        "XBC",
        "XBD",
        "XDR",
        "XSU",
        "XUA",
        "XTS",
        "XXX",
        # not codes at all
        "US",
        "USDD",
        "",
        "EUR ",
        " EUR",
        "E R",
        "U$D",
        "123",
        "\uff35\uff33\uff24",  # full-width USD
        "ZZZ",
        # withdrawn codes
        "DEM",
        "FRF",
        "HRK",
    ],
)
def test_normalize_currency_rejects(code: str) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        normalize_currency(code)
    assert excinfo.value.fields == CURRENCY_FAULT


@pytest.mark.parametrize("code", [None, 840, b"USD"])
def test_normalize_currency_rejects_non_strings(code: Any) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        normalize_currency(code)
    assert excinfo.value.fields == CURRENCY_FAULT


# --- minor_units -------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "places"),
    [
        ("USD", 2),
        ("EUR", 2),
        ("eur", 2),
        ("JPY", 0),
        ("KRW", 0),
        ("CLP", 0),
        ("ISK", 0),
        ("KWD", 3),
        ("BHD", 3),
        ("TND", 3),
        ("OMR", 3),
        ("CLF", 4),
    ],
)
def test_minor_units(code: str, places: int) -> None:
    assert minor_units(code) == places


def test_minor_units_of_unknown_currency_is_a_validation_error() -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        minor_units("ZZZ")
    assert excinfo.value.fields == CURRENCY_FAULT


# --- parse_amount ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("49.90", "49.90"),
        ("0", "0"),
        ("0.000001", "0.000001"),
        ("007", "007"),
        ("0000000000000001.5", "0000000000000001.5"),  # leading zeros are not digits
        ("123456789012", "123456789012"),
        ("999999999999.999999", "999999999999.999999"),
        (0, "0"),
        (42, "42"),
        (999_999_999_999, "999999999999"),
        (19.99, "19.99"),
        (0.1, "0.1"),
        (5.0, "5.0"),
        (-0.0, "0.0"),
        (0.0, "0.0"),
        (123456789012.5, "123456789012.5"),
        (1e-6, "0.000001"),
        (Decimal("12.50"), "12.50"),
        (Decimal("-0"), "0"),
    ],
)
def test_parse_amount_accepts(value: object, expected: str) -> None:
    assert_same(parse_amount(value), expected)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1e2", "must be a decimal number like 49.90"),
        ("", "must be a decimal number like 49.90"),
        (" 1", "must be a decimal number like 49.90"),
        ("1 ", "must be a decimal number like 49.90"),
        ("1.", "must be a decimal number like 49.90"),
        (".5", "must be a decimal number like 49.90"),
        ("+1", "must be a decimal number like 49.90"),
        ("1,50", "must be a decimal number like 49.90"),
        ("NaN", "must be a decimal number like 49.90"),
        ("Infinity", "must be a decimal number like 49.90"),
        ("١٢", "must be a decimal number like 49.90"),
        ("0x10", "must be a decimal number like 49.90"),
        ("1_000", "must be a decimal number like 49.90"),
        ("-1", "must not be negative"),
        ("-0.01", "must not be negative"),
        ("-0", "must not be negative"),
        ("1.0000001", "must have at most 6 decimal places"),
        ("1000000000000", "must have at most 12 digits before the point"),
        ("999999999999999", "must have at most 12 digits before the point"),
        (True, "must be a number, not a boolean"),
        (False, "must be a number, not a boolean"),
        (-1, "must not be negative"),
        (10**12, "must have at most 12 digits before the point"),
        (999_999_999_999_999, "must have at most 12 digits before the point"),
        (float("nan"), "must be a finite number"),
        (float("inf"), "must be a finite number"),
        (float("-inf"), "must be a finite number"),
        (-0.01, "must not be negative"),
        (0.1 + 0.2, "must have at most 6 decimal places"),
        (1e-7, "must have at most 6 decimal places"),
        (1e12, "must have at most 12 digits before the point"),
        (1e300, "must have at most 12 digits before the point"),
        (Decimal("NaN"), "must be a finite number"),
        (Decimal("-Infinity"), "must be a finite number"),
        (Decimal("-5"), "must not be negative"),
        (Decimal("1.0000000"), "must have at most 6 decimal places"),
        (None, "must be a number or a decimal string"),
        ([1], "must be a number or a decimal string"),
        (b"1", "must be a number or a decimal string"),
    ],
)
def test_parse_amount_rejects(value: object, reason: str) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        parse_amount(value)
    assert excinfo.value.fields == {"amount": reason}


def test_parse_amount_names_the_given_field() -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        parse_amount("abc", field="revenue.amount")
    assert excinfo.value.fields == {"revenue.amount": "must be a decimal number like 49.90"}


@given(st.decimals(min_value=0, max_value=Decimal("999999999999.999999"), places=6))
def test_parse_amount_reads_any_plain_decimal_string_exactly(value: Decimal) -> None:
    text = f"{value:f}"
    assert parse_amount(text) == value
    assert str(parse_amount(text)) == text


def test_the_largest_amount_fits_a_signed_64_bit_column() -> None:
    largest = parse_amount("999999999999.999999")
    assert to_micros(largest) == 10**18 - 1
    assert to_micros(largest) < 2**63 - 1


@given(st.floats(min_value=0, max_value=1e11, allow_nan=False, allow_infinity=False))
def test_parse_amount_of_a_float_is_its_shortest_repr_or_a_rejection(value: float) -> None:
    shortest = Decimal(repr(value))
    if -int(shortest.as_tuple().exponent) > 6:
        with pytest.raises(ValidationFailed) as excinfo:
            parse_amount(value)
        assert excinfo.value.fields == {"amount": "must have at most 6 decimal places"}
    else:
        amount = parse_amount(value)
        assert amount == shortest
        assert float(amount) == value


# --- micros ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "micros"),
    [
        ("0", 0),
        ("49.90", 49_900_000),
        ("0.000001", 1),
        ("1", 1_000_000),
        ("1E+3", 1_000_000_000),
        ("999999999999999.999999", 999_999_999_999_999_999_999),
        ("-2.5", -2_500_000),
        ("1.50000000", 1_500_000),  # trailing zeros beyond six places are exact
    ],
)
def test_to_micros(amount: str, micros: int) -> None:
    assert to_micros(Decimal(amount)) == micros


@pytest.mark.parametrize("amount", ["0.0000001", "1.0000005", "NaN", "Infinity"])
def test_to_micros_refuses_to_round(amount: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - both causes are ValueError
        to_micros(Decimal(amount))


@pytest.mark.parametrize(
    ("micros", "amount"),
    [
        (0, "0.000000"),
        (1, "0.000001"),
        (49_900_000, "49.900000"),
        (-2_500_000, "-2.500000"),
        (999_999_999_999_999_999_999, "999999999999999.999999"),
        (10**40, "10000000000000000000000000000000000.000000"),
    ],
)
def test_from_micros(micros: int, amount: str) -> None:
    assert_same(from_micros(micros), amount)


@given(st.decimals(min_value=0, max_value=Decimal("999999999999999.999999"), places=6))
def test_micros_round_trip(amount: Decimal) -> None:
    micros = to_micros(amount)
    assert isinstance(micros, int)
    assert from_micros(micros) == amount


@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_micros_round_trip_from_int(micros: int) -> None:
    assert to_micros(from_micros(micros)) == micros


# --- display_amount ----------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        ("49.9", "USD", "49.90"),
        ("0.125", "USD", "0.12"),  # half to even
        ("0.135", "USD", "0.14"),
        ("0.1251", "EUR", "0.13"),
        ("2.5", "JPY", "2"),
        ("3.5", "JPY", "4"),
        ("1234.5678", "KWD", "1234.568"),
        ("1.0005", "BHD", "1.000"),
        ("1.0015", "BHD", "1.002"),
        ("100", "clp", "100"),
        ("0.000001", "USD", "0.00"),
        ("49.900000", "usd", "49.90"),
        ("123456789012345678901234567890.555", "USD", "123456789012345678901234567890.56"),
    ],
)
def test_display_amount(amount: str, currency: str, shown: str) -> None:
    assert_same(display_amount(Decimal(amount), currency), shown)


def test_display_amount_of_unknown_currency() -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        display_amount(Decimal("1"), "XAU")
    assert excinfo.value.fields == CURRENCY_FAULT


def test_display_amount_of_nan_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="not a finite amount"):
        display_amount(Decimal("NaN"), "USD")
