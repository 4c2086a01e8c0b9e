"""What payments may do: their errors, Stripe's statuses in ours, which payment
methods are offered, whether an order may be paid by card, and the allowed
status moves of payments, refunds and invoices."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from registration.errors import InvalidTransition, RegistrationError
from registration.models import (
    Invoice,
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
    Refund,
    RefundStatus,
)
from registration.payments import stripe as stripe_api
from registration.payments.models import (
    INVOICE_TRANSITIONS,
    PAYMENT_TRANSITIONS,
    REFUND_TRANSITIONS,
)

logger = logging.getLogger(__name__)

# Stripe's minimum session lifetime is 30 minutes from creation; a minute more
# absorbs clock differences between us and Stripe.
CHECKOUT_SESSION_LIFETIME = timedelta(minutes=31)
# Stripe accepts at most 100 line items in payment mode; beyond that equal
# lines are grouped with a quantity.
MAX_LINE_ITEMS = 100
INVOICE_REMINDER_BEFORE = timedelta(days=5)
INVOICE_REMINDER_AFTER = timedelta(days=3)
REFUND_RETRY_AFTER = timedelta(minutes=2)

SESSION_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
}
REFUND_EVENTS = {
    "charge.refunded",
    "charge.refund.updated",
    "refund.created",
    "refund.updated",
    "refund.failed",
}
# Every change of a dispute: opened, evidence asked or under review, the
# disputed amount taken or given back, decided (won, lost, inquiry closed).
DISPUTE_EVENTS = {
    "charge.dispute.created",
    "charge.dispute.updated",
    "charge.dispute.closed",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
}
HANDLED_EVENT_TYPES = SESSION_EVENTS | REFUND_EVENTS | DISPUTE_EVENTS

_REFUND_STATUSES = {
    "pending": RefundStatus.PENDING,
    "requires_action": RefundStatus.REQUIRES_ACTION,
    "succeeded": RefundStatus.SUCCEEDED,
    "failed": RefundStatus.FAILED,
    "canceled": RefundStatus.CANCELED,
}


class PaymentError(RegistrationError):
    """A payment, refund or invoice step refused; `code` says why."""

    default_code = "payment_error"


class PaymentInvalid(PaymentError):
    """Several field errors at once (billing details)."""

    def __init__(self, errors: list[PaymentError]):
        super().__init__("; ".join(e.message for e in errors), code="invalid")
        self.errors = errors


def card_payments_enabled() -> bool:
    """Card payments are offered only with a secret key and a webhook secret."""
    return stripe_api.is_enabled() and bool(settings.STRIPE_WEBHOOK_SECRET)


def card_payment_refusal(
    order: Order, *, now: datetime | None = None
) -> PaymentError | None:
    """Why a card payment of `order` cannot start now; None when it can.

    The one rule behind the order page's "Pay by card" button, the pay view
    and `start_card_payment`: Stripe is configured, the order is pending with
    something to pay, its hold has not run out, and it is not on a
    delegation's combined invoice (paid as a whole, by transfer). An invoice
    order may be paid by card too; the card payment settles its invoice.
    Codes: `card_payments_off`, `not_payable`, `hold_expired`, `delegation_invoice`.
    """
    if not card_payments_enabled():
        return PaymentError(
            _("Card payments are not available; choose another way to pay."),
            code="card_payments_off",
        )
    if order.status != OrderStatus.PENDING or order.total <= 0:
        return PaymentError(_("This order cannot be paid now."), code="not_payable")
    now = now or timezone.now()
    if order.expires_at is None or order.expires_at <= now:
        return PaymentError(
            _("The places of this order are no longer reserved; please order again."),
            code="hold_expired",
        )
    if order.delegation_invoices.exists():
        return PaymentError(
            _("This order is paid with its delegation's invoice."),
            code="delegation_invoice",
        )
    return None


def can_pay_by_card(order: Order, *, now: datetime | None = None) -> bool:
    """Whether the buyer may start a card payment of `order` now (see card_payment_refusal)."""
    return card_payment_refusal(order, now=now) is None


def offered_payment_methods() -> list[tuple[str, str]]:
    """What a buyer may choose at checkout: card only when Stripe is configured."""
    methods = [(PaymentMethod.INVOICE, PaymentMethod.INVOICE.label)]
    if card_payments_enabled():
        methods.insert(0, (PaymentMethod.CARD, PaymentMethod.CARD.label))
    return methods


def card_payments_disabled_reason() -> str:
    """Why card payments are off (for the admin); empty when they are on."""
    return stripe_api.disabled_reason()


def check_status_move(record, *, to: str, table: dict[str, set[str]]) -> None:
    """Refuse (InvalidTransition) a move of `record.status` to `to` that `table` lacks.

    Called before every status this module writes on a payment, refund or
    invoice (PAYMENT_TRANSITIONS, REFUND_TRANSITIONS, INVOICE_TRANSITIONS),
    and by travel/services/delegations.py for delegations and their combined
    invoices. Staying in the same status is no move and passes.
    """
    old = record.status
    if to == old or to in table.get(old, set()):
        return
    labels = dict(record._meta.get_field("status").choices)
    raise InvalidTransition(
        _("The status of this %(kind)s cannot move from %(old)s to %(new)s.")
        % {
            "kind": record._meta.verbose_name,
            "old": labels.get(old, old),
            "new": labels.get(to, to),
        },
        field="status",
    )


def _move_payment(payment: Payment, to: str) -> None:
    check_status_move(payment, to=to, table=PAYMENT_TRANSITIONS)


def _move_refund(refund: Refund, to: str) -> None:
    check_status_move(refund, to=to, table=REFUND_TRANSITIONS)


def _move_invoice(invoice: Invoice, to: str) -> None:
    check_status_move(invoice, to=to, table=INVOICE_TRANSITIONS)
