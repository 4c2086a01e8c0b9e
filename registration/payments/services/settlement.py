"""The money after a change of a placed order (orders/services/changes.py).

One rule, shown in the preview and applied by the `order_changed` receiver:

- an order with an open invoice whose total changes gets a credit note over
  what the invoice still carries and a new invoice for the new total (both
  numbered without gaps); the new one is paid when the money received covers it;
- what was received beyond the new total is refunded (card: to the card, at
  once; bank transfer: listed under "Bank refunds to send"), unless staff
  chose to keep it;
- a balance left to pay on a paid order is paid by card from the order page
  (the buyer's e-mail links there), or by transfer against the new invoice;
- an order with nothing to pay that now costs something is paid by card when
  card payments are on, else by invoice;
- a pending order's open Checkout Session, for the old amount, is closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from registration.audit.services import log_activity
from registration.models import (
    COUNTED_REFUND_STATUSES,
    BillingDetails,
    Invoice,
    InvoiceStatus,
    Order,
    OrderChange,
    OrderChangeStatus,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentProvider,
    PaymentStatus,
    Refund,
    RefundOrigin,
)
from registration.money import format_money
from registration.outbox.services import enqueue_message
from registration.payments.services.amounts import _expire_session_quietly
from registration.payments.services.invoices import (
    _invoice_order,
    _issue_credit_note,
    _issue_invoice,
    buyer_billing,
    credited_amount,
)
from registration.payments.services.refunds import _create_refunds, _submit_refunds
from registration.payments.services.rules import PaymentError, card_payments_enabled


def net_received(order: Order) -> Decimal:
    """What the order's payments brought in, less what was (or is being) refunded."""
    paid = Payment.objects.filter(
        order=order, status=PaymentStatus.SUCCEEDED
    ).aggregate(total=Sum("amount"))["total"] or Decimal(0)
    refunded = Refund.objects.filter(
        order=order, status__in=COUNTED_REFUND_STATUSES
    ).aggregate(total=Sum("amount"))["total"] or Decimal(0)
    return paid - refunded


def _has_payments(order: Order) -> bool:
    return Payment.objects.filter(order=order, status=PaymentStatus.SUCCEEDED).exists()


def balance_due(order: Order) -> Decimal:
    """What a paid order still owes after a change made it cost more; 0 otherwise.

    Money is settled only against payments recorded here: a paid order with
    none (paid with its delegation, or marked paid before payments were
    recorded) owes nothing and is refunded nothing automatically.
    """
    if order.status != OrderStatus.PAID or not _has_payments(order):
        return Decimal(0)
    return max(order.total - net_received(order), Decimal(0))


def balance_payment_refusal(
    order: Order, *, change: OrderChange | None = None
) -> PaymentError | None:
    """Why a card payment of a paid order's balance (or of `change`, a buyer's
    change waiting for its payment) cannot start now; None when it can.

    The rule behind the order page's "Pay the balance" and "Buy extras" and
    `start_card_payment`: Stripe is configured, and there is something to pay.
    Codes: `card_payments_off`, `not_payable`, `delegation_invoice`.
    """
    if not card_payments_enabled():
        return PaymentError(
            _("Card payments are not available; choose another way to pay."),
            code="card_payments_off",
        )
    if change is not None:
        if (
            change.status != OrderChangeStatus.AWAITING_PAYMENT
            or change.difference <= 0
        ):
            return PaymentError(
                _("This change has nothing to pay."), code="not_payable"
            )
        return None
    if balance_due(order) <= 0:
        return PaymentError(
            _("This order has nothing left to pay."), code="not_payable"
        )
    if order.delegation_invoices.exists():
        return PaymentError(
            _("This order is paid with its delegation's invoice."),
            code="delegation_invoice",
        )
    return None


@dataclass(frozen=True)
class Settlement:
    """What settling a new total means for the money, before or after the change."""

    new_total: Decimal
    received: Decimal
    refund: Decimal
    kept: Decimal
    balance: Decimal
    reinvoice: bool
    currency: str

    def as_dict(self) -> dict:
        return {
            "refund": str(self.refund),
            "kept": str(self.kept),
            "balance": str(self.balance),
            "reinvoiced": self.reinvoice,
        }

    @property
    def summary(self) -> str:
        parts = []
        if self.reinvoice:
            parts.append(
                _("The invoice is credited in full and a new one issued for %(total)s.")
                % {"total": format_money(self.new_total, self.currency)}
            )
        if self.refund:
            parts.append(
                _("%(amount)s is refunded.")
                % {"amount": format_money(self.refund, self.currency)}
            )
        if self.kept:
            parts.append(
                _("%(amount)s overpaid is kept for staff to decide.")
                % {"amount": format_money(self.kept, self.currency)}
            )
        if self.balance and self.reinvoice:
            parts.append(
                _("%(amount)s is left to pay on the new invoice.")
                % {"amount": format_money(self.balance, self.currency)}
            )
        elif self.balance:
            parts.append(
                _("%(amount)s is left to pay; the buyer gets the payment link.")
                % {"amount": format_money(self.balance, self.currency)}
            )
        return " ".join(parts) or _("Nothing to pay or refund.")


def plan_settlement(
    order: Order, *, new_total: Decimal, refund_difference: bool
) -> Settlement:
    """The settlement of `order` at `new_total` (the preview's, and the receiver's)."""
    received = net_received(order)
    if order.status == OrderStatus.PAID and not _has_payments(order):
        received = new_total  # settled outside what is recorded here (balance_due)
    over = max(received - new_total, Decimal(0))
    invoice = _open_invoice(order)
    paid = order.status == OrderStatus.PAID or received > 0
    return Settlement(
        new_total=new_total,
        received=received,
        refund=over if refund_difference else Decimal(0),
        kept=Decimal(0) if refund_difference else over,
        balance=max(new_total - received, Decimal(0)) if paid else Decimal(0),
        # A change of what was sold reissues the invoice, whatever the total.
        reinvoice=invoice is not None,
        currency=order.currency,
    )


def _open_invoice(order: Order) -> Invoice | None:
    return (
        Invoice.objects.filter(order=order)
        .exclude(status=InvoiceStatus.CREDITED)
        .first()
    )


def settle_order_change(
    order: Order, *, change: OrderChange, by, now: datetime
) -> None:
    """Settle the money of an applied change; inside its transaction, order locked."""
    if order.payment_method == PaymentMethod.FREE and order.total > 0:
        order.payment_method = (
            PaymentMethod.CARD if card_payments_enabled() else PaymentMethod.INVOICE
        )
        order.save(update_fields=["payment_method", "updated_at"])
    settlement = plan_settlement(
        order, new_total=order.total, refund_difference=change.refund_difference
    )
    OrderChange.objects.filter(pk=change.pk).update(settlement=settlement.as_dict())
    change.settlement = settlement.as_dict()
    if settlement.reinvoice:
        _reissue_invoice(order, change=change, received=settlement.received, now=now)
    elif _needs_first_invoice(order):
        _invoice_order(order, billing=buyer_billing(order), by=by, now=now)
    if settlement.refund > 0:
        refunds = _create_refunds(
            order,
            amount=settlement.refund,
            origin=RefundOrigin.ORDER_CHANGE,
            reason=change.reason or _("Order changed."),
            by=by,
        )
        ids = [refund.pk for refund in refunds]
        transaction.on_commit(lambda: _submit_refunds(ids))
    if order.status == OrderStatus.PENDING:
        sessions = list(
            order.payments.filter(
                provider=PaymentProvider.STRIPE, status=PaymentStatus.OPEN
            )
            .exclude(stripe_session_id=None)
            .values_list("stripe_session_id", flat=True)
        )
        transaction.on_commit(
            lambda: [_expire_session_quietly(session) for session in sessions]
        )


def _needs_first_invoice(order: Order) -> bool:
    return (
        order.payment_method == PaymentMethod.INVOICE
        and order.total > 0
        and order.status in {OrderStatus.PENDING, OrderStatus.PAID}
        and not Invoice.objects.filter(order=order).exists()
        and not order.delegation_invoices.exists()
    )


def _reissue_invoice(
    order: Order, *, change: OrderChange, received: Decimal, now: datetime
) -> Invoice:
    """Credit what the open invoice still carries and issue the order's new one."""
    invoice = (
        Invoice.objects.select_for_update()
        .filter(order=order)
        .exclude(status=InvoiceStatus.CREDITED)
        .get()
    )
    left = invoice.total - credited_amount(invoice)
    _issue_credit_note(
        invoice,
        amount=left,
        reason=_("Order changed: replaced by a new invoice."),
        now=now,
        closes=True,
    )
    details = BillingDetails.objects.filter(order=order).first()
    if details is None:
        billing = buyer_billing(order)
        details = BillingDetails.objects.create(
            order=order,
            name=billing.name,
            address=billing.address,
            tax_id=billing.tax_id,
            email=billing.email,
        )
    new = _issue_invoice(order, details, now=now, paid=received >= order.total)
    log_activity(
        order,
        action="invoice.reissued",
        event=order.event,
        data={
            "change": change.pk,
            "credited": invoice.number,
            "invoice": new.number,
            "total": str(new.total),
        },
    )
    enqueue_message(
        "email.invoice_issued",
        payload={"invoice": new.pk},
        key=f"invoice_issued:{new.pk}",
    )
    return new
