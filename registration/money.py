"""Money: the one place that rounds amounts and converts to minor units.

Amounts are `Decimal` everywhere. Rounding is half-up to the currency's
decimals, applied per line, so Stripe's line items add up to the confirmed
total. Integer minor units exist only at the Stripe boundary.
"""

from decimal import ROUND_HALF_UP, Decimal

# Currencies offered for events, with the number of decimals each uses.
CURRENCY_DECIMALS: dict[str, int] = {
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "CAD": 2,
    "AUD": 2,
    "MXN": 2,
    "CHF": 2,
    "NZD": 2,
    "JPY": 0,
    "KRW": 0,
}
CURRENCY_CHOICES = [(code, code) for code in CURRENCY_DECIMALS]


def currency_decimals(currency: str) -> int:
    return CURRENCY_DECIMALS[currency.upper()]


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's number of decimals."""
    exponent = Decimal(1).scaleb(-currency_decimals(currency))
    return Decimal(amount).quantize(exponent, rounding=ROUND_HALF_UP)


def to_minor_units(amount: Decimal, currency: str) -> int:
    """Integer amount in the currency's smallest unit (cents; yen stay yen)."""
    rounded = round_money(amount, currency)
    return int(rounded.scaleb(currency_decimals(currency)))


def from_minor_units(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-currency_decimals(currency))


def format_money(amount: Decimal, currency: str) -> str:
    """A plain, unambiguous rendering: "USD 1,250.00", "JPY 5,000"."""
    decimals = currency_decimals(currency)
    return f"{currency} {round_money(amount, currency):,.{decimals}f}"
