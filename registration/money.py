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


# Where the ISO code goes, per language; the separators come from Django's
# locale formats. The ISO code (not a symbol) stays unambiguous across
# countries that all write "$".
_MONEY_PATTERNS = {"en": "{currency} {number}"}
_DEFAULT_MONEY_PATTERN = "{number}\u00a0{currency}"


def format_money(amount: Decimal, currency: str, *, language: str | None = None) -> str:
    """The amount for readers of `language` (default: the active one), with its ISO code.

    English "USD 1,250.00", Spanish "1.250,00 USD", French "1 250,00 USD" (narrow
    no-break space between thousands), "JPY 5,000".
    """
    from django.utils import formats, translation

    language = language or translation.get_language() or "en"
    with translation.override(language):
        number = formats.number_format(
            round_money(amount, currency),
            currency_decimals(currency),
            use_l10n=True,
            force_grouping=True,
        )
    pattern = _MONEY_PATTERNS.get(language.split("-")[0], _DEFAULT_MONEY_PATTERN)
    return pattern.format(currency=currency, number=number)
