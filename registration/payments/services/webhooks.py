"""Stripe's webhooks: each event stored once by its id, the object fetched again
from Stripe and applied under row locks (payments, refunds, disputes)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from django.db import OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registration.audit.services import log_activity
from registration.errors import Busy, OrderError, SoldOut
from registration.models import (
    OPEN_PAYMENT_STATUSES,
    DisputeStatus,
    Order,
    OrderChange,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentProvider,
    PaymentStatus,
    Refund,
    RefundOrigin,
    RefundStatus,
    StripeEvent,
    StripeEventStatus,
)
from registration.money import (
    CURRENCY_DECIMALS,
    from_minor_units,
    to_minor_units,
)
from registration.orders.services import (
    apply_paid_change,
    fail_paid_change,
    is_lock_timeout,
    mark_order_paid,
    transition_order,
)
from registration.outbox.services import enqueue_message
from registration.payments import stripe as stripe_api
from registration.payments.services.amounts import (
    _charge_id,
    _intent_id,
    _limit_lock_wait,
)
from registration.payments.services.invoices import _settle_invoice
from registration.payments.services.refunds import _refund_settled, _submit_refunds
from registration.payments.services.rules import (
    _REFUND_STATUSES,
    HANDLED_EVENT_TYPES,
    REFUND_EVENTS,
    SESSION_EVENTS,
    _move_payment,
    _move_refund,
)
from registration.payments.services.settlement import net_received

logger = logging.getLogger(__name__)


def _record_event(event: dict, *, source: str) -> StripeEvent:
    created = event.get("created") or int(timezone.now().timestamp())
    obj = (event.get("data") or {}).get("object") or {}
    record, _created = StripeEvent.objects.get_or_create(
        event_id=event["id"],
        defaults={
            "type": event.get("type", "")[:100],
            "livemode": bool(event.get("livemode")),
            "stripe_created": datetime.fromtimestamp(created, tz=UTC),
            "object_id": str(obj.get("id") or "")[:255],
            "payload": event,
            "source": source,
        },
    )
    return record


def process_stripe_event(
    event: dict, *, source: str = "webhook", now: datetime | None = None
) -> str:
    """Apply one verified Stripe event at most once: "processed", "duplicate" or "ignored".

    The event is stored by its id first. The object it names is fetched again
    from Stripe (outside any lock) and its current state applied under the
    event's row lock, so a second delivery, simultaneous or later, finds it
    processed. Raises Busy on a lock timeout and stripe.StripeUnavailable when
    Stripe cannot be asked: the webhook answers 5xx and Stripe retries. Refunds
    decided here are sent to Stripe after the commit.
    """
    now = now or timezone.now()
    record = _record_event(event, source=source)
    if record.status in {StripeEventStatus.PROCESSED, StripeEventStatus.IGNORED}:
        return "duplicate"
    event_type = event.get("type", "")
    if event_type not in HANDLED_EVENT_TYPES:
        StripeEvent.objects.filter(pk=record.pk).update(
            status=StripeEventStatus.IGNORED, processed_at=now
        )
        return "ignored"
    try:
        fresh = _refetch(event)
        with transaction.atomic():
            _limit_lock_wait()
            locked = StripeEvent.objects.select_for_update().get(pk=record.pk)
            if locked.status in {
                StripeEventStatus.PROCESSED,
                StripeEventStatus.IGNORED,
            }:
                return "duplicate"
            to_submit = _apply(event, fresh, now=now)
            locked.status = StripeEventStatus.PROCESSED
            locked.processed_at = timezone.now()
            locked.attempts += 1
            locked.last_error = ""
            locked.save(
                update_fields=["status", "processed_at", "attempts", "last_error"]
            )
    except OperationalError as exc:
        _note_failure(record, exc)
        if is_lock_timeout(exc):
            raise Busy(_("The system is busy; please try again.")) from exc
        raise
    except Exception as exc:
        _note_failure(record, exc)
        raise
    _submit_refunds(to_submit)
    return "processed"


def _note_failure(record: StripeEvent, exc: Exception) -> None:
    try:
        record.status = StripeEventStatus.FAILED
        record.attempts += 1
        record.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        StripeEvent.objects.filter(pk=record.pk).exclude(
            status=StripeEventStatus.PROCESSED
        ).update(
            status=record.status, attempts=record.attempts, last_error=record.last_error
        )
    except Exception:  # pragma: no cover - the original error matters more
        logger.exception("Could not note the failure of Stripe event %s", record.pk)


def _refetch(event: dict) -> dict:
    """The current state of what the event is about, asked from Stripe again."""
    event_type = event["type"]
    obj = event["data"]["object"]
    if event_type in SESSION_EVENTS:
        return {"session": stripe_api.retrieve_checkout_session(obj["id"])}
    if event_type in REFUND_EVENTS:
        intent_id = obj.get("payment_intent") or ""
        if not intent_id:
            return {"refunds": [], "payment_intent": ""}
        return {
            "payment_intent": intent_id,
            "refunds": stripe_api.list_refunds(intent_id),
        }
    # A dispute: its status, reason and withdrawn funds as Stripe has them now
    # (events of one dispute may come in any order).
    return {"dispute": stripe_api.retrieve_dispute(obj["id"])}


def _apply(event: dict, fresh: dict, *, now: datetime) -> list[int]:
    event_type = event["type"]
    if event_type in SESSION_EVENTS:
        return _apply_session(fresh["session"], event_type=event_type, now=now)
    if event_type in REFUND_EVENTS:
        return _sync_refunds(fresh["payment_intent"], fresh["refunds"], now=now)
    return _apply_dispute(fresh["dispute"], event_type=event_type, now=now)


def _payment_for_session(session: dict) -> Payment | None:
    payment = (
        Payment.objects.select_for_update()
        .filter(stripe_session_id=session["id"])
        .first()
    )
    if payment is not None:
        return payment
    # Our process may have stopped between creating the session and saving its
    # id: the session's metadata names the attempt.
    payment_id = (session.get("metadata") or {}).get("payment_id", "")
    if not str(payment_id).isdigit():
        return None
    payment = (
        Payment.objects.select_for_update()
        .filter(
            pk=int(payment_id),
            provider=PaymentProvider.STRIPE,
            stripe_session_id__isnull=True,
        )
        .first()
    )
    if payment is not None:
        payment.stripe_session_id = session["id"]
        payment.save(update_fields=["stripe_session_id", "updated_at"])
    return payment


def _apply_session(session: dict, *, event_type: str, now: datetime) -> list[int]:
    """Make our payment say what the session says; the refunds to send afterwards."""
    payment = _payment_for_session(session)
    if payment is None:
        logger.warning(
            "Checkout Session %s belongs to no payment of ours", session.get("id")
        )
        return []
    intent = session.get("payment_intent")
    intent_status = intent.get("status") if isinstance(intent, dict) else ""
    status = session.get("status")
    paid = session.get("payment_status") in {"paid", "no_payment_required"}
    if status == "complete" and paid:
        return _confirm_card_payment(payment, session, now=now)
    if status == "complete":
        failed = event_type == "checkout.session.async_payment_failed" or (
            intent_status in {"requires_payment_method", "canceled"}
        )
        if failed and payment.status in OPEN_PAYMENT_STATUSES:
            _save(
                payment,
                status=PaymentStatus.FAILED,
                stripe_payment_intent_id=_intent_id(session),
                problem=_("The bank did not complete the payment."),
            )
            log_activity(
                payment.order,
                action="payment.failed",
                data={"payment": payment.pk, "session": session["id"]},
            )
        elif not failed and payment.status in {
            PaymentStatus.CREATING,
            PaymentStatus.OPEN,
        }:
            _save(
                payment,
                status=PaymentStatus.PROCESSING,
                stripe_payment_intent_id=_intent_id(session),
            )
        return []
    if status == "expired":
        return _expire_card_payment(payment, now=now)
    return []


def _save(payment: Payment, **fields) -> None:
    if "status" in fields:
        _move_payment(payment, fields["status"])
    for name, value in fields.items():
        setattr(payment, name, value)
    payment.save(update_fields=[*fields, "updated_at"])


def _expire_card_payment(payment: Payment, *, now: datetime) -> list[int]:
    """A session ran out: the attempt is over; the hold ends if it was the last one
    and the hold was the session's: a hold staff gave since, reaching past the
    session's end (a revival, an extension), stays until the expiry job ends it."""
    if payment.status not in {PaymentStatus.CREATING, PaymentStatus.OPEN}:
        return []
    _save(payment, status=PaymentStatus.EXPIRED)
    if payment.order_change_id is not None:
        # The buyer left the checkout of extras bought later: no change.
        fail_paid_change(
            OrderChange.objects.get(pk=payment.order_change_id),
            problem=_("The card payment was not completed."),
        )
    order = Order.objects.select_related("event").get(pk=payment.order_id)
    others_open = (
        order.payments.filter(status__in=OPEN_PAYMENT_STATUSES)
        .exclude(pk=payment.pk)
        .exists()
    )
    longer_hold = (
        payment.expires_at is not None
        and order.expires_at is not None
        and order.expires_at > payment.expires_at
    )
    if (
        order.status == OrderStatus.PENDING
        and order.payment_method == PaymentMethod.CARD
        and not others_open
        and not longer_hold
    ):
        transition_order(
            order, to=OrderStatus.EXPIRED, reason="checkout session expired"
        )
    return []


def _confirm_card_payment(
    payment: Payment, session: dict, *, now: datetime
) -> list[int]:
    """Money arrived: mark the payment and the order paid, or refund what cannot be kept."""
    if payment.status == PaymentStatus.SUCCEEDED:
        return []
    order = _record_paid_payment(payment, session, now=now)
    if _record_amount_mismatch(payment, order, session):
        return []
    enqueue_message(
        "email.payment_receipt",
        payload={"payment": payment.pk},
        key=f"payment_receipt:{payment.pk}",
    )
    if payment.order_change_id is not None:
        return _apply_paid_change_or_refund(payment, order, now=now)
    if order.status == OrderStatus.PAID and net_received(order) <= order.total:
        # The balance a change left (or part of it): kept, and the new
        # invoice settled once it is covered.
        _settle_if_covered(order, payment, now=now)
        return []
    if (refund := _refund_for_closed_order(payment, order)) is not None:
        return [refund]
    return _mark_order_paid_by_card(payment, order, now=now)


def _apply_paid_change_or_refund(
    payment: Payment, order: Order, *, now: datetime
) -> list[int]:
    """A buyer's change paid by card: applied under the locks, or, when its
    extras are gone or the order changed meanwhile, the payment refunded."""
    change = OrderChange.objects.get(pk=payment.order_change_id)
    try:
        with transaction.atomic():
            apply_paid_change(change, now=now)
    except Busy:
        raise  # the locks were not granted: 503, and Stripe delivers it again
    except OrderError as exc:
        fail_paid_change(change, problem=exc.message)
        return [
            _refund_whole_payment(
                payment,
                order,
                origin=RefundOrigin.LATE_PAYMENT,
                reason=_("The change could not be made: %(why)s")
                % {"why": exc.message},
            )
        ]
    _settle_if_covered(order, payment, now=now)
    return []


def _settle_if_covered(order: Order, payment: Payment, *, now: datetime) -> None:
    order = Order.objects.get(pk=order.pk)
    log_activity(
        order,
        action="payment.balance_paid",
        event=order.event,
        data={"payment": payment.pk, "amount": str(payment.amount)},
    )
    if net_received(order) >= order.total:
        _settle_invoice(
            order, reference=f"Stripe {payment.stripe_payment_intent_id}", now=now
        )


def _record_paid_payment(payment: Payment, session: dict, *, now: datetime) -> Order:
    """The payment succeeded, with Stripe's ids, and is logged; its order, fresh."""
    _save(
        payment,
        status=PaymentStatus.SUCCEEDED,
        confirmed_at=now,
        stripe_payment_intent_id=_intent_id(session),
        stripe_charge_id=_charge_id(session),
    )
    order = Order.objects.select_related("event").get(pk=payment.order_id)
    log_activity(
        order,
        action="payment.succeeded",
        event=order.event,
        data={
            "payment": payment.pk,
            "amount": str(payment.amount),
            "currency": payment.currency,
            "payment_intent": payment.stripe_payment_intent_id,
        },
    )
    return order


def _record_amount_mismatch(payment: Payment, order: Order, session: dict) -> bool:
    """Whether Stripe charged another amount or currency than the order's total.

    If so, the payment records what was charged and why it is a problem, and
    the order is left as it is: no receipt, no refund, not marked paid.
    """
    currency = (session.get("currency") or "").upper()
    if currency == payment.currency and session.get("amount_total") == to_minor_units(
        payment.amount, payment.currency
    ):
        return False
    charged = (
        from_minor_units(session.get("amount_total") or 0, currency)
        if currency in CURRENCY_DECIMALS
        else session.get("amount_total")
    )
    problem = _(
        "Stripe charged %(charged)s %(currency)s but the order total is %(total)s."
    ) % {"charged": charged, "currency": currency, "total": payment.amount}
    # Kept apart from `problem` (a later dispute rewrites that) for the
    # Orders screen's "amount charged differs" flag.
    _save(
        payment,
        problem=problem,
        charged_amount=charged if currency in CURRENCY_DECIMALS else None,
        charged_currency=(currency or "?")[:3],
    )
    log_activity(
        order,
        action="payment.amount_mismatch",
        event=order.event,
        data={
            "payment": payment.pk,
            "charged": str(charged),
            "currency": currency,
            "total": str(payment.amount),
        },
    )
    logger.error("Payment %s: %s", payment.pk, problem)
    return True


def _refund_for_closed_order(payment: Payment, order: Order) -> int | None:
    """The refund of a payment for an order already paid or canceled; None otherwise."""
    already_paid = order.status == OrderStatus.PAID
    if not (already_paid or order.status == OrderStatus.CANCELED):
        return None
    origin = RefundOrigin.DUPLICATE if already_paid else RefundOrigin.LATE_PAYMENT
    reason = (
        _("The order had been paid already.")
        if already_paid
        else _("The order had been canceled before the payment arrived.")
    )
    return _refund_whole_payment(payment, order, origin=origin, reason=reason)


def _mark_order_paid_by_card(
    payment: Payment, order: Order, *, now: datetime
) -> list[int]:
    """The order paid and its invoice settled; a full refund if its seats are gone."""
    # A hold that ended before the money was confirmed is checked for free
    # seats again by mark_order_paid (someone may have taken them).
    try:
        with transaction.atomic():
            mark_order_paid(
                order,
                by=None,
                reason=f"card payment {payment.stripe_payment_intent_id}",
                now=now,
            )
    except SoldOut:
        if order.status == OrderStatus.PENDING:
            # The expiry job had not run yet; the hold is over all the same.
            transition_order(
                order,
                to=OrderStatus.EXPIRED,
                reason="hold ended before the payment was confirmed",
            )
        return [
            _refund_whole_payment(
                payment,
                order,
                origin=RefundOrigin.LATE_PAYMENT,
                reason=_(
                    "The payment arrived after the places were released and none are left."
                ),
            )
        ]
    _settle_invoice(
        order, reference=f"Stripe {payment.stripe_payment_intent_id}", now=now
    )
    return []


def _refund_whole_payment(
    payment: Payment, order: Order, *, origin: str, reason: str
) -> int:
    """A payment we cannot keep: refunded in full, the buyer told, staff see why."""
    refund = Refund.objects.create(
        payment=payment,
        order=order,
        amount=payment.amount,
        currency=payment.currency,
        origin=origin,
        reason=reason,
    )
    _save(payment, problem=reason)
    log_activity(
        order,
        action=f"payment.refunded_{origin}",
        event=order.event,
        data={"payment": payment.pk, "refund": refund.pk, "reason": reason},
    )
    logger.warning("Order %s: payment %s refunded (%s)", order.code, payment.pk, reason)
    enqueue_message(
        "email.late_payment_refunded",
        payload={"refund": refund.pk},
        key=f"late_payment_refunded:{refund.pk}",
    )
    return refund.pk


def _payment_for_intent(intent_id: str) -> Payment | None:
    if not intent_id:
        return None
    return (
        Payment.objects.select_for_update()
        .filter(stripe_payment_intent_id=intent_id)
        .order_by("-pk")
        .first()
    )


def _sync_refunds(intent_id: str, refunds: list[dict], *, now: datetime) -> list[int]:
    """Make our Refund rows match Stripe's list of refunds for a PaymentIntent."""
    payment = _payment_for_intent(intent_id)
    if payment is None:
        logger.warning("Refunds of PaymentIntent %s: no payment of ours", intent_id)
        return []
    for data in refunds:
        status = _REFUND_STATUSES.get(data.get("status") or "", RefundStatus.PENDING)
        amount = from_minor_units(int(data.get("amount") or 0), payment.currency)
        refund = (
            Refund.objects.select_for_update()
            .filter(stripe_refund_id=data["id"])
            .first()
        )
        if refund is None:
            ours = (data.get("metadata") or {}).get("refund_id", "")
            if str(ours).isdigit():
                refund = (
                    Refund.objects.select_for_update()
                    .filter(
                        pk=int(ours), payment=payment, stripe_refund_id__isnull=True
                    )
                    .first()
                )
        if refund is None:
            refund = Refund.objects.create(
                payment=payment,
                order_id=payment.order_id,
                amount=amount,
                currency=payment.currency,
                status=status,
                origin=RefundOrigin.STRIPE,
                reason=_("Refunded in Stripe (%(why)s).")
                % {"why": data.get("reason") or "-"},
                stripe_refund_id=data["id"],
            )
            log_activity(
                payment.order,
                action="refund.recorded",
                data={"refund": refund.pk, "amount": str(amount), "status": status},
            )
            _refund_settled(refund, previous=None)
            continue
        previous = refund.status
        _move_refund(refund, status)
        refund.stripe_refund_id = data["id"]
        refund.status = status
        refund.save(update_fields=["stripe_refund_id", "status", "updated_at"])
        if previous != status:
            log_activity(
                payment.order,
                action="refund.status",
                data={"refund": refund.pk, "from": previous, "to": status},
            )
            _refund_settled(refund, previous=previous)
    return []


def _payment_for_dispute(dispute: dict) -> Payment | None:
    intent = dispute.get("payment_intent")
    if isinstance(intent, dict):
        intent = intent.get("id")
    payment = _payment_for_intent(intent or "")
    charge = dispute.get("charge")
    if isinstance(charge, dict):
        charge = charge.get("id")
    if payment is None and charge:
        payment = (
            Payment.objects.select_for_update()
            .filter(stripe_charge_id=charge)
            .order_by("-pk")
            .first()
        )
    return payment


def _dispute_withdrawn(dispute: dict, *, event_type: str, before: bool) -> bool:
    """Whether Stripe holds the disputed amount now: its balance transactions
    (a withdrawal, then a reinstatement) say so; without them, the event does."""
    amounts = [
        item["amount"]
        for item in dispute.get("balance_transactions") or []
        if isinstance(item, dict) and item.get("amount") is not None
    ]
    if amounts:
        return sum(amounts) < 0
    if event_type == "charge.dispute.funds_withdrawn":
        return True
    if event_type == "charge.dispute.funds_reinstated":
        return False
    return before


def _apply_dispute(dispute: dict, *, event_type: str, now: datetime) -> list[int]:
    """A chargeback or inquiry: the payment shows the dispute as Stripe has it now.

    The first event flags the payment (and so its order, see
    selectors.OrderFlag.PAYMENT_DISPUTED) for staff; later ones record the
    status, whether the amount is withdrawn and the outcome. Money is Stripe's
    to move here: nothing is refunded, and the order's status stays.
    """
    payment = _payment_for_dispute(dispute)
    if payment is None:
        logger.warning("Dispute %s: no payment of ours", dispute.get("id"))
        return []
    status = dispute.get("status") or ""
    if status not in DisputeStatus.values:
        status = payment.dispute_status
    fields = {
        "dispute_status": status,
        "dispute_reason": (dispute.get("reason") or "")[:100],
        "dispute_funds_withdrawn": _dispute_withdrawn(
            dispute, event_type=event_type, before=payment.dispute_funds_withdrawn
        ),
    }
    opened = payment.dispute_id != (dispute.get("id") or "")
    if opened:
        fields.update(
            disputed_at=now,
            dispute_id=dispute.get("id") or "",
            problem=_("The payer disputed this payment (%(reason)s).")
            % {"reason": dispute.get("reason") or "-"},
        )
    before = {name: getattr(payment, name) for name in fields}
    if not opened and before == fields:
        return []
    _save(payment, **fields)
    data = {
        "payment": payment.pk,
        "dispute": payment.dispute_id,
        "reason": payment.dispute_reason,
        "status": status,
        "funds_withdrawn": payment.dispute_funds_withdrawn,
    }
    if opened:
        action = "payment.disputed"
    elif status != before["dispute_status"] and status in {
        DisputeStatus.WON,
        DisputeStatus.LOST,
        DisputeStatus.WARNING_CLOSED,
    }:
        action = "payment.dispute_closed"
    else:
        action = "payment.dispute_updated"
        data["from"] = before["dispute_status"]
    order = Order.objects.select_related("event").get(pk=payment.order_id)
    log_activity(order, action=action, event=order.event, data=data)
    logger.warning(
        "Order %s: payment %s dispute %s (%s)",
        order.code,
        payment.pk,
        payment.dispute_id,
        status or "-",
    )
    return []
