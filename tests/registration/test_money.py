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
