"""Refunds: written pending first and sent to Stripe after the commit with the
row's idempotency key; bank-transfer refunds are marked sent by staff;
cancellation with its fee."""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registration.audit.services import log_activity
from registration.models import (
    CreditNote,
    Invoice,
    InvoiceStatus,
    Order,
    OrderStatus,
    Payment,
    PaymentProvider,
    PaymentStatus,
    Refund,
    RefundOrigin,
    RefundPolicy,
    RefundStatus,
)
from registration.money import (
    format_money,
    round_money,
    to_minor_units,
)
from registration.orders.services import (
    can_buyer_cancel,
    cancel_order,
)
from registration.outbox.services import enqueue_message
from registration.payments import stripe as stripe_api
from registration.payments.services.amounts import (
    _expire_session_quietly,
    _limit_lock_wait,
    refundable_amount,
)
from registration.payments.services.invoices import _issue_credit_note, credited_amount
from registration.payments.services.rules import (
    _REFUND_STATUSES,
    REFUND_RETRY_AFTER,
    PaymentError,
    _move_invoice,
    _move_refund,
)

logger = logging.getLogger(__name__)


def _submit_refunds(refund_ids: list[int]) -> None:
    for refund_id in refund_ids:
        try:
            submit_refund(Refund.objects.get(pk=refund_id))
        except Exception:
            logger.exception("Refund %s not sent; the periodic loop retries", refund_id)


def submit_refund(refund: Refund) -> Refund:
    """Send a pending refund to Stripe once (its idempotency key makes a resend harmless).

    Bank-transfer refunds stay pending until staff mark them sent. A refusal
    marks the refund failed; an unknown outcome leaves it pending for a retry.
    """
    refund = Refund.objects.select_related("payment", "order").get(pk=refund.pk)
    payment = refund.payment
    if (
        refund.status != RefundStatus.PENDING
        or refund.stripe_refund_id
        or payment.provider != PaymentProvider.STRIPE
    ):
        return refund
    try:
        data = stripe_api.create_refund(
            payment.stripe_payment_intent_id,
            amount=to_minor_units(refund.amount, refund.currency),
            idempotency_key=refund.idempotency_key,
            metadata={"order_code": refund.order.code, "refund_id": str(refund.pk)},
        )
    except stripe_api.StripeUnavailable as exc:
        Refund.objects.filter(pk=refund.pk).update(last_error=str(exc)[:2000])
        refund.last_error = str(exc)
        return refund
    except stripe_api.StripeRefused as exc:
        _move_refund(refund, RefundStatus.FAILED)
        Refund.objects.filter(pk=refund.pk, status=RefundStatus.PENDING).update(
            status=RefundStatus.FAILED, last_error=str(exc)[:2000]
        )
        log_activity(
            refund.order,
            action="refund.failed",
            data={"refund": refund.pk, "error": str(exc)[:500]},
        )
        refund.refresh_from_db()
        return refund
    with transaction.atomic():
        locked = Refund.objects.select_for_update().get(pk=refund.pk)
        previous = locked.status
        locked.stripe_refund_id = data["id"]
        if locked.status == RefundStatus.PENDING:
            answered = _REFUND_STATUSES.get(
                data.get("status") or "", RefundStatus.PENDING
            )
            _move_refund(locked, answered)
            locked.status = answered
        locked.last_error = ""
        locked.save(
            update_fields=["stripe_refund_id", "status", "last_error", "updated_at"]
        )
        _refund_settled(locked, previous=previous)
    return locked


def _create_refunds(
    order: Order, *, amount: Decimal | None, origin: str, reason: str, by
) -> list[Refund]:
    """Refund rows (pending) over the order's succeeded payments, newest first.

    Call inside a transaction; None refunds everything still refundable.
    """
    payments = list(
        Payment.objects.select_for_update()
        .filter(order=order, status=PaymentStatus.SUCCEEDED)
        .order_by("-confirmed_at", "-pk")
    )
    available = {payment.pk: refundable_amount(payment) for payment in payments}
    total_available = sum(available.values(), Decimal("0"))
    wanted = total_available if amount is None else round_money(amount, order.currency)
    if wanted <= 0:
        raise PaymentError(
            _("Enter an amount above zero."), code="invalid_amount", field="amount"
        )
    if wanted > total_available:
        raise PaymentError(
            _("At most %(amount)s can be refunded.")
            % {"amount": format_money(total_available, order.currency)},
            code="amount_too_high",
            field="amount",
        )
    refunds = []
    left = wanted
    for payment in payments:
        part = min(left, available[payment.pk])
        if part <= 0:
            continue
        refund = Refund.objects.create(
            payment=payment,
            order=order,
            amount=part,
            currency=payment.currency,
            origin=origin,
            reason=reason,
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        refunds.append(refund)
        left -= part
        if left <= 0:
            break
    log_activity(
        order,
        action="refund.requested",
        actor=by,
        event=order.event,
        data={
            "amount": str(wanted),
            "origin": origin,
            "reason": reason,
            "refunds": [refund.pk for refund in refunds],
        },
    )
    return refunds


def refund_order(
    order: Order, *, amount: Decimal | None = None, reason: str, by
) -> list[Refund]:
    """Staff refund part (`amount`) or all (None) of what an order paid, with a reason.

    Card refunds go to Stripe at once (their status follows Stripe's events);
    bank-transfer refunds stay pending until staff mark them sent. Raises
    PaymentError (`reason` missing, `amount_too_high`, `invalid_amount`).
    """
    if not reason.strip():
        raise PaymentError(
            _("Give a reason for the refund."), code="required", field="reason"
        )
    with transaction.atomic():
        refunds = _create_refunds(
            order,
            amount=amount,
            origin=RefundOrigin.STAFF,
            reason=reason.strip(),
            by=by,
        )
    return [submit_refund(refund) for refund in refunds]


def mark_refund_sent(refund: Refund, *, by, reference: str = "") -> Refund:
    """Staff sent a bank-transfer refund by hand: it counts as succeeded."""
    with transaction.atomic():
        locked = Refund.objects.select_for_update().get(pk=refund.pk)
        if locked.payment.provider != PaymentProvider.BANK_TRANSFER:
            raise PaymentError(
                _("Card refunds are confirmed by Stripe."), code="not_manual"
            )
        if locked.status != RefundStatus.PENDING:
            raise PaymentError(_("This refund is not pending."), code="not_pending")
        _move_refund(locked, RefundStatus.SUCCEEDED)
        locked.status = RefundStatus.SUCCEEDED
        locked.save(update_fields=["status", "updated_at"])
        log_activity(
            locked.order,
            action="refund.sent",
            actor=by,
            data={"refund": locked.pk, "reference": reference},
        )
        _refund_settled(locked, previous=RefundStatus.PENDING)
    return locked


def retry_pending_refunds(*, now: datetime | None = None) -> int:
    """Send again the card refunds whose first attempt had no answer; the number tried."""
    now = now or timezone.now()
    due = list(
        Refund.objects.filter(
            status=RefundStatus.PENDING,
            stripe_refund_id__isnull=True,
            payment__provider=PaymentProvider.STRIPE,
            created_at__lte=now - REFUND_RETRY_AFTER,
        ).values_list("pk", flat=True)[:200]
    )
    _submit_refunds(due)
    return len(due)


def cancellation_fee(order: Order, *, paid: Decimal) -> Decimal:
    """What the event's refund policy keeps when a buyer cancels a paid order."""
    policy = RefundPolicy.objects.filter(event_id=order.event_id).first()
    if policy is None:
        return Decimal("0")
    fee = policy.fee_fixed + paid * policy.fee_percent / Decimal(100)
    return min(round_money(fee, order.currency), paid)


def cancel_order_with_refund(
    order: Order,
    *,
    by,
    reason: str = "",
    as_buyer: bool = False,
    refund_amount: Decimal | None = None,
    now: datetime | None = None,
) -> tuple[Order, list[Refund]]:
    """Cancel an order and give back what its policy says, in one transaction.

    Buyers may cancel paid orders until the event's deadline and get the
    amount paid less the policy's fee; staff refund everything unless they
    give `refund_amount`. An issued invoice gets a credit note for what is
    no longer owed. Card refunds are sent to Stripe after the commit.
    """
    now = now or timezone.now()
    if as_buyer and not can_buyer_cancel(order, now=now):
        raise PaymentError(
            _("This order can no longer be canceled online; please contact us."),
            code="cancellation_not_allowed",
        )
    with transaction.atomic():
        _limit_lock_wait()
        order = (
            Order.objects.select_for_update().select_related("event").get(pk=order.pk)
        )
        was_paid = order.status == OrderStatus.PAID
        received = sum(
            (
                refundable_amount(payment)
                for payment in order.payments.filter(status=PaymentStatus.SUCCEEDED)
            ),
            Decimal("0"),
        )
        fee = cancellation_fee(order, paid=received) if as_buyer else Decimal("0")
        to_refund = received - fee if refund_amount is None else refund_amount
        order = cancel_order(order, by=by, reason=reason, as_buyer=as_buyer, now=now)
        invoice = Invoice.objects.select_for_update().filter(order=order).first()
        if invoice is not None and invoice.status != InvoiceStatus.CREDITED:
            kept = fee if was_paid else Decimal("0")
            # Partial refunds have had their own credit notes already.
            left = invoice.total - kept - credited_amount(invoice)
            if left > 0:
                _issue_credit_note(
                    invoice,
                    amount=left,
                    reason=reason or _("Order canceled."),
                    now=now,
                    closes=True,
                )
            else:
                _move_invoice(invoice, InvoiceStatus.CREDITED)
                invoice.status = InvoiceStatus.CREDITED
                invoice.save(update_fields=["status"])
        refunds = []
        if was_paid and to_refund > 0:
            refunds = _create_refunds(
                order,
                amount=to_refund,
                origin=RefundOrigin.CANCELLATION,
                reason=reason or _("Order canceled."),
                by=by,
            )
    # A canceled order's open Checkout Session must not be paid any more (if it
    # is anyway, the payment is refunded as a late payment).
    for payment in order.payments.filter(
        provider=PaymentProvider.STRIPE, status=PaymentStatus.OPEN
    ).exclude(stripe_session_id=None):
        _expire_session_quietly(payment.stripe_session_id)
    return order, [submit_refund(refund) for refund in refunds]


# Refunds that credit the order's invoice when they go through. A
# cancellation credits the invoice itself (cancel_order_with_refund); a late
# or duplicate payment was never part of the invoice.
CREDITED_REFUND_ORIGINS = (RefundOrigin.STAFF, RefundOrigin.STRIPE)


def _refund_settled(refund: Refund, *, previous: str | None) -> None:
    """A refund went through: tell the buyer once (late payments are told
    already) and credit the invoice by what it gave back. Inside a transaction."""
    if refund.status != RefundStatus.SUCCEEDED or previous == RefundStatus.SUCCEEDED:
        return
    if refund.origin != RefundOrigin.LATE_PAYMENT:
        enqueue_message(
            "email.refund_issued",
            payload={"refund": refund.pk},
            key=f"refund_issued:{refund.pk}",
        )
    if refund.origin in CREDITED_REFUND_ORIGINS:
        _credit_refund(refund)


def _credit_refund(refund: Refund) -> CreditNote | None:
    """A credit note for a partial (or whole) refund of an invoiced order.

    At most what the invoice still carries is credited, so all of an
    invoice's credit notes never add up to more than its total; a credited
    (canceled) invoice gets none. The invoice is credited in full once they
    reach its total.
    """
    invoice = (
        Invoice.objects.select_for_update()
        .select_related("order__event")
        .filter(order_id=refund.order_id)
        .first()
    )
    if invoice is None or invoice.status == InvoiceStatus.CREDITED:
        return None
    amount = min(refund.amount, invoice.total - credited_amount(invoice))
    if amount <= 0:
        return None
    return _issue_credit_note(
        invoice,
        amount=amount,
        reason=_("Partial refund: %(reason)s") % {"reason": refund.reason}
        if amount < invoice.total
        else refund.reason,
        now=timezone.now(),
        refund=refund,
    )
