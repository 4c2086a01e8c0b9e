"""Template filter that shows an amount in an event's currency."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.translation import gettext as _

from registration.money import format_money

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """`{{ ticket.price|money:event.currency }}` → "USD 450.00"; zero → "Free"."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    if value == 0:
        return _("Free")
    return format_money(value, currency)
