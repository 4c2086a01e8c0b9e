"""Amounts of an order and its payments: refundable, received and refunded, the
lines a Checkout Session shows, and the Stripe ids a session carries."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Sum
from django.utils.translation import gettext as _

from registration.models import (
    COUNTED_REFUND_STATUSES,
    Order,
    Payment,
    PaymentStatus,
    RefundStatus,
)
from registration.money import (
    to_minor_units,
)
from registration.payments import stripe as stripe_api
from registration.payments.services.rules import MAX_LINE_ITEMS, PaymentError

logger = logging.getLogger(__name__)


@functools.cache
def _lock_statement() -> str:
    return f"SET LOCAL lock_timeout = '{int(settings.LOCK_TIMEOUT_SECONDS)}s'"


def _limit_lock_wait() -> None:
    """Inside a transaction: on PostgreSQL a row lock not granted in time is an error."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_lock_statement())


def _refunded(payment: Payment) -> Decimal:
    total = payment.refunds.filter(status__in=COUNTED_REFUND_STATUSES).aggregate(
        total=Sum("amount")
    )["total"]
    return total or Decimal("0")


def refundable_amount(payment: Payment) -> Decimal:
    """What may still be refunded of a succeeded payment."""
    if payment.status != PaymentStatus.SUCCEEDED:
        return Decimal("0")
    return max(payment.amount - _refunded(payment), Decimal("0"))


@dataclass
class MoneySummary:
    paid: Decimal
    refunded: Decimal
    currency: str

    @property
    def state(self) -> str:
        """ "unpaid", "paid", "partly_refunded" or "refunded" (shown, never a status)."""
        if self.paid <= 0:
            return "unpaid"
        if self.refunded <= 0:
            return "paid"
        if self.refunded < self.paid:
            return "partly_refunded"
        return "refunded"


def summarize_order_money(order: Order) -> MoneySummary:
    """Money received and refunded for an order, from Payment and Refund rows."""
    paid = order.payments.filter(status=PaymentStatus.SUCCEEDED).aggregate(
        total=Sum("amount")
    )["total"] or Decimal("0")
    refunded = order.refunds.filter(status=RefundStatus.SUCCEEDED).aggregate(
        total=Sum("amount")
    )["total"] or Decimal("0")
    return MoneySummary(paid=paid, refunded=refunded, currency=order.currency)


def _checkout_lines(order: Order) -> list[dict]:
    """Stripe line items, one per attendee's ticket and per extra, in minor units."""
    currency = order.currency
    lines: list[tuple[str, int]] = []
    attendees = order.attendees.select_related("ticket_type").prefetch_related(
        "attendeeextra_set__extra"
    )
    for attendee in attendees:
        person = attendee.badge_name or attendee.given_name
        lines.append(
            (
                f"{attendee.ticket_type.name} – {person}",
                to_minor_units(attendee.price, currency),
            )
        )
        for bought in attendee.attendeeextra_set.all():
            lines.append(
                (
                    f"{bought.extra.name} – {person}",
                    to_minor_units(bought.price, currency),
                )
            )
    lines = [(name, amount) for name, amount in lines if amount > 0]
    if sum(amount for _name, amount in lines) != to_minor_units(order.total, currency):
        raise PaymentError(
            _("The order's lines do not add up to its total; please contact us."),
            code="total_mismatch",
        )
    if len(lines) > MAX_LINE_ITEMS:
        grouped: dict[tuple[str, int], int] = {}
        for name, amount in lines:
            product = name.rsplit(" – ", 1)[0]
            grouped[(product, amount)] = grouped.get((product, amount), 0) + 1
        items = [(name, amount, count) for (name, amount), count in grouped.items()]
    else:
        items = [(name, amount, 1) for name, amount in lines]
    return [
        {
            "quantity": quantity,
            "price_data": {
                "currency": currency.lower(),
                "unit_amount": amount,
                "product_data": {"name": name[:250]},
            },
        }
        for name, amount, quantity in items
    ]


def _intent_id(session: dict) -> str:
    intent = session.get("payment_intent")
    if isinstance(intent, dict):
        return intent.get("id") or ""
    return intent or ""


def _charge_id(session: dict) -> str:
    intent = session.get("payment_intent")
    if isinstance(intent, dict):
        charge = intent.get("latest_charge")
        if isinstance(charge, dict):
            return charge.get("id") or ""
        return charge or ""
    return ""


def _expire_session_quietly(session_id: str) -> None:
    try:
        stripe_api.expire_checkout_session(session_id)
    except stripe_api.StripeError:
        logger.warning("Could not expire Checkout Session %s", session_id)
