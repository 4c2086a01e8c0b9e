from decimal import Decimal

import pytest

from registration.money import format_money, round_money, to_minor_units


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("10.005", "USD", Decimal("10.01")),
        ("10.004", "USD", Decimal("10.00")),
        ("999.5", "JPY", Decimal("1000")),
        ("2.5", "JPY", Decimal("3")),
    ],
)
def test_round_money_rounds_half_up_to_the_currency_decimals(
    amount, currency, expected
):
    assert round_money(Decimal(amount), currency) == expected


def test_to_minor_units_uses_cents_but_whole_yen():
    assert to_minor_units(Decimal("450.00"), "USD") == 45000
    assert to_minor_units(Decimal("5000"), "JPY") == 5000


def test_format_money_shows_currency_and_decimals():
    assert format_money(Decimal("1250"), "USD") == "USD 1,250.00"
    assert format_money(Decimal("5000"), "JPY") == "JPY 5,000"


@pytest.mark.parametrize(
    ("language", "amount", "currency", "expected"),
    [
        ("en", "1234.5", "EUR", "EUR 1,234.50"),
        # Django's Spanish and French formats: comma decimals, no-break space
        # between thousands; the ISO code follows the number.
        ("es", "1234.5", "EUR", "1\u00a0234,50\u00a0EUR"),
        ("es", "450", "USD", "450,00\u00a0USD"),
        ("fr", "1234.5", "USD", "1\u00a0234,50\u00a0USD"),
        ("fr", "5000", "JPY", "5\u00a0000\u00a0JPY"),
    ],
)
def test_format_money_follows_the_language(language, amount, currency, expected):
    assert format_money(Decimal(amount), currency, language=language) == expected


def test_format_money_reads_the_active_language():
    from django.utils import translation

    with translation.override("fr"):
        assert format_money(Decimal("85"), "USD") == "85,00\u00a0USD"
