"""Property tests for money (registration/money.py) and voucher prices
(registration/catalogue/services/pricing.discounted_price): for every amount,
not a few examples."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from registration.catalogue.services.pricing import discounted_price
from registration.models import Voucher, VoucherKind
from registration.money import (
    CURRENCY_DECIMALS,
    from_minor_units,
    round_money,
    to_minor_units,
)

currencies = st.sampled_from(sorted(CURRENCY_DECIMALS))
amounts = st.decimals(
    min_value=Decimal("0"),
    max_value=Decimal("9999999999.99"),
    places=4,
    allow_nan=False,
    allow_infinity=False,
)
prices = st.decimals(
    min_value=Decimal("0"), max_value=Decimal("100000"), places=2, allow_nan=False
)


@given(st.integers(min_value=0, max_value=10**12), currencies)
def test_minor_units_round_trip_exactly(minor, currency):
    assert to_minor_units(from_minor_units(minor, currency), currency) == minor


@given(amounts, currencies)
def test_rounding_is_idempotent_and_within_half_a_unit(amount, currency):
    rounded = round_money(amount, currency)
    unit = Decimal(1).scaleb(-CURRENCY_DECIMALS[currency])
    assert round_money(rounded, currency) == rounded
    assert abs(rounded - amount) <= unit / 2
    assert rounded.as_tuple().exponent == -CURRENCY_DECIMALS[currency]


@given(st.integers(min_value=0, max_value=10**9), currencies)
def test_a_half_unit_always_rounds_up(whole_units, currency):
    unit = Decimal(1).scaleb(-CURRENCY_DECIMALS[currency])
    halfway = whole_units * unit + unit / 2
    assert round_money(halfway, currency) == (whole_units + 1) * unit


@given(st.lists(amounts, min_size=1, max_size=50), currencies)
def test_line_totals_in_minor_units_add_up_to_the_rounded_total(lines, currency):
    """Rounding per line (DESIGN: money) keeps Stripe's lines equal to the total."""
    rounded = [round_money(line, currency) for line in lines]
    total = sum(rounded, Decimal("0"))
    assert sum(to_minor_units(line, currency) for line in rounded) == to_minor_units(
        total, currency
    )


@given(
    prices,
    st.sampled_from([VoucherKind.PERCENT, VoucherKind.FIXED, VoucherKind.SET_PRICE]),
    st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2),
    currencies,
)
def test_a_voucher_never_makes_a_price_negative_or_unrounded(
    price, kind, value, currency
):
    voucher = Voucher(kind=kind, value=value)
    new_price = discounted_price(price, voucher, currency)
    assert new_price >= 0
    assert new_price == round_money(new_price, currency)
    if kind != VoucherKind.SET_PRICE:
        assert new_price <= round_money(price, currency)
